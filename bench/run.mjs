#!/usr/bin/env node
// edgemix benchmark suite (`npm run bench` = `npm run build && node bench/run.mjs`).
//
// Every section is an async function that measures one thing and returns rows; the rows
// are printed as one table, compared against their peer, checked against the targets and
// written to bench/results/latest.json. To add a benchmark (MFCC, WASM, gRPC, ...), append
// a section to SECTIONS and, if it has a budget, a target to TARGETS. See bench/README.md.
//
// Options:
//   --quick            ~1/5 of the iterations, 1 round (smoke test; numbers are noisier)
//   --rounds=N         run every section N times (default 3); each row reports the round
//                      with the median p50 (mean for throughput rows) and the spread
//   --only=a,b         run only these section ids or groups (e.g. --only=analysis)
//   --skip=a,b         skip these section ids or groups
//   --no-write         do not write bench/results/latest.json
//   --list             list the section ids (and their groups) and exit
//   --help             print these options and exit

import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { FRAME_SAMPLES, INPUT_FRAMES, SAMPLE_RATE, testSignal, toFrames } from './signal.mjs'
import { stats } from './stats.mjs'
import { httpSection } from './http.mjs'

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.resolve(BENCH_DIR, '..')
const VENV = path.join(BENCH_DIR, '.venv')
const VENV_PYTHON = path.join(VENV, 'bin', 'python')
const RESULTS_FILE = path.join(BENCH_DIR, 'results', 'latest.json')
const FRAME_NS = (FRAME_SAMPLES / SAMPLE_RATE) * 1e9 // 20 ms of audio per frame
const ANALYSIS_SECONDS = 60 // the analysis sections' input (MFCC batch, loudness)

// ─── Measurement helpers ─────────────────────────────────────────────────────────────

const now = process.hrtime.bigint

/** Times `fn(i)` per call: `warmup` untimed calls, then `n` timed ones; also a batched
 *  pass (no timer inside the loop) as a cross-check of the mean. */
function timeSync(fn, { n, warmup }) {
  for (let i = 0; i < warmup; i++) fn(i)
  const times = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const t0 = now()
    fn(i)
    times[i] = Number(now() - t0)
  }
  const t0 = now()
  for (let i = 0; i < n; i++) fn(i)
  const batchedMean = Number(now() - t0) / n
  return { ...stats(times), batchedMean }
}

/** Median cost of one timer read pair (what every per-call time includes). */
function timerOverheadNs(n = 200_000) {
  const times = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const t0 = now()
    times[i] = Number(now() - t0)
  }
  return stats(times).p50
}

/** Runs a command, collecting stdout; stderr is passed through (build progress, errors). */
function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], ...opts })
    let stdout = ''
    child.stdout?.on('data', (d) => (stdout += d))
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`)),
    )
  })
}

/** The last line of `stdout` that parses as a JSON object. */
function lastJson(stdout) {
  const line = stdout.trim().split('\n').reverse().find((l) => l.trim().startsWith('{'))
  if (!line) throw new Error(`no JSON in output: ${stdout.slice(0, 200)}`)
  return JSON.parse(line)
}

function checkOutput(out, label) {
  if (!(out instanceof Float32Array) || out.length !== FRAME_SAMPLES) {
    throw new Error(`${label}: expected a Float32Array of ${FRAME_SAMPLES} samples`)
  }
  for (const x of out) if (!Number.isFinite(x)) throw new Error(`${label}: non-finite output`)
}

// ─── Sections ────────────────────────────────────────────────────────────────────────
//
// A section is { id, title, run(ctx) } where run resolves to { rows, info? }.
// A row is { id, label, p50, mean, p99?, unit?, compareTo?, note? }:
//   - times are ns per frame (or per call, which here is one 960-sample frame);
//   - `compareTo` is the id of the peer row to print the ours/peer ratio against;
//   - `unit: 'throughput'` marks a row whose p50 is not meaningful (mean only).
// `ctx.result(id)` returns a row of an earlier section (or undefined).

const PEER = 'pedalboard.chain'

/** a) The Rust chain timed in Rust (crates/dsp/examples/bench_chain.rs). */
async function rustChain(ctx) {
  const frames = ctx.n(30_000)
  const out = await run('cargo', ['run', '--release', '-q', '--example', 'bench_chain', '-p', 'edgemix-dsp', '--', String(frames)])
  const r = lastJson(out)
  return {
    rows: [
      {
        id: 'rust.chain',
        label: 'Rust chain, direct (cargo example)',
        p50: r.nsPerFrame.p50,
        mean: r.nsPerFrame.mean,
        compareTo: PEER,
        note: `${r.frames} frames; own copy of the test signal`,
      },
      {
        id: 'rust.chain.adaptive',
        label: 'Rust chain, adaptive: true, settled preset',
        ...r.adaptive.settled,
        compareTo: 'rust.chain',
        peerName: 'the same chain, not adaptive',
        note: 'processed on the 32-sample preset grid; classifier decisions handed in (set_decision)',
      },
      {
        id: 'rust.chain.adaptive.morphing',
        label: 'Rust chain, adaptive, always morphing',
        ...r.adaptive.morphing,
        compareTo: 'rust.chain',
        peerName: 'the same chain, not adaptive',
        note: 'a new preset each time the 200 ms morph ends: gate, compressor and EQ recomputed every 32 samples',
      },
    ],
    info: r,
  }
}

/** b) processSync through the addon. */
async function addonSync(ctx) {
  const chain = new ctx.addon.MixerChain()
  const { frames } = ctx
  checkOutput(chain.processSync(frames[0]), 'processSync')
  chain.reset()
  const k = frames.length
  const r = timeSync((i) => chain.processSync(frames[i % k]), { n: ctx.n(40_000), warmup: ctx.n(5_000) })
  checkOutput(chain.processSync(frames[0]), 'processSync')

  // Where the time goes. Every stage bypassed: what remains is the binding (copy in, new
  // Float32Array out), the meters and the limiter, which keeps its delay line and tracks
  // its gain envelope while bypassed; compare with pedalboard's empty board. A 1-sample
  // block: the binding's fixed per-call cost with next to no DSP.
  const off = { bypass: true }
  const idle = new ctx.addon.MixerChain({ gate: off, compressor: off, eq: off, limiter: off })
  const floor = timeSync((i) => idle.processSync(frames[i % k]), { n: ctx.n(20_000), warmup: ctx.n(2_000) })
  const tiny = frames.map((f) => f.slice(0, 1))
  const fixed = timeSync((i) => chain.processSync(tiny[i % k]), { n: ctx.n(20_000), warmup: ctx.n(2_000) })
  return {
    rows: [
      { id: 'addon.processSync', label: 'processSync (addon, JS thread)', ...r, compareTo: PEER },
      {
        id: 'addon.processSync.bypassed',
        label: 'processSync, all stages bypassed',
        ...floor,
        compareTo: 'pedalboard.empty',
        note: 'binding + meters + limiter envelope (tracked while bypassed); ratio vs the empty pedalboard',
      },
      { id: 'addon.processSync.1sample', label: 'processSync, 1-sample block', ...fixed, note: "the binding's fixed per-call cost (not per frame)" },
    ],
    info: { processSync: r, bypassed: floor, oneSample: fixed },
  }
}

/** c) process(): off-thread round trip, sequential and with calls in flight. */
async function addonAsync(ctx) {
  const { frames } = ctx
  const k = frames.length

  // Sequential: await each call before issuing the next.
  const chain = new ctx.addon.MixerChain()
  checkOutput(await chain.process(frames[0]), 'process')
  const warmup = ctx.n(2_000)
  for (let i = 0; i < warmup; i++) await chain.process(frames[i % k])
  const n = ctx.n(15_000)
  const times = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const t0 = now()
    await chain.process(frames[i % k])
    times[i] = Number(now() - t0)
  }
  const sequential = stats(times)

  // In flight: keep `depth` calls outstanding on one chain (a sliding window); calls are
  // applied in call order, so this measures pipelining of the JS↔worker hand-off, not
  // parallel DSP. Then the same with one chain per stream (parallel DSP on the pool).
  const depth = 8
  const inFlight = async (chains, total) => {
    const lat = new Float64Array(total)
    const window = []
    const t0 = now()
    for (let i = 0; i < total; i++) {
      const start = now()
      window.push(chains[i % chains.length].process(frames[i % k]).then(() => (lat[i] = Number(now() - start))))
      if (window.length === depth) await window.shift()
    }
    await Promise.all(window)
    const elapsed = Number(now() - t0)
    return { total, depth, chains: chains.length, elapsedNs: elapsed, nsPerFrame: elapsed / total, latency: stats(lat) }
  }
  const one = [new ctx.addon.MixerChain()]
  await inFlight(one, ctx.n(2_000)) // warm-up
  const pipelined = await inFlight(one, ctx.n(20_000))
  const many = Array.from({ length: depth }, () => new ctx.addon.MixerChain())
  await inFlight(many, ctx.n(2_000))
  const parallel = await inFlight(many, ctx.n(20_000))

  const throughputRow = (id, label, r) => ({
    id,
    label,
    unit: 'throughput',
    p50: r.latency.p50,
    mean: r.nsPerFrame,
    p99: r.latency.p99,
    compareTo: PEER,
    note: `mean = wall time / frame (${(1e9 / r.nsPerFrame).toFixed(0)} frames/s, ${(FRAME_NS / r.nsPerFrame).toFixed(0)}× real time); p50/p99 = per-call latency`,
  })
  return {
    rows: [
      { id: 'addon.process', label: 'process() round trip, sequential', ...sequential, compareTo: PEER },
      throughputRow('addon.process.inflight8', `process() ${depth} in flight, 1 chain`, pipelined),
      throughputRow('addon.process.inflight8x8', `process() ${depth} in flight, ${depth} chains`, parallel),
    ],
    info: { sequential, pipelined, parallel, frameWorkers: os.availableParallelism() },
  }
}

/** Creates bench/.venv with the pinned peer packages (bench/requirements.txt) unless every
 *  pin is already installed at its version; checked once per run. */
let venvReady = null
function ensureVenv() {
  venvReady ??= setUpVenv().catch((err) => {
    venvReady = null
    throw err
  })
  return venvReady
}

async function setUpVenv() {
  const requirements = path.join(BENCH_DIR, 'requirements.txt')
  const pins = readFileSync(requirements, 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean)
    .map((l) => l.split('=='))
  // The installed version of every pinned distribution matches its pin.
  const check = `import importlib.metadata as m, sys
