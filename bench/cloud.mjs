// Cloud tier round trips on loopback, in its own process, against one edgemix server in
// another (bench/cloud_server.mjs): edgemix's CloudClient (tonic, from Node) and the
// peer @grpc/grpc-js (npm) on the same server, same frames, same node (AudioMixer).
//
//   node bench/cloud.mjs [--scale=1]   → one JSON line: per-call ns of every measurement
import { spawn, spawnSync } from 'node:child_process'
import path from 'node:path'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import grpc from '@grpc/grpc-js'
import protoLoader from '@grpc/proto-loader'
import { CloudClient } from '../dist/index.js'
import { ensureInteropVenv } from '../scripts/interop-venv.mjs'
import { FRAME_SAMPLES, testSignal, toFrames } from './signal.mjs'

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
const scale = Number(process.argv.find((a) => a.startsWith('--scale='))?.slice(8) ?? 1)
const n = (x) => Math.max(10, Math.round(x * scale))
const now = process.hrtime.bigint

async function startServerProcess() {
  const child = spawn(process.execPath, [path.join(BENCH_DIR, 'cloud_server.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] })
  const [line] = await once(createInterface({ input: child.stdout }), 'line')
  return { port: JSON.parse(line).port, stop: () => child.stdin.end() }
}

/** Per-call ns of `n` sequential awaited calls after `warmup` untimed ones. */
async function sequential(call, count, warmup) {
  for (let i = 0; i < warmup; i++) await call(i)
  const times = new Float64Array(count)
  for (let i = 0; i < count; i++) {
    const t0 = now()
    await call(i)
    times[i] = Number(now() - t0)
  }
  return Array.from(times)
}

/** Frames per second of `streams` concurrent streams, each sending `frames` frames one
 *  after the other (each awaited before the next). */
async function streamRate(open, streams, frames) {
  const sessions = await Promise.all(Array.from({ length: streams }, () => open()))
  const t0 = now()
  await Promise.all(sessions.map(async (s) => {
    for (let i = 0; i < frames; i++) await s.send(i)
  }))
  const seconds = Number(now() - t0) / 1e9
  await Promise.all(sessions.map((s) => s.end()))
  return { framesPerSecond: (streams * frames) / seconds, streams, frames }
}

const { port, stop } = await startServerProcess()
const target = `127.0.0.1:${port}`
const signal = toFrames(testSignal(), FRAME_SAMPLES)
const k = signal.length
const frameBytes = signal.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength))

// ─── ours: CloudClient (tonic over napi's tokio runtime) ───
const ours = new CloudClient({ endpoints: [target], timeoutMs: 10_000 })
const oursF32 = await sequential((i) => ours.execute('AudioMixer', {}, signal[i % k]), n(2000), n(200))
const oursJson = await sequential((i) => ours.execute('AudioMixer', {}, Array.from(signal[i % k]), { format: 'json' }), n(1000), n(100))
const oursStream = async () => {
  const s = ours.openStream('AudioMixer', {}, { format: 'f32le' })
  return { send: (i) => s.send(signal[i % k]), end: () => s.end() }
}
await streamRate(oursStream, 1, n(200)) // warm-up
const oursOne = await streamRate(oursStream, 1, n(2000))
const oursHundred = await streamRate(oursStream, 100, n(50))
// Pipelined: every frame of one stream sent before awaiting (answers still in order).
const pipe = ours.openStream('AudioMixer', {}, { format: 'f32le' })
let t0 = now()
const frames = n(2000)
await Promise.all(Array.from({ length: frames }, (_, i) => pipe.send(signal[i % k])))
const pipelined = { framesPerSecond: frames / (Number(now() - t0) / 1e9), frames }
await pipe.end()
await ours.close()

// ─── peer: @grpc/grpc-js with the same .proto ───
const definition = protoLoader.loadSync(path.join(BENCH_DIR, '..', 'proto', 'execution.proto'), { includeDirs: [path.join(BENCH_DIR, '..', 'proto')], keepCase: true })
const Service = grpc.loadPackageDefinition(definition).remotemedia.execution.RemoteExecutionService
const peer = new Service(target, grpc.credentials.createInsecure())
const execute = (input) =>
  new Promise((resolve, reject) =>
    peer.ExecuteNode({ node_type: 'AudioMixer', config: {}, input_data: input, serialization_format: 'f32le' }, (err, res) => (err ? reject(err) : resolve(res))),
  )
const peerF32 = await sequential((i) => execute(frameBytes[i % k]), n(2000), n(200))
const peerStream = async () => {
  const call = peer.StreamNode()
  const waiting = []
  call.on('data', (msg) => {
    const w = waiting.shift()
    if (!w) return // the tail flushed at the end
    if (msg.error_message) w.reject(new Error(msg.error_message))
    else w.resolve(msg.data)
  })
  call.on('error', () => {})
  call.write({ init: { node_type: 'AudioMixer', config: {}, serialization_format: 'f32le' } })
  return {
    send: (i) => new Promise((resolve, reject) => {
      waiting.push({ resolve, reject })
      call.write({ data: frameBytes[i % k] })
    }),
    end: () => new Promise((resolve) => {
      call.on('end', resolve)
      call.end()
    }),
  }
}
await streamRate(peerStream, 1, n(200))
const peerOne = await streamRate(peerStream, 1, n(2000))
const peerHundred = await streamRate(peerStream, 100, n(50))
peer.close()

// ─── peer: RemoteMedia's Python client (json), same server ───
const python = ensureInteropVenv({ quiet: true })
const py = spawnSync(python, [path.join(BENCH_DIR, 'cloud_peer.py'), `--port=${port}`, `--calls=${n(1000)}`, `--warmup=${n(100)}`, `--stream-frames=${n(1000)}`], { encoding: 'utf8', maxBuffer: 64 << 20 })
if (py.status !== 0) throw new Error(`cloud_peer.py failed: ${py.stderr}`)
const pythonPeer = JSON.parse(py.stdout.trim().split('\n').pop())
stop()

console.log(JSON.stringify({
  ours: { f32: oursF32, json: oursJson, streamOne: oursOne, streamHundred: oursHundred, pipelined },
  peer: { f32: peerF32, streamOne: peerOne, streamHundred: peerHundred },
  python: pythonPeer,
}))
