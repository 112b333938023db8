#!/usr/bin/env node
// The WASM peer: the same .wasm files as the wasmtime host, run by Node's built-in
// WebAssembly (V8) through a minimal driver of the edgemix guest ABI
// (wasm-modules/ABI.md). Run by bench/run.mjs (section `wasm-v8`) in its own process, as
// the Rust example runs in its own, so that resident memory counts only these instances:
//
//   node --expose-gc bench/wasm_v8.mjs [--scale=1] [--dist=DIR] [--instances=1000]
//
// Prints one JSON line. Times are ns; percentiles nearest-rank at floor(q·n), as in
// run.mjs and the Rust example.

import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { FRAME_SAMPLES, INPUT_FRAMES, testSignal, toFrames } from './signal.mjs'
import { stats } from './stats.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const now = process.hrtime.bigint

const OK = 0
const BUFFER_TOO_SMALL = -2

/** One instance of a guest module driven through the ABI, as the wasmtime host drives
 *  it (crates/runtime/src/wasm/session.rs): a `u32` length cell and an input buffer
 *  allocated at start, `initialize(id)`, then per call: the input copied into a reused
 *  guest buffer, the output buffer (≥ 4096 bytes, reused) passed with its capacity, one
 *  retry on BUFFER_TOO_SMALL, the output copied out. No `configure` (the defaults), no
 *  `env.call_remote_service` (the modules used here import nothing). Unlike the host it
 *  does not check that f32 input is finite (the mixer module checks it itself). */
export class Guest {
  constructor(module, id) {
    this.instance = new WebAssembly.Instance(module, {})
    const ex = (this.ex = this.instance.exports)
    this.memory = ex.memory
    this.refresh()
    this.input = null
    this.output = null
    this.lenCell = this.alloc(4).ptr
    const idBytes = new TextEncoder().encode(`${id}\0`)
    const buffer = this.writeInput(idBytes)
    this.check(ex.initialize(buffer.ptr), 'initialize')
  }

  refresh() {
    this.u8 = new Uint8Array(this.memory.buffer)
    this.dv = new DataView(this.memory.buffer)
  }

  /** Views of the memory, renewed after a growth (which detaches the old buffer). */
  view() {
    if (this.u8.byteLength === 0) this.refresh()
  }

  alloc(len) {
    const ptr = this.ex.alloc(len)
    this.view()
    if (ptr === 0 || ptr + len > this.u8.byteLength) throw new Error(`alloc(${len}) returned ${ptr}`)
    return { ptr, capacity: len }
  }

  ensure(slot, len) {
    const buffer = this[slot]
    if (buffer && buffer.capacity >= len) return buffer
    if (buffer) this.ex.dealloc(buffer.ptr, buffer.capacity)
    return (this[slot] = this.alloc(Math.max(len, 64)))
  }

  writeInput(bytes) {
    const buffer = this.ensure('input', bytes.length)
    this.view()
    this.u8.set(bytes, buffer.ptr)
    return buffer
  }

  check(code, call) {
    if (code !== OK) throw new Error(`${call}() returned ${code}`)
  }

  /** `process` on `bytes` (a Uint8Array); returns a copy of the output bytes. */
  process(bytes) {
    const input = this.writeInput(bytes)
    let output = this.ensure('output', Math.max(bytes.length, 4096))
    for (let attempt = 0; attempt < 2; attempt++) {
      this.view()
      this.dv.setUint32(this.lenCell, output.capacity, true)
      const code = this.ex.process(input.ptr, bytes.length, output.ptr, this.lenCell)
      this.view()
      const reported = this.dv.getUint32(this.lenCell, true)
      if (code === OK) return this.u8.slice(output.ptr, output.ptr + reported)
      if (code !== BUFFER_TOO_SMALL || attempt === 1) this.check(code, 'process')
      output = this.ensure('output', reported)
    }
  }

  close() {
    this.check(this.ex.cleanup(), 'cleanup')
  }
}

/** `bytes` plus a custom section named `name`: the same module, bytes V8 has not seen. */
function withCustomSection(bytes, name) {
  const n = new TextEncoder().encode(name)
  if (n.length >= 127) throw new Error('one-byte LEB128 lengths')
  const out = new Uint8Array(bytes.length + 3 + n.length)
  out.set(bytes)
  out.set([0, n.length + 1, n.length], bytes.length)
  out.set(n, bytes.length + 3)
  return out
}

function timeCalls(fn, warmup, n) {
  for (let i = 0; i < warmup; i++) fn(i)
  const times = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const t0 = now()
    fn(warmup + i)
    times[i] = Number(now() - t0)
  }
  const t0 = now()
  for (let i = 0; i < n; i++) fn(warmup + n + i)
  return { ...stats(times), batchedMean: Number(now() - t0) / n }
}

/** Resident memory, bytes: RSS (Node's figure) and PSS (smaps_rollup), after a full GC. */
function memory() {
  globalThis.gc?.()
  globalThis.gc?.()
  let pss = null
  try {
    const kb = /^Pss:\s+(\d+)/m.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'))
    pss = kb ? Number(kb[1]) * 1024 : null
  } catch {}
  const m = process.memoryUsage()
  return { rss: m.rss, pss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers }
}

