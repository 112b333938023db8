// The HTTP contract of the edge API, run against each target that serves it:
// `edgemix serve` (http-contract-serve.test.ts) and the edge Worker under workerd
// (http-contract-worker.test.ts). Every case asserts against a reference of its own: the
// native MixerChain on the same frame, the bytes of mixer.wasm and their SHA-256, the
// ErrorCode and status the README's table gives.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ErrorCode, MixerChain } from '../dist/index.js'
import type { MixerConfigInput } from '../dist/index.js'
import { FRAME, maxAbsDiff, speechLike } from './helpers.js'
import { bytesOf, expectErrorReply, postBytes, postJson } from './http-helpers.js'
import { parsePrometheus } from './prometheus-parse.js'

const MIXER_WASM = join(__dirname, '..', 'wasm-modules', 'dist', 'mixer.wasm')

/**
 * mixer.wasm is the same Rust source as the native chain; the two differ only where the
 * native build calls the platform's libm (exp, log10, pow) and the wasm build Rust's
 * own: at most 1e-6 on samples within ±1, as the WASM suite's parity tests hold it.
 */
export const WASM_TOLERANCE = 1e-6

export interface ContractTarget {
  url: string
  /** Largest difference allowed from the native MixerChain: 0 for the native target. */
  tolerance: number
}

/** A frame with level changes (gate, compressor and limiter all act). */
const frame = (() => {
  const x = speechLike(FRAME)
  for (let i = 0; i < FRAME; i++) x[i] *= 2.5 // peaks past 0 dBFS: the limiter acts
  return x
})()

const native = (config?: MixerConfigInput) => new MixerChain(config).processSync(frame)

const floats = (bytes: ArrayBuffer) => new Float32Array(bytes)

async function metricValue(url: string, name: string, labels: Record<string, string>): Promise<number> {
  const families = parsePrometheus(await (await fetch(`${url}/metrics`)).text())
  const samples = [...families.values()].flatMap((f) => f.samples).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  return samples.reduce((n, s) => n + s.value, 0)
}