pins = ${JSON.stringify(Object.fromEntries(pins))}
def v(name):
    try:
        return m.version(name)
    except m.PackageNotFoundError:
        return None
sys.exit(0 if all(v(n) == want for n, want in pins.items()) else 1)`
  const installed = () => existsSync(VENV_PYTHON) && spawnSync(VENV_PYTHON, ['-c', check], { stdio: 'ignore' }).status === 0
  if (installed()) return
  if (!existsSync(VENV_PYTHON)) {
    console.error(`creating ${path.relative(ROOT, VENV)} (first run only)…`)
    await run('python3', ['-m', 'venv', VENV], { stdio: ['ignore', 'inherit', 'inherit'] })
  }
  console.error(`installing ${path.relative(ROOT, requirements)} into the venv…`)
  await run(VENV_PYTHON, ['-m', 'pip', 'install', '-q', '-r', requirements], { stdio: ['ignore', 'inherit', 'inherit'] })
  if (!installed()) throw new Error(`bench/.venv still does not hold every pin of ${path.relative(ROOT, requirements)}`)
}

/** d) The peer: the same chain built from pedalboard, fed the same input file. */
async function pedalboardPeer(ctx) {
  await ensureVenv()
  const out = await run(VENV_PYTHON, [
    path.join(BENCH_DIR, 'peer_pedalboard.py'),
    '--input', ctx.inputPath,
    '--frames', String(ctx.n(20_000)),
    '--warmup', String(ctx.n(1_000)),
    '--frame-samples', String(FRAME_SAMPLES),
    '--config', JSON.stringify(ctx.config),
  ])
  const r = lastJson(out)
  if (!r.outputSane) throw new Error('pedalboard produced a malformed or non-finite output')
  const b = r.boards
  const v = r.versions
  return {
    rows: [
      { id: PEER, label: `pedalboard ${v.pedalboard}: 6-plugin chain`, ...b.chain, note: b.chain.plugins.join(' → ') },
      { id: 'pedalboard.chainGains', label: 'pedalboard: chain + 2 Gain stages', ...b.chainGains, note: 'with makeup +3 dB and ceiling trim' },
      { id: 'pedalboard.empty', label: 'pedalboard: empty board (per-call cost)', ...b.empty },
    ],
    info: r,
  }
}


// ─── WASM sections ───────────────────────────────────────────────────────────────────
//
// The same guest modules (wasm-modules/dist, `node scripts/build-wasm.mjs`) in three
// processes: the wasmtime host timed in Rust (crates/runtime/examples/bench_wasm.rs), the
// peer — the same .wasm in Node's V8 through a JS driver of the ABI (wasm_v8.mjs) — and
// the addon's WasmSession from JS (wasm_addon.mjs). Each in its own process: resident
// memory then counts only its own instances, and the engine's epoch ticker thread (1 ms)
// never runs during the other sections.

const WASM_DIST = path.join(ROOT, 'wasm-modules', 'dist')
const V8 = 'V8'
const KiB = 1024

function requireWasmDist() {
  for (const name of ['echo.wasm', 'mixer.wasm', 'denoise.wasm']) {
    if (!existsSync(path.join(WASM_DIST, name))) throw new Error(`wasm-modules/dist/${name} is missing: run \`node scripts/build-wasm.mjs\``)
  }
}

const ms = (ns) => `${(ns / 1e6).toFixed(ns < 1e7 ? 2 : 1)} ms`
const kib = (bytes) => `${(bytes / KiB).toFixed(1)} KiB`
const statRow = (s) => ({ p50: s.p50, mean: s.mean, p99: s.p99 })

/** e) The wasmtime host, timed in Rust. */
async function wasmHost(ctx) {
  requireWasmDist()
  const scale = ctx.n(1000) / 1000
  const out = await run('cargo', ['run', '--release', '-q', '--example', 'bench_wasm', '-p', 'edgemix-runtime', '--', `--scale=${scale}`, `--dist=${WASM_DIST}`])
  const r = lastJson(out)
  const { load, idle } = r
  const [c2, c1] = r.concurrent
  const concurrentRow = (id, c, compareTo) => ({
    id,
    label: `${c.sessions} sessions × ${c.framesPerSession} frames, ${c.threads} thread${c.threads > 1 ? 's' : ''}`,
    unit: 'throughput',
    p50: c.latency.p50,
    mean: c.nsPerFrame,
    p99: c.latency.p99,
    items: c.frames,
    compareTo,
    peerName: compareTo && V8,
    note: `mixer.wasm; ${Math.round(c.framesPerSecond)} frames/s = ${c.realTimeFactor.toFixed(0)} streams in real time (${c.sessions} × ${((c.framesPerSession * FRAME_NS) / 1e9).toFixed(1)} s of audio took ${ms(c.wallNs)}); ${c.coresUsed.toFixed(2)} cores used; p50/p99 = per call`,
  })
  return {
    rows: [
      { id: 'wasm.echo', label: 'echo.wasm process(), 3840 B in/out', ...statRow(r.echo.ns), compareTo: 'v8.echo', peerName: V8, note: 'WasmSession::process: per-call cost of the host (copy in, call, copy out to a Vec)' },
      { id: 'wasm.mixer', label: 'mixer.wasm process(), 960 frame', ...statRow(r.mixer.wasmNs), compareTo: 'v8.mixer', peerName: V8, note: `default config; includes the host's f32 check; max |wasm − native| ${r.mixer.parityMaxDiff} over 50 frames` },
      { id: 'wasm.native', label: 'native MixerChain::process, same frames', ...statRow(r.mixer.nativeNs), note: 'the reference for mixer.wasm, same process and input (see Ratios)' },
      { id: 'wasm.denoise', label: 'denoise.wasm process(), 960 frame (RNNoise)', ...statRow(r.denoise.wasmNs), note: `mono, no attenuation limit; max |wasm − native| ${r.denoise.parityMaxDiff} over 50 frames` },
      { id: 'wasm.denoise.native', label: 'native Denoiser::process, same frames', ...statRow(r.denoise.nativeNs), note: 'the chain\'s denoise stage, same process and input' },
      { id: 'wasm.load.cold.mixer', label: `cold load mixer.wasm (${Math.round(r.bytes.mixer / KiB)} KiB): compile`, ...statRow(load.coldMixer), display: 'ms', compareTo: 'v8.compile.mixer', peerName: V8, note: `Runtime::load on fresh bytes (Cranelift, opt speed); ${load.coldMixer.n} loads` },
      { id: 'wasm.load.cold.echo', label: `cold load echo.wasm (${Math.round(r.bytes.echo / KiB)} KiB): compile`, ...statRow(load.coldEcho), display: 'ms', compareTo: 'v8.compile.echo', peerName: V8, note: `${load.coldEcho.n} loads` },
      { id: 'wasm.load.warm.mixer', label: 'warm load mixer.wasm: in-memory cache hit', ...statRow(load.warmMixer), compareTo: 'v8.compile.mixer.same', peerName: V8, note: 'same bytes again: SHA-256 of the bytes + lookup' },
      { id: 'wasm.load.disk.mixer', label: 'disk-cache load mixer.wasm (.cwasm)', ...statRow(load.diskMixer), note: `${ms(load.diskMixer.p50)}; fresh hash, ${Math.round(r.bytes.mixerCwasm / KiB)} KiB .cwasm in the page cache: deserialize + ABI check + describe()` },
      { id: 'wasm.session.create', label: 'WasmSession::new, mixer.wasm (slot reused)', ...statRow(r.sessionCreate), compareTo: 'v8.instance.create', peerName: V8, note: 'instantiate + alloc + initialize; each session dropped before the next' },
      { id: 'wasm.session.create.fill', label: `WasmSession::new, filling ${idle.sessions} (fresh slots)`, ...statRow(idle.createNs), compareTo: 'v8.instance.create', peerName: V8, note: 'while creating the idle sessions below' },
      {
        id: 'wasm.session.rss',
        label: `resident memory per idle session (${idle.sessions} alive)`,
        unit: 'bytes',
        p50: idle.bytesPerSession.rss,
        mean: idle.bytesPerSession.rss,
        compareTo: 'v8.instance.rss',
        peerName: V8,
        note: `VmRSS delta / ${idle.sessions}; PSS ${kib(idle.bytesPerSession.pss)} (anon ${kib(idle.bytesPerSession.anon)}, memory-image pages ${kib(idle.bytesPerSession.shmem)} shared between instances)`,
      },
      concurrentRow('wasm.concurrent', c2),
      concurrentRow('wasm.concurrent.1thread', c1, 'v8.concurrent'),
    ],
    info: r,
  }
}

