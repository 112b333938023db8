// The shared HTTP contract (http-contract.ts) against the edge Worker (worker/) under
// workerd, then what the Worker does differently (README, Deploy the edge Worker): its
// output is mixer.wasm's, bit for bit what the addon's wasmtime host gives for the same
// module; no sessions; a read-only deploy-time configuration; analysis forwarded to an
// origin or 404; per-isolate counters; a bundle within the platform's size limits.
import { connect, createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ErrorCode, MixerChain, WasmEdgeNode } from '../dist/index.js'
import { FRAME, maxAbsDiff, speechLike } from './helpers.js'
import { httpContract, WASM_TOLERANCE } from './http-contract.js'
import { bytesOf, expectErrorReply, postBytes, postJson, startServer } from './http-helpers.js'
import { buildWorker, startWorker } from './worker-process.js'

const MIXER_WASM = join(__dirname, '..', 'wasm-modules', 'dist', 'mixer.wasm')

async function worker(env: Record<string, string> = {}) {
  const w = await startWorker(env)
  afterAll(() => w.stop())
  return w.url
}

httpContract(async () => ({ url: await worker(), tolerance: WASM_TOLERANCE }))

const frame = speechLike(FRAME).map((x) => x * 2.5)

/** Writes `request` on a new connection and resolves with the first reply's status and JSON body (Content-Length framed). */
function firstReply(url: string, request: string): Promise<{ status: number; body: unknown }> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request))
    let received = Buffer.alloc(0)
    socket.on('error', reject)
    socket.on('data', (d: Buffer) => {
      received = Buffer.concat([received, d])
      const end = received.indexOf('\r\n\r\n')
      const length = Number(/content-length: *(\d+)/i.exec(received.subarray(0, end).toString())?.[1])
      if (end < 0 || received.length < end + 4 + length) return
      socket.destroy()
      resolve({ status: Number(received.subarray(9, 12).toString()), body: JSON.parse(received.subarray(end + 4, end + 4 + length).toString()) })
    })
  })
}

/** The same module in the addon's wasmtime host, a fresh session per frame as the Worker runs it. */
async function wasmtime(config?: object): Promise<Float32Array> {
  const node = await WasmEdgeNode.load(MIXER_WASM, config ? { config } : {})
  const session = await node.createSession()
  try {
    return (await session.process(frame)) as Float32Array
  } finally {
    await session.close()
  }
}

describe('the edge Worker', async () => {
  const base = { compressor: { ratio: 8, thresholdDb: -30 }, limiter: { ceilingDb: -3 } }
  const url = await worker({ MIXER_CONFIG: JSON.stringify(base) })

  it('runs mixer.wasm: bit for bit what wasmtime gives for the same module and configuration', async () => {
    const override = { compressor: { makeupDb: 0 }, eq: { lowGainDb: 4 } }
    const merged = { compressor: { ...base.compressor, makeupDb: 0 }, limiter: base.limiter, eq: { lowGainDb: 4 } }
    const res = await postJson(`${url}/process-audio`, { audioBuffer: Array.from(frame), config: override })
    const body = await res.json()
    const out = Float32Array.from(body.samples)
    expect(out).toEqual(await wasmtime(merged))
    // ...and the native chain's within the libm tolerance; the ceiling of MIXER_CONFIG holds.
    expect(maxAbsDiff(out, new MixerChain(merged).processSync(frame))).toBeLessThanOrEqual(WASM_TOLERANCE)
    expect(Math.max(...out.map(Math.abs))).toBeLessThanOrEqual(10 ** (-3 / 20) + 1e-6)
    expect({ meters: body.meters, genre: body.genre, latencySamples: body.latencySamples }).toEqual({ meters: null, genre: null, latencySamples: null })
  })

  it('GET /config is MIXER_CONFIG as deployed; POST /config is refused whatever it carries', async () => {
    expect(await (await fetch(`${url}/config`)).json()).toEqual(base)
    await expectErrorReply(await postJson(`${url}/config`, { limiter: { ceilingDb: 0 } }, { authorization: 'Bearer anything' }), 403, ErrorCode.FORBIDDEN, /deploy time/)
  })

  it('keeps no sessions: POST /sessions is 404, a session header 404 ERR_SESSION_NOT_FOUND', async () => {
    await expectErrorReply(await fetch(`${url}/sessions`, { method: 'POST' }), 404, ErrorCode.NOT_FOUND, /POST \/sessions/)
    await expectErrorReply(await postBytes(`${url}/process-audio`, bytesOf(frame), { 'x-edgemix-session': 'abc' }), 404, ErrorCode.SESSION_NOT_FOUND, /keeps no sessions/)
  })

  it('octet-stream replies carry null meters and genre headers', async () => {
    const res = await postBytes(`${url}/process-audio`, bytesOf(frame), { accept: 'application/octet-stream' })
    expect([res.headers.get('x-edgemix-meters'), res.headers.get('x-edgemix-genre')]).toEqual(['null', 'null'])
    expect(new Float32Array(await res.arrayBuffer())).toEqual(await wasmtime(base))
  })

  it('answers analysis with 404 without ANALYSIS_ORIGIN', async () => {
    await expectErrorReply(await postBytes(`${url}/extract-features`, bytesOf(frame)), 404, ErrorCode.NOT_FOUND, /ANALYSIS_ORIGIN/)
    await expectErrorReply(await postBytes(`${url}/classify-genre`, bytesOf(frame)), 404, ErrorCode.NOT_FOUND, /ANALYSIS_ORIGIN/)
  })

  it('counts per isolate; one mixer.wasm instance serves every request of the isolate', async () => {
    const stats = await (await fetch(`${url}/stats`)).json()
    expect(stats.scope).toBe('isolate')
    expect(stats.frames.http).toBeGreaterThanOrEqual(2)
    expect(stats.wasm).toEqual({ instantiations: 1, initFailures: {} })
  })
})

