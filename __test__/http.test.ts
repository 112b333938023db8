// The REST API over real HTTP (fetch) against a server on 127.0.0.1:0. Replies are
// checked against the native addon called directly with the same input (itself tested
// against analytic and librosa references in the other suites).
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { ErrorCode, MixerChain, extractFeaturesSync } from '../dist/index.js'
import type { MixerConfig } from '../dist/index.js'
import { FRAME, noise, sine, speechLike } from './helpers.js'
import { asJson, bytesOf, expectErrorReply, postBytes, postJson, startServer } from './http-helpers.js'

/** The admin token of the servers that take POST /config. */
const ADMIN = 'admin-token-for-tests'

const frameOf = (seed: number) => {
  const x = noise(FRAME, 0.6, seed)
  const s = sine(FRAME, 440 + seed, 0.4)
  return x.map((v, i) => v + s[i])
}
/** What POST /process-audio must return: a fresh chain with `config` on `frame`. */
function reference(frame: Float32Array, config?: object) {
  const chain = new MixerChain(config)
  const samples = chain.processSync(frame)
  return { samples: Array.from(samples), meters: asJson(chain.meters()) }
}

describe('POST /process-audio', async () => {
  const { url } = await startServer()
  const endpoint = `${url}/process-audio`

  it('processes a JSON frame exactly as a fresh native chain does, with its meters', async () => {
    const frame = frameOf(1)
    const res = await postJson(endpoint, { audioBuffer: Array.from(frame) })
    expect(res.status).toBe(200)
    const body = await res.json()
    const ref = reference(frame)
    expect(body.samples).toEqual(ref.samples)
    expect(body.meters).toEqual(ref.meters)
    expect(body.latencySamples).toBe(240)
    expect(body.genre).toBeNull()
  })

  it('is stateless: concurrent requests each equal a fresh chain, whatever ran before', async () => {
    const frames = Array.from({ length: 48 }, (_, i) => frameOf(i + 2))
    const replies = await Promise.all(frames.map((f) => postJson(endpoint, { audioBuffer: Array.from(f) }).then((r) => r.json())))
    replies.forEach((body, i) => expect(body.samples).toEqual(reference(frames[i]).samples))
    // The same frame again after all that traffic: the same reply.
    const again = await (await postJson(endpoint, { audioBuffer: Array.from(frames[0]) })).json()
    expect(again.samples).toEqual(replies[0].samples)
  })

  it('reports silence levels as null (-Infinity dBFS)', async () => {
    const body = await (await postJson(endpoint, { audioBuffer: new Array(FRAME).fill(0) })).json()
    expect(body.meters.inputPeakDb).toBeNull()
    expect(body.samples).toEqual(new Array(FRAME).fill(0))
  })

  it('takes raw float32le bodies and answers JSON, or float32le with Accept: application/octet-stream', async () => {
    const frame = frameOf(3)
    const ref = reference(frame)
    const json = await (await postBytes(endpoint, bytesOf(frame))).json()
    expect(json.samples).toEqual(ref.samples)
    const res = await postBytes(endpoint, bytesOf(frame), { accept: 'application/octet-stream' })
    expect(res.headers.get('content-type')).toBe('application/octet-stream')
    const out = new Float32Array(await res.arrayBuffer())
    expect(Array.from(out)).toEqual(ref.samples)
    expect(JSON.parse(res.headers.get('x-edgemix-meters')!)).toEqual(ref.meters)
  })

  it('applies a per-request config over the server config, for that request only', async () => {
    const frame = frameOf(4)
    const override = { compressor: { ratio: 20, thresholdDb: -40 }, limiter: { ceilingDb: -6 } }
    const body = await (await postJson(endpoint, { audioBuffer: Array.from(frame), config: override })).json()
    expect(body.samples).toEqual(reference(frame, override).samples)
    expect(body.samples).not.toEqual(reference(frame).samples)
    const plain = await (await postJson(endpoint, { audioBuffer: Array.from(frame) })).json()
    expect(plain.samples).toEqual(reference(frame).samples)
  })

  const good = Array.from(frameOf(5))
  it.each([
    ['959 samples', { audioBuffer: good.slice(1) }, ErrorCode.INVALID_AUDIO, /959 samples; a frame is exactly 960/],
    ['961 samples', { audioBuffer: [...good, 0] }, ErrorCode.INVALID_AUDIO, /961 samples/],
    ['no samples', { audioBuffer: [] }, ErrorCode.INVALID_AUDIO, /0 samples/],
    ['a string sample', { audioBuffer: good.map((x, i) => (i === 7 ? 'x' : x)) }, ErrorCode.INVALID_AUDIO, /audioBuffer\[7\] is a string/],
    ['a null sample (JSON NaN)', { audioBuffer: good.map((x, i) => (i === 9 ? null : x)) }, ErrorCode.INVALID_AUDIO, /audioBuffer\[9\] is null/],
    ['a sample beyond float32', { audioBuffer: good.map((x, i) => (i === 3 ? 1e39 : x)) }, ErrorCode.INVALID_AUDIO, /audioBuffer\[3\] is not a finite float32/],
    ['no audioBuffer', { samples: good }, ErrorCode.INVALID_ARG_TYPE, /no audioBuffer/],
    ['audioBuffer not an array', { audioBuffer: 'abc' }, ErrorCode.INVALID_ARG_TYPE, /must be an array of numbers, received a string/],
    ['a body that is an array', good, ErrorCode.INVALID_ARG_TYPE, /must be a JSON object/],
    ['config out of range', { audioBuffer: good, config: { compressor: { ratio: 1000 } } }, ErrorCode.INVALID_CONFIG, /compressor\.ratio.*1 to 100/],
    ['config with an unknown key', { audioBuffer: good, config: { compresor: {} } }, ErrorCode.INVALID_CONFIG, /compresor/],
    ['config not an object', { audioBuffer: good, config: 3 }, ErrorCode.INVALID_ARG_TYPE, /config must be a plain object/],
  ])('rejects %s with 400', async (_name, body, code, message) => {
    await expectErrorReply(await postJson(endpoint, body), 400, code, message)
  })

  it('rejects a number beyond 1e308 (JSON Infinity) with 400', async () => {
    const text = `{"audioBuffer":[${good.map((x, i) => (i === 5 ? '1e999' : String(x))).join(',')}]}`
    const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text })
    await expectErrorReply(res, 400, ErrorCode.INVALID_AUDIO, /audioBuffer\[5\] is not a finite/)
  })

  it('rejects a POST without a body', async () => {
    await expectErrorReply(await fetch(endpoint, { method: 'POST' }), 400, ErrorCode.INVALID_ARG_TYPE, /received no body/)
  })

  it('rejects malformed JSON, other content types and bad raw bodies', async () => {
    const post = (body: string | Uint8Array, type: string) => fetch(endpoint, { method: 'POST', headers: { 'content-type': type }, body })
    await expectErrorReply(await post('{"audioBuffer": [1,', 'application/json'), 400, ErrorCode.INVALID_JSON, /JSON/)
    await expectErrorReply(await post('1,2,3', 'text/plain'), 415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, /text\/plain is not accepted/)
    await expectErrorReply(await post(new Uint8Array(3839), 'application/octet-stream'), 400, ErrorCode.INVALID_AUDIO, /3839 bytes, not a whole number of float32/)
    await expectErrorReply(await post(new Uint8Array(3836), 'application/octet-stream'), 400, ErrorCode.INVALID_AUDIO, /959 samples/)
    const nan = frameOf(6)
    nan[100] = Number.NaN
    await expectErrorReply(await post(bytesOf(nan), 'application/octet-stream'), 400, ErrorCode.INVALID_AUDIO, /body\[100\] is not a finite/)
  })

  it('rejects bodies over the limit with 413', async () => {
    const big = { audioBuffer: new Array(FRAME * 8).fill(0.123456789) } // ~100 KB of JSON
    await expectErrorReply(await postJson(endpoint, big), 413, ErrorCode.BODY_TOO_LARGE, /larger than this route's limit of 65536 bytes/)
    await expectErrorReply(await postBytes(endpoint, new Uint8Array(70_000)), 413, ErrorCode.BODY_TOO_LARGE, /65536/)
  })
})

