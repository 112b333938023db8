// edgemix demo: a 20 s clip of speech, silence and music through a hybrid Pipeline —
// edge VAD → adaptive mixer → (silent frames dropped) → MFCC features and genre — with
// the embedded cloud tier beside it (startServer on port 50052, or a free port when
// 50052 is taken, in a child process: examples/cloud-tier.mjs). It prints where every stage ran, how long it took and what fell back (the
// cloud tier is killed for 2 s on purpose), and writes
// demo-output/: the clip, the processed clip, and a report (HTML with plots, and PNG).
//
//   npm run demo                    (builds first; then node examples/demo.mjs)
//   node examples/demo.mjs OUT_DIR  (another output folder than demo-output/)
//
// The clip is made from files in this repository, the same every run: speech from the
// VAD test set (crates/dsp/tests/vad_set/speech.wav: espeak-ng voices, see its README),
// rock from the genre test set (crates/dsp/tests/genre_set/rock-musescore.wav: rendered
// MIDI, see crates/dsp/genre/README.md), and a seeded room tone under everything.
import { spawn } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import {
  FeatureExtractor,
  GenreClassifier,
  HybridProcessingClient,
  MixerChain,
  Pipeline,
  readWav,
  resample,
  writeWav,
} from '../dist/index.js'
import { ROUTE, routeCode, writeReport } from '../dist/report/index.js'

const ROOT = join(import.meta.dirname, '..')
const OUT = process.argv[2] ?? join(ROOT, 'demo-output')
const RATE = 48_000
const FRAME = 960
/** The clip plays at this many times real time (so the circuit breaker's 1 s timers show). */
const SPEED = 2
/** The cloud tier is down for these frames of the clip (10.0 to 12.0 s). */
const OUTAGE = [500, 600]

// ---------------------------------------------------------------- the clip
async function clip() {
  const speech = await readWav(join(ROOT, 'crates/dsp/tests/vad_set/speech.wav'))
  const rock = await readWav(join(ROOT, 'crates/dsp/tests/genre_set/rock-musescore.wav'))
  const music = await resample(rock.samples, { sampleRate: rock.sampleRate, targetSampleRate: RATE })
  const x = new Float32Array(20 * RATE)
  const put = (at, from, start, end, gain = 1) => x.set(from.subarray(start * RATE, end * RATE).map((v) => v * gain), at * RATE)
  put(0, speech.samples, 0.8, 6.4) // two utterances with a pause
  put(8, music, 0, 6, 10 ** (9 / 20)) // rock, 9 dB up: peaks near -2 dBFS
  put(16, speech.samples, 7.4, 10.0) // a third utterance
  // Room tone at about -75 dBFS RMS (one-pole filtered seeded noise): under the loudness
  // meter's -70 LUFS gate, so normalisation holds its gain through the pauses.
  let seed = 0x2545f491
  let lp = 0
  for (let i = 0; i < x.length; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0
    lp += 0.2 * ((seed / 2 ** 31 - 1) - lp)
    x[i] += 0.0009 * lp
  }
  return x
}

const SECTIONS = [
  [0, 5.6, 'speech'],
  [5.6, 8, 'silence'],
  [8, 14, 'rock'],
  [14, 16, 'silence'],
  [16, 18.6, 'speech'],
  [18.6, 20, 'silence'],
]

// ---------------------------------------------------------------- the cloud tier
// The embedded cloud tier (startServer) in a child process, examples/cloud-tier.mjs, so
// that the outage is real: the process is killed (SIGKILL) and started again on the same
// port.
function cloudTier(port) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'cloud-tier.mjs'), String(port)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => {
      out += d
      const m = /^edgemix grpc: \S+:(\d+)$/m.exec(out)
      if (m) resolve({ child, port: Number(m[1]) })
    })
    child.stderr.on('data', (d) => (err += d))
    child.on('exit', (code) => reject(new Error(err.trim().split('\n').find((l) => /Error|ERR_/.test(l)) ?? `the cloud tier exited with ${code}`)))
  })
}

async function stop(tier) {
  if (tier.child.exitCode !== null || tier.child.signalCode !== null) return
  const exited = new Promise((resolve) => tier.child.once('exit', resolve))
  tier.child.kill('SIGKILL')
  await exited
}

let cloud
try {
  cloud = await cloudTier(50052)
  console.log(`cloud tier: embedded (startServer) in process ${cloud.child.pid}, on 127.0.0.1:50052`)
} catch (err) {
  cloud = await cloudTier(0)
  console.log(`cloud tier: port 50052 is taken (${err.message}); embedded (startServer) in process ${cloud.child.pid}, on 127.0.0.1:${cloud.port} instead`)
}
const port = cloud.port
process.once('exit', () => cloud.child.kill('SIGKILL'))

// ---------------------------------------------------------------- the pipeline
const MIXER = { adaptive: { enabled: true, smoothingMs: 1000 }, loudness: { enabled: true, targetLufs: -16 } }
const client = new HybridProcessingClient({ endpoints: [`http://127.0.0.1:${port}`], timeoutMs: 250 })
await client.initializeWasmEdge({ timeoutMs: 50 })