describe('the edge Worker with a broken MIXER_CONFIG', async () => {
  const url = await worker({ MIXER_CONFIG: JSON.stringify({ compressor: { ratio: 0 } }) })

  it('fails its health check and answers 500 ERR_INVALID_CONFIG, the deployment\'s fault, not 400', async () => {
    await expectErrorReply(await fetch(`${url}/health`), 500, ErrorCode.INVALID_CONFIG, /MIXER_CONFIG is not a valid mixer configuration/)
    await expectErrorReply(await postBytes(`${url}/process-audio`, bytesOf(frame)), 500, ErrorCode.INVALID_CONFIG, /MIXER_CONFIG/)
    await expectErrorReply(await fetch(`${url}/config`), 500, ErrorCode.INVALID_CONFIG, /MIXER_CONFIG/)
  })
})

describe('the edge Worker with ANALYSIS_ORIGIN', async () => {
  const origin = await startServer({ rateLimit: false, web: false })
  const url = await worker({ ANALYSIS_ORIGIN: origin.url })

  it('forwards /extract-features and /classify-genre: the origin answers, errors included', async () => {
    const clip = speechLike(4 * FRAME)
    const res = await postBytes(`${url}/extract-features`, bytesOf(clip))
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body.frames).toBe(4)
    expect(body).toEqual(await (await postBytes(`${origin.url}/extract-features`, bytesOf(clip))).json())
    await expectErrorReply(await postBytes(`${url}/classify-genre`, bytesOf(clip)), 400, ErrorCode.INVALID_AUDIO, /at least/)
  })

  it('refuses a body over the analysis limit itself, before reading or forwarding it', async () => {
    const before = (await (await fetch(`${origin.url}/stats`)).json()).requests.total
    // Headers only: the reply comes before a byte of the declared 8 MiB is sent.
    const reply = await firstReply(url, `POST /extract-features HTTP/1.1\r\nHost: edge\r\nContent-Type: application/octet-stream\r\nContent-Length: ${8 * 1024 * 1024 + 4}\r\n\r\n`)
    expect(reply.status).toBe(413)
    expect(reply.body).toMatchObject({ code: ErrorCode.BODY_TOO_LARGE, message: expect.stringMatching(/limit of 8388608 bytes/) })
    // Only this /stats request reached the origin since.
    expect((await (await fetch(`${origin.url}/stats`)).json()).requests.total).toBe(before + 1)
  })
})

describe('the edge Worker with an ANALYSIS_ORIGIN that does not answer', async () => {
  // A port that was free a moment ago: nothing listens there.
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const port = (probe.address() as AddressInfo).port
  await new Promise((resolve) => probe.close(resolve))
  const url = await worker({ ANALYSIS_ORIGIN: `http://127.0.0.1:${port}` })

  it('answers 503 ERR_SERVER_BUSY with Retry-After', async () => {
    const res = await postBytes(`${url}/extract-features`, bytesOf(frame))
    expect(res.headers.get('retry-after')).toBe('1')
    await expectErrorReply(res, 503, ErrorCode.SERVER_BUSY, /did not answer/)
  })
})

describe('the Worker bundle', () => {
  it('fits the platform limits: the compressed upload under 3 MB (free plan), each file as built', () => {
    const sizes = buildWorker()
    const total = sizes.find((s) => s.file === 'total')!
    expect(sizes.map((s) => s.file)).toEqual(['index.mjs', 'mixer.wasm', 'mixer.wasm.bin', 'total'])
    expect(total.bytes).toBe(sizes.slice(0, 3).reduce((n, s) => n + s.bytes, 0))
    expect(total.gzip).toBeLessThan(3 * 1024 * 1024)
  })
})
