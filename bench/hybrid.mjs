#!/usr/bin/env node
// Hybrid proxies: what the routing layer costs and what the edge saves. Run by
// bench/run.mjs (section `hybrid`) in its own process, with an embedded cloud tier
// (startServer) on 127.0.0.1 and an ephemeral port.
//
//   node bench/hybrid.mjs [--scale=1] [--dist=DIR] [--streams=250,500,1000,1500,2000] [--only=scale]
//
// Measures
//  - proxy.process() on the edge route vs await WasmSession.process() on the same module;
//  - proxy.process() on the cloud route vs await CloudClient.execute() of the same node;
//  - the JS-thread cost of a sync decisionFunction per call;
//  - edge vs cloud latency of MFCC, the mixer (native and mixer.wasm) and VAD on 960-sample frames,
//    with latencyHint 'balanced' and 'interactive' (and the CPU time each costs per edge call);
//  - bytes sent to the cloud behind an edge VAD gate, edge MFCC, or both vs sending all
//    audio, on continuous speech and on one side of a conversation (ITU-T P.59 timing);
//  - the most concurrent 48 kHz streams (50 frames/s each) this process sustains through
//    proxies with p99 frame latency <= 20 ms and nothing lost, with the JS thread's busy
//    share and the process's CPU time per frame (EDGE=native|wasm: one edge only).
// Prints one JSON line; times in ns.

import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { conversation, FRAME_SAMPLES, INPUT_FRAMES, testSignal, toFrames } from './signal.mjs'
import { stats, timeAsync } from './stats.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const now = process.hrtime.bigint

/**
 * A push-driven async iterable: one live stream's frames, as a server receives them from
 * a socket. A plain async iterator (an async generator would cost the harness more per
 * frame than some of what it measures).
 */
function feed() {
  const items = []
  let head = 0
  let ended = false
  let waiting
  return {
    push(x) {
      if (waiting) {
        const w = waiting
        waiting = undefined
        w({ value: x, done: false })
      } else items.push(x)
    },
    end() {
      ended = true
      if (waiting) waiting({ value: undefined, done: true })
    },
    next() {
      if (head < items.length) {
        const value = items[head++]
        if (head === items.length) items.length = head = 0
        return Promise.resolve({ value, done: false })
      }
      if (ended) return Promise.resolve({ value: undefined, done: true })
      return new Promise((resolve) => (waiting = resolve))
    },
    [Symbol.asyncIterator]() {
      return this
    },
  }
}

/** Ticks of 20 ms run before the measured ones. */
const WARMUP_TICKS = 50

/** `streams` live streams for `seconds`, one frame per stream every 20 ms (latency from when each frame was due). */
async function scale(client, edge, streams, seconds, frame) {
  const proxy = await client.createHybridProxy({ ...edge, decisionFunction: () => 'edge', name: `scale${streams}` })
  const ticks = Math.round(seconds * 50)
  // Independent clients: stream s delivers its frames at phase slotOf(s) / SLOTS of the
  // 20 ms period, so the streams' frames arrive spread evenly over each period, SLOTS
  // groups a period. Frame k of stream s is due at start + (k * SLOTS + slotOf(s)) * 20 / SLOTS ms.
  const SLOTS = 20
  const slotMs = 20 / SLOTS
  const slotOf = (s) => Math.floor((s * SLOTS) / streams)
  const latencies = new Float64Array(streams * ticks)
  let received = 0
  let wrong = 0
  let start = 0
  const consumers = []
  const feeds = []
  for (let s = 0; s < streams; s++) {
    const f = feed()
    feeds.push(f)
    const phase = slotOf(s)
    consumers.push(
      (async () => {
        let k = 0
        // A real-time source: one frame in flight per stream. A frame takes far less than
        // its 20 ms, so more would add no throughput; when the process falls behind, the
        // frames wait at the source instead of holding proxy state that each scavenge
        // must copy (with 8 in flight, 1000 streams never recovered from a GC pause).
        for await (const r of proxy.stream(f, { maxInFlight: 1 })) {
          if (r.output.length !== FRAME_SAMPLES) wrong++
          // Warm-up frames (JIT, pools) are not counted.
          if (k >= WARMUP_TICKS) latencies[received++] = (performance.now() - (start + (k * SLOTS + phase) * slotMs)) * 1e6
          k++
        }
        if (k !== WARMUP_TICKS + ticks) wrong++
      })(),
    )
  }
  const first = new Int32Array(SLOTS + 1)
  for (let slot = 0; slot <= SLOTS; slot++) first[slot] = Math.ceil((slot * streams) / SLOTS)
  start = performance.now()
  const elu0 = performance.eventLoopUtilization()
  const cpu0 = process.cpuUsage()
  for (let t = 0; t < (WARMUP_TICKS + ticks) * SLOTS; t++) {
    const wait = start + t * slotMs - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    const slot = t % SLOTS
    for (let s = first[slot]; s < first[slot + 1]; s++) feeds[s].push(frame)
  }
  feeds.forEach((f) => f.end())
  // How busy the JS thread was, and the process's CPU time (all threads) per frame.
  const loopBusy = performance.eventLoopUtilization(elu0).utilization
  const cpu = process.cpuUsage(cpu0)
  const cpuUsPerFrame = (cpu.user + cpu.system) / (streams * (WARMUP_TICKS + ticks))
  await Promise.all(consumers)
  await proxy.close()
  const st = stats(latencies.subarray(0, received))
  return { streams, frames: streams * ticks, received, lost: streams * ticks - received, wrong, p50Ns: st.p50, p99Ns: st.p99, maxNs: st.max, loopBusy, cpuUsPerFrame }
}

