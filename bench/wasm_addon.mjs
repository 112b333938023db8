#!/usr/bin/env node
// The addon's WASM path from JS: `await session.process(data)` round trips (the call is
// handed to the addon's frame workers, runs in wasmtime, the promise resolves on the JS
// thread) and `await node.createSession()`. Run by bench/run.mjs (section `wasm-addon`)
// in its own process: loading a module starts the WASM engine's epoch ticker (a thread
// that wakes every millisecond), which must not run during the other sections.
//
//   node bench/wasm_addon.mjs [--scale=1] [--dist=DIR]
//
// Prints one JSON line; times in ns, percentiles nearest-rank at floor(q·n).

import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { FRAME_SAMPLES, INPUT_FRAMES, testSignal, toFrames } from './signal.mjs'
import { stats, timeAsync } from './stats.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const now = process.hrtime.bigint

async function main() {
  const opts = { scale: 1, dist: path.join(ROOT, 'wasm-modules', 'dist') }
  for (const a of process.argv.slice(2)) {
    const [k, v] = a.replace(/^--/, '').split('=')
    if (!(k in opts)) throw new Error(`unknown option ${a}`)
    opts[k] = k === 'dist' ? v : Number(v)
  }
  const n = (count) => Math.max(20, Math.round(count * opts.scale))
  const { WasmEdgeNode } = createRequire(import.meta.url)('../index.js')
  const frames = toFrames(testSignal(FRAME_SAMPLES * INPUT_FRAMES))
  const bytes = frames.map((f) => new Uint8Array(f.buffer))
  const k = frames.length

  let t0 = now()
  const echoNode = await WasmEdgeNode.load(path.join(opts.dist, 'echo.wasm'))
  const echoLoadNs = Number(now() - t0)
  t0 = now()
  const mixerNode = await WasmEdgeNode.load(path.join(opts.dist, 'mixer.wasm'))
  const mixerLoadNs = Number(now() - t0)

  const echo = await echoNode.createSession('bench-echo')
  const back = await echo.process(bytes[3])
  if (!Buffer.from(bytes[3]).equals(back)) throw new Error('echo: output differs from input')
  const echoCall = await timeAsync((i) => echo.process(bytes[i % k]), n(2_000), n(10_000))
  await echo.close()

  const mixer = await mixerNode.createSession('bench-mixer')
  const out = await mixer.process(frames[0])
  if (!(out instanceof Float32Array) || out.length !== FRAME_SAMPLES || !out.every(Number.isFinite)) {
    throw new Error('mixer: expected a Float32Array frame')
  }
  const mixerCall = await timeAsync((i) => mixer.process(frames[i % k]), n(1_000), n(5_000))
  await mixer.close()

  // Session creation from JS, each session closed before the next (its pool slot freed).
  for (let i = 0; i < n(50); i++) await (await mixerNode.createSession(`bench-warm-${i}`)).close()
  const createTimes = new Float64Array(n(500))
  for (let i = 0; i < createTimes.length; i++) {
    const t = now()
    const s = await mixerNode.createSession(`bench-create-${i}`)
    createTimes[i] = Number(now() - t)
    await s.close()
  }

  console.log(
    JSON.stringify({
      node: process.version,
      scale: opts.scale,
      uvThreadpoolSize: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
      load: { echoNs: echoLoadNs, mixerNs: mixerLoadNs, echoCache: echoNode.describe().cache, mixerCache: mixerNode.describe().cache },
      echo: { inputBytes: bytes[0].length, ns: echoCall },
      mixer: { frameSamples: FRAME_SAMPLES, ns: mixerCall },
      createSession: stats(createTimes),
    }),
  )
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
