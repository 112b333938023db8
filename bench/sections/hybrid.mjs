// The hybrid section: proxies' routing overhead, edge vs cloud per frame, bandwidth to
// the cloud and live streams at scale, measured by bench/hybrid.mjs in its own process
// (with an embedded cloud tier).
import path from 'node:path'

import { lastJson, run } from '../lib/child.mjs'
import { statRow } from '../lib/measure.mjs'
import { BENCH_DIR, requireWasmDist, WASM_DIST } from '../lib/paths.mjs'

/** Hybrid proxies (bench/hybrid.mjs, own process with an embedded cloud tier). */
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

export const sections = [
  { id: 'hybrid', title: 'Hybrid proxies: routing overhead, edge vs cloud, bandwidth, scale (own process)', run: hybridSection },
]

export const ratios = [
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

export const targets = [
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
]