/** A native edge node: one object with an async process() per stream. */
const native = (make, run) => () => {
  const node = make()
  return { process: (input) => run(node, input) }
}
// The mixer's edge side records each frame's meters (one frame in flight at a time).
const meters = new WeakMap()
const vad = await client.createHybridProxy({
  name: 'vad',
  edgeWasm: { wasmPath: join(ROOT, 'wasm-modules/dist/vad.wasm'), config: { sampleRate: RATE } },
  cloudRemote: { nodeType: 'VAD', config: { sampleRate: RATE }, serializationFormat: 'json' },
  decisionFunction: () => 'edge',
})
const mixer = await client.createHybridProxy({
  name: 'mixer',
  edgeNative: {
    node: native(
      () => new MixerChain(MIXER),
      async (chain, frame) => {
        const out = await chain.process(frame)
        meters.set(out, chain.meters())
        return out
      },
    ),
  },
  cloudRemote: { nodeType: 'AudioMixer', config: MIXER },
  // The built-in router decides ('auto'): size, complexity, learned latency, the breaker.
})
const features = await client.createHybridProxy({
  name: 'features',
  edgeNative: { node: native(() => new FeatureExtractor({ sampleRate: RATE }), (x, frame) => x.push(frame)) },
  cloudRemote: { nodeType: 'MFCC', config: { sampleRate: RATE } },
  decisionFunction: () => 'edge',
})
const genre = await client.createHybridProxy({
  name: 'genre',
  edgeNative: { node: native(() => new GenreClassifier({ sampleRate: RATE }), (g, frame) => g.push(frame)) },
  // Its answers are JSON, so the frames travel as JSON too.
  cloudRemote: { nodeType: 'GenreClassifier', config: { sampleRate: RATE }, serializationFormat: 'json' },
  decisionFunction: () => 'cloud',
})
/** Frames quieter than -55 dBFS RMS (room tone) go no further: no analysis, no cloud bytes. */
const active = {
  async process(frame) {
    let sum = 0
    for (const v of frame) sum += v * v
    return { active: 10 * Math.log10(sum / frame.length + 1e-30) > -55 }
  },
}
const pipeline = new Pipeline()
  .tap('vad', vad)
  .map('mixer', mixer)
  .gate('active', active, (o) => o.active)
  .tap('features', features)
  .tap('genre', genre)

// ---------------------------------------------------------------- run it
const input = await clip()
const frames = input.length / FRAME
console.log(`clip: 20 s at 48 kHz, mono: ${SECTIONS.map(([a, b, what]) => `${what} ${a}-${b} s`).join(', ')}`)
console.log('pipeline: vad (edge vad.wasm) -> mixer (adaptive chain, loudness -16 LUFS; the router picks edge or cloud)')
console.log('          -> active (drops frames under -55 dBFS) -> features (edge MFCC) -> genre (cloud GenreClassifier, edge fallback)')
console.log(`played at ${SPEED}x real time; the cloud tier is killed from ${OUTAGE[0] / 50} s to ${OUTAGE[1] / 50} s\n`)

const notes = []
async function* paced() {
  const start = performance.now()
  for (let i = 0; i < frames; i++) {
    const due = start + (i * 20) / SPEED
    const wait = due - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    if (i === OUTAGE[0]) {
      await stop(cloud)
      notes.push(`${(i / 50).toFixed(1)} s: cloud tier killed (SIGKILL)`)
      console.log(`  -- ${(i / 50).toFixed(1)} s: cloud tier killed (SIGKILL) --`)
    }
    if (i === OUTAGE[1]) {
      cloud = await cloudTier(port)
      notes.push(`${(i / 50).toFixed(1)} s: cloud tier started again on port ${port}`)
      console.log(`  -- ${(i / 50).toFixed(1)} s: cloud tier started again --`)
    }
    yield input.subarray(i * FRAME, (i + 1) * FRAME)
  }
}