async function main() {
  const opts = { scale: 1, dist: path.join(ROOT, 'wasm-modules', 'dist'), streams: '250,500,1000,1500,2000', only: '' }
  for (const a of process.argv.slice(2)) {
    const [k, v] = a.replace(/^--/, '').split('=')
    if (!(k in opts)) throw new Error(`unknown option ${a}`)
    opts[k] = k === 'scale' ? Number(v) : v
  }
  const n = (count) => Math.max(20, Math.round(count * opts.scale))
  const addon = require('../dist/index.js')
  const { HybridProcessingClient, WasmEdgeNode, FeatureExtractor, Pipeline } = addon
  const frames = toFrames(testSignal(FRAME_SAMPLES * INPUT_FRAMES))
  const k = frames.length
  const mod = (name) => path.join(opts.dist, name)
  const out = { node: process.version, scale: opts.scale }

  const server = await addon.startServer({ host: '127.0.0.1', port: 0, modulesDir: opts.dist })
  const client = new HybridProcessingClient({ host: '127.0.0.1', port: server.port, timeoutMs: 5000 })
  const maxStreams = Math.max(...opts.streams.split(',').map(Number))
  // One module (mixer.wasm) serves every stream here: no per-module share below the pool.
  await client.initializeWasmEdge({ maxInstances: maxStreams + 100, maxInstancesPerModule: maxStreams + 100 })

  async function routing() {
    // Edge route: proxy vs the session it wraps.
    const session = await (await WasmEdgeNode.load(mod('mixer.wasm'))).createSession()
    const direct = await timeAsync((i) => session.process(frames[i % k]), n(1000), n(5000))
    const edgeProxy = await client.createHybridProxy({ edgeWasm: { wasmPath: mod('mixer.wasm') }, name: 'edge' })
    const viaProxy = await timeAsync((i) => edgeProxy.process(frames[i % k]), n(1000), n(5000))
    out.edge = { direct, proxy: viaProxy, ratio: viaProxy.p50 / direct.p50 }

    // JS-thread cost of a sync decisionFunction per call: building ctx as the proxy does,
    // calling the function and checking its answer (dist/hybrid/decision.js), in a tight
    // loop. (The difference of two whole process() starts drowns in the worker hand-off.)
    const { decide } = require('../dist/hybrid/decision.js')
    const side = { available: true, p50Ms: 0.05, p99Ms: 0.2, successRate: 1, inFlight: 0 }
    const fn = (input, ctx) => (ctx.bytes > 1e9 ? 'cloud' : 'auto')
    const decideOnce = (i) => {
      const f = frames[i % k]
      const ctx = { kind: 'f32', bytes: f.byteLength, samples: f.length, complexity: 0.01, edge: side, cloud: side, cloudReachable: true, circuit: 'closed' }
      return decide(fn, f, ctx, 10)
    }
    const loops = n(200_000)
    for (let i = 0; i < loops; i++) decideOnce(i)
    const td = now()
    for (let i = 0; i < loops; i++) decideOnce(i)
    out.decision = { overheadNs: Number(now() - td) / loops }
    await session.close()

    {
      // Cloud route: proxy vs the client call it makes.
      const { CloudClient } = addon
      const cc = new CloudClient({ endpoints: [`http://127.0.0.1:${server.port}`], timeoutMs: 5000 })
      const directCloud = await timeAsync((i) => cc.execute('PassThrough', {}, frames[i % k], { format: 'f32le' }), n(500), n(3000))
      const cloudProxy = await client.createHybridProxy({ cloudRemote: { nodeType: 'PassThrough' }, name: 'cloud' })
      const viaCloudProxy = await timeAsync((i) => cloudProxy.process(frames[i % k]), n(500), n(3000))
      out.cloud = { direct: directCloud, proxy: viaCloudProxy, ratio: viaCloudProxy.p50 / directCloud.p50 }
      await cc.close()

      // Edge vs cloud per node, same proxy forced each way.
      out.sides = {}
      // The cloud runs the same DSP for AudioMixer (= the native MixerChain and
      // mixer.wasm) and MFCC (=
      // FeatureExtractor); VAD is the light edge VAD (vad.wasm) vs the cloud's Silero VAD
      // node, the pairing hybrid_vad.wasm uses.
      const mfccNode = () => {
        const fe = new FeatureExtractor()
        return { process: async (f) => (await fe.push(f)).mfcc }
      }
      for (const [name, edgeSide, cloudRemote] of [
        ['mfcc', { edgeNative: { node: mfccNode } }, { nodeType: 'MFCC' }],
        ['mixer', { edgeNative: { node: 'mixer' } }, { nodeType: 'AudioMixer' }],
        ['mixer.wasm', { edgeWasm: { wasmPath: mod('mixer.wasm') } }, { nodeType: 'AudioMixer' }],
        // VAD answers JSON, which f32le cannot carry.
        ['vad', { edgeWasm: { wasmPath: mod('vad.wasm') } }, { nodeType: 'VAD', serializationFormat: 'json' }],
      ]) {
        out.sides[name] = {}
        for (const latencyHint of ['balanced', 'interactive']) {
          let side = 'edge'
          const p = await client.createHybridProxy({ ...edgeSide, cloudRemote, decisionFunction: () => side, fallback: 'none', latencyHint, name })
          const edge = await timeAsync((i) => p.process(frames[i % k]), n(500), n(3000))
          side = 'cloud'
          const cloud = await timeAsync((i) => p.process(frames[i % k]), n(500), n(3000))
          const cpu0 = process.cpuUsage()
          const t0 = now()
          side = 'edge'
          const m = n(2000)
          for (let i = 0; i < m; i++) await p.process(frames[i % k])
          // CPU time of the whole process per edge call (what the hint costs).
          const cpu = process.cpuUsage(cpu0)
          const wallNs = Number(now() - t0)
          out.sides[name][latencyHint] = { edge, cloud, edgeLowerBy: 1 - edge.p50 / cloud.p50, edgeCpuNs: ((cpu.user + cpu.system) * 1e3) / m, edgeWallNs: wallNs / m }
          await p.close()
        }
      }

      // Bandwidth: what reaches the cloud behind edge stages, vs sending all the audio.
      // Each run is a pipeline of edge stages and a cloud PassThrough stage (what the
      // cloud receives is counted by its proxy).
      const bandwidth = async (input, talking, ...stages) => {
        const up = await client.createHybridProxy({ cloudRemote: { nodeType: 'PassThrough' }, name: 'bw-cloud' })
        let pipeline = new Pipeline()
        for (const [kind, name, node] of stages) pipeline = pipeline[kind](name, await node())
        let kept = 0
        let speechKept = 0
        for await (const r of pipeline.map('cloud', up).stream(input)) {
          if (r.dropped) continue
          kept++
          speechKept += talking ? talking[r.index] : 0
        }
        const total = input.length * FRAME_SAMPLES * 4
        const bytes = up.stats().bytes.toCloud
        await up.close()
        return { frames: input.length, kept, speechKept, bytes, totalBytes: total, saved: 1 - bytes / total }
      }
      const vadGate = ['gate', 'vad', () => client.createHybridProxy({ edgeWasm: { wasmPath: mod('vad.wasm') }, decisionFunction: () => 'edge', name: 'bw-vad' })]
      const edgeMfcc = ['map', 'mfcc', () => mfccNode()]
      // One side of a conversation (P.59 talk spurts and pauses) and continuous speech.
      const talk = conversation(120)
      const talkFrames = toFrames(talk.signal)
      const speechFrames = talk.talking.reduce((a, b) => a + b, 0)
      out.bandwidth = {
        conversation: { speechFrames, vad: await bandwidth(talkFrames, talk.talking, vadGate), vadMfcc: await bandwidth(talkFrames, talk.talking, vadGate, edgeMfcc) },
        speech: { vad: await bandwidth(frames, undefined, vadGate), mfcc: await bandwidth(frames, undefined, edgeMfcc) },
      }
    }
  }

  if (opts.only !== 'scale') await routing()

  // Scale, with each kind of edge: step up until a run misses the budget.
  out.scale = {}
  out.maxStreams = {}
  const edges = { native: { edgeNative: { node: 'mixer' } }, wasm: { edgeWasm: { wasmPath: mod('mixer.wasm') } } }
  // EDGE=native or EDGE=wasm runs the scale section for that edge only.
  if (process.env.EDGE) for (const kind of Object.keys(edges)) if (kind !== process.env.EDGE) delete edges[kind]
  for (const [kind, edge] of Object.entries(edges)) {
    const runs = (out.scale[kind] = [])
    for (const streams of opts.streams.split(',').map(Number)) {
      const r = await scale(client, edge, streams, Math.max(1, 3 * opts.scale), frames[7])
      runs.push(r)
      if (r.lost || r.wrong || r.p99Ns > 20e6) break
    }
    const ok = runs.filter((r) => !r.lost && !r.wrong && r.p99Ns <= 20e6)
    out.maxStreams[kind] = ok.length ? ok[ok.length - 1].streams : 0
  }

  await client.close()
  await server.close()
  console.log(JSON.stringify(out))
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