describe('POST /extract-features', async () => {
  const { url } = await startServer()
  const endpoint = `${url}/extract-features`

  it('gives 13 MFCCs and the spectral features per 960-sample frame, as the streaming extractor defines them', async () => {
    const x = speechLike(FRAME * 5)
    const body = await (await postJson(endpoint, { audioBuffer: Array.from(x) })).json()
    // Reference: the batch extractor over the signal preceded by nFft - hop = 64 zeros.
    const padded = new Float32Array(64 + x.length)
    padded.set(x, 64)
    const ref = extractFeaturesSync(padded)
    expect(body.frames).toBe(5)
    expect(body.nMfcc).toBe(13)
    expect(body.mfcc).toHaveLength(5)
    for (let i = 0; i < 5; i++) {
      expect(body.mfcc[i]).toHaveLength(13)
      body.mfcc[i].forEach((c: number, k: number) => expect(c).toBeCloseTo(ref.mfcc[i * 13 + k], 3))
    }
    for (const key of ['rms', 'zcr', 'centroidHz', 'rolloffHz', 'flatness', 'flux'] as const) {
      expect(body[key]).toHaveLength(5)
      body[key].forEach((v: number, i: number) => expect(v).toBeCloseTo(ref[key][i], 3))
    }
  })

  it('takes a raw float32le body and analysis options', async () => {
    const x = sine(FRAME, 1000, 0.5)
    const raw = await (await postBytes(endpoint, bytesOf(x))).json()
    expect(raw.frames).toBe(1)
    const opts = await (await postJson(endpoint, { audioBuffer: Array.from(x), options: { nMfcc: 20 } })).json()
    expect(opts.mfcc[0]).toHaveLength(20)
    expect(opts.mfcc[0].slice(0, 13)).toEqual(raw.mfcc[0])
  })

  it('rejects too little audio, bad options and bad samples with 400', async () => {
    await expectErrorReply(await postJson(endpoint, { audioBuffer: new Array(500).fill(0) }), 400, ErrorCode.INVALID_AUDIO, /500 samples; .*at least 960/)
    await expectErrorReply(await postJson(endpoint, { audioBuffer: new Array(FRAME).fill(0), options: { nMfcc: 0 } }), 400, ErrorCode.INVALID_CONFIG, /nMfcc/)
    await expectErrorReply(await postJson(endpoint, { audioBuffer: new Array(FRAME).fill('a') }), 400, ErrorCode.INVALID_AUDIO, /\[0\] is a string/)
  })
})