function main() {
  const opts = { scale: 1, dist: path.join(ROOT, 'wasm-modules', 'dist'), instances: 1000 }
  for (const a of process.argv.slice(2)) {
    const [k, v] = a.replace(/^--/, '').split('=')
    if (!(k in opts)) throw new Error(`unknown option ${a}`)
    opts[k] = k === 'dist' ? v : Number(v)
  }
  const n = (count) => Math.max(20, Math.round(count * opts.scale))
  const echoBytes = readFileSync(path.join(opts.dist, 'echo.wasm'))
  const mixerBytes = readFileSync(path.join(opts.dist, 'mixer.wasm'))
  const signal = testSignal(FRAME_SAMPLES * INPUT_FRAMES)
  const frames = toFrames(signal).map((f) => new Uint8Array(f.buffer))
  const k = frames.length

  // Compile: fresh bytes each time (V8 shares compiled modules with the same bytes).
  // V8 compiles lazily: functions are validated now and compiled (Liftoff, then TurboFan
  // for hot ones) when first called; wasmtime compiles everything with Cranelift up front.
  let unique = 0
  const compile = (bytes, iters) => {
    const times = []
    for (let i = 0; i < iters; i++) {
      const fresh = withCustomSection(bytes, `edgemix-bench-v8-${process.pid}-${++unique}`)
      const t0 = now()
      new WebAssembly.Module(fresh)
      times.push(Number(now() - t0))
    }
    return stats(times)
  }
  const compileMixer = compile(mixerBytes, 5)
  const compileEcho = compile(echoBytes, 5)
  const mixer = new WebAssembly.Module(mixerBytes)
  const echo = new WebAssembly.Module(echoBytes)
  const cachedTimes = []
  for (let i = 0; i < n(500); i++) {
    const t0 = now()
    new WebAssembly.Module(mixerBytes)
    cachedTimes.push(Number(now() - t0))
  }
  const compileMixerSameBytes = stats(cachedTimes)

  // Per call. Warm-up long enough for V8's dynamic tiering to move the hot functions
  // from Liftoff to TurboFan.
  const echoGuest = new Guest(echo, 'bench-echo')
  const echoCall = timeCalls((i) => echoGuest.process(frames[i % k]), n(5_000), n(50_000))
  const back = echoGuest.process(frames[3])
  if (back.length !== frames[3].length || back.some((b, i) => b !== frames[3][i])) throw new Error('echo: output differs from input')
  echoGuest.close()

  const mixerGuest = new Guest(mixer, 'bench-mixer')
  const first = new Float32Array(mixerGuest.process(frames[0]).buffer)
  if (first.length !== FRAME_SAMPLES || !first.every(Number.isFinite)) throw new Error('mixer: malformed output')
  const mixerCall = timeCalls((i) => mixerGuest.process(frames[i % k]), n(3_000), n(10_000))
  mixerGuest.close()

  // Instances: create `instances` (instantiate + initialize), keep them alive, measure the
  // memory they add; then 10 frames each across all of them on this one thread.
  for (let i = 0; i < 50; i++) new Guest(mixer, `bench-warm-${i}`).close()
  const before = memory()
  const guests = []
  const createTimes = new Float64Array(opts.instances)
  const instantiateTimes = new Float64Array(opts.instances)
  for (let i = 0; i < opts.instances; i++) {
    const t0 = now()
    const g = new Guest(mixer, `bench-idle-${i}`)
    createTimes[i] = Number(now() - t0)
    guests.push(g)
  }
  const after = memory()
  // Instantiation alone (no alloc/initialize), for reference.
  const bare = []
  for (let i = 0; i < Math.min(200, opts.instances); i++) {
    const t0 = now()
    bare.push(new WebAssembly.Instance(mixer, {}))
    instantiateTimes[i] = Number(now() - t0)
  }
  bare.length = 0

  const perFrames = 10
  const lat = new Float64Array(guests.length * perFrames)
  const t0 = now()
  for (let f = 0, c = 0; f < perFrames; f++) {
    for (let j = 0; j < guests.length; j++, c++) {
      const s = now()
      guests[j].process(frames[(j + f) % k])
      lat[c] = Number(now() - s)
    }
  }
  const wall = Number(now() - t0)
  const total = guests.length * perFrames
  for (const g of guests) g.close()

  const per = (key) => (after[key] == null || before[key] == null ? null : (after[key] - before[key]) / opts.instances)
  console.log(
    JSON.stringify({
      node: process.version,
      v8: process.versions.v8,
      gcExposed: typeof globalThis.gc === 'function',
      scale: opts.scale,
      compile: { mixer: compileMixer, echo: compileEcho, mixerSameBytes: compileMixerSameBytes },
      echo: { inputBytes: frames[0].length, ns: echoCall },
      mixer: { frameSamples: FRAME_SAMPLES, ns: mixerCall },
      instances: {
        count: opts.instances,
        createNs: stats(createTimes),
        instantiateOnlyNs: stats(instantiateTimes.subarray(0, Math.min(200, opts.instances))),
        bytesPerInstance: { rss: per('rss'), pss: per('pss'), heapUsed: per('heapUsed'), external: per('external') },
        before,
        after,
      },
      concurrent: {
        threads: 1,
        instances: guests.length,
        framesPerInstance: perFrames,
        frames: total,
        wallNs: wall,
        nsPerFrame: wall / total,
        framesPerSecond: total / (wall * 1e-9),
        latency: stats(lat),
      },
    }),
  )
}

main()
