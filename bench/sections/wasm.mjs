// The WASM sections.
//
// The same guest modules (wasm-modules/dist, `node scripts/build-wasm.mjs`) in three
// processes: the wasmtime host timed in Rust (crates/runtime/examples/bench_wasm.rs), the
// peer — the same .wasm in Node's V8 through a JS driver of the ABI (wasm_v8.mjs) — and
// the addon's WasmSession from JS (wasm_addon.mjs). Each in its own process: resident
// memory then counts only its own instances, and the engine's epoch ticker thread (1 ms)
// never runs during the other sections.
import path from 'node:path'

import { FRAME_NS } from '../signal.mjs'
import { lastJson, run } from '../lib/child.mjs'
import { statRow } from '../lib/measure.mjs'
import { BENCH_DIR, requireWasmDist, WASM_DIST } from '../lib/paths.mjs'
import { fmtBytes, fmtNs, ms } from '../lib/table.mjs'

const V8 = 'V8'
const KiB = 1024

/** The wasmtime host, timed in Rust. */
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
      { id: 'wasm.denoise.native', label: 'native Denoiser::process, same frames', ...statRow(r.denoise.nativeNs), note: "the chain's denoise stage, same process and input" },
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
        note: `VmRSS delta / ${idle.sessions}; PSS ${fmtBytes(idle.bytesPerSession.pss)} (anon ${fmtBytes(idle.bytesPerSession.anon)}, memory-image pages ${fmtBytes(idle.bytesPerSession.shmem)} shared between instances)`,
      },
      concurrentRow('wasm.concurrent', c2),
      concurrentRow('wasm.concurrent.1thread', c1, 'v8.concurrent'),
    ],
    info: r,
  }
}

/** The peer: the same .wasm files in V8 (Node's WebAssembly), in a child process. */
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
        note: `rss delta / ${inst.count} after gc(); PSS ${fmtBytes(inst.bytesPerInstance.pss)}`,
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

/** The addon's WASM path from JS, in a child process. */
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

export const sections = [
  { id: 'wasm', title: 'WASM host: wasmtime, direct (cargo example bench_wasm)', run: wasmHost },
  { id: 'wasm-v8', title: 'WASM peer: the same .wasm in V8 (Node WebAssembly, own process)', run: wasmV8 },
  { id: 'wasm-addon', title: 'WASM through the addon: WasmSession from JS (own process)', run: wasmAddon },
]

export const derived = [
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
]

export const ratios = [
  { id: 'wasm.mixer/native', label: 'mixer.wasm per frame: wasmtime / native MixerChain', of: 'wasm.mixer', to: 'wasm.native' },
  { id: 'wasm.denoise/native', label: 'denoise.wasm per frame: wasmtime / native Denoiser (RNNoise)', of: 'wasm.denoise', to: 'wasm.denoise.native' },
  { id: 'wasm.mixer/v8', label: 'mixer.wasm per frame: wasmtime / V8', of: 'wasm.mixer', to: 'v8.mixer' },
  { id: 'wasm.echo/v8', label: 'echo per call: wasmtime / V8', of: 'wasm.echo', to: 'v8.echo' },
  { id: 'wasm.create/v8', label: 'session creation: WasmSession::new / V8 instantiate + initialize', of: 'wasm.session.create', to: 'v8.instance.create' },
  { id: 'wasm.rss/v8', label: 'resident memory: per idle session / per V8 instance', of: 'wasm.session.rss', to: 'v8.instance.rss' },
  { id: 'wasm.concurrent1/v8', label: '1000 sessions on 1 thread, per frame: wasmtime / V8', of: 'wasm.concurrent.1thread', to: 'v8.concurrent' },
  { id: 'wasm.load.cold/v8', label: 'cold load mixer.wasm: wasmtime compile / V8 (lazy) compile', of: 'wasm.load.cold.mixer', to: 'v8.compile.mixer' },
  { id: 'addon.wasm.mixer/v8', label: 'mixer from JS: await WasmSession.process() / V8 sync call', of: 'addon.wasm.mixer', to: 'v8.mixer' },
]

export const targets = [
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
]
