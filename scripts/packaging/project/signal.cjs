// The test signal of the install checks: a 1 kHz sine at 0.9 (−0.9 dBFS) for 20 ms at 48 kHz,
// loud enough that the default chain's compressor and limiter both act on it.
exports.FRAME = 960
exports.sine = (n = exports.FRAME, amplitude = 0.9) =>
  Float32Array.from({ length: n }, (_, i) => amplitude * Math.sin((2 * Math.PI * 1000 * i) / 48000))