/** f) The peer: the same .wasm files in V8 (Node's WebAssembly), in a child process. */
async function wasmV8(ctx) {
  requireWasmDist()
  const scale = ctx.n(1000) / 1000
  const out = await run(process.execPath, ['--expose-gc', path.join(BENCH_DIR, 'wasm_v8.mjs'), `--scale=${scale}`, `--dist=${WASM_DIST}`])
  const r = lastJson(out)
  const { compile, instances: inst, concurrent: c } = r
  return {
    rows: [
      { id: 'v8.echo', label: 'V8: echo.wasm process(), 3840 B in/out', ...statRow(r.echo.ns), note: 'sync call through the JS ABI driver (copy in, call, copy out)' },
      { id: 'v8.mixer', label: 'V8: mixer.wasm process(), 960 frame', ...statRow(r.mixer.ns), note: 'after warm-up (TurboFan tier)' },
      { id: 'v8.compile.mixer', label: 'V8: new WebAssembly.Module(mixer.wasm)', ...statRow(compile.mixer), note: `${ms(compile.mixer.p50)}; fresh bytes; V8 compiles lazily (validation now, Liftoff/TurboFan on first calls)` },
      { id: 'v8.compile.echo', label: 'V8: new WebAssembly.Module(echo.wasm)', ...statRow(compile.echo), note: `${ms(compile.echo.p50)}; fresh bytes` },
      { id: 'v8.compile.mixer.same', label: 'V8: new WebAssembly.Module, same bytes again', ...statRow(compile.mixerSameBytes), note: "V8's native module cache" },
      { id: 'v8.instance.create', label: `V8: instantiate + initialize, filling ${inst.count}`, ...statRow(inst.createNs), note: `new WebAssembly.Instance + alloc + initialize; instantiate alone p50 ${fmtNs(inst.instantiateOnlyNs.p50)} ns` },
      {
        id: 'v8.instance.rss',
        label: `V8: resident memory per instance (${inst.count} alive)`,
        unit: 'bytes',
        p50: inst.bytesPerInstance.rss,
        mean: inst.bytesPerInstance.rss,
        note: `rss delta / ${inst.count} after gc(); PSS ${inst.bytesPerInstance.pss == null ? '—' : kib(inst.bytesPerInstance.pss)}`,
      },
      {
        id: 'v8.concurrent',
        label: `V8: ${c.instances} instances × ${c.framesPerInstance} frames, 1 thread`,
        unit: 'throughput',
        p50: c.latency.p50,
        mean: c.nsPerFrame,
        p99: c.latency.p99,
        note: `${Math.round(c.framesPerSecond)} frames/s on the one JS thread`,
      },
    ],
    info: r,
  }
}

/** g) The addon's WASM path from JS, in a child process. */
async function wasmAddon(ctx) {
  requireWasmDist()
  const scale = ctx.n(1000) / 1000
  const out = await run(process.execPath, [path.join(BENCH_DIR, 'wasm_addon.mjs'), `--scale=${scale}`, `--dist=${WASM_DIST}`])
  const r = lastJson(out)
  return {
    rows: [
      { id: 'addon.wasm.echo', label: 'await session.process(), echo 3840 B', ...statRow(r.echo.ns), compareTo: 'v8.echo', peerName: V8, note: 'round trip: frame-worker hand-off + wasmtime + Buffer out; vs a sync call in V8' },
      { id: 'addon.wasm.mixer', label: 'await session.process(), mixer frame', ...statRow(r.mixer.ns), compareTo: 'v8.mixer', peerName: V8, note: 'Float32Array in and out' },
      { id: 'addon.wasm.createSession', label: 'await node.createSession(), mixer', ...statRow(r.createSession), compareTo: 'v8.instance.create', peerName: V8, note: 'round trip; each session closed before the next' },
    ],
    info: r,
  }
}

/** h) Hybrid proxies (bench/hybrid.mjs, own process with an embedded cloud tier). */
async function hybridSection(ctx) {
  requireWasmDist()
  const scale = ctx.n(1000) / 1000
  const r = lastJson(await run(process.execPath, [path.join(BENCH_DIR, 'hybrid.mjs'), `--scale=${scale}`, `--dist=${WASM_DIST}`]))
  const rows = [
    { id: 'hybrid.edge.direct', label: 'await WasmSession.process(), mixer frame', ...statRow(r.edge.direct) },
    { id: 'hybrid.edge.proxy', label: 'await proxy.process(), edge route (mixer.wasm)', ...statRow(r.edge.proxy), compareTo: 'hybrid.edge.direct', peerName: 'WasmSession', note: 'normalise + router + metrics around the same session call' },
    { id: 'hybrid.decision', label: 'sync decisionFunction, JS-thread cost per call (ctx + call + check)', p50: r.decision.overheadNs, mean: r.decision.overheadNs },
  ]
  {
    rows.push(
      { id: 'hybrid.cloud.direct', label: 'await CloudClient.execute(), PassThrough 3840 B', ...statRow(r.cloud.direct) },
      { id: 'hybrid.cloud.proxy', label: 'await proxy.process(), cloud route (PassThrough)', ...statRow(r.cloud.proxy), compareTo: 'hybrid.cloud.direct', peerName: 'CloudClient' },
    )
    for (const [name, hints] of Object.entries(r.sides)) {
      for (const [hint, s] of Object.entries(hints)) {
        const id = hint === 'balanced' ? `hybrid.${name}` : `hybrid.${name}.${hint}`
        const cost = `${(s.edgeCpuNs / 1e3).toFixed(1)} µs CPU per ${(s.edgeWallNs / 1e3).toFixed(1)} µs edge call`
        rows.push(
          { id: `${id}.cloud`, label: `${name} per frame via proxy, cloud route (loopback gRPC), latencyHint '${hint}'`, ...statRow(s.cloud) },
          { id: `${id}.edge`, label: `${name} per frame via proxy, edge route, latencyHint '${hint}'`, ...statRow(s.edge), compareTo: `${id}.cloud`, peerName: 'cloud route', note: `edge ${(100 * s.edgeLowerBy).toFixed(1)}% lower than cloud; ${cost}` },
        )
      }
    }
    const bw = (id, label, b, extra = '') => ({ id, label: `${label} (${b.kept}/${b.frames} frames kept${extra})`, unit: 'bytes', p50: b.bytes, mean: b.bytes, sent: 1 - b.saved, note: `${(100 * b.saved).toFixed(1)}% of ${b.totalBytes} B saved` })
    const { speech, conversation: talk } = r.bandwidth
    rows.push(
      bw('hybrid.bw.speech.vad', 'bytes to the cloud behind the edge VAD gate, continuous speech', speech.vad),
      bw('hybrid.bw.speech.mfcc', 'bytes to the cloud after edge MFCC (13 coefficients per frame), continuous speech', speech.mfcc),
      bw('hybrid.bw.talk.vad', 'bytes to the cloud behind the edge VAD gate, one side of a conversation (P.59)', talk.vad, `; ${talk.vad.speechKept}/${talk.speechFrames} speech frames`),
      bw('hybrid.bw.talk.vadMfcc', 'bytes to the cloud behind the edge VAD gate + MFCC, one side of a conversation (P.59)', talk.vadMfcc, `; ${talk.vadMfcc.speechKept}/${talk.speechFrames} speech frames`),
    )
  }
  const EDGES = { native: 'native mixer (edgeNative)', wasm: 'mixer.wasm (edgeWasm)' }
  for (const [kind, runs] of Object.entries(r.scale)) {
    for (const s of runs) {
      rows.push({
        id: `hybrid.scale.${kind}.${s.streams}`,
        label: `${s.streams} live streams (50 frames/s, staggered), ${EDGES[kind]}: frame latency`,
        p50: s.p50Ns,
        mean: s.p50Ns,
        p99: s.p99Ns,
        note: `${s.received}/${s.frames} measured frames, ${s.lost} lost, ${s.wrong} wrong; JS thread ${Math.round(100 * s.loopBusy)}% busy, ${s.cpuUsPerFrame.toFixed(1)} µs CPU per frame (all threads)`,
      })
    }
    const most = r.maxStreams[kind]
    rows.push({ id: `hybrid.scale.${kind}.max`, label: `most live streams with p99 <= 20 ms and nothing lost, ${EDGES[kind]}`, unit: 'count', p50: most, mean: most, streams: most })
  }
  return { rows, info: r }
}

// ─── Analysis sections ───────────────────────────────────────────────────────────────
//
// MFCC (streaming per 960-sample frame, and batch over 60 s) and integrated loudness over
// 60 s, against Meyda (npm, in this process), librosa and pyloudnorm (bench/.venv, one
// child process). Every contender gets the same 60 s of the test signal (ctx.signal60():
// the first 500 frames are the mixer sections' input); the Rust example generates the
// same recipe itself. MFCC configuration everywhere: 48 kHz, 1024-sample window
// (periodic Hann), hop 960, 40 mel bands, 13 coefficients (edgemix's defaults).

const MEYDA = 'Meyda'
const LIBROSA = 'librosa'
const PYLOUDNORM = 'pyloudnorm'
const MFCC_OPTS = { nFft: 1024, hop: 960, nMels: 40, nMfcc: 13 }

/** Times whole calls of a batch function: `warmup` untimed, then `runs` timed (ns each). */
function timeRuns(fn, { runs, warmup = 1 }) {
  let out
  for (let i = 0; i < warmup; i++) out = fn()
  const times = []
  for (let i = 0; i < runs; i++) {
    const t0 = now()
    out = fn()
    times.push(Number(now() - t0))
  }
  return { out, ...stats(times), runsNs: times }
}

