// The edge API reports the cloud tier's metric names where they mean the same thing, so
// the dashboard and alert rules of deploy/monitoring read all three: a scrape of the real
// edgemix-server is the reference for names, types, label names and buckets; `edgemix
// serve` and the edge Worker (under workerd) are scraped after known traffic. Every other
// edge name is the HTTP layer's own (`edgemix_http_*`, `edgemix_ws_*`,
// `edgemix_uptime_seconds`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { CloudClient, ErrorCode } from '../dist/index.js'
import { FRAME, speechLike } from './helpers.js'
import { bytesOf, openStream, postBytes, startServer } from './http-helpers.js'
import { parsePrometheus, type ParsedFamily } from './prometheus-parse.js'
import { startServerProcess, type ServerProcess } from './server-process.js'
import { startWorker, type WorkerProcess } from './worker-process.js'

type Scrape = Map<string, ParsedFamily>

const scrape = async (url: string): Promise<Scrape> => parsePrometheus(await (await fetch(url)).text())

/** The label names of a family's samples (`le` of histogram buckets left out). */
const labelNames = (f: ParsedFamily) => [...new Set(f.samples.flatMap((s) => Object.keys(s.labels)).filter((k) => k !== 'le'))].sort()

const buckets = (f: ParsedFamily) => [...new Set(f.samples.filter((s) => s.name.endsWith('_bucket')).map((s) => Number(s.labels.le)))].sort((a, b) => a - b)

const value = (families: Scrape, name: string, labels: Record<string, string>) =>
  [...families.values()].flatMap((f) => f.samples).find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value

const EDGE_ONLY = /^(edgemix_(http|ws)_|edgemix_uptime_seconds$)/

describe('edge metric names', () => {
  let cloudServer: ServerProcess
  let worker: WorkerProcess
  let cloud: Scrape
  let serve: Scrape
  let serveClosed: Scrape
  let edgeWorker: Scrape
  const frame = speechLike(FRAME)

  beforeAll(async () => {
    cloudServer = await startServerProcess(['--metrics-port', '0', '--enable-test-nodes', '--modules-dir', join(__dirname, '..', 'wasm-modules', 'dist')])
    const client = new CloudClient({ endpoints: [`http://${cloudServer.addr}`], timeoutMs: 10_000 })
    await client.execute('AudioMixer', {}, frame)
    // A module that fails to load: the failure counter's series exists from then on.
    await expect(client.execute('WasmModule', { module: 'badabi' }, frame)).rejects.toMatchObject({ code: ErrorCode.CLOUD_INTERNAL })
    const stream = client.openStream('AudioMixer', {}, { format: 'f32le' })
    await stream.send(frame)
    cloud = await scrape(`${cloudServer.ops}/metrics`)
    await stream.end()
    await client.close()

    const { url } = await startServer({ rateLimit: false, web: false })
    expect((await postBytes(`${url}/process-audio`, bytesOf(frame))).status).toBe(200)
    const ws = await openStream(url)
    for (let i = 0; i < 3; i++) ws.ws.send(bytesOf(frame))
    await ws.receive(3)
    serve = await scrape(`${url}/metrics`)
    ws.ws.close()
    await ws.waitClose()
    serveClosed = await scrape(`${url}/metrics`)

    worker = await startWorker()
    expect((await postBytes(`${worker.url}/process-audio`, bytesOf(frame))).status).toBe(200)
    expect((await postBytes(`${worker.url}/process-audio`, new Uint8Array(5))).status).toBe(400)
    edgeWorker = await scrape(`${worker.url}/metrics`)
  }, 120_000) // builds the server binary (a no-op after the Rust tests) and the Worker

  afterAll(async () => {
    await worker?.stop()
    await cloudServer?.stop()
  })

  it.each([
    ['edgemix serve', () => serve, ['edgemix_requests_total', 'edgemix_request_duration_seconds', 'edgemix_streams_active', 'edgemix_streams_opened_total', 'edgemix_build_info', 'edgemix_cpu_cores', 'process_cpu_seconds_total', 'process_resident_memory_bytes']],
    ['the Worker', () => edgeWorker, ['edgemix_requests_total', 'edgemix_build_info', 'edgemix_wasm_instantiations_total', 'edgemix_wasm_init_failures_total']],
  ])('%s: shared names have the cloud tier\'s type, labels and buckets; the rest are edge-only', (_target, families, shared) => {
    const edge = families()
    for (const name of shared) expect(cloud.has(name), `${name} in edgemix-server`).toBe(true)
    expect([...edge.keys()].filter((name) => cloud.has(name)).sort()).toEqual([...shared].sort())
    for (const name of shared) {
      const [mine, theirs] = [edge.get(name)!, cloud.get(name)!]
      expect(mine.type, name).toBe(theirs.type)
      if (mine.samples.length > 0) expect(labelNames(mine), name).toEqual(labelNames(theirs))
      if (mine.type === 'histogram') expect(buckets(mine), name).toEqual(buckets(theirs))
    }
    expect([...edge.keys()].filter((name) => !cloud.has(name) && !EDGE_ONLY.test(name))).toEqual([])
  })

  it('edgemix serve counts calls, frames and streams under those names', () => {
    expect(value(serve, 'edgemix_requests_total', { method: 'POST /process-audio', node: 'AudioMixer', code: 'OK' })).toBe(1)
    expect(value(serve, 'edgemix_request_duration_seconds_count', { method: 'POST /process-audio', node: 'AudioMixer' })).toBe(1)
    expect(value(serve, 'edgemix_requests_total', { method: 'WebSocket /stream', node: 'AudioMixer', code: 'OK' })).toBe(3)
    expect(value(serve, 'edgemix_streams_active', { node: 'AudioMixer' })).toBe(1)
    expect(value(serveClosed, 'edgemix_streams_active', { node: 'AudioMixer' })).toBe(0)
    expect(value(serveClosed, 'edgemix_streams_opened_total', { node: 'AudioMixer' })).toBe(1)
    expect(value(serve, 'edgemix_build_info', { version: '0.1.0' })).toBe(1)
  })

  it('the Worker counts its calls by gRPC code name and its mixer.wasm instance', () => {
    expect(value(edgeWorker, 'edgemix_requests_total', { method: 'POST /process-audio', node: 'AudioMixer', code: 'OK' })).toBe(1)
    expect(value(edgeWorker, 'edgemix_requests_total', { method: 'POST /process-audio', node: 'AudioMixer', code: 'INVALID_ARGUMENT' })).toBe(1)
    expect(value(edgeWorker, 'edgemix_wasm_instantiations_total', {})).toBe(1)
    expect(value(edgeWorker, 'edgemix_build_info', { version: '0.1.0' })).toBe(1)
  })
})
