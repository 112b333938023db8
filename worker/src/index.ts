/**
 * The edge HTTP API as an ES module Worker (Cloudflare Workers, workerd): the routes of
 * `edgemix serve` that fit a stateless isolate, with the mixer chain as mixer.wasm on the
 * platform's WebAssembly API (the Worker cannot load the native addon). The HTTP contract
 * is the same (same bodies, limits, JSON depth check, error codes and statuses: the rules
 * are imported from ts/http), with the differences the platform imposes:
 *
 * - POST /process-audio is always stateless: each request runs on a fresh chain of
 *   mixer.wasm (mixer.ts) with the deploy-time configuration (`MIXER_CONFIG`) and the request's
 *   `config` merged over it. There are no sessions (POST /sessions is 404; a `session` id
 *   is 404 ERR_SESSION_NOT_FOUND, as for an id the server never issued), no WebSocket
 *   /stream; `meters`, `genre` and `latencySamples` are null (mixer.wasm returns samples).
 * - The configuration is read-only: isolates share no mutable state, so POST /config is
 *   403 ERR_FORBIDDEN and GET /config returns `MIXER_CONFIG` as deployed.
 * - POST /extract-features and /classify-genre are forwarded to `ANALYSIS_ORIGIN` (an
 *   `edgemix serve`) when it is set, else 404 ERR_NOT_FOUND.
 * - GET /stats and /metrics count this isolate only (stats.ts). Rate limiting, API keys
 *   and TLS are the platform's (rules in front of the Worker).
 */
import { ErrorCode } from '../../ts/errors.js'
import { ANALYSIS_BODY_LIMIT, assertFrame, FRAME_BODY_LIMIT, objectField, samplesOfBody } from '../../ts/http/audio.js'
import { bodyTooLarge, grpcCodeOf, HttpError, statusOf, unsupportedMediaType } from '../../ts/http/codes.js'
import { nestsDeeperThan, tooDeep } from '../../ts/http/json.js'
import { NODE_OF_ROUTE } from '../../ts/http/node-metrics.js'
import { matchesEtag, sessionIdOf } from '../../ts/http/request.js'
import { GuestError, MixerHost } from './mixer.js'
import { IsolateStats } from './stats.js'
// Provided by the platform: the compiled module (CompiledWasm) and its bytes (Data).
import mixerModule from './mixer.wasm'
import mixerBytes from './mixer.wasm.bin'

export interface Env {
  /** The deploy-time mixer configuration, a JSON object (omitted keys take the chain defaults). Default `{}`. */
  MIXER_CONFIG?: string
  /** Base URL of an `edgemix serve` that answers the whole-clip analysis routes. */
  ANALYSIS_ORIGIN?: string
}

/** Set by the build (worker/build.mjs) from package.json. */
declare const EDGEMIX_VERSION: string

const stats = new IsolateStats()
const mixer = new MixerHost(mixerModule, () => stats.instantiations++, (code) => stats.initFailure(code))
let etag: Promise<string> | undefined
const decoder = new TextDecoder('utf-8', { fatal: true })

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } })

/** The body, at most `limit` bytes (refused from Content-Length before reading, else while reading). */
async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length')
  if (declared !== null && Number(declared) > limit) throw bodyTooLarge(limit)
  if (!request.body) return new Uint8Array(0)
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > limit) {
      await reader.cancel()
      throw bodyTooLarge(limit)
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(total)
  let at = 0
  for (const c of chunks) {
    bytes.set(c, at)
    at += c.byteLength
  }
  return bytes
}

/** The parsed body: raw bytes (octet-stream) or a JSON value, as fastify's parsers give them to `edgemix serve`. */
async function parseBody(request: Request, limit: number): Promise<unknown> {
  const header = request.headers.get('content-type') ?? undefined
  const type = header?.split(';')[0].trim().toLowerCase()
  if (type !== undefined && type !== 'application/json' && type !== 'application/octet-stream') throw unsupportedMediaType(header)
  const bytes = await readBody(request, limit)
  if (type === undefined) {
    if (bytes.byteLength > 0) throw unsupportedMediaType(header)
    return undefined
  }
  if (type === 'application/octet-stream') return bytes
  let text: string
  try {
    text = decoder.decode(bytes)
  } catch {
    throw new HttpError(ErrorCode.INVALID_JSON, 'the body is not UTF-8 text')
  }
  if (text.trim() === '') throw new HttpError(ErrorCode.INVALID_JSON, 'the JSON body is empty')
  if (nestsDeeperThan(text)) throw tooDeep()
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new HttpError(ErrorCode.INVALID_JSON, `the body is not valid JSON: ${(err as Error).message}`)
  }
}