/** A batch measurement as a row: per frame (amortised) when `frames` is given. */
const batchRow = (r, frames = 1) => ({ p50: r.p50 / frames, mean: r.mean / frames })

/** h) Our analysis timed in Rust (crates/dsp/examples/bench_mfcc.rs). */
async function analysisRust(ctx) {
  const frames = ctx.n(20_000)
  const out = await run('cargo', ['run', '--release', '-q', '--example', 'bench_mfcc', '-p', 'edgemix-dsp', '--', String(frames)])
  const r = lastJson(out)
  const msToNs = (x) => x * 1e6 // the example reports ms; rows hold ns
  return {
    rows: [
      {
        id: 'rust.mfcc',
        label: 'Rust MFCC streaming, FeatureExtractor::push',
        ...r.mfcc.nsPerFrame,
        compareTo: 'meyda.mfcc',
        peerName: MEYDA,
        note: `cargo example bench_mfcc; ${r.mfcc.frames} frames of 960, one push each (13 MFCCs); own copy of the 60 s signal`,
      },
      {
        id: 'rust.mfcc.spectral',
        label: 'Rust MFCC + spectral features, streaming',
        ...r.mfccAndSpectral.nsPerFrame,
        note: 'diagnostic: spectral: true adds RMS, ZCR, centroid, rolloff, flatness, flux',
      },
      {
        id: 'rust.loudness.integrated',
        label: 'Rust loudness 60 s, integrated only',
        p50: msToNs(r.loudness60s.integratedMs),
        mean: msToNs(r.loudness60s.integratedMs),
        display: 'ms',
        compareTo: 'pyloudnorm.integrated',
        peerName: PYLOUDNORM,
        note: 'best of 5; K-weighting + gating, what pyloudnorm computes (LoudnessMeter without true peak)',
      },
      {
        id: 'rust.loudness.full',
        label: 'Rust loudness 60 s, full report',
        p50: msToNs(r.loudness60s.fullMs),
        mean: msToNs(r.loudness60s.fullMs),
        display: 'ms',
        compareTo: 'pyloudnorm.integrated',
        peerName: PYLOUDNORM,
        note: 'best of 5; adds the 4× true-peak oversampler and the short-term series',
      },
    ],
    info: r,
  }
}

/** i) Our analysis through the addon, on the JS thread. */
async function analysisAddon(ctx) {
  const { addon } = ctx
  const { samples, frames } = ctx.signal60()
  const k = frames.length
  const runs = ctx.quick ? 3 : 7

  // Streaming: one 960-sample frame per pushSync, each completing one frame of 13 MFCCs.
  const extractor = new addon.FeatureExtractor()
  const first = extractor.pushSync(frames[0])
  if (first.frames !== 1 || first.mfcc.length !== 13 || !first.mfcc.every(Number.isFinite)) {
    throw new Error('FeatureExtractor.pushSync: expected one finite frame of 13 MFCCs per 960 samples')
  }
  extractor.reset()
  const push = timeSync((i) => extractor.pushSync(frames[i % k]), { n: ctx.n(20_000), warmup: ctx.n(2_000) })

  // Batch over the 60 s: center=false framing, 1 + (len − 1024) / 960 frames.
  const batch = timeRuns(() => addon.extractMfccSync(samples, MFCC_OPTS), { runs })
  const mfccFrames = batch.out.length / 13
  if (!Number.isInteger(mfccFrames) || !batch.out.every(Number.isFinite)) throw new Error('extractMfccSync: malformed output')

  // Loudness over the 60 s: the full report (integrated, short-term series, momentary max,
  // true peak, sample peak).
  const loud = timeRuns(() => addon.measureLoudnessSync(samples, { sampleRate: SAMPLE_RATE }), { runs })
  const lufs = loud.out.integratedLufs
  if (!Number.isFinite(lufs)) throw new Error(`measureLoudnessSync: integrated loudness ${lufs}`)

  return {
    rows: [
      {
        id: 'addon.mfcc.pushSync',
        label: 'FeatureExtractor.pushSync(frame), 13 MFCCs',
        ...push,
        compareTo: 'meyda.mfcc',
        peerName: MEYDA,
        note: `per call = per frame; ${k} frames of the 60 s signal cycled; includes copying the frame in and the result object out`,
      },
      {
        id: 'addon.mfcc.batch',
        label: 'extractMfccSync(60 s), per frame',
        ...batchRow(batch, mfccFrames),
        compareTo: 'librosa.mfcc',
        peerName: LIBROSA,
        note: `${mfccFrames} frames; ${ms(batch.p50)} per call (median of ${runs} after 1 warm-up), amortised per frame`,
      },
      {
        id: 'addon.loudness',
        label: 'measureLoudnessSync(60 s)',
        ...batchRow(loud),
        display: 'ms',
        compareTo: 'pyloudnorm.integrated',
        peerName: PYLOUDNORM,
        note: `${lufs.toFixed(2)} LUFS, true peak ${loud.out.truePeakDbtp.toFixed(2)} dBTP; median of ${runs}; the whole report (adds true peak and the short-term series to what pyloudnorm computes)`,
      },
    ],
    info: {
      pushSync: push,
      batch: { frames: mfccFrames, runsNs: batch.runsNs },
      loudness: { runsNs: loud.runsNs, integratedLufs: lufs, truePeakDbtp: loud.out.truePeakDbtp },
    },
  }
}

/** j) The streaming peer: Meyda's MFCC in this process. */
async function analysisMeyda(ctx) {
  const { default: Meyda } = await import('meyda')
  const meydaVersion = createRequire(import.meta.url)('meyda/package.json').version
  const { samples } = ctx.signal60()
  // A 1024-sample buffer sliding by 960 (the 64 samples of overlap our extractor keeps as
  // history), cut beforehand into separate Float32Arrays so the timing holds only
  // Meyda.extract: its Hann window, FFT (fftjs), power spectrum, mel bank, log and DCT.
  const buffers = ctx.meydaBuffers ??= Array.from({ length: 1 + Math.floor((samples.length - 1024) / FRAME_SAMPLES) }, (_, i) =>
    samples.slice(i * FRAME_SAMPLES, i * FRAME_SAMPLES + 1024),
  )
  const k = buffers.length
  const measure = (melBands) => {
    Meyda.bufferSize = 1024
    Meyda.sampleRate = SAMPLE_RATE
    Meyda.numberOfMFCCCoefficients = 13
    Meyda.melBands = melBands // the mel bank is rebuilt on the next extract
    const check = Meyda.extract('mfcc', buffers[0])
    if (check?.length !== 13 || !check.every(Number.isFinite)) throw new Error('Meyda.extract: expected 13 finite MFCCs')
    return timeSync((i) => Meyda.extract('mfcc', buffers[i % k]), { n: ctx.n(k), warmup: ctx.n(300) })
  }
  const same = measure(MFCC_OPTS.nMels)
  const defaults = measure(26)
  return {
    rows: [
      {
        id: 'meyda.mfcc',
        label: `Meyda ${meydaVersion}: extract('mfcc'), 40 mel bands`,
        ...same,
        note: `bufferSize 1024, 48 kHz, 13 coefficients, our 40 bands; ${k} buffers sliding by 960; Meyda's own MFCC definition (log(mel + 1), unnormalised DCT), so values differ`,
      },
      {
        id: 'meyda.mfcc.26',
        label: "Meyda: extract('mfcc'), default 26 mel bands",
        ...defaults,
        note: "diagnostic: Meyda's default melBands",
      },
    ],
    info: { version: meydaVersion, buffers: k, melBands40: same, melBands26: defaults },
  }
}

/** k) The batch peers: librosa MFCC and pyloudnorm, in the bench venv (one process). */
async function analysisPython(ctx) {
  await ensureVenv()
  const { samples, path: inputPath } = ctx.signal60()
  // Our MFCCs of the same signal (untimed), for a parity line: are the peers computing the
  // same numbers? Ours integrated loudness likewise.
  const reference = ctx.signal60Reference ??= (() => {
    const file = inputPath.replace(/\.f32$/, '-mfcc.f32')
    writeFileSync(file, new Uint8Array(ctx.addon.extractMfccSync(samples, MFCC_OPTS).buffer))
    ctx.tempFiles.push(file)
    return { file, lufs: ctx.addon.measureLoudnessSync(samples, { sampleRate: SAMPLE_RATE }).integratedLufs }
  })()
  const out = await run(VENV_PYTHON, [
    path.join(BENCH_DIR, 'peer_analysis.py'),
    '--input', inputPath,
    '--runs', String(ctx.quick ? 3 : 7),
    '--sample-rate', String(SAMPLE_RATE),
    '--reference', reference.file,
  ])
  const r = lastJson(out)
  const { mfcc: m, loudness: l, versions: v } = r
  if (!m.finite) throw new Error('librosa produced non-finite MFCCs')
  const parity = m.parity?.error ?? `vs ours: max |Δ| c1–c12 ${m.parity.maxAbsDiffC1to12.toExponential(1)}, c0 relative ${m.parity.maxRelDiffC0.toExponential(1)}`
  return {
    rows: [
      {
        id: 'librosa.mfcc',
        label: `librosa ${v.librosa}: mfcc(60 s), per frame`,
        p50: m.p50NsPerFrame,
        mean: m.meanNsPerFrame,
        note: `${m.frames} frames, ${ms(m.p50Ns)} per call (median of ${r.runs} after a warm-up); melspectrogram(center=False) → power_to_db(top_db=None) → mfcc; ${m.dtype}; ${parity}`,
      },
      {
        id: 'pyloudnorm.integrated',
        label: `pyloudnorm ${v.pyloudnorm}: integrated_loudness(60 s)`,
        p50: l.p50Ns,
        mean: l.meanNs,
        display: 'ms',
        note: `${l.integratedLufs.toFixed(2)} LUFS (ours ${reference.lufs.toFixed(2)}); median of ${r.runs} after a warm-up; float64 input; scipy ${v.scipy}, numpy ${v.numpy}`,
      },
    ],
    info: r,
  }
}


