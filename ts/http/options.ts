/** Options of `createHttpServer`, their defaults and ranges. */
import { availableParallelism } from 'node:os'
import type { FastifyCorsOptions } from '@fastify/cors'
import type { FastifyServerOptions } from 'fastify'
import type { MixerConfigInput } from '../../index.js'
import { ErrorCode } from '../errors.js'
import { ANALYSIS_BODY_LIMIT, FRAME_BODY_LIMIT } from './audio.js'
import { checkCredential } from './auth.js'

export interface HttpServerOptions {
  /** Initial server mixer configuration (GET/POST /config); omitted keys take the chain defaults. */
  config?: MixerConfigInput
  /**
   * Requests per client (by IP address) per `rateLimit.windowMs`; `false` turns the limit
   * off. Default `{ max: 1000, windowMs: 60000 }`: over it, 429 with `Retry-After`.
   */
  rateLimit?: false | { max?: number; windowMs?: number }
  /**
   * Cross-origin access. `false` (default): no CORS headers, browsers allow same-origin
   * pages only. `true` or `'*'`: any origin. A string, RegExp or array of them: those
   * origins. An object: @fastify/cors options as they are.
   */
  cors?: boolean | string | RegExp | Array<string | RegExp> | FastifyCorsOptions
  /** Largest body of the frame routes (POST /process-audio), bytes. Default 65536 (a 960-number JSON frame is ~20 KB). */
  frameBodyLimit?: number
  /** Largest body of the analysis routes (POST /extract-features, /classify-genre) and POST /config, bytes. Default 8 MiB. */
  bodyLimit?: number
  /** Largest WebSocket message on /stream, bytes; larger ones close the socket (1009). Default 65536. */
  maxMessageBytes?: number
  /**
   * WebSocket backpressure: a stream stops reading its socket while more than
   * `maxFramesInFlight` of its frames are being processed or more than
   * `highWaterMarkBytes` of its output wait in the socket, and reads again below half of
   * each. A stream that sends nothing for `idleMs` is closed (1001). Defaults 32 frames,
   * 1 MiB and 60000 ms.
   */
  stream?: { maxFramesInFlight?: number; highWaterMarkBytes?: number; idleMs?: number }
  /**
   * Sessions of POST /process-audio (POST /sessions; state carried across a client's
   * requests): at most `max` on the server and `perClient` for one client (its API key, or
   * its address without keys), each dropped after `idleMs` unused. Past a cap, creating
   * one is refused (503 / 429). Defaults 1000, 16 and 60000.
   */
  sessions?: { max?: number; perClient?: number; idleMs?: number }
  /**
   * API keys (each 1..4096 visible ASCII characters): when any is given, every route but
   * GET /health needs one (`Authorization: Bearer <key>` or `x-api-key`; on WebSocket
   * also the subprotocol `edgemix.key.<key>`). Default: none, the API is open.
   */
  apiKeys?: readonly string[]
  /**
   * The admin token for server-wide settings (POST /config) and for ending any session.
   * Default: none, and then server-wide settings are read-only (403).
   */
  adminToken?: string
  /** Serve HTTPS (and WSS) with this certificate chain and private key, PEM. Default: plain HTTP. */
  https?: { cert: string | Buffer; key: string | Buffer }
  /**
   * Slow clients: the request headers must arrive within `headersMs` and the whole
   * request (headers and body) within `requestMs` of its start, or the
   * server answers 408 and closes. An idle keep-alive connection is closed after
   * `keepAliveMs`. Defaults 10000, 30000 and 72000.
   */
  timeouts?: { headersMs?: number; requestMs?: number; keepAliveMs?: number }
  /**
   * Open connections from one client address (WebSocket streams included); more are
   * closed as they open. `false`: no cap. Default 64, or `false` when `trustProxy` is set
   * (behind a proxy every connection comes from the proxy: cap at the proxy instead).
   */
  maxConnectionsPerClient?: number | false
  /**
   * Whole-clip analysis (POST /extract-features, /classify-genre): at most `concurrency`
   * requests run at once and `queue` wait for a turn (past that: 503 with Retry-After),
   * and no request may ask for more than `budget` units of work (413
   * `ERR_BUDGET_EXCEEDED`; the cost model is in the README, Security). Defaults: half the CPU
   * cores (at least 1), 8, 100000000.
   */
  analysis?: { concurrency?: number; queue?: number; budget?: number }
  /** Serve the browser demo (GET /, static files of web/). Default true. */
  web?: boolean
  /** Path of mixer.wasm for GET /wasm. Default: the package's wasm-modules/dist/mixer.wasm. */
  wasmPath?: string
  /**
   * A module registry (wasm-modules.yaml) whose modules GET /modules lists and GET
   * /modules/:name serves (application/wasm, SHA-256 ETag). Every module is loaded and
   * checked when the server is created: a bad one rejects createHttpServer with its code.
   */
  modules?: string
  /** Fastify's logger option (default off). Request bodies are never logged. */
  logger?: FastifyServerOptions['logger']
  /**
   * Fastify's trustProxy: whose X-Forwarded-For decides the client address of the rate
   * limit and the per-client session cap. Default false.
   */
  trustProxy?: FastifyServerOptions['trustProxy']
}