const isPlain = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

/** MIXER_CONFIG once checked: the object, or why it is refused. */
let deployed: { text: string | undefined; config?: Record<string, unknown>; error?: GuestError } | undefined

/**
 * The deploy-time configuration as an object, checked by mixer.wasm once per isolate. A
 * broken MIXER_CONFIG is the operator's mistake, not the client's: a 500 with
 * ERR_INVALID_CONFIG on every route that processes audio (GET /health included), never a
 * 400 that blames the request.
 */
function deployConfig(env: Env): Record<string, unknown> {
  const d = deployed !== undefined && deployed.text === env.MIXER_CONFIG ? deployed : (deployed = check(env.MIXER_CONFIG))
  if (d.error) throw d.error
  return d.config!
}

function check(text: string | undefined): NonNullable<typeof deployed> {
  const refuse = (why: string) => ({ text, error: new GuestError(ErrorCode.INVALID_CONFIG, `MIXER_CONFIG ${why}; fix the deployment's configuration`) })
  let parsed: unknown
  try {
    parsed = JSON.parse(text ?? '{}')
  } catch {
    return refuse('is not JSON')
  }
  if (!isPlain(parsed)) return refuse('is not a JSON object')
  if (nestsDeeperThan(text ?? '{}')) return refuse('nests deeper than the limit')
  try {
    mixer.process(new Float32Array(1), JSON.stringify(parsed))
  } catch (err) {
    // A failure of the module itself is not the configuration's: thrown, and checked again next time.
    if (!(err instanceof HttpError)) throw err
    return refuse('is not a valid mixer configuration (an unknown key, a wrong type or a value out of range)')
  }
  return { text, config: parsed }
}

/** `override` over `base`, stage by stage (a partial stage keeps the base's other parameters), as `updateConfig` merges. */
function mergeConfig(base: Record<string, unknown>, override: Record<string, unknown> | undefined): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(override ?? {})) {
    merged[key] = isPlain(value) && isPlain(base[key]) ? { ...base[key], ...value } : value
  }
  return merged
}

/** One frame through a fresh chain of mixer.wasm, counted. */
function mix(env: Env, samples: Float32Array, override?: Record<string, unknown>): Float32Array<ArrayBuffer> {
  const config = mergeConfig(deployConfig(env), override)
  const text = Object.keys(config).length > 0 ? JSON.stringify(config) : undefined
  return mixer.process(samples, text)
}

async function processAudio(request: Request, env: Env): Promise<Response> {
  const body = await parseBody(request, FRAME_BODY_LIMIT)
  const { samples, source, json: fields } = samplesOfBody(body)
  assertFrame(samples, source)
  const override = objectField(fields, 'config')
  const session = sessionIdOf(fields, request.headers.get('x-edgemix-session') ?? undefined)
  if (session !== undefined) {
    throw new HttpError(ErrorCode.SESSION_NOT_FOUND, 'no such session: this Worker keeps no sessions (every request is processed from a fresh chain); send config with each request')
  }
  const out = mix(env, samples, override)
  stats.frames++
  if (request.headers.get('accept') === 'application/octet-stream') {
    return new Response(out.buffer, { headers: { 'content-type': 'application/octet-stream', 'x-edgemix-meters': 'null', 'x-edgemix-genre': 'null' } })
  }
  return json({ samples: Array.from(out), meters: null, genre: null, latencySamples: null })
}