// ── VAD: ours vs WebRTC VAD (fvad) on the labelled set ─────────────────────────────────
const FVAD = '@echogarden/fvad-wasm'
const VAD_CONDITIONS = ['pink_20dB', 'pink_5dB', 'music_20dB', 'music_5dB']

async function vadSection() {
  // Both print multi-line JSON {condition: {accuracy, usPerFrame}} over the same mixes
  // (vad_peer.mjs writes them with the cargo example vad_conditions).
  const ours = JSON.parse((await run('cargo', ['run', '--release', '-q', '--example', 'bench_vad', '-p', 'edgemix-dsp'])).trim())
  const fvad = JSON.parse((await run('node', ['bench/vad_peer.mjs'])).trim())
  const rows = []
  for (const c of VAD_CONDITIONS) {
    const us = (x) => ({ p50: x * 1000, mean: x * 1000 })
    rows.push({
      id: `vad.ours.${c}`,
      label: `edgemix Vad, ${c.replace('_', ' ')}: accuracy ${ours[c].accuracy.toFixed(3)}`,
      accuracy: ours[c].accuracy,
      ...us(ours[c].usPerFrame),
      compareTo: `vad.fvad.${c}`,
      peerName: FVAD,
      note: 'native, per 20 ms frame at 48 kHz (includes the 48k→16k front end); frame accuracy on the committed labelled set',
    })
    rows.push({
      id: `vad.fvad.${c}`,
      label: `fvad (WebRTC VAD) mode ${fvad[c].mode}, ${c.replace('_', ' ')}: accuracy ${fvad[c].accuracy.toFixed(3)}`,
      ...us(fvad[c].usPerFrame),
      note: `WASM in V8; accuracy by mode ${JSON.stringify(fvad[c].accuracyByMode)}`,
    })
  }
  return { rows, extra: { vad: { ours, fvad } } }
}

// ─── Genre section ───────────────────────────────────────────────────────────────────
//
// Genre detection has no peer here (no library classifies these five classes in Node or
// Python without a model download): the rows print our figures only. The streaming push
// is per 960-sample frame (amortised: every 25th push also classifies a 3 s window); the
// batch call is per second of audio, over the same 60 s as the analysis sections.

/** k) Genre detection: Rust direct (cargo example bench_genre) and through the addon. */
async function genreSection(ctx) {
  const { addon } = ctx
  const out = await run('cargo', ['run', '--release', '-q', '--example', 'bench_genre', '-p', 'edgemix-dsp', '--', String(ctx.n(20_000))])
  const r = lastJson(out)
  const { samples, frames } = ctx.signal60()
  const k = frames.length
  const classifier = new addon.GenreClassifier({ sampleRate: SAMPLE_RATE })
  const push = timeSync((i) => classifier.pushSync(frames[i % k]), { n: ctx.n(20_000), warmup: ctx.n(1_000) })
  const runs = ctx.quick ? 3 : 5
  const batch = timeRuns(() => addon.classifyGenreSync(samples, { sampleRate: SAMPLE_RATE }), { runs })
  const seconds = samples.length / SAMPLE_RATE
  return {
    rows: [
      {
        id: 'rust.genre.push',
        label: 'Rust StreamingGenreClassifier::push(960)',
        p50: r.push.nsPerFrame.mean,
        mean: r.push.nsPerFrame.mean,
        unit: 'throughput',
        note: `no peer; mean over ${r.push.frames} pushes (amortised, ${r.push.windows} windows classified), slowest ${(r.push.nsPerFrame.max / 1e3).toFixed(1)} µs`,
      },
      {
        id: 'addon.genre.pushSync',
        label: 'GenreClassifier.pushSync(frame)',
        ...push,
        note: 'no peer; per 960-sample frame, includes the copy in and the decision object out',
      },
      {
        id: 'rust.genre.classify',
        label: 'Rust classify(60 s), per second of audio',
        p50: r.classify60s.nsPerSecondOfAudio,
        mean: r.classify60s.nsPerSecondOfAudio,
        note: `no peer; best of 5, ${r.classify60s.ms.toFixed(1)} ms per 60 s call`,
      },
      {
        id: 'addon.genre.classify',
        label: 'classifyGenreSync(60 s), per second of audio',
        ...batchRow(batch, seconds),
        note: `no peer; median of ${runs}; ${batch.out.genre} (${batch.out.confidence.toFixed(2)}) on the speech-like test signal`,
      },
    ],
    info: { rust: r, pushSync: push, batch: { runsNs: batch.runsNs } },
  }
}

// ── Silero VAD (the cloud VAD node): tract vs onnxruntime, same network ───────────────
const ORT = 'onnxruntime (Python)'

async function sileroSection(ctx) {
  await ensureVenv()
  // Both print JSON {condition: {accuracy, usPerFrame}} over the four mixes of the
  // labelled set; the peer reads them as written by the vad_conditions example.
  const ours = JSON.parse((await run('cargo', ['run', '--release', '-q', '--example', 'bench_silero', '-p', 'edgemix-silero'])).trim())
  const dir = path.join(os.tmpdir(), `edgemix-silero-${process.pid}`)
  mkdirSync(dir, { recursive: true })
  ctx.tempFiles.push(dir)
  await run('cargo', ['run', '--release', '-q', '-p', 'edgemix-dsp', '--example', 'vad_conditions', '--', dir])
  const peer = lastJson(await run(VENV_PYTHON, [path.join(BENCH_DIR, 'peer_silero.py'), dir]))
  const rows = []
  for (const c of VAD_CONDITIONS) {
    const us = (x) => ({ p50: x * 1000, mean: x * 1000 })
    rows.push({
      id: `silero.tract.${c}`,
      label: `Silero VAD in tract, ${c.replace('_', ' ')}: accuracy ${ours[c].accuracy.toFixed(3)}`,
      ...us(ours[c].usPerFrame),
      compareTo: `silero.ort.${c}`,
      peerName: ORT,
      note: 'SileroVad per 20 ms frame at 48 kHz (48k→16k polyphase front end, one 32 ms network call per 1.6 frames)',
    })
    rows.push({
      id: `silero.ort.${c}`,
      label: `Silero VAD in onnxruntime, ${c.replace('_', ' ')}: accuracy ${peer[c].accuracy.toFixed(3)}`,
      ...us(peer[c].usPerFrame),
      note: "same ONNX file, driven like silero-vad's OnnxWrapper (x[::3] decimation, one thread)",
    })
  }
  return { rows, extra: { silero: { ours, peer } } }
}

// ─── Cloud tier ──────────────────────────────────────────────────────────────────────
//
// ExecuteNode round trips (AudioMixer, one 960-sample frame) and StreamNode frame rates on
// loopback against one embedded server in its own process: edgemix's CloudClient, the
// peers @grpc/grpc-js (same .proto, same f32le payload) and RemoteMedia's Python client
// (json, its only non-pickle format), all in bench/cloud.mjs (own process).

const GRPC_JS = '@grpc/grpc-js'
const PY_CLIENT = 'remotemedia-client'

async function cloudSection(ctx) {
  const scale = ctx.n(1000) / 1000
  const r = lastJson(await run(process.execPath, [path.join(BENCH_DIR, 'cloud.mjs'), `--scale=${scale}`]))
  const rate = (id, label, x, compareTo, peerName, note) => ({
    id,
    label,
    unit: 'throughput',
    p50: 1e9 / x.framesPerSecond,
    mean: 1e9 / x.framesPerSecond,
    compareTo,
    peerName,
    note: `${Math.round(x.framesPerSecond)} frames/s${note ? `; ${note}` : ''}`,
  })
  return {
    rows: [
      { id: 'cloud.execute.f32', label: 'ExecuteNode AudioMixer 960 frame, CloudClient f32le', ...statRow(stats(r.ours.f32)), compareTo: 'grpcjs.execute.f32', peerName: GRPC_JS, note: 'await client.execute(): napi → tokio → tonic → server → back' },
      { id: 'grpcjs.execute.f32', label: `ExecuteNode, ${GRPC_JS} f32le`, ...statRow(stats(r.peer.f32)) },
      { id: 'cloud.execute.json', label: 'ExecuteNode AudioMixer 960 frame, CloudClient json', ...statRow(stats(r.ours.json)), compareTo: 'python.execute.json', peerName: PY_CLIENT, note: 'samples as a JSON array both ways' },
      { id: 'python.execute.json', label: `ExecuteNode, ${PY_CLIENT} 0.2.0 json (Python)`, ...statRow(stats(r.python.executeNs)) },
      rate('cloud.stream.1', 'StreamNode 1 stream, each frame awaited', r.ours.streamOne, 'grpcjs.stream.1', GRPC_JS),
      rate('grpcjs.stream.1', `StreamNode 1 stream, ${GRPC_JS}, each frame awaited`, r.peer.streamOne),
      rate('cloud.stream.100', 'StreamNode 100 streams, each frame awaited', r.ours.streamHundred, 'grpcjs.stream.100', GRPC_JS, 'total over all streams'),
      rate('grpcjs.stream.100', `StreamNode 100 streams, ${GRPC_JS}`, r.peer.streamHundred, undefined, undefined, 'total over all streams'),
      rate('cloud.stream.pipelined', 'StreamNode 1 stream, all frames in flight', r.ours.pipelined, 'python.stream', PY_CLIENT),
      rate('python.stream', `StreamNode 1 stream, ${PY_CLIENT} (json, generator-fed)`, r.python.stream),
    ],
  }
}