export function httpContract(start: () => Promise<ContractTarget>) {
  describe('POST /process-audio', async () => {
    const { url, tolerance } = await start()

    it('a JSON frame comes back as the native chain processes it from its fresh state', async () => {
      const res = await postJson(`${url}/process-audio`, { audioBuffer: Array.from(frame) })
      expect(res.status).toBe(200)
      const body = await res.json()
      expect(body.samples).toHaveLength(FRAME)
      expect(maxAbsDiff(Float32Array.from(body.samples), native())).toBeLessThanOrEqual(tolerance)
      expect(maxAbsDiff(Float32Array.from(body.samples), frame)).toBeGreaterThan(0.01) // it was processed
    })

    it('a request config is merged over the defaults, for that request only', async () => {
      const config = { compressor: { ratio: 8, thresholdDb: -30 }, eq: { midGainDb: 6 } }
      const body = await (await postJson(`${url}/process-audio`, { audioBuffer: Array.from(frame), config })).json()
      expect(maxAbsDiff(Float32Array.from(body.samples), native(config))).toBeLessThanOrEqual(tolerance)
      const after = await (await postJson(`${url}/process-audio`, { audioBuffer: Array.from(frame) })).json()
      expect(maxAbsDiff(Float32Array.from(after.samples), native())).toBeLessThanOrEqual(tolerance)
    })

    it('float32 in, float32 out; every request starts from a fresh chain (no state, no other request leaks in)', async () => {
      const loud = frame.map((x) => Math.max(-1, Math.min(1, x * 40)))
      await postBytes(`${url}/process-audio`, bytesOf(loud))
      const replies = await Promise.all(
        [0, 1, 2].map(() => postBytes(`${url}/process-audio`, bytesOf(frame), { accept: 'application/octet-stream' })),
      )
      for (const res of replies) {
        expect(res.status).toBe(200)
        expect(res.headers.get('content-type')).toMatch(/^application\/octet-stream/)
        expect(maxAbsDiff(floats(await res.arrayBuffer()), native())).toBeLessThanOrEqual(tolerance)
      }
    })

    it.each([
      ['a body that is not whole float32 samples', 400, ErrorCode.INVALID_AUDIO, /not a whole number of float32 samples/, () => postBytes(`${url}/process-audio`, new Uint8Array(FRAME * 4 - 2))],
      ['959 samples', 400, ErrorCode.INVALID_AUDIO, /959 samples; a frame is exactly 960/, () => postBytes(`${url}/process-audio`, bytesOf(frame.subarray(1)))],
      ['a NaN sample', 400, ErrorCode.INVALID_AUDIO, /body\[5\] is not a finite/, () => postBytes(`${url}/process-audio`, bytesOf(frame.map((x, i) => (i === 5 ? NaN : x))))],
      ['a number beyond float32', 400, ErrorCode.INVALID_AUDIO, /audioBuffer\[9\] is not a finite/, () => postJson(`${url}/process-audio`, { audioBuffer: Array.from(frame, (x, i) => (i === 9 ? 1e39 : x)) })],
      ['a string sample', 400, ErrorCode.INVALID_AUDIO, /audioBuffer\[0\] is a string/, () => postJson(`${url}/process-audio`, { audioBuffer: ['0.1'] })],
      ['no audioBuffer', 400, ErrorCode.INVALID_ARG_TYPE, /no audioBuffer/, () => postJson(`${url}/process-audio`, { samples: [] })],
      ['a JSON array body', 400, ErrorCode.INVALID_ARG_TYPE, /must be a JSON object/, () => postJson(`${url}/process-audio`, [1, 2])],
      ['a config that is not an object', 400, ErrorCode.INVALID_ARG_TYPE, /config must be a plain object/, () => postJson(`${url}/process-audio`, { audioBuffer: Array.from(frame), config: 5 })],
      ['a parameter out of range', 400, ErrorCode.INVALID_CONFIG, /./, () => postJson(`${url}/process-audio`, { audioBuffer: Array.from(frame), config: { compressor: { ratio: 1000 } } })],
      ['an unknown parameter', 400, ErrorCode.INVALID_CONFIG, /./, () => postJson(`${url}/process-audio`, { audioBuffer: Array.from(frame), config: { compressor: { rattio: 2 } } })],
      ['a wrong parameter type', 400, ErrorCode.INVALID_CONFIG, /./, () => postJson(`${url}/process-audio`, { audioBuffer: Array.from(frame), config: { limiter: { ceilingDb: '-1' } } })],
      ['JSON nested 60,000 deep', 400, ErrorCode.INVALID_JSON, /deeper than 64/, () => fetch(`${url}/process-audio`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '['.repeat(60_000) })],
      ['a config nested 65 deep', 400, ErrorCode.INVALID_JSON, /deeper than 64/, () => fetch(`${url}/process-audio`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"audioBuffer":[],"config":${'{"a":'.repeat(64)}1${'}'.repeat(64)}}` })],
      ['JSON that does not parse', 400, ErrorCode.INVALID_JSON, /./, () => fetch(`${url}/process-audio`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"audioBuffer": [1,' })],
      ['an empty JSON body', 400, ErrorCode.INVALID_JSON, /./, () => fetch(`${url}/process-audio`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '' })],
      ['text/plain', 415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, /Content-Type text\/plain is not accepted/, () => fetch(`${url}/process-audio`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' })],
      ['a body over 64 KiB', 413, ErrorCode.BODY_TOO_LARGE, /limit of 65536 bytes/, () => postBytes(`${url}/process-audio`, new Uint8Array(64 * 1024 + 4))],
      ['a malformed session id', 400, ErrorCode.INVALID_ARG_TYPE, /session must be/, () => postJson(`${url}/process-audio`, { audioBuffer: Array.from(frame), session: '../etc' })],
      ['a session id the server never issued', 404, ErrorCode.SESSION_NOT_FOUND, /session/, () => postJson(`${url}/process-audio`, { audioBuffer: Array.from(frame), session: 'AAAAAAAAAAAAAAAAAAAAAA' })],
    ])('%s: %i %s', async (_what, status, code, message, send) => {
      await expectErrorReply(await send(), status, code, message)
    })

    it('a streamed body without Content-Length is refused once past the limit: 413', async () => {
      const chunk = new Uint8Array(16 * 1024)
      let sent = 0
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          // 80 KiB in 16 KiB chunks: the limit is crossed by the fifth.
          if (sent >= 5 * chunk.length) return controller.close()
          sent += chunk.length
          controller.enqueue(chunk)
        },
      })
      const res = await fetch(`${url}/process-audio`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body, duplex: 'half' } as RequestInit)
      await expectErrorReply(res, 413, ErrorCode.BODY_TOO_LARGE, /limit of 65536 bytes/)
    })
  })

  describe('configuration, status and module routes', async () => {
    const { url, tolerance } = await start()

    it('GET /config is a JSON object; POST /config without credentials is 403 ERR_FORBIDDEN and changes nothing', async () => {
      const before = await (await fetch(`${url}/config`)).json()
      expect(typeof before).toBe('object')
      await expectErrorReply(await postJson(`${url}/config`, { compressor: { ratio: 20 } }), 403, ErrorCode.FORBIDDEN, /./)
      expect(await (await fetch(`${url}/config`)).json()).toEqual(before)
      const res = await postBytes(`${url}/process-audio`, bytesOf(frame), { accept: 'application/octet-stream' })
      expect(maxAbsDiff(floats(await res.arrayBuffer()), native())).toBeLessThanOrEqual(tolerance)
    })

    it('GET /health is 200 { status: "ok" }', async () => {
      const res = await fetch(`${url}/health`)
      expect(res.status).toBe(200)
      expect(await res.json()).toMatchObject({ status: 'ok', uptimeSeconds: expect.any(Number) })
    })

    it('GET /wasm is mixer.wasm with its SHA-256 as ETag; 304 on If-None-Match', async () => {
      const file = readFileSync(MIXER_WASM)
      const etag = `"${createHash('sha256').update(file).digest('base64url')}"`
      const res = await fetch(`${url}/wasm`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('application/wasm')
      expect(res.headers.get('etag')).toBe(etag)
      expect(res.headers.get('cache-control')).toBe('public, max-age=86400')
      expect(Buffer.from(await res.arrayBuffer()).equals(file)).toBe(true)
      const again = await fetch(`${url}/wasm`, { headers: { 'if-none-match': `W/"other", ${etag}` } })
      expect(again.status).toBe(304)
      expect((await fetch(`${url}/wasm`, { headers: { 'if-none-match': '"other"' } })).status).toBe(200)
    })

    it('an unknown route is 404 ERR_NOT_FOUND naming it', async () => {
      await expectErrorReply(await fetch(`${url}/nope`), 404, ErrorCode.NOT_FOUND, /GET \/nope/)
      await expectErrorReply(await fetch(`${url}/process-audio`), 404, ErrorCode.NOT_FOUND, /GET \/process-audio/)
    })

    it('GET /stats and /metrics count frames, responses and calls by gRPC code name', async () => {
      const stats = async () => (await fetch(`${url}/stats`)).json()
      const calls = (code: string) => metricValue(url, 'edgemix_requests_total', { method: 'POST /process-audio', node: 'AudioMixer', code })
      const [s0, ok0, bad0] = [await stats(), await calls('OK'), await calls('INVALID_ARGUMENT')]
      for (let i = 0; i < 2; i++) expect((await postBytes(`${url}/process-audio`, bytesOf(frame))).status).toBe(200)
      expect((await postBytes(`${url}/process-audio`, new Uint8Array(3))).status).toBe(400)
      const s1 = await stats()
      expect(s1.frames.http - s0.frames.http).toBe(2)
      const route = (s: any, status: string) => s.requests.byRoute['POST /process-audio']?.[status] ?? 0
      expect(route(s1, '200') - route(s0, '200')).toBe(2)
      expect(route(s1, '400') - route(s0, '400')).toBe(1)
      expect((s1.errors[ErrorCode.INVALID_AUDIO] ?? 0) - (s0.errors[ErrorCode.INVALID_AUDIO] ?? 0)).toBe(1)
      expect((await calls('OK')) - ok0).toBe(2)
      expect((await calls('INVALID_ARGUMENT')) - bad0).toBe(1)
    })
  })
}
