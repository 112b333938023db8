// Real-time latency under hostile analysis load: POST /process-audio p50/p99/max, measured
// by paced clients (one 960-sample frame every 20 ms each, as a live stream sends them),
// quiet and with two hostile clients keeping whole-clip analysis requests in flight back to
// back: the most expensive ones the default budget admits (8 MiB raw bodies: default
// /extract-features, 36 M units; /classify-genre, 84 M units), and the same clip as JSON
// (parsed on the JS thread). The server (bench/http_server.mjs, default options) and each
// hostile client run in their own processes, so the measuring process only sends frames.
//
//   node bench/http_isolation.mjs [--seconds=8] [--rounds=3] [--clients=10]
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
const FRAME = 960
const CLIP_SAMPLES = 2 * 1024 * 1024

/** One hostile client: `kind` requests back to back until killed; prints its status counts on SIGTERM. */
async function hostile(url, kind) {
  const clip = new Float32Array(CLIP_SAMPLES).map((_, i) => 0.3 * Math.sin(i / 7) + 0.05 * Math.sin(i / 3.1))
  const raw = Buffer.from(clip.buffer)
  const json = JSON.stringify({ audioBuffer: Array.from(clip.subarray(0, 350_000)) })
  const route = kind === 'genre' ? '/classify-genre' : '/extract-features'
  const statuses = {}
  process.on('SIGTERM', () => {
    console.log(JSON.stringify(statuses))
    process.exit(0)
  })
  for (;;) {
    const res = await fetch(url + route, kind === 'json'
      ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: json }
      : { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: raw })
    await res.arrayBuffer()
    statuses[res.status] = (statuses[res.status] ?? 0) + 1
    // A refused request (503) waits as Retry-After asks.
    if (res.status === 503) await new Promise((r) => setTimeout(r, 1000))
  }
}

function child(args, onLine) {
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  proc.stdout.on('data', (d) => {
    out += d
    const line = out.split('\n').find((l) => l.startsWith('{'))
    if (line) onLine?.(JSON.parse(line))
  })
  return { proc, output: () => out, stop: () => new Promise((done) => (proc.on('exit', done), proc.kill('SIGTERM'))) }
}

/** Paced real-time clients for `seconds`: latencies of every frame, ms. */
async function paced(url, clients, seconds) {
  const frame = Buffer.from(new Float32Array(FRAME).map((_, i) => 0.5 * Math.sin(i / 5)).buffer)
  const latencies = []
  let errors = 0
  const end = performance.now() + seconds * 1000
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    // Staggered starts, then one frame per 20 ms on a fixed schedule.
    let next = performance.now() + (c * 20) / clients
    while (next < end) {
      const wait = next - performance.now()
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
      const t0 = performance.now()
      const res = await fetch(url + '/process-audio', { method: 'POST', headers: { 'content-type': 'application/octet-stream', accept: 'application/octet-stream' }, body: frame })
      await res.arrayBuffer()
      if (res.status !== 200) errors++
      latencies.push(performance.now() - t0)
      next += 20
      // A frame late by more than its period is not sent twice: the schedule moves on.
      if (next < performance.now()) next = performance.now()
    }
  }))
  latencies.sort((a, b) => a - b)
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]
  return { frames: latencies.length, errors, p50: q(0.5), p99: q(0.99), max: latencies[latencies.length - 1] }
}

async function main() {
  const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback)
  const seconds = arg('seconds', 8)
  const rounds = arg('rounds', 3)
  const clients = arg('clients', 10)
  const server = await new Promise((resolve) => {
    const s = child([path.join(BENCH_DIR, 'http_server.mjs')], (urls) => resolve({ ...s, url: urls.ours }))
  })
  const scenarios = {
    quiet: [],
    'two raw analyses': ['features', 'genre'],
    'two JSON analyses': ['json', 'json'],
  }
  const results = {}
  for (let round = 0; round < rounds; round++) {
    for (const [name, kinds] of Object.entries(scenarios)) {
      const hostiles = kinds.map((k) => child([fileURLToPath(import.meta.url), 'hostile', server.url, k]))
      // Let the hostile requests get going.
      if (hostiles.length) await new Promise((r) => setTimeout(r, 1500))
      const r = await paced(server.url, clients, seconds)
      await Promise.all(hostiles.map((h) => h.stop()))
      r.hostile = hostiles.map((h) => JSON.parse(h.output().trim().split('\n').pop() || '{}'))
      ;(results[name] ??= []).push(r)
      console.log(`round ${round + 1} ${name}: ${r.frames} frames, ${r.errors} errors, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(1)} ms; hostile replies ${JSON.stringify(r.hostile)}`)
    }
  }
  await server.stop()
  console.log('\np99 of POST /process-audio, ms (median of rounds, [min, max]):')
  for (const [name, rs] of Object.entries(results)) {
    const p99 = rs.map((r) => r.p99).sort((a, b) => a - b)
    console.log(`  ${name.padEnd(20)} ${p99[Math.floor(p99.length / 2)].toFixed(2)} [${p99[0].toFixed(2)}, ${p99[p99.length - 1].toFixed(2)}]`)
  }
}

if (process.argv[2] === 'hostile') await hostile(process.argv[3], process.argv[4])
else await main()