export const SECTIONS = [
  { id: 'rust', title: 'Mixer chain: Rust, direct', run: rustChain },
  { id: 'sync', title: 'Mixer chain: processSync', run: addonSync },
  { id: 'async', title: 'Mixer chain: process() (frame workers)', run: addonAsync },
  { id: 'pedalboard', title: 'Mixer chain peer: pedalboard (Python, JUCE DSP)', run: pedalboardPeer },
  { id: 'wasm', title: 'WASM host: wasmtime, direct (cargo example bench_wasm)', run: wasmHost },
  { id: 'wasm-v8', title: 'WASM peer: the same .wasm in V8 (Node WebAssembly, own process)', run: wasmV8 },
  { id: 'wasm-addon', title: 'WASM through the addon: WasmSession from JS (own process)', run: wasmAddon },
  { id: 'analysis-rust', group: 'analysis', title: 'Analysis: Rust, direct (cargo example bench_mfcc)', run: analysisRust },
  { id: 'analysis-addon', group: 'analysis', title: 'Analysis through the addon (JS thread)', run: analysisAddon },
  { id: 'analysis-meyda', group: 'analysis', title: 'Analysis peer: Meyda (npm, in this process)', run: analysisMeyda },
  { id: 'analysis-python', group: 'analysis', title: 'Analysis peers: librosa, pyloudnorm (Python, bench/.venv)', run: analysisPython },
  { id: 'vad', title: 'VAD: edgemix vs WebRTC VAD (fvad) on the labelled set', run: vadSection },
  { id: 'genre', title: 'Genre detection (no peer: our figures only)', run: genreSection },
  { id: 'silero', title: 'Silero VAD (cloud VAD node): tract vs onnxruntime on the labelled set', run: sileroSection },
  { id: 'cloud', title: 'Cloud tier: gRPC round trips on loopback (own processes)', run: cloudSection },
  { id: 'hybrid', title: 'Hybrid proxies: routing overhead, edge vs cloud, bandwidth, scale (own process)', run: hybridSection },
  { id: 'http', title: 'HTTP API under load on loopback (server in a child process; autocannon, ws clients)', run: httpSection },
]

// Derived numbers: (results) => { label, ns } | undefined when an input is missing.
export const DERIVED = [
  (r) => r('addon.processSync') && r('rust.chain') && {
    id: 'addon.bindingOverhead',
    label: 'processSync binding overhead (processSync p50 − Rust p50)',
    ns: r('addon.processSync').p50 - r('rust.chain').p50,
  },
  (r) => r('addon.process') && r('addon.processSync') && {
    id: 'addon.asyncOverhead',
    label: 'process() hand-off cost (process p50 − processSync p50)',
    ns: r('addon.process').p50 - r('addon.processSync').p50,
  },
  (r) => r(PEER) && r('pedalboard.empty') && {
    id: 'pedalboard.dspOnly',
    label: 'pedalboard DSP alone (chain p50 − empty board p50)',
    ns: r(PEER).p50 - r('pedalboard.empty').p50,
  },
  (r) => r('wasm.mixer') && r('wasm.native') && {
    id: 'wasm.mixerOverNative',
    label: 'mixer.wasm cost over native (wasmtime mixer p50 − native p50)',
    ns: r('wasm.mixer').p50 - r('wasm.native').p50,
  },
  (r) => r('addon.wasm.echo') && r('wasm.echo') && {
    id: 'addon.wasm.handOff',
    label: 'WasmSession.process() hand-off (addon echo p50 − wasmtime echo p50)',
    ns: r('addon.wasm.echo').p50 - r('wasm.echo').p50,
  },
  (r) => r('addon.mfcc.pushSync') && r('rust.mfcc') && {
    id: 'addon.mfcc.bindingOverhead',
    label: 'FeatureExtractor.pushSync binding overhead (pushSync p50 − Rust p50)',
    ns: r('addon.mfcc.pushSync').p50 - r('rust.mfcc').p50,
  },
]

// Ratios printed in their own block (ours / reference, on p50; mean for throughput rows),
// beyond the ratio column. `limit` makes it a target too (see TARGETS).
export const RATIOS = [
  { id: 'wasm.mixer/native', label: 'mixer.wasm per frame: wasmtime / native MixerChain', of: 'wasm.mixer', to: 'wasm.native' },
  { id: 'wasm.denoise/native', label: 'denoise.wasm per frame: wasmtime / native Denoiser (RNNoise)', of: 'wasm.denoise', to: 'wasm.denoise.native' },
  { id: 'wasm.mixer/v8', label: 'mixer.wasm per frame: wasmtime / V8', of: 'wasm.mixer', to: 'v8.mixer' },
  { id: 'wasm.echo/v8', label: 'echo per call: wasmtime / V8', of: 'wasm.echo', to: 'v8.echo' },
  { id: 'wasm.create/v8', label: 'session creation: WasmSession::new / V8 instantiate + initialize', of: 'wasm.session.create', to: 'v8.instance.create' },
  { id: 'wasm.rss/v8', label: 'resident memory: per idle session / per V8 instance', of: 'wasm.session.rss', to: 'v8.instance.rss' },
  { id: 'wasm.concurrent1/v8', label: '1000 sessions on 1 thread, per frame: wasmtime / V8', of: 'wasm.concurrent.1thread', to: 'v8.concurrent' },
  { id: 'wasm.load.cold/v8', label: 'cold load mixer.wasm: wasmtime compile / V8 (lazy) compile', of: 'wasm.load.cold.mixer', to: 'v8.compile.mixer' },
  { id: 'addon.wasm.mixer/v8', label: 'mixer from JS: await WasmSession.process() / V8 sync call', of: 'addon.wasm.mixer', to: 'v8.mixer' },
  { id: 'mfcc.rust/meyda', label: 'MFCC streaming per frame: Rust / Meyda (40 bands)', of: 'rust.mfcc', to: 'meyda.mfcc' },
  { id: 'mfcc.pushSync/meyda', label: 'MFCC streaming per frame from JS: pushSync / Meyda (40 bands)', of: 'addon.mfcc.pushSync', to: 'meyda.mfcc' },
  { id: 'mfcc.pushSync/meyda26', label: "MFCC streaming per frame from JS: pushSync / Meyda's default 26 bands", of: 'addon.mfcc.pushSync', to: 'meyda.mfcc.26' },
  { id: 'mfcc.batch/librosa', label: 'MFCC batch 60 s per frame: extractMfccSync / librosa', of: 'addon.mfcc.batch', to: 'librosa.mfcc' },
  { id: 'mfcc.rust/librosa', label: 'MFCC per frame: Rust streaming / librosa batch (amortised)', of: 'rust.mfcc', to: 'librosa.mfcc' },
  { id: 'loudness/pyloudnorm', label: 'loudness 60 s: measureLoudnessSync (full report) / pyloudnorm integrated', of: 'addon.loudness', to: 'pyloudnorm.integrated' },
  { id: 'loudness.rust/pyloudnorm', label: 'loudness 60 s: Rust integrated only / pyloudnorm integrated', of: 'rust.loudness.integrated', to: 'pyloudnorm.integrated' },
  { id: 'hybrid.edge/direct', label: 'edge route: await proxy.process() / await WasmSession.process()', of: 'hybrid.edge.proxy', to: 'hybrid.edge.direct' },
  { id: 'hybrid.cloud/direct', label: 'cloud route: await proxy.process() / await CloudClient.execute()', of: 'hybrid.cloud.proxy', to: 'hybrid.cloud.direct' },
  ...[
    ['mfcc', 'MFCC per frame: edge route / cloud route'],
    ['mixer', 'mixer per frame: edge route (native MixerChain) / cloud route'],
    ['mixer.wasm', 'mixer per frame: edge route (mixer.wasm) / cloud route'],
    ['vad', 'VAD per frame: edge route (vad.wasm) / cloud route (Silero)'],
  ].flatMap(([n, label]) =>
    ['', '.interactive'].map((hint) => ({
      id: `hybrid.${n}${hint}.edge/cloud`,
      label: `${label}, latencyHint '${hint ? 'interactive' : 'balanced'}'`,
      of: `hybrid.${n}${hint}.edge`,
      to: `hybrid.${n}${hint}.cloud`,
    })),
  ),
]

