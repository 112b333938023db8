// The cloud-tier section.
//
// ExecuteNode round trips (AudioMixer, one 960-sample frame) and StreamNode frame rates on
// loopback against one embedded server in its own process: edgemix's CloudClient, the
// peers @grpc/grpc-js (same .proto, same f32le payload) and RemoteMedia's Python client
// (json, its only non-pickle format), all in bench/cloud.mjs (own process).
import path from 'node:path'

import { stats } from '../stats.mjs'
import { lastJson, run } from '../lib/child.mjs'
import { statRow } from '../lib/measure.mjs'
import { BENCH_DIR } from '../lib/paths.mjs'

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

export const sections = [
  { id: 'cloud', title: 'Cloud tier: gRPC round trips on loopback (own processes)', run: cloudSection },
]