describe('GET/POST /config', async () => {
  const { url } = await startServer({ config: { limiter: { ceilingDb: -2 } }, adminToken: ADMIN })
  const get = async () => (await fetch(`${url}/config`)).json() as Promise<MixerConfig>
  const admin = { authorization: `Bearer ${ADMIN}` }

  it('starts from the server options over the defaults', async () => {
    expect(await get()).toEqual(new MixerChain({ limiter: { ceilingDb: -2 } }).config)
  })

  it('merges a valid partial update and uses it for later frames', async () => {
    const res = await postJson(`${url}/config`, { compressor: { ratio: 8 }, eq: { midGainDb: -4 } }, admin)
    expect(res.status).toBe(200)
    const expected = new MixerChain({ limiter: { ceilingDb: -2 }, compressor: { ratio: 8 }, eq: { midGainDb: -4 } }).config
    expect(await res.json()).toEqual(expected)
    expect(await get()).toEqual(expected)
    const frame = frameOf(9)
    const body = await (await postJson(`${url}/process-audio`, { audioBuffer: Array.from(frame) })).json()
    expect(body.samples).toEqual(reference(frame, expected).samples)
  })

  it('refuses an invalid update whole: nothing changes', async () => {
    const before = await get()
    await expectErrorReply(
      await postJson(`${url}/config`, { compressor: { ratio: 2 }, limiter: { ceilingDb: 3 } }, admin),
      400,
      ErrorCode.INVALID_CONFIG,
      /limiter\.ceilingDb.*-24 to 0/,
    )
    await expectErrorReply(await postJson(`${url}/config`, { gate: { thresholdDb: 'loud' } }, admin), 400, ErrorCode.INVALID_CONFIG, /gate\.thresholdDb/)
    await expectErrorReply(await postJson(`${url}/config`, [1, 2], admin), 400, ErrorCode.INVALID_ARG_TYPE, /plain object/)
    expect(await get()).toEqual(before)
  })
})

describe('status routes', async () => {
  const { url } = await startServer()

  it('GET /health', async () => {
    const res = await fetch(`${url}/health`)
    expect(res.status).toBe(200)
    expect((await res.json()).status).toBe('ok')
  })

  it('GET /stats and GET /metrics count what happened', async () => {
    const frame = Array.from(frameOf(10))
    for (let i = 0; i < 3; i++) await postJson(`${url}/process-audio`, { audioBuffer: frame })
    await postJson(`${url}/process-audio`, { audioBuffer: [1] })
    const stats = await (await fetch(`${url}/stats`)).json()
    expect(stats.requests.byRoute['POST /process-audio']).toEqual({ 200: 3, 400: 1 })
    expect(stats.frames.http).toBe(3)
    expect(stats.errors).toEqual({ ERR_INVALID_AUDIO: 1 })

    const res = await fetch(`${url}/metrics`)
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const text = await res.text()
    // Every line is a comment or `name{labels} value` (the exposition format).
    for (const line of text.trimEnd().split('\n')) {
      expect(line).toMatch(/^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.e+-]+|[a-z_]+\{.*\} \+Inf)$/)
    }
    expect(text).toContain('edgemix_http_responses_total{method="POST",route="/process-audio",status="200"} 3\n')
    // The cloud tier's names for calls of the mixer node (edge-metrics.test.ts checks them against edgemix-server).
    expect(text).toContain('edgemix_requests_total{method="POST /process-audio",node="AudioMixer",code="OK"} 3\n')
    expect(text).toContain('edgemix_requests_total{method="POST /process-audio",node="AudioMixer",code="INVALID_ARGUMENT"} 1\n')
    expect(text).toContain('edgemix_http_errors_total{code="ERR_INVALID_AUDIO"} 1\n')
    // The histogram's +Inf bucket counts every response before this one.
    const inf = Number(/edgemix_http_request_duration_seconds_bucket\{le="\+Inf"\} (\d+)/.exec(text)![1])
    expect(inf).toBe(stats.requests.total + 1)
  })

  it('unknown routes are 404 with a code', async () => {
    await expectErrorReply(await fetch(`${url}/nope`), 404, ErrorCode.NOT_FOUND, /GET \/nope/)
  })
})