// Targets: value(results) in ns, or undefined when not measured.
export const TARGETS = [
  { label: 'Rust chain p50 ≤ 10 µs per frame', limitNs: 10_000, value: (r) => r('rust.chain')?.p50 },
  { label: 'processSync overhead ≤ 2 µs per call', limitNs: 2_000, value: (_, d) => d('addon.bindingOverhead')?.ns },
  { label: 'process() round trip p50 ≤ 30 µs', limitNs: 30_000, value: (r) => r('addon.process')?.p50 },
  { label: 'mixer.wasm ≤ 1.5× native MixerChain per frame (p50)', limit: 1.5, unit: 'ratio', value: (_, __, q) => q('wasm.mixer/native')?.ratio },
  { label: 'WasmSession::new p50 ≤ 50 µs (mixer.wasm)', limitNs: 50_000, value: (r) => r('wasm.session.create')?.p50 },
  { label: 'resident memory per idle session ≤ 2 MiB', limit: 2 * 1024 * 1024, unit: 'bytes', value: (r) => r('wasm.session.rss')?.p50 },
  {
    label: '1000 sessions × 1 s of audio within 1 s, 2 threads (real time; not an issue target)',
    limitNs: 1e9,
    format: (ns) => ms(ns),
    // Wall time of the whole run: 1000 streams × 50 frames = 1 s of audio each.
    value: (r) => r('wasm.concurrent') && r('wasm.concurrent').mean * r('wasm.concurrent').items,
  },
  { label: 'MFCC ≤ 5 µs per frame: Rust streaming p50', limitNs: 5_000, value: (r) => r('rust.mfcc')?.p50 },
  { label: 'MFCC ≤ 5 µs per frame: FeatureExtractor.pushSync p50 (from JS)', limitNs: 5_000, value: (r) => r('addon.mfcc.pushSync')?.p50 },
  { label: 'MFCC ≤ 5 µs per frame: extractMfccSync over 60 s, amortised', limitNs: 5_000, value: (r) => r('addon.mfcc.batch')?.p50 },
  // VAD accuracy targets, as error rates (1 − frame accuracy) so that lower is better.
  ...['pink_20dB', 'music_20dB', 'pink_5dB', 'music_5dB'].map((c) => {
    const floor = c.endsWith('20dB') ? 0.93 : 0.85
    return {
      label: `VAD frame accuracy ≥ ${floor}, ${c.replace('_', ' ')}`,
      limit: 1 - floor,
      unit: 'ratio',
      format: (x) => `accuracy ${(1 - x).toFixed(3)}`,
      value: (r) => r(`vad.ours.${c}`) && 1 - r(`vad.ours.${c}`).accuracy,
    }
  }),
  {
    label: 'loudness 60 s ≥ 10× faster than pyloudnorm (measureLoudnessSync / pyloudnorm ≤ 0.1)',
    limit: 0.1,
    unit: 'ratio',
    format: (x) => `${x.toFixed(3)}× (${(1 / x).toFixed(1)}× faster)`,
    value: (_, __, q) => q('loudness/pyloudnorm')?.ratio,
  },
  { label: 'sync decisionFunction overhead ≤ 2 µs per call', limitNs: 2_000, value: (r) => r('hybrid.decision')?.p50 },
  ...['mfcc', 'mixer', 'mixer.wasm', 'vad'].flatMap((n) =>
    ['', '.interactive'].map((hint) => ({
      label: `${n}: edge ≥ 90% lower latency than cloud on loopback, latencyHint '${hint ? 'interactive' : 'balanced'}' (edge / cloud ≤ 0.1)`,
      limit: 0.1,
      unit: 'ratio',
      value: (_, __, q) => q(`hybrid.${n}${hint}.edge/cloud`)?.ratio,
    })),
  ),
  ...[
    ['speech.mfcc', 'edge MFCC, continuous speech'],
    ['talk.vadMfcc', 'edge VAD + MFCC, one side of a conversation'],
  ].map(([id, name]) => ({
    label: `bandwidth saved by ${name} ≥ 95% (bytes sent / all audio ≤ 0.05)`,
    limit: 0.05,
    unit: 'ratio',
    value: (r) => r(`hybrid.bw.${id}`)?.sent,
  })),
  ...[['native', 'native mixer'], ['wasm', 'mixer.wasm']].map(([kind, name]) => ({
    label: `concurrent 48 kHz streams through proxies (${name} at the edge) with p99 ≤ 20 ms, nothing lost ≥ 1000 (shown as 1000 / streams ≤ 1)`,
    limit: 1,
    unit: 'ratio',
    format: (x) => `${Math.round(1000 / x)} streams`,
    value: (r) => r(`hybrid.scale.${kind}.max`) && 1000 / Math.max(1, r(`hybrid.scale.${kind}.max`).streams),
  })),
  ...[['binary', 'float32le'], ['json', 'JSON']].map(([kind, name]) => ({
    label: `POST /process-audio ≥ 10,000 requests/s (${name} bodies)`,
    limitNs: 100_000,
    format: (ns) => `${(1e9 / ns).toFixed(0)} req/s`,
    value: (r) => r(`http.process.${kind}`)?.mean,
  })),
  {
    label: 'WebSocket /stream ≥ 200× real time in aggregate (100 streams)',
    limitNs: FRAME_NS / 200,
    format: (ns) => `${(FRAME_NS / ns).toFixed(0)}× real time (${(1e9 / ns).toFixed(0)} frames/s)`,
    value: (r) => r('http.ws.stream')?.mean,
  },
]

/** Per row id, the row of the round with the median headline stat (p50; mean for
 *  throughput rows), annotated with that stat's spread over the rounds. Sections run whole
 *  rounds on a shared machine; the median round discards a disturbed one. */
function pickMedianRound(rounds) {
  const ids = [...new Set(rounds.flatMap((x) => (x.rows ?? []).map((row) => row.id)))]
  return ids.map((id) => {
    const candidates = rounds.map((x) => x.rows.find((row) => row.id === id)).filter(Boolean)
    const key = (row) => (row.unit === 'throughput' ? row.mean : row.p50)
    const sorted = [...candidates].sort((a, b) => key(a) - key(b))
    const chosen = sorted[(sorted.length - 1) >> 1]
    return { ...chosen, rounds: candidates.map(key) }
  })
}

// ─── Driver ──────────────────────────────────────────────────────────────────────────

function parseArgs(argv) {
  const opts = { quick: false, rounds: null, only: null, skip: new Set(), write: true, list: false, help: false }
  for (const a of argv) {
    if (a === '--quick') opts.quick = true
    else if (a === '--no-write') opts.write = false
    else if (a === '--list') opts.list = true
    else if (a === '--help' || a === '-h') opts.help = true
    else if (a.startsWith('--rounds=')) opts.rounds = Math.max(1, Number.parseInt(a.slice(9), 10) || 1)
    else if (a.startsWith('--only=')) opts.only = new Set(a.slice(7).split(',').filter(Boolean))
    else if (a.startsWith('--skip=')) opts.skip = new Set(a.slice(7).split(',').filter(Boolean))
    else throw new Error(`unknown option ${a} (see the header of bench/run.mjs)`)
  }
  opts.rounds ??= opts.quick ? 1 : 3
  const names = new Set(SECTIONS.flatMap((s) => [s.id, s.group].filter(Boolean)))
  const unknown = [...(opts.only ?? []), ...opts.skip].filter((x) => !names.has(x))
  if (unknown.length) throw new Error(`unknown section or group ${unknown.join(', ')} (see --list)`)
  return opts
}

/** Whether a section is named in `set`, by its id or its group. */
const named = (set, s) => set.has(s.id) || (s.group != null && set.has(s.group))

/** The options block of this file's header comment. */
function usage() {
  const header = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n')
  const from = header.findIndex((l) => l.startsWith('// Options:'))
  const lines = []
  for (let i = from; i >= 0 && header[i]?.startsWith('//'); i++) lines.push(header[i].replace(/^\/\/ ?/, ''))
  return ['usage: node bench/run.mjs [options]', ...lines].join('\n')
}

function environment() {
  // GIT_OPTIONAL_LOCKS=0: read-only; `git status` must not refresh the index others use.
  const git = (...args) =>
    spawnSync('git', args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } }).stdout?.trim() || null
  const addonFile = path.join(ROOT, `edgemix.${process.platform}-${process.arch}-gnu.node`)
  return {
    date: new Date().toISOString(),
    host: { cpu: os.cpus()[0]?.model, cores: os.availableParallelism(), platform: `${process.platform}-${process.arch}`, loadavg: os.loadavg() },
    node: process.version,
    git: { commit: git('rev-parse', '--short', 'HEAD'), dirty: Boolean(git('status', '--porcelain', '--untracked-files=no')) },
    addonBuilt: existsSync(addonFile) ? statSync(addonFile).mtime.toISOString() : null,
  }
}

const fmtNs = (ns) => (ns == null || Number.isNaN(ns) ? '—' : Math.round(ns).toLocaleString('en-US'))
const fmtUs = (ns) => (ns == null ? '—' : `${(ns / 1000).toFixed(2)} µs`)
const fmtMs = (ns) => (ns == null || Number.isNaN(ns) ? '—' : `${(ns / 1e6).toFixed(1)} ms`)
const fmtBytes = (b) => (b == null || Number.isNaN(b) ? '—' : `${(b / 1024).toFixed(1)} KiB`)
const fmtRatio = (x) => (x == null ? '' : x < 1 ? `${x.toFixed(2)}× (${(1 / x).toFixed(1)}× faster)` : `${x.toFixed(2)}× (${x.toFixed(1)}× slower)`)

