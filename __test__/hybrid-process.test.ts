// Process lifetime and threads: a script exits promptly after close(), a script that
// never calls close() still exits, and the addon serves two worker_threads at once.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer } from '../dist/index.js'

const ROOT = join(__dirname, '..')

// The scripts below use this cloud tier (half their inputs go to the cloud).
let server: { port: number; close(): Promise<void> }
beforeAll(async () => {
  server = await startServer({ host: '127.0.0.1', port: 0 })
})
afterAll(() => server.close())

/** Runs `code` in a fresh node; resolves with its exit code, output and wall time. */
function run(code: string, deadlineMs: number, env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; ms: number }>((resolve) => {
    const started = performance.now()
    const child = spawn(process.execPath, ['-e', code], { cwd: ROOT, env: { ...process.env, CLOUD_PORT: String(server.port), ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started })
    })
  })
}

const WORK = `
const { join } = require('node:path')
const { HybridProcessingClient } = require('./dist/index.js')
const mod = (n) => join('wasm-modules', 'dist', n)
async function work(client) {
  await client.initializeWasmEdge()
  const proxy = await client.createHybridProxy({
    edgeWasm: { wasmPath: mod('mixer.wasm') },
    cloudRemote: { nodeType: 'AudioMixer' },
    decisionFunction: (input, ctx) => (ctx.samples % 2 ? 'cloud' : 'edge'),
    cloudTimeoutMs: 2000,
  })
  let n = 0
  for (let i = 0; i < 20; i++) {
    const r = await proxy.process(new Float32Array(960 + (i % 2)).fill(0.1))
    if (r.route !== (i % 2 ? 'cloud' : 'edge') || r.fellBack) throw new Error('unexpected route ' + JSON.stringify(r))
    n += r.output.length > 0 ? 1 : 0
  }
  const routes = []
  for await (const r of proxy.stream(Array.from({ length: 20 }, (_, i) => new Float32Array(960 + (i % 2))))) {
    routes.push(r.route)
    n++
  }
  if (routes.filter((r) => r === 'cloud').length !== 10) throw new Error('stream routes ' + routes)
  return { proxy, n }
}
`

describe('process lifetime', () => {
  it('exits promptly after close()', async () => {
    const r = await run(`${WORK}
      ;(async () => {
        const client = new HybridProcessingClient({ host: '127.0.0.1', port: Number(process.env.CLOUD_PORT), timeoutMs: 1000 })
        const { n } = await work(client)
        await client.close()
        globalThis.closedAt = performance.now()
        process.on('exit', () => console.log('exit after close', n, Math.round(performance.now() - globalThis.closedAt)))
      })()`, 20_000)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const m = /exit after close (\d+) (\d+)/.exec(r.stdout)
    expect(m, r.stdout).not.toBeNull()
    expect(Number(m![1])).toBe(40)
    // Nothing keeps the loop alive after close(): the exit follows at once (generous bound for a loaded CI box).
    expect(Number(m![2])).toBeLessThan(1000)
  })

  it('exits without close(): nothing the client holds keeps the process alive', async () => {
    const r = await run(`${WORK}
      ;(async () => {
        const client = new HybridProcessingClient({ host: '127.0.0.1', port: Number(process.env.CLOUD_PORT), timeoutMs: 1000 })
        const { n } = await work(client)
        globalThis.doneAt = performance.now()
        process.on('exit', () => console.log('exit without close', n, Math.round(performance.now() - globalThis.doneAt)))
      })()`, 20_000)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const m = /exit without close (\d+) (\d+)/.exec(r.stdout)
    expect(m, r.stdout).not.toBeNull()
    expect(Number(m![2])).toBeLessThan(1000)
  })
})

describe('worker_threads', () => {
  it('two workers use the addon at once (one at the edge, one through a cloud stream), each matching its own MixerChain', async () => {
    const code = `
      const { parentPort, workerData } = require('node:worker_threads')
      const { join } = require('node:path')
      const { HybridProcessingClient, MixerChain } = require(join(workerData.root, 'dist', 'index.js'))
      ;(async () => {
        const client = new HybridProcessingClient({ host: '127.0.0.1', port: workerData.port })
        const proxy = await client.createHybridProxy({
          edgeWasm: { wasmPath: join(workerData.root, 'wasm-modules', 'dist', 'mixer.wasm') },
          cloudRemote: { nodeType: 'AudioMixer' },
          decisionFunction: () => workerData.side,
          fallback: 'none',
        })
        const native = new MixerChain()
        let maxDiff = 0, n = 0
        const frames = Array.from({ length: 200 }, (_, i) => Float32Array.from({ length: 960 }, (_, k) => workerData.amp * Math.sin((i * 960 + k) * 0.05)))
        for await (const r of proxy.stream(frames)) {
          if (r.route !== workerData.side) throw new Error('route ' + r.route)
          const ref = native.processSync(frames[n++])
          for (let k = 0; k < ref.length; k++) maxDiff = Math.max(maxDiff, Math.abs(ref[k] - r.output[k]))
        }
        await client.close()
        parentPort.postMessage({ n, maxDiff })
      })().catch((e) => parentPort.postMessage({ error: e.code + ' ' + e.message }))
    `
    const results = await Promise.all(
      [['edge', 0.2], ['cloud', 0.9]].map(
        ([side, amp]) =>
          new Promise<{ n: number; maxDiff: number; error?: string }>((resolve, reject) => {
            const w = new Worker(code, { eval: true, workerData: { root: ROOT, amp, side, port: server.port } })
            w.once('message', (m) => {
              resolve(m)
              w.terminate()
            })
            w.once('error', reject)
          }),
      ),
    )
    for (const r of results) {
      expect(r.error).toBeUndefined()
      expect(r.n).toBe(200)
      expect(r.maxDiff).toBeLessThanOrEqual(1e-6)
    }
  })
})
