// edgemix demo: runs a WAV file (or a generated voice-like clip) through the native
// mixer chain in 20 ms frames, off the JS thread, writes the result and prints meters.
//
//   npm run demo                      # generated 6 s clip
//   npm run demo -- path/to/in.wav    # your mono or stereo WAV (stereo is mixed down)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import wavefile from 'wavefile'
import { MixerChain } from '../dist/index.js'

const SR = 48_000
const FRAME = 960
const outDir = join(import.meta.dirname, 'out')

/** A voice-like test clip: harmonic buzz in syllables, a pause, a shout, room hiss. */
function generatedClip(seconds) {
  const x = new Float32Array(seconds * SR)
  let seed = 12345
  for (let i = 0; i < x.length; i++) {
    const t = i / SR
    seed = (seed * 1103515245 + 12345) >>> 0
    const hiss = 0.002 * (seed / 2 ** 31 - 1)
    const syllable = Math.max(0, Math.sin(2 * Math.PI * 3.5 * t)) ** 1.5
    let voiced = 0
    for (let h = 1; h <= 10; h++) voiced += Math.sin(2 * Math.PI * 140 * h * t + h) / h
    const loudness = t > 4 && t < 5 ? 2.4 : t > 2.5 && t < 3.2 ? 0 : 0.25
    x[i] = loudness * syllable * voiced * 0.5 + hiss
  }
  return x
}

function readMono(path) {
  const wav = new wavefile.WaveFile(readFileSync(path))
  const rate = wav.fmt.sampleRate
  wav.toBitDepth('32f')
  let channels = wav.getSamples(false, Float32Array)
  if (!Array.isArray(channels)) channels = [channels]
  const mono = new Float32Array(channels[0].length)
  for (const ch of channels) for (let i = 0; i < mono.length; i++) mono[i] += ch[i] / channels.length
  return { samples: mono, rate }
}

function writeWav(path, samples, rate) {
  const wav = new wavefile.WaveFile()
  wav.fromScratch(1, rate, '32f', samples)
  writeFileSync(path, wav.toBuffer())
}

const fmt = (db) => (db === -Infinity ? '  -inf' : db.toFixed(1).padStart(6))

const inputPath = process.argv[2]
const { samples, rate } = inputPath ? readMono(inputPath) : { samples: generatedClip(6), rate: SR }
const chain = new MixerChain({ sampleRate: rate })
console.log(`edgemix demo: ${inputPath ? basename(inputPath) : 'generated 6 s voice-like clip'}, ${rate} Hz, ${(samples.length / rate).toFixed(2)} s`)
console.log(`chain latency ${chain.latencySamples} samples; config ${JSON.stringify(chain.config)}\n`)
console.log('   time   in pk  in rms  out pk out rms  gate GR  comp GR   lim GR  gate')

const output = new Float32Array(samples.length)
const frame = Math.round((FRAME * rate) / SR)
const started = process.hrtime.bigint()
for (let i = 0, n = 0; i < samples.length; i += frame, n++) {
  const processed = await chain.process(samples.subarray(i, i + frame))
  output.set(processed, i)
  if (n % 25 === 24) {
    const m = chain.meters()
    const t = ((i + frame) / rate).toFixed(2).padStart(6)
    console.log(
      `${t}s ${fmt(m.inputPeakDb)}  ${fmt(m.inputRmsDb)}  ${fmt(m.outputPeakDb)} ${fmt(m.outputRmsDb)}   ${fmt(m.gateReductionDb)}   ${fmt(m.compressorReductionDb)}   ${fmt(m.limiterReductionDb)}  ${m.gateOpen ? 'open' : 'shut'}`,
    )
  }
}
const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6

mkdirSync(outDir, { recursive: true })
const inFile = join(outDir, 'input.wav')
const outFile = join(outDir, 'output.wav')
writeWav(inFile, samples, rate)
writeWav(outFile, output, rate)
const peak = (x) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0)
console.log(`\nprocessed ${Math.ceil(samples.length / frame)} frames in ${elapsedMs.toFixed(1)} ms (${((samples.length / rate) * 1000 / elapsedMs).toFixed(0)}x real time, one await per frame)`)
console.log(`peak in ${(20 * Math.log10(peak(samples))).toFixed(2)} dBFS -> out ${(20 * Math.log10(peak(output))).toFixed(2)} dBFS (ceiling ${chain.config.limiter.ceilingDb} dBFS)`)
console.log(`wrote ${inFile}\n      ${outFile}`)