describe('GET /wasm', async () => {
  const { url } = await startServer()
  const file = readFileSync(join(__dirname, '../wasm-modules/dist/mixer.wasm'))
  const etag = `"${createHash('sha256').update(file).digest('base64url')}"`

  it('serves mixer.wasm with its type, a content-hash ETag and a day of caching', async () => {
    const res = await fetch(`${url}/wasm`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/wasm')
    expect(res.headers.get('etag')).toBe(etag)
    expect(res.headers.get('cache-control')).toBe('public, max-age=86400')
    expect(Buffer.from(await res.arrayBuffer()).equals(file)).toBe(true)
    expect(WebAssembly.validate(file)).toBe(true)
  })

  it('answers 304 to a matching If-None-Match and 200 to a stale one', async () => {
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const res = await fetch(`${url}/wasm`, { headers: { 'if-none-match': header } })
      expect(res.status).toBe(304)
      expect(res.headers.get('etag')).toBe(etag)
      expect((await res.arrayBuffer()).byteLength).toBe(0)
    }
    expect((await fetch(`${url}/wasm`, { headers: { 'if-none-match': '"stale"' } })).status).toBe(200)
  })
})

describe('rate limit', async () => {
  it('allows 1000 requests per minute per client by default', async () => {
    const { url } = await startServer()
    const res = await fetch(`${url}/health`)
    expect(res.headers.get('x-ratelimit-limit')).toBe('1000')
    expect(res.headers.get('x-ratelimit-remaining')).toBe('999')
  })

  it('answers 429 with Retry-After past the limit', async () => {
    const { url } = await startServer({ rateLimit: { max: 5, windowMs: 60_000 } })
    for (let i = 0; i < 5; i++) expect((await fetch(`${url}/health`)).status).toBe(200)
    const res = await fetch(`${url}/health`)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(60)
    await expectErrorReply(res, 429, ErrorCode.RATE_LIMITED, /more than 5 requests in 1 minute/)
    // Every route counts, POSTs included.
    const post = await postJson(`${url}/process-audio`, { audioBuffer: Array.from(frameOf(1)) })
    expect(post.status).toBe(429)
  })
})

describe('CORS', async () => {
  it('sends no CORS headers by default', async () => {
    const { url } = await startServer()
    const res = await fetch(`${url}/health`, { headers: { origin: 'http://elsewhere.test' } })
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('allows the configured origins only', async () => {
    const { url } = await startServer({ cors: ['http://app.test'] })
    const preflight = await fetch(`${url}/process-audio`, {
      method: 'OPTIONS',
      headers: { origin: 'http://app.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://app.test')
    const other = await fetch(`${url}/health`, { headers: { origin: 'http://evil.test' } })
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('logging', () => {
  it('logs requests but never their audio', async () => {
    const lines: string[] = []
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk))
        done()
      },
    })
    const { url } = await startServer({ logger: { level: 'trace', stream } })
    // Distinctive sample values that would show up in any dump of the body.
    const frame = Array.from({ length: FRAME }, (_, i) => 0.123456 + i * 1e-7)
    await postJson(`${url}/process-audio`, { audioBuffer: frame })
    await postJson(`${url}/process-audio`, { audioBuffer: frame.slice(1) })
    const log = lines.join('')
    expect(log).toContain('/process-audio')
    expect(log).not.toMatch(/0\.12345/)
  })
})

describe('options', () => {
  it('refuses bad server options with ERR_INVALID_CONFIG', async () => {
    const { createHttpServer } = await import('../dist/index.js')
    await expect(createHttpServer({ rateLimit: { max: 0 } })).rejects.toMatchObject({ code: ErrorCode.INVALID_CONFIG, message: /rateLimit\.max/ })
    await expect(createHttpServer({ config: { limiter: { ceilingDb: 5 } } })).rejects.toMatchObject({ code: ErrorCode.INVALID_CONFIG })
  })
})
