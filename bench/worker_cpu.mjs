#!/usr/bin/env node
// Run by hand, not by run.mjs: the CPU time the edge Worker (worker/, under workerd)
// spends per POST /process-audio of one 960-sample frame, against the platform's
// per-request CPU limits (Workers: 10 ms free, 30 s paid by default). A Worker's own
// clock stands still while it computes, so the time is read from outside: workerd's
// user + system CPU (/proc/<pid>/stat, Linux) over N sequential requests, divided by N.
// That includes workerd's HTTP handling, which the platform does not bill; GET of an
// unknown route (a 404 with a JSON body, no WebAssembly) measured the same way is that
// floor, and the difference is the handler itself. Rounds alternate the kinds; each
// figure is the median [min, max] over rounds.
//
//   node bench/worker_cpu.mjs [--requests=2000] [--rounds=5]
import { readFileSync } from 'node:fs'
import { buildWorker, startWorker } from '../worker/workerd.mjs'
import { testSignal } from './signal.mjs'

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback)
const REQUESTS = arg('requests', 2000)
const ROUNDS = arg('rounds', 5)
const TICK = 100 // USER_HZ: /proc counts CPU time in 10 ms ticks

function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / TICK
}

const frame = testSignal().subarray(48_000, 48_960) // one frame, 1 s into the test signal
const bytes = new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength)
const json = JSON.stringify({ audioBuffer: Array.from(frame) })

const sizes = buildWorker()
const worker = await startWorker()
const kinds = {
  'POST /process-audio, float32 in and out': () =>
    fetch(`${worker.url}/process-audio`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', accept: 'application/octet-stream' }, body: bytes }),
  'POST /process-audio, JSON in and out': () =>
    fetch(`${worker.url}/process-audio`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: json }),
  'floor: GET of an unknown route (404)': () => fetch(`${worker.url}/nope`),
}
const results = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]))
try {
  for (const send of Object.values(kinds)) for (let i = 0; i < 200; i++) await (await send()).arrayBuffer() // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const [kind, send] of Object.entries(kinds)) {
      const before = cpuSeconds(worker.pid)
      for (let i = 0; i < REQUESTS; i++) {
        const res = await send()
        await res.arrayBuffer()
        if (kind.startsWith('POST') && res.status !== 200) throw new Error(`${kind}: ${res.status}`)
      }
      results[kind].push(((cpuSeconds(worker.pid) - before) / REQUESTS) * 1e6)
    }
  }
} finally {
  await worker.stop()
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const fmt = (xs) => `${median(xs).toFixed(0)} [${Math.min(...xs).toFixed(0)}, ${Math.max(...xs).toFixed(0)}] µs`
console.log(`workerd CPU per request, ${REQUESTS} requests x ${ROUNDS} rounds, median [min, max]:`)
for (const [kind, xs] of Object.entries(results)) console.log(`  ${kind.padEnd(44)} ${fmt(xs)}`)
const floor = results['floor: GET of an unknown route (404)']
for (const kind of Object.keys(kinds).filter((k) => k.startsWith('POST'))) {
  const handler = results[kind].map((x, i) => x - floor[i])
  console.log(`  ${(kind + ', minus the floor').padEnd(44)} ${fmt(handler)}  (${(median(results[kind]) / 100).toFixed(2)} % of the 10 ms free-plan limit, before subtracting)`)
}
const total = sizes.find((s) => s.file === 'total')
console.log(`bundle: ${sizes.map((s) => `${s.file} ${s.bytes} B (gzip ${s.gzip} B)`).join(', ')}`)
console.log(`        total ${(total.bytes / 1e6).toFixed(2)} MB, gzip ${(total.gzip / 1e6).toFixed(2)} MB: ${((total.gzip / (3 * 1024 * 1024)) * 100).toFixed(0)} % of the 3 MB free-plan limit, ${((total.gzip / (10 * 1024 * 1024)) * 100).toFixed(0)} % of 10 MB paid`)