function printTable(sections, results, derived, targets, ratios = []) {
  const header = ['Contender', 'p50 ns', 'mean ns', 'p99 ns', 'rounds min–max', 'ours/peer']
  const lines = []
  for (const s of sections) {
    lines.push({ title: s.title })
    if (s.error) lines.push({ cells: [`  skipped: ${s.error}`, '', '', '', '', ''] })
    for (const row of s.rows ?? []) {
      const peer = row.compareTo && results.get(row.compareTo)
      // Throughput rows compare wall time per frame (mean); the others compare p50.
      const ratio = peer ? (row.unit === 'throughput' ? row.mean / peer.mean : row.p50 / peer.p50) : null
      // Memory rows (unit 'bytes') print KiB; rows with display 'ms' (loads) ms; others ns.
      const cell = row.unit === 'bytes' ? fmtBytes : row.unit === 'count' ? (x) => (x == null ? '' : String(x)) : row.display === 'ms' ? fmtMs : fmtNs
      lines.push({
        cells: [
          `  ${row.label}`,
          row.unit === 'throughput' ? `(${fmtNs(row.p50)})` : cell(row.p50),
          cell(row.mean),
          cell(row.p99),
          row.rounds?.length > 1 ? `${cell(Math.min(...row.rounds))}–${cell(Math.max(...row.rounds))}` : '',
          fmtRatio(ratio) + (ratio != null && row.peerName ? ` vs ${row.peerName}` : ''),
        ],
        note: row.note,
      })
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.filter((l) => l.cells).map((l) => l.cells[i].length)))
  const fmt = (cells) => cells.map((c, i) => (i === 0 || i === 5 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd()
  const rule = '─'.repeat(widths.reduce((a, b) => a + b + 2, -2))
  console.log(`\n${fmt(header)}\n${rule}`)
  for (const l of lines) {
    if (l.title) console.log(l.title)
    else console.log(fmt(l.cells) + (l.note ? `\n${' '.repeat(4)}↳ ${l.note}` : ''))
  }
  console.log(rule)
  console.log(
    [
      'ns per 960-sample (20 ms) frame = per call. Each row is the median of the rounds (by p50; by mean for throughput',
      'rows); "rounds min–max" is that statistic\'s spread. Ratios < 1: ours is faster. Throughput rows: mean = wall time',
      'per frame (the ratio uses it), p50/p99 = per-call latency with the other calls in flight.',
      'ours/peer: vs pedalboard unless another peer is named. WASM rows: ns per call, per load or per created',
      'session as labelled (ms or KiB where the cell says so); their peer is the same .wasm run by V8.',
      'Analysis rows: MFCC in ns per 960-sample frame (per call when streaming, amortised over 60 s in batch);',
      'loudness in ms per 60 s call.',
    ].join('\n'),
  )
  if (derived.length) {
    console.log('\nDerived')
    for (const d of derived) console.log(`  ${d.label}: ${fmtNs(d.ns)} ns (${fmtUs(d.ns)})`)
  }
  if (ratios.length) {
    console.log('\nRatios (ours / reference; p50, or mean for throughput rows)')
    for (const q of ratios) console.log(`  ${q.label}: ${fmtRatio(q.ratio)}`)
  }
  console.log('\nTargets (reported, not enforced)')
  for (const t of targets) {
    const verdict = t.value == null ? 'n/a (not measured)' : t.met ? 'MET' : 'NOT MET'
    console.log(`  [${verdict}] ${t.label}: ${t.value == null ? '—' : t.format(t.value)}`)
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2))
  if (opts.help) {
    console.log(usage())
    return
  }
  if (opts.list) {
    for (const s of SECTIONS) console.log(`${s.id}\t${s.group ? `[${s.group}] ` : ''}${s.title}`)
    return
  }
  const t0 = Date.now()
  const env = environment()
  const addon = createRequire(import.meta.url)('../index.js')
  const config = new addon.MixerChain().config

  // One input for every contender: written once, read by the JS sections from memory and
  // by the peer from the file. (The Rust example generates the identical recipe itself.)
  const signal = testSignal(FRAME_SAMPLES * INPUT_FRAMES)
  const inputPath = path.join(os.tmpdir(), `edgemix-bench-${process.pid}.f32`)
  writeFileSync(inputPath, new Uint8Array(signal.buffer))
  const scale = opts.quick ? 0.2 : 1
  // Temporary files (deleted at the end): the input above, the 60 s input below and what
  // sections write beside it.
  const tempFiles = [inputPath]
  let signal60 = null
  const ctx = {
    addon,
    config,
    signal,
    frames: toFrames(signal),
    inputPath,
    quick: opts.quick,
    tempFiles,
    /** The analysis input, made on first use: 60 s of the same test signal (its first
     *  500 frames are `signal`), as samples, 3000 separate 960-sample frames and a
     *  temporary .f32 file for other processes. */
    signal60() {
      if (!signal60) {
        const samples = testSignal(SAMPLE_RATE * ANALYSIS_SECONDS)
        const file = path.join(os.tmpdir(), `edgemix-bench-${process.pid}-60s.f32`)
        tempFiles.push(file)
        writeFileSync(file, new Uint8Array(samples.buffer))
        signal60 = { samples, frames: toFrames(samples), path: file }
      }
      return signal60
    },
    n: (count) => Math.max(100, Math.round(count * scale)),
    result: (id) => results.get(id),
  }

  console.log(`edgemix bench — ${env.host.cpu} ×${env.host.cores}, node ${env.node}, load ${env.host.loadavg.map((x) => x.toFixed(2)).join(' ')}, ${opts.rounds} round(s)${opts.quick ? ' (--quick)' : ''}`)
  if (env.host.loadavg[0] > 0.5) {
    console.log(`  note: 1-minute load ${env.host.loadavg[0].toFixed(2)} on ${env.host.cores} cores; other work competes for the CPU, expect noisy numbers`)
  }
  const results = new Map()
  const selected = SECTIONS.filter((s) => !(opts.only && !named(opts.only, s)) && !named(opts.skip, s))
  // Rounds are the outer loop: a transient disturbance on this shared machine then hits
  // one round of several sections instead of every round of one section, and derived
  // numbers (differences between sections) compare measurements taken close in time.
  const state = new Map(selected.map((s) => [s.id, { rounds: [], seconds: 0, error: null }]))
  try {
    for (let round = 1; round <= opts.rounds; round++) {
      process.stdout.write(`  round ${round}/${opts.rounds}:`)
      for (const s of selected) {
        const st = state.get(s.id)
        if (st.error) continue
        const started = Date.now()
        try {
          st.rounds.push(await s.run(ctx))
          const seconds = (Date.now() - started) / 1000
          st.seconds += seconds
          process.stdout.write(` ${s.id} ${seconds.toFixed(1)} s,`)
        } catch (err) {
          st.error = err.message
          process.stdout.write(` ${s.id} FAILED,`)
        }
      }
      console.log('')
    }
  } finally {
    for (const file of tempFiles) rmSync(file, { force: true, recursive: true })
  }
  const done = selected.map((s) => {
    const st = state.get(s.id)
    if (st.error) console.error(`  ${s.id} failed: ${st.error}`)
    const rows = st.error ? [] : pickMedianRound(st.rounds)
    for (const row of rows) results.set(row.id, { section: s.id, ...row })
    return { id: s.id, title: s.title, rows, error: st.error, info: st.rounds.map((x) => x.info), seconds: st.seconds }
  })

  const r = (id) => results.get(id)
  const derived = DERIVED.map((f) => f(r)).filter(Boolean)
  const d = (id) => derived.find((x) => x.id === id)
  const ratioBlock = RATIOS.map((q) => {
    const [of, to] = [r(q.of), r(q.to)]
    if (!of || !to) return null
    const stat = of.unit === 'throughput' ? 'mean' : 'p50'
    return { id: q.id, label: q.label, row: q.of, peer: q.to, stat, ratio: of[stat] / to[stat] }
  }).filter(Boolean)
  const q = (id) => ratioBlock.find((x) => x.id === id)
  const formatOf = (t) =>
    t.format ?? (t.unit === 'ratio' ? (x) => `${x.toFixed(2)}×` : t.unit === 'bytes' ? (x) => `${fmtBytes(x)} (${(x / 2 ** 20).toFixed(3)} MiB)` : fmtUs)
  const targets = TARGETS.map((t) => {
    const value = t.value(r, d, q)
    const limit = t.limit ?? t.limitNs
    return {
      label: t.label,
      ...(t.limitNs != null ? { limitNs: t.limitNs } : { limit, unit: t.unit }),
      value: value ?? null,
      met: value == null ? null : value <= limit,
      format: formatOf(t),
    }
  })
  const ratios = [...results.values()]
    .filter((row) => row.compareTo && results.has(row.compareTo))
    .map((row) => {
      const peer = results.get(row.compareTo)
      const stat = row.unit === 'throughput' ? 'mean' : 'p50'
      return { row: row.id, peer: row.compareTo, stat, ratio: row[stat] / peer[stat] }
    })

  printTable(done, results, derived, targets, ratioBlock)
  env.host.loadavgAfter = os.loadavg()
  const seconds = (Date.now() - t0) / 1000
  console.log(`\n${seconds.toFixed(1)} s total; load after ${env.host.loadavgAfter.map((x) => x.toFixed(2)).join(' ')}`)

  if (opts.write) {
    mkdirSync(path.dirname(RESULTS_FILE), { recursive: true })
    const report = {
      env,
      options: { quick: opts.quick, rounds: opts.rounds },
      input: { sampleRate: SAMPLE_RATE, frameSamples: FRAME_SAMPLES, frames: INPUT_FRAMES, recipe: 'crates/dsp/examples/bench_chain.rs test_signal' },
      ...(signal60 && { analysisInput: { sampleRate: SAMPLE_RATE, seconds: ANALYSIS_SECONDS, recipe: 'the same test_signal, 60 s (crates/dsp/examples/bench_mfcc.rs)' } }),
      chainConfig: config,
      jsTimerOverheadNs: timerOverheadNs(),
      sections: done,
      rows: Object.fromEntries(results),
      derived,
      ratios: [...ratios, ...ratioBlock],
      targets,
      seconds,
    }
    writeFileSync(RESULTS_FILE, JSON.stringify(report, null, 2) + '\n')
    console.log(`results: ${path.relative(ROOT, RESULTS_FILE)}`)
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
