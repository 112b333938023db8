// The template of an edgemix module in AssemblyScript: a gain. Copy this folder, rename the
// module in ModuleInfo, and replace `process`. Build: see wasm-modules/as/README.md.
//
// Configuration: { "gain": 0.5 } (a linear factor, 0 to 16, default 1).
// Input: f32 samples. Output: each sample times gain, in float32 (out = fround(x * gain)).

import { Config, Format, INVALID_CONFIG, Input, Module, ModuleInfo, OK, Output, register } from "../sdk/index"

class Gain extends Module {
  gain: f32 = 1

  configure(config: Config): i32 {
    if (!config.only(["gain"])) return INVALID_CONFIG
    const gain = config.number("gain", 1)
    if (!(gain >= 0 && gain <= 16)) return INVALID_CONFIG
    this.gain = <f32>gain
    return OK
  }

  process(input: Input, out: Output): i32 {
    out.reserve(input.length)
    for (let i = 0; i < input.samples; i++) out.writeF32(input.sample(i) * this.gain)
    return OK
  }
}

register(
  new ModuleInfo("as_gain", "0.1.0", Format.F32, Format.F32, "Gain (AssemblyScript template): f32 samples times a linear factor"),
  (sessionId: string): Module | null => new Gain(),
)

export * from "../sdk/exports"