async function forwardAnalysis(request: Request, env: Env, path: string): Promise<Response> {
  if (!env.ANALYSIS_ORIGIN) {
    throw new HttpError(ErrorCode.NOT_FOUND, `POST ${path} is not served by this Worker: whole-clip analysis runs in edgemix serve (set ANALYSIS_ORIGIN to forward it there)`)
  }
  const declared = request.headers.get('content-length')
  if (declared !== null && Number(declared) > ANALYSIS_BODY_LIMIT) throw bodyTooLarge(ANALYSIS_BODY_LIMIT)
  const headers = new Headers()
  for (const name of ['content-type', 'content-length', 'accept', 'authorization', 'x-api-key']) {
    const v = request.headers.get(name)
    if (v !== null) headers.set(name, v)
  }
  let answer: Response
  try {
    answer = await fetch(new URL(path, env.ANALYSIS_ORIGIN), { method: 'POST', headers, body: request.body })
  } catch {
    throw new HttpError(ErrorCode.SERVER_BUSY, `the analysis origin did not answer POST ${path}; retry later`, { 'retry-after': '1' })
  }
  return new Response(answer.body, { status: answer.status, headers: { 'content-type': answer.headers.get('content-type') ?? 'application/json' } })
}

async function health(env: Env): Promise<Response> {
  // A self-test frame through mixer.wasm with the deployed configuration, not only uptime.
  const frame = new Float32Array(960).map((_, i) => 0.25 * Math.sin((2 * Math.PI * 1000 * i) / 48_000))
  const out = mix(env, frame)
  if (!out.every(Number.isFinite)) throw new GuestError(ErrorCode.WASM_BAD_OUTPUT, 'the self-test frame came out non-finite')
  return json({ status: 'ok', uptimeSeconds: stats.uptimeSeconds })
}

async function wasm(request: Request): Promise<Response> {
  etag ??= crypto.subtle.digest('SHA-256', mixerBytes).then((d) => `"${btoa(String.fromCharCode(...new Uint8Array(d))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}"`)
  const tag = await etag
  const headers = { etag: tag, 'cache-control': 'public, max-age=86400' }
  if (matchesEtag(request.headers.get('if-none-match') ?? undefined, tag)) return new Response(null, { status: 304, headers })
  return new Response(mixerBytes, { headers: { ...headers, 'content-type': 'application/wasm' } })
}

/** The handler of each route, by `METHOD /path`. */
const ROUTES: Record<string, (request: Request, env: Env, path: string) => Promise<Response>> = {
  'POST /process-audio': processAudio,
  'POST /extract-features': forwardAnalysis,
  'POST /classify-genre': forwardAnalysis,
  'GET /config': async (_request, env) => json(deployConfig(env)),
  'POST /config': async () => {
    throw new HttpError(ErrorCode.FORBIDDEN, 'the mixer configuration of this Worker is set at deploy time (MIXER_CONFIG) and read-only; send config with each POST /process-audio')
  },
  'GET /health': async (_request, env) => health(env),
  'GET /stats': async () => json(stats.snapshot()),
  'GET /metrics': async () => new Response(stats.prometheus(EDGEMIX_VERSION), { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } }),
  'GET /wasm': wasm,
}

function errorResponse(err: unknown): { response: Response; code: string } {
  if (err instanceof HttpError) {
    return { response: json({ code: err.code, message: err.message }, statusOf(err.code) ?? 500, err.headers), code: err.code }
  }
  if (err instanceof GuestError) return { response: json({ code: err.code, message: err.message }, 500), code: err.code }
  console.error('request failed', err)
  return { response: json({ code: 'ERR_INTERNAL', message: 'internal server error' }, 500), code: 'ERR_INTERNAL' }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    stats.start()
    const { pathname } = new URL(request.url)
    // HEAD is GET without the body, as in edgemix serve.
    const method = request.method === 'HEAD' ? 'GET' : request.method
    const key = `${method} ${pathname}`
    const handler = Object.hasOwn(ROUTES, key) ? ROUTES[key] : undefined
    let response: Response
    let code: string | null = null
    try {
      if (!handler) throw new HttpError(ErrorCode.NOT_FOUND, `no route ${request.method} ${pathname}`)
      response = await handler(request, env, pathname)
    } catch (err) {
      ;({ response, code } = errorResponse(err))
    }
    const route = handler ? pathname : 'unmatched'
    stats.response(request.method, route, response.status, code)
    if (request.method === 'HEAD') response = new Response(null, response)
    const node = handler && request.method === 'POST' ? NODE_OF_ROUTE[pathname] : undefined
    // No duration: a Worker's clock does not advance while it computes.
    if (node) stats.nodes.record(key, node, grpcCodeOf(response.status))
    return response
  },
}
