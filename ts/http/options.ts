/** Options of `createHttpServer`, their defaults and ranges. */
import type { FastifyCorsOptions } from '@fastify/cors'
import type { FastifyServerOptions } from 'fastify'
import type { MixerConfigInput } from '../../index.js'

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
   * each. Defaults 32 frames and 1 MiB.
   */
  stream?: { maxFramesInFlight?: number; highWaterMarkBytes?: number }
  /**
   * Sessions of POST /process-audio (state carried across a client's requests): at most
   * `max` (the least recently used is dropped past it), each dropped after `idleMs` unused.
   * Defaults 1000 and 60000.
   */
  sessions?: { max?: number; idleMs?: number }
  /** Serve the browser demo (GET /, static files of web/). Default true. */
  web?: boolean
  /** Path of mixer.wasm for GET /wasm. Default: the package's wasm-modules/dist/mixer.wasm. */
  wasmPath?: string
  /** Fastify's logger option (default off). Request bodies are never logged. */
  logger?: FastifyServerOptions['logger']
  /** Fastify's trustProxy: whose X-Forwarded-For decides the client address of the rate limit. Default false. */
  trustProxy?: FastifyServerOptions['trustProxy']
}

export interface ResolvedOptions {
  config?: MixerConfigInput
  rateLimit: false | { max: number; windowMs: number }
  cors: false | FastifyCorsOptions
  frameBodyLimit: number
  bodyLimit: number
  maxMessageBytes: number
  stream: { maxFramesInFlight: number; highWaterMarkBytes: number }
  sessions: { max: number; idleMs: number }
  web: boolean
  wasmPath?: string
  logger: FastifyServerOptions['logger']
  trustProxy: FastifyServerOptions['trustProxy']
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 1) {
    const err = new RangeError(`createHttpServer: ${name} must be a positive integer, received ${String(value)}`)
    throw Object.assign(err, { code: 'ERR_INVALID_CONFIG' })
  }
  return value
}

function resolveCors(cors: HttpServerOptions['cors']): false | FastifyCorsOptions {
  if (cors === undefined || cors === false) return false
  if (cors === true || cors === '*') return { origin: '*' }
  if (typeof cors === 'string' || cors instanceof RegExp || Array.isArray(cors)) return { origin: cors }
  return cors
}

export function resolveOptions(o: HttpServerOptions = {}): ResolvedOptions {
  const rl = o.rateLimit
  return {
    config: o.config,
    rateLimit:
      rl === false
        ? false
        : { max: positiveInt('rateLimit.max', rl?.max, 1000), windowMs: positiveInt('rateLimit.windowMs', rl?.windowMs, 60_000) },
    cors: resolveCors(o.cors),
    frameBodyLimit: positiveInt('frameBodyLimit', o.frameBodyLimit, 64 * 1024),
    bodyLimit: positiveInt('bodyLimit', o.bodyLimit, 8 * 1024 * 1024),
    maxMessageBytes: positiveInt('maxMessageBytes', o.maxMessageBytes, 64 * 1024),
    stream: {
      maxFramesInFlight: positiveInt('stream.maxFramesInFlight', o.stream?.maxFramesInFlight, 32),
      highWaterMarkBytes: positiveInt('stream.highWaterMarkBytes', o.stream?.highWaterMarkBytes, 1024 * 1024),
    },
    sessions: {
      max: positiveInt('sessions.max', o.sessions?.max, 1000),
      idleMs: positiveInt('sessions.idleMs', o.sessions?.idleMs, 60_000),
    },
    web: o.web ?? true,
    wasmPath: o.wasmPath,
    logger: o.logger ?? false,
    trustProxy: o.trustProxy ?? false,
  }
}
