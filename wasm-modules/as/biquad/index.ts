// A biquad filter in AssemblyScript with the edgemix SDK: the RBJ Audio EQ Cookbook
// (Robert Bristow-Johnson) coefficients, computed and run in f64 (transposed direct
// form II), f32 samples in and out. State carries across calls of a session.
//
// Configuration (all optional):
//   type        "lowpass" (default), "highpass", "bandpass" (0 dB peak), "notch",
//               "allpass", "peaking", "lowshelf", "highshelf"
//   frequencyHz centre / corner frequency, Hz, above 0 and below sampleRate / 2 (default 1000)
//   q           quality factor, 0.1 to 100 (default 0.7071067811865476, Butterworth)
//   gainDb      gain of peaking and shelf filters, dB, -48 to 48 (default 0)
//   sampleRate  Hz, 8000 to 192000 (default 48000)
// Anything else, or a value out of range, is INVALID_CONFIG.

import { Config, Format, INVALID_CONFIG, Input, Module, ModuleInfo, OK, Output, register } from "../sdk/index"

const TYPES = ["lowpass", "highpass", "bandpass", "notch", "allpass", "peaking", "lowshelf", "highshelf"]
const KEYS = ["type", "frequencyHz", "q", "gainDb", "sampleRate"]

class Biquad extends Module {
  b0: f64 = 1
  b1: f64 = 0
  b2: f64 = 0
  a1: f64 = 0
  a2: f64 = 0
  z1: f64 = 0
  z2: f64 = 0

  constructor() {
    super()
    this.design("lowpass", 1000, Math.SQRT1_2, 0, 48000)
  }

  configure(config: Config): i32 {
    if (!config.only(KEYS)) return INVALID_CONFIG
    const type = config.string("type", "lowpass")
    const rate = config.number("sampleRate", 48000)
    const frequency = config.number("frequencyHz", 1000)
    const q = config.number("q", Math.SQRT1_2)
    const gainDb = config.number("gainDb", 0)
    if (type == null || !TYPES.includes(type!)) return INVALID_CONFIG
    if (!(rate >= 8000 && rate <= 192000)) return INVALID_CONFIG
    if (!(frequency > 0 && frequency < rate / 2)) return INVALID_CONFIG
    if (!(q >= 0.1 && q <= 100)) return INVALID_CONFIG
    if (!(gainDb >= -48 && gainDb <= 48)) return INVALID_CONFIG
    this.design(type!, frequency, q, gainDb, rate)
    return OK
  }

  /** The cookbook's coefficients, normalised by a0. */
  design(type: string, frequency: f64, q: f64, gainDb: f64, rate: f64): void {
    const A = Math.pow(10, gainDb / 40)
    const w0 = (2 * Math.PI * frequency) / rate
    const cos = Math.cos(w0)
    const alpha = Math.sin(w0) / (2 * q)
    const root = 2 * Math.sqrt(A) * alpha
    let b0: f64, b1: f64, b2: f64, a0: f64, a1: f64, a2: f64
    a0 = 1 + alpha
    a1 = -2 * cos
    a2 = 1 - alpha
    if (type == "lowpass") {
      b1 = 1 - cos
      b0 = b1 / 2
      b2 = b0
    } else if (type == "highpass") {
      b1 = -(1 + cos)
      b0 = (1 + cos) / 2
      b2 = b0
    } else if (type == "bandpass") {
      b0 = alpha
      b1 = 0
      b2 = -alpha
    } else if (type == "notch") {
      b0 = 1
      b1 = -2 * cos
      b2 = 1
    } else if (type == "allpass") {
      b0 = 1 - alpha
      b1 = -2 * cos
      b2 = 1 + alpha
    } else if (type == "peaking") {
      b0 = 1 + alpha * A
      b1 = -2 * cos
      b2 = 1 - alpha * A
      a0 = 1 + alpha / A
      a2 = 1 - alpha / A
    } else if (type == "lowshelf") {
      b0 = A * (A + 1 - (A - 1) * cos + root)
      b1 = 2 * A * (A - 1 - (A + 1) * cos)
      b2 = A * (A + 1 - (A - 1) * cos - root)
      a0 = A + 1 + (A - 1) * cos + root
      a1 = -2 * (A - 1 + (A + 1) * cos)
      a2 = A + 1 + (A - 1) * cos - root
    } else {
      // highshelf
      b0 = A * (A + 1 + (A - 1) * cos + root)
      b1 = -2 * A * (A - 1 + (A + 1) * cos)
      b2 = A * (A + 1 + (A - 1) * cos - root)
      a0 = A + 1 - (A - 1) * cos + root
      a1 = 2 * (A - 1 - (A + 1) * cos)
      a2 = A + 1 - (A - 1) * cos - root
    }
    this.b0 = b0 / a0
    this.b1 = b1 / a0
    this.b2 = b2 / a0
    this.a1 = a1 / a0
    this.a2 = a2 / a0
  }

  process(input: Input, out: Output): i32 {
    out.reserve(input.length)
    let z1 = this.z1
    let z2 = this.z2
    for (let i = 0; i < input.samples; i++) {
      const x = <f64>input.sample(i)
      const y = this.b0 * x + z1
      z1 = this.b1 * x - this.a1 * y + z2
      z2 = this.b2 * x - this.a2 * y
      out.writeF32(<f32>y)
    }
    this.z1 = z1
    this.z2 = z2
    return OK
  }
}

register(
  new ModuleInfo("as_biquad", "0.1.0", Format.F32, Format.F32, "Biquad filter (RBJ cookbook, AssemblyScript): f32 samples in and out"),
  (sessionId: string): Module | null => new Biquad(),
)

export * from "../sdk/exports"
