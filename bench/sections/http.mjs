// The 'http' bench section: POST /process-audio under load from autocannon (requests/s and
// latency p99, 50 connections on loopback) and WebSocket /stream with 100 concurrent
// streams (frames/s in aggregate = real-time factor × 50), against the server in a child
// process (bench/http_server.mjs). The peer is plain fastify echoing the same bytes: the
// ceiling the framework allows on this machine.
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'

import { FRAME_NS, FRAME_SAMPLES, SAMPLE_RATE } from '../signal.mjs'
import { BENCH_DIR } from '../lib/paths.mjs'

const require = createRequire(import.meta.url)
const autocannon = require('autocannon')
const WebSocket = require('ws')

const FRAME_S = FRAME_SAMPLES / SAMPLE_RATE
export const HTTP_CONNECTIONS = 50
export const WS_STREAMS = 100
/** Frames each stream keeps in flight (sent, not yet answered). */
const WS_WINDOW = 4

/** Starts bench/http_server.mjs; resolves to its URLs and a stop(). */
function startServers() {
  const child = spawn(process.execPath, [path.join(BENCH_DIR, 'http_server.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    let out = ''
    child.on('error', reject)
    child.on('exit', (code) => reject(new Error(`bench/http_server.mjs exited with ${code}`)))
    child.stdout.on('data', (d) => {
      out += d
      const line = out.split('\n').find((l) => l.startsWith('{'))
      if (line) {
        const urls = JSON.parse(line)
        resolve({
          ...urls,
          stop: () => new Promise((done) => (child.removeAllListeners('exit'), child.on('exit', done), child.kill('SIGTERM'))),
        })
      }
    })
  })
}

/** autocannon on one request; throws unless every response was 2xx. */
async function load(url, { body, headers }, seconds) {
  const r = await autocannon({ url, method: 'POST', headers, body, connections: HTTP_CONNECTIONS, duration: seconds })
  if (r.non2xx || r.errors || r.timeouts) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`)
  return {
    requestsPerSecond: r.requests.total / r.duration,
    total: r.requests.total,
    latencyMs: { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max },
  }
}

/** `streams` WebSocket connections, each keeping WS_WINDOW frames in flight, for `seconds`. */
async function streamLoad(url, frames, streams, seconds, checkLength) {
  const sockets = await Promise.all(
    Array.from({ length: streams }, () => new Promise((resolve, reject) => {
      const ws = new WebSocket(url)
      ws.once('open', () => resolve(ws))
      ws.once('error', reject)
    })),
  )
  let received = 0
  let sent = 0
  const latencies = []
  let stopAt = 0
  const runs = sockets.map((ws, s) => new Promise((resolve, reject) => {
    const pending = []
    let next = s
    const send = () => {
      pending.push(process.hrtime.bigint())
      ws.send(frames[next++ % frames.length])
      sent++
    }
    ws.on('message', (data) => {
      if (data.byteLength !== checkLength) return reject(new Error(`reply of ${data.byteLength} bytes`))
      latencies.push(Number(process.hrtime.bigint() - pending.shift()))
      received++
      if (Date.now() < stopAt) send()
      else if (pending.length === 0) resolve()
    })
    ws.on('error', reject)
    ws.start = () => { for (let i = 0; i < WS_WINDOW; i++) send() }
  }))
  const t0 = process.hrtime.bigint()
  stopAt = Date.now() + seconds * 1000
  for (const ws of sockets) ws.start()
  await Promise.all(runs)
  const elapsedS = Number(process.hrtime.bigint() - t0) / 1e9
  for (const ws of sockets) ws.close()
  latencies.sort((a, b) => a - b)
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]
  return { framesPerSecond: received / elapsedS, frames: received, sent, latencyNs: { p50: q(0.5), p99: q(0.99) } }
}

async function httpSection(ctx) {
  const seconds = ctx.quick ? 2 : 5
  const frameBytes = ctx.frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength))
  const binary = { body: frameBytes[100], headers: { 'content-type': 'application/octet-stream', accept: 'application/octet-stream' } }
  const json = { body: JSON.stringify({ audioBuffer: Array.from(ctx.frames[100]) }), headers: { 'content-type': 'application/json' } }
  const servers = await startServers()
  try {
    // Warm-up (JIT, pools), then the measured runs.
    await load(`${servers.ours}/process-audio`, binary, 1)
    await load(`${servers.peer}/echo`, binary, 1)
    const r = {
      oursBinary: await load(`${servers.ours}/process-audio`, binary, seconds),
      peerBinary: await load(`${servers.peer}/echo`, binary, seconds),
      oursJson: await load(`${servers.ours}/process-audio`, json, seconds),
      peerJson: await load(`${servers.peer}/echo`, json, seconds),
      oursWs: await streamLoad(`${servers.ours.replace('http', 'ws')}/stream`, frameBytes, WS_STREAMS, seconds, FRAME_SAMPLES * 4),
      peerWs: await streamLoad(`${servers.peer.replace('http', 'ws')}/echo-stream`, frameBytes, WS_STREAMS, seconds, FRAME_SAMPLES * 4),
    }
    const reqRow = (id, label, x, compareTo, peerName) => ({
      id,
      label,
      unit: 'throughput',
      p50: x.latencyMs.p50 * 1e6,
      mean: 1e9 / x.requestsPerSecond,
      p99: x.latencyMs.p99 * 1e6,
      requestsPerSecond: x.requestsPerSecond,
      ...(compareTo && { compareTo, peerName }),
      note: `${x.requestsPerSecond.toFixed(0)} req/s (${x.total} in ${seconds} s, ${HTTP_CONNECTIONS} connections); p50/p99 = latency per request`,
    })
    const wsRow = (id, label, x, compareTo, peerName) => ({
      id,
      label,
      unit: 'throughput',
      p50: x.latencyNs.p50,
      mean: 1e9 / x.framesPerSecond,
      p99: x.latencyNs.p99,
      framesPerSecond: x.framesPerSecond,
      realTimeFactor: x.framesPerSecond * FRAME_S,
      ...(compareTo && { compareTo, peerName }),
      note: `${x.framesPerSecond.toFixed(0)} frames/s = ${(x.framesPerSecond * FRAME_S).toFixed(0)}× real time over ${WS_STREAMS} streams (${WS_WINDOW} in flight each); p50/p99 = frame round trip`,
    })
    const peerName = 'plain fastify echo'
    return {
      rows: [
        reqRow('http.process.binary', 'POST /process-audio, float32le in and out', r.oursBinary, 'http.peer.binary', peerName),
        reqRow('http.peer.binary', 'peer: fastify echo of the same bytes', r.peerBinary),
        reqRow('http.process.json', 'POST /process-audio, JSON in and out', r.oursJson, 'http.peer.json', peerName),
        reqRow('http.peer.json', 'peer: fastify JSON echo of the same frame', r.peerJson),
        wsRow('http.ws.stream', `WebSocket /stream, ${WS_STREAMS} streams`, r.oursWs, 'http.peer.ws', 'plain ws echo'),
        wsRow('http.peer.ws', `peer: fastify/ws echo, ${WS_STREAMS} streams`, r.peerWs),
      ],
      info: r,
    }
  } finally {
    await servers.stop()
  }
}

export const sections = [
  { id: 'http', title: 'HTTP API under load on loopback (server in a child process; autocannon, ws clients)', run: httpSection },
]

export const targets = [
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
