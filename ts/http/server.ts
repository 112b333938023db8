/**
 * `createHttpServer(options)`: the edge HTTP API on fastify — REST routes, WebSocket
 * /stream, GET /wasm and the browser demo — for embedding in an app or for
 * `edgemix serve`. Request bodies (audio) are never logged or written anywhere.
 */
import path from 'node:path'
import cors from '@fastify/cors'
import rateLimit from '@fastify/rate-limit'
import fastifyStatic from '@fastify/static'
import websocket from '@fastify/websocket'
import Fastify, { type FastifyInstance } from 'fastify'
import { ErrorCode } from '../errors.js'
import { ChainPool } from './chains.js'
import type { RouteContext } from './context.js'
import { HttpError, installErrorHandlers } from './errors.js'
import { resolveOptions, type HttpServerOptions } from './options.js'
import { analysisRoutes } from './routes/analysis.js'
import { configRoutes } from './routes/config.js'
import { processRoutes } from './routes/process.js'
import { statusRoutes } from './routes/status.js'
import { streamRoute } from './routes/stream.js'
import { wasmRoute } from './routes/wasm.js'
import { SessionStore } from './sessions.js'
import { ServerStats } from './stats.js'

/** The package root (this file is ts/http/server.ts or dist/http/server.js). */
const ROOT = path.resolve(__dirname, '..', '..')

export interface HttpServer {
  /** The fastify instance, to add routes or hooks before `listen`. */
  readonly app: FastifyInstance
  /** Starts listening; port 0 picks a free one. Resolves to the base URL. */
  listen(options?: { port?: number; host?: string }): Promise<string>
  /** The bound address (after `listen`). */
  address(): { host: string; port: number }
  /** Stops accepting, closes open streams and waits for requests in progress. */
  close(): Promise<void>
}

export async function createHttpServer(options: HttpServerOptions = {}): Promise<HttpServer> {
  const opts = resolveOptions(options)
  const app = Fastify({
    logger: opts.logger,
    trustProxy: opts.trustProxy,
    bodyLimit: opts.bodyLimit,
  })
  const chains = new ChainPool(opts.config)
  const sessions = new SessionStore(chains, opts.sessions.max, opts.sessions.idleMs)
  const ctx: RouteContext = { options: opts, chains, sessions, stats: new ServerStats(() => sessions.size) }

  installErrorHandlers(app, (code) => ctx.stats.error(code))
  // Bodies are JSON or raw float32le; anything else (text/plain included) is 415.
  app.removeContentTypeParser('text/plain')
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))
  // Callback-style hook: no promise per request.
  app.addHook('onResponse', (request, reply, done) => {
    ctx.stats.response(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000)
    done()
  })

  if (opts.cors) await app.register(cors, opts.cors)
  if (opts.rateLimit) {
    const { max, windowMs } = opts.rateLimit
    await app.register(rateLimit, {
      max,
      timeWindow: windowMs,
      errorResponseBuilder: (_request, context) =>
        Object.assign(
          new HttpError(
            ErrorCode.RATE_LIMITED,
            `more than ${context.max} requests in ${context.after} from this client; retry after ${Math.ceil(context.ttl / 1000)} s`,
          ),
          { statusCode: 429 },
        ),
    })
  }
  await app.register(websocket, { options: { maxPayload: opts.maxMessageBytes } })

  processRoutes(app, ctx)
  analysisRoutes(app, ctx)
  configRoutes(app, ctx)
  statusRoutes(app, ctx)
  streamRoute(app, ctx)
  await wasmRoute(app, opts.wasmPath ?? path.join(ROOT, 'wasm-modules', 'dist', 'mixer.wasm'))
  if (opts.web) await app.register(fastifyStatic, { root: path.join(ROOT, 'web'), prefix: '/', maxAge: 0 })

  const address = () => {
    const a = app.server.address()
    if (!a || typeof a === 'string') throw new Error('the HTTP server is not listening')
    return { host: a.address, port: a.port }
  }
  return {
    app,
    address,
    async listen({ port = 0, host = '127.0.0.1' } = {}) {
      await app.listen({ port, host })
      const a = address()
      return `http://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`
    },
    async close() {
      await app.close()
    },
  }
}