const STAGES = ['vad', 'mixer', 'features', 'genre']
const routes = Object.fromEntries(STAGES.map((s) => [s, new Uint8Array(frames)]))
const reduction = { gate: new Float32Array(frames).fill(NaN), compressor: new Float32Array(frames).fill(NaN), limiter: new Float32Array(frames).fill(NaN) }
const probability = new Float32Array(frames).fill(NaN)
const speech = new Uint8Array(frames)
const decisions = new Array(frames).fill(null)
const output = new Float32Array(input.length)
const second = []
const fmtRoutes = (list) => {
  const counts = {}
  for (const r of list) counts[r] = (counts[r] ?? 0) + 1
  return Object.entries(counts).map(([k, n]) => `${k} ${n}`).join(', ')
}
console.log('  time  speech  mixer route (p50 ms)          genre route                          genre')
let lastGenre = null
for await (const r of pipeline.stream(paced(), { maxInFlight: 1 })) {
  const i = r.index
  for (const s of STAGES) {
    const h = r.stages[s]
    routes[s][i] = h ? routeCode(h.route, h.fellBack) : r.dropped ? ROUTE.dropped : ROUTE.none
    if (h?.fellBack) notes.push(`${(i / 50).toFixed(2)} s: ${s} fell back to the ${h.route}`)
  }
  const v = r.stages.vad.output
  const first = Array.isArray(v) ? v[0] : v
  probability[i] = first.probability
  speech[i] = first.speech ? 1 : 0
  const m = meters.get(r.stages.mixer.output)
  if (m) {
    reduction.gate[i] = m.gateReductionDb
    reduction.compressor[i] = m.compressorReductionDb
    reduction.limiter[i] = m.limiterReductionDb
  }
  output.set(r.stages.mixer.output, i * FRAME)
  if (r.stages.genre) lastGenre = r.stages.genre.output.genre
  decisions[i] = lastGenre
  second.push(r)
  if (second.length === 50) {
    const label = (h) => (h ? `${h.route}${h.fellBack ? ' (fell back)' : ''}` : 'dropped')
    const lat = second.map((x) => x.stages.mixer.latencyMs).sort((a, b) => a - b)
    console.log(
      `${((i + 1) / 50).toFixed(0).padStart(5)} s  ${String(second.filter((x) => (Array.isArray(x.stages.vad.output) ? x.stages.vad.output[0] : x.stages.vad.output).speech).length * 2).padStart(4)} %  ` +
        `${`${fmtRoutes(second.map((x) => label(x.stages.mixer)))} (${lat[25].toFixed(2)})`.padEnd(32)}${fmtRoutes(second.map((x) => label(x.stages.genre))).padEnd(37)}${lastGenre ?? '(unsure)'}`,
    )
    second.length = 0
  }
}

// ---------------------------------------------------------------- what happened
console.log('\nper stage: calls by side, fallbacks, latency p50 / p99 (ms)')
const stats = client.stats()
for (const s of STAGES) {
  const st = stats[s]
  const errs = Object.entries({ ...st.errors.edge, ...st.errors.cloud }).map(([c, n]) => `${c} x${n}`).join(', ')
  const side = (k) => (st.requests[k] ? `${k} ${st.requests[k]} (${st.latency[k].p50Ms.toFixed(2)} / ${st.latency[k].p99Ms.toFixed(2)})` : `${k} 0`)
  console.log(`  ${s.padEnd(9)} ${side('edge').padEnd(28)} ${side('cloud').padEnd(28)} fell back ${st.fallbacks.cloudToEdge + st.fallbacks.edgeToCloud}${errs ? `; errors ${errs}` : ''}`)
}
console.log('  (a side that takes over a stream starts from fresh state: the genre window needs 3 s again)')
const ps = pipeline.stats()
console.log(`  active gate dropped ${ps.droppedBy.active ?? 0} of ${ps.frames} frames (no analysis, no cloud bytes for them)`)

const spans = []
decisions.forEach((g, i) => {
  const last = spans.at(-1)
  if (last && last.genre === g) last.end = (i + 1) / 50
  else spans.push({ start: i / 50, end: (i + 1) / 50, genre: g })
})

await mkdir(OUT, { recursive: true })
await writeWav(join(OUT, 'input.wav'), { sampleRate: RATE, channels: 1, samples: input, format: 'int16' })
await writeWav(join(OUT, 'processed.wav'), { sampleRate: RATE, channels: 1, samples: output, format: 'int16' })
const counts = (s) => fmtRoutes(Array.from(routes[s], (c) => ({ 1: 'edge', 2: 'cloud', 3: 'edge (fell back)', 4: 'cloud (fell back)', 5: 'dropped' })[c] ?? 'none'))
const report = await writeReport(join(OUT, 'report.html'), {
  title: 'edgemix demo: hybrid pipeline over a 20 s clip',
  subtitle: `speech, silence and rock at 48 kHz; vad -> adaptive mixer -> features + genre; cloud tier on 127.0.0.1:${port}, killed ${OUTAGE[0] / 50}-${OUTAGE[1] / 50} s`,
  sampleRate: RATE,
  channels: 1,
  input,
  output,
  frameSeconds: 0.02,
  gainReduction: reduction,
  vad: { probability, speech },
  genre: spans,
  routes,
  summary: [
    ['clip', SECTIONS.map(([a, b, what]) => `${what} ${a}-${b} s`).join(', ')],
    ...STAGES.map((s) => [`${s} route`, counts(s)]),
    ['mixer latency p50 / p99', `edge ${stats.mixer.latency.edge.p50Ms.toFixed(2)} / ${stats.mixer.latency.edge.p99Ms.toFixed(2)} ms, cloud ${stats.mixer.requests.cloud ? `${stats.mixer.latency.cloud.p50Ms.toFixed(2)} / ${stats.mixer.latency.cloud.p99Ms.toFixed(2)} ms` : 'not used'}`],
    ['frames dropped before analysis', `${ps.droppedBy.active ?? 0} of ${ps.frames}`],
  ],
  notes: notes.slice(0, 40),
})
console.log(`\nwrote ${join(OUT, 'input.wav')}, ${join(OUT, 'processed.wav')}`)
console.log(`      ${report.html}\n      ${report.png}`)
await client.close()
await stop(cloud)
