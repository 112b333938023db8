// The mixer-chain sections: the Rust chain timed in Rust, processSync and process()
// through the addon, and the peer: the same chain built from pedalboard (Python, JUCE).
//
// A section is { id, group?, title, run(ctx) } where run resolves to { rows, info? }.
// A row is { id, label, p50, mean, p99?, unit?, compareTo?, note? }:
//   - times are ns per frame (or per call, which here is one 960-sample frame);
//   - `compareTo` is the id of the peer row to print the ours/peer ratio against;
//   - `unit: 'throughput'` marks a row whose p50 is not meaningful (mean only).
// `ctx.result(id)` returns a row of an earlier section (or undefined). See bench/README.md.
import os from 'node:os'
import path from 'node:path'

import { FRAME_NS, FRAME_SAMPLES } from '../signal.mjs'
import { stats } from '../stats.mjs'
import { lastJson, run } from '../lib/child.mjs'
import { now, timeSync } from '../lib/measure.mjs'
import { BENCH_DIR } from '../lib/paths.mjs'
import { ensureVenv, VENV_PYTHON } from '../lib/venv.mjs'

const PEER = 'pedalboard.chain'

function checkOutput(out, label) {
  if (!(out instanceof Float32Array) || out.length !== FRAME_SAMPLES) {
    throw new Error(`${label}: expected a Float32Array of ${FRAME_SAMPLES} samples`)
  }
  for (const x of out) if (!Number.isFinite(x)) throw new Error(`${label}: non-finite output`)
}

/** The Rust chain timed in Rust (crates/dsp/examples/bench_chain.rs). */
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

/** processSync through the addon. */
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

/** process(): off-thread round trip, sequential and with calls in flight. */
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
  // parallel DSP. Then the same with one chain per stream (parallel DSP on the frame workers).
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

/** The peer: the same chain built from pedalboard, fed the same input file. */
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

export const sections = [
  { id: 'rust', title: 'Mixer chain: Rust, direct', run: rustChain },
  { id: 'sync', title: 'Mixer chain: processSync', run: addonSync },
  { id: 'async', title: 'Mixer chain: process() (frame workers)', run: addonAsync },
  { id: 'pedalboard', title: 'Mixer chain peer: pedalboard (Python, JUCE DSP)', run: pedalboardPeer },
]

export const derived = [
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
]

export const targets = [
  { label: 'Rust chain p50 ≤ 10 µs per frame', limitNs: 10_000, value: (r) => r('rust.chain')?.p50 },
  { label: 'processSync overhead ≤ 2 µs per call', limitNs: 2_000, value: (_, d) => d('addon.bindingOverhead')?.ns },
  { label: 'process() round trip p50 ≤ 30 µs', limitNs: 30_000, value: (r) => r('addon.process')?.p50 },
]
