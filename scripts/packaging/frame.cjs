// Runs ten 960-sample frames through a default MixerChain of the addon binary given as
// argv[2] and prints the last frame as JSON, with process.arch: the cross-architecture
// check runs it on x64 and, under qemu, on arm64, and compares the two.
// The input is a 1 kHz sine rising from −40 to 0 dBFS, so the gate opens and the
// compressor and limiter all act on it.
const { MixerChain } = require(require('node:path').resolve(process.argv[2]))

const FRAME = 960
const chain = new MixerChain()
let last
for (let f = 0; f < 10; f++) {
  const frame = Float32Array.from({ length: FRAME }, (_, i) => {
    const n = f * FRAME + i
    return 10 ** ((-40 + (40 * n) / (10 * FRAME)) / 20) * Math.sin((2 * Math.PI * 1000 * n) / 48000)
  })
  last = chain.processSync(frame)
}
console.log(JSON.stringify({ arch: process.arch, node: process.version, frame: Array.from(last) }))