export interface ResolvedOptions {
  config?: MixerConfigInput
  rateLimit: false | { max: number; windowMs: number }
  cors: false | FastifyCorsOptions
  frameBodyLimit: number
  bodyLimit: number
  maxMessageBytes: number
  stream: { maxFramesInFlight: number; highWaterMarkBytes: number; idleMs: number }
  sessions: { max: number; perClient: number; idleMs: number }
  apiKeys: string[]
  adminToken?: string
  https?: { cert: string | Buffer; key: string | Buffer }
  timeouts: { headersMs: number; requestMs: number; keepAliveMs: number }
  maxConnectionsPerClient: number | false
  analysis: { concurrency: number; queue: number; budget: number }
  web: boolean
  wasmPath?: string
  modules?: string
  logger: FastifyServerOptions['logger']
  trustProxy: FastifyServerOptions['trustProxy']
}

function invalid(message: string): RangeError {
  return Object.assign(new RangeError(`createHttpServer: ${message}`), { code: ErrorCode.INVALID_CONFIG })
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 1) throw invalid(`${name} must be a positive integer, received ${String(value)}`)
  return value
}

function nonNegativeInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 0) throw invalid(`${name} must be a whole number ≥ 0, received ${String(value)}`)
  return value
}

function resolveHttps(https: HttpServerOptions['https']): ResolvedOptions['https'] {
  if (https === undefined) return undefined
  const pem = (v: unknown) => (typeof v === 'string' || Buffer.isBuffer(v)) && v.length > 0
  if (https === null || typeof https !== 'object' || !pem(https.cert) || !pem(https.key)) {
    throw invalid('https must be { cert, key }, each a non-empty PEM string or Buffer')
  }
  return { cert: https.cert, key: https.key }
}

function resolveCors(cors: HttpServerOptions['cors']): false | FastifyCorsOptions {
  if (cors === undefined || cors === false) return false
  if (cors === true || cors === '*') return { origin: '*' }
  if (typeof cors === 'string' || cors instanceof RegExp || Array.isArray(cors)) return { origin: cors }
  return cors
}

function resolveTimeouts(t: HttpServerOptions['timeouts']): ResolvedOptions['timeouts'] {
  const headersMs = positiveInt('timeouts.headersMs', t?.headersMs, 10_000)
  const requestMs = positiveInt('timeouts.requestMs', t?.requestMs, 30_000)
  // Node refuses a headers timeout longer than the request timeout it is part of.
  if (headersMs > requestMs) throw invalid(`timeouts.headersMs (${headersMs}) must not exceed timeouts.requestMs (${requestMs})`)
  return { headersMs, requestMs, keepAliveMs: positiveInt('timeouts.keepAliveMs', t?.keepAliveMs, 72_000) }
}

export function resolveOptions(o: HttpServerOptions = {}): ResolvedOptions {
  const rl = o.rateLimit
  if (o.apiKeys !== undefined && !Array.isArray(o.apiKeys)) throw invalid('apiKeys must be an array of strings')
  return {
    config: o.config,
    rateLimit:
      rl === false
        ? false
        : { max: positiveInt('rateLimit.max', rl?.max, 1000), windowMs: positiveInt('rateLimit.windowMs', rl?.windowMs, 60_000) },
    cors: resolveCors(o.cors),
    frameBodyLimit: positiveInt('frameBodyLimit', o.frameBodyLimit, FRAME_BODY_LIMIT),
    bodyLimit: positiveInt('bodyLimit', o.bodyLimit, ANALYSIS_BODY_LIMIT),
    maxMessageBytes: positiveInt('maxMessageBytes', o.maxMessageBytes, 64 * 1024),
    stream: {
      maxFramesInFlight: positiveInt('stream.maxFramesInFlight', o.stream?.maxFramesInFlight, 32),
      highWaterMarkBytes: positiveInt('stream.highWaterMarkBytes', o.stream?.highWaterMarkBytes, 1024 * 1024),
      idleMs: positiveInt('stream.idleMs', o.stream?.idleMs, 60_000),
    },
    sessions: {
      max: positiveInt('sessions.max', o.sessions?.max, 1000),
      perClient: positiveInt('sessions.perClient', o.sessions?.perClient, 16),
      idleMs: positiveInt('sessions.idleMs', o.sessions?.idleMs, 60_000),
    },
    apiKeys: (o.apiKeys ?? []).map((k, i) => checkCredential(`apiKeys[${i}]`, k)),
    adminToken: o.adminToken === undefined ? undefined : checkCredential('adminToken', o.adminToken),
    https: resolveHttps(o.https),
    timeouts: resolveTimeouts(o.timeouts),
    maxConnectionsPerClient:
      o.maxConnectionsPerClient === false || (o.maxConnectionsPerClient === undefined && o.trustProxy)
        ? false
        : positiveInt('maxConnectionsPerClient', o.maxConnectionsPerClient, 64),
    analysis: {
      concurrency: positiveInt('analysis.concurrency', o.analysis?.concurrency, Math.max(1, Math.floor(availableParallelism() / 2))),
      queue: nonNegativeInt('analysis.queue', o.analysis?.queue, 8),
      budget: positiveInt('analysis.budget', o.analysis?.budget, 100_000_000),
    },
    web: o.web ?? true,
    wasmPath: o.wasmPath,
    modules: o.modules,
    logger: o.logger ?? false,
    trustProxy: o.trustProxy ?? false,
  }
}
