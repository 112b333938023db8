// Deterministic speech-like test signal: the recipe of crates/dsp/examples/bench_chain.rs
// (`test_signal`), in f32 arithmetic emulated with Math.fround. A 150 Hz buzz with seven
// harmonics (1/h amplitudes), 4 Hz half-wave syllable envelope (so half of the time is a
// pause), plus uniform noise at 0.003 peak-to-peak. Matches the Rust generator to within
// float rounding of sin() (f64 Math.sin rounded to f32 vs Rust's f32 sinf).

export const SAMPLE_RATE = 48_000
export const FRAME_SAMPLES = 960
/** One frame's duration, ns (20 ms of audio). */
export const FRAME_NS = (FRAME_SAMPLES / SAMPLE_RATE) * 1e9
/** Frames in the input loop (the Rust example cycles through the same 500). */
export const INPUT_FRAMES = 500

const f = Math.fround
const MASK = (1n << 64n) - 1n

/** `len` samples of the test signal as a Float32Array. */
export function testSignal(len = FRAME_SAMPLES * INPUT_FRAMES) {
  const out = new Float32Array(len)
  let seed = 0x2545_f491_4f6c_dd1dn
  const tau = f(2 * Math.PI)
  const tau4 = f(tau * 4)
  const tau150 = f(tau * 150)
  const noiseScale = f(1 / 2 ** 24)
  for (let n = 0; n < len; n++) {
    seed ^= (seed << 13n) & MASK
    seed ^= seed >> 7n
    seed ^= (seed << 17n) & MASK
    const noise = f(f(Number(seed >> 40n) * noiseScale) - 0.5)
    const t = f(n / 48_000)
    const syllable = Math.max(f(Math.sin(f(tau4 * t))), 0)
    let voiced = 0
    for (let h = 1; h < 8; h++) {
      // Rust: (TAU * 150.0 * h as f32 * t).sin() / h as f32, summed in f32
      voiced = f(voiced + f(f(Math.sin(f(f(tau150 * h) * t))) / h))
    }
    out[n] = f(f(f(f(0.4 * syllable) * voiced)) + f(f(0.003) * noise))
  }
  return out
}

/** Splits a signal into separate (non-view) Float32Array frames. */
export function toFrames(signal, frameSamples = FRAME_SAMPLES) {
  const frames = []
  for (let i = 0; i + frameSamples <= signal.length; i += frameSamples) {
    frames.push(signal.slice(i, i + frameSamples))
  }
  return frames
}

/** Mean talk-spurt and pause lengths of ITU-T P.59 (artificial conversational speech, one talker), s. */
export const P59_TALK_S = 1.004
export const P59_PAUSE_S = 1.587

/**
 * One side of a conversation: talk spurts of the test signal alternating with pauses of
 * its noise floor, their lengths drawn (seeded, exponential) with the P.59 means, so about
 * 39 % of the time is speech. Returns the signal and which of its frames lie wholly or
 * partly in a talk spurt.
 */
export function conversation(seconds, frameSamples = FRAME_SAMPLES) {
  const len = Math.floor((seconds * SAMPLE_RATE) / frameSamples) * frameSamples
  const speech = testSignal(len)
  const out = new Float32Array(len)
  const talking = new Uint8Array(len / frameSamples)
  let seed = 0x9e37_79b9
  const uniform = () => {
    seed ^= seed << 13
    seed ^= seed >>> 17
    seed ^= seed << 5
    return ((seed >>> 0) + 0.5) / 2 ** 32
  }
  const draw = (mean) => Math.round(-mean * Math.log(uniform()) * SAMPLE_RATE)
  let n = 0
  let talk = false
  while (n < len) {
    const end = Math.min(len, n + draw(talk ? P59_TALK_S : P59_PAUSE_S))
    for (let i = n; i < end; i++) {
      // A pause keeps only the noise floor: the recipe's noise term (0.003 peak-to-peak).
      out[i] = talk ? speech[i] : 0.003 * (uniform() - 0.5)
    }
    if (talk) for (let f = Math.floor(n / frameSamples); f * frameSamples < end; f++) talking[f] = 1
    n = end
    talk = !talk
  }
  return { signal: out, talking }
}
