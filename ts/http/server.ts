/**
 * `createHttpServer(options)`: the edge HTTP API on fastify — REST routes, WebSocket
 * /stream, GET /wasm and the browser demo — for embedding in an app or for
 * `edgemix serve`. Request bodies (audio), credentials and session ids are never logged or
 * written anywhere.
 *
 * Every request passes, in order: the per-address connection cap and slow-client timeouts
 * (connections.ts), the rate limit, the credential check (auth.ts), the route's own
 * admission (admin token, analysis gate), then the body parser, which refuses JSON nested
 * deeper than MAX_JSON_DEPTH before parsing it (json.ts).
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import cors from '@fastify/cors'
import rateLimit from '@fastify/rate-limit'
import fastifyStatic from '@fastify/static'
import websocket from '@fastify/websocket'
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import { ErrorCode } from '../errors.js'
import { Credentials, installAuth, selectProtocol } from './auth.js'
import { ChainPool } from './chains.js'
import { createNodeServer } from './connections.js'
import type { RouteContext } from './context.js'
import { errorServerOptions, HttpError, installErrorHandlers } from './errors.js'
import { Gate } from './gate.js'
import { nestsDeeperThan, tooDeep } from './json.js'
import { resolveOptions, type HttpServerOptions } from './options.js'
import { analysisRoutes } from './routes/analysis.js'
import { configRoutes } from './routes/config.js'
import { processRoutes } from './routes/process.js'
import { sessionRoutes } from './routes/sessions.js'
import { statusRoutes } from './routes/status.js'
import { streamRoute } from './routes/stream.js'
import { modulesRoutes } from './routes/modules.js'
import { wasmRoute } from './routes/wasm.js'
import { SessionStore } from './sessions.js'
import { ServerStats } from './stats.js'

/** The package root (this file is ts/http/server.ts or dist/http/server.js). */
const ROOT = path.resolve(__dirname, '..', '..')

const packageVersion = (): string => (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version

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

/**
 * A request as logged: method, path without the query, session ids in paths replaced by
 * `:id` (an id is a credential where API keys are off), and the client address.
 */
function logged(request: FastifyRequest) {
  const url = request.url.split('?')[0].replace(/^\/sessions\/[^/]+/, '/sessions/:id')
  return { method: request.method, url, remoteAddress: request.ip }
}

/** The logger option with the request serializer above (a logger instance is used as given). */
function withSerializers(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (!logger) return logger
  const base = logger === true ? {} : logger
  return { ...base, serializers: { req: logged, ...base.serializers } }
}

export async function createHttpServer(options: HttpServerOptions = {}): Promise<HttpServer> {
  const opts = resolveOptions(options)
  const analysis = new Gate(opts.analysis.concurrency, opts.analysis.queue)
  const stats = new ServerStats(() => sessions.size, () => analysis.load, packageVersion())
  const count = (code: string) => stats.error(code)
  const app = Fastify({
    logger: withSerializers(opts.logger),
    trustProxy: opts.trustProxy,
    bodyLimit: opts.bodyLimit,
    serverFactory: (handler) => createNodeServer(opts, handler, () => stats.connections.refused++),
    ...errorServerOptions(count),
  })
  const chains = new ChainPool(opts.config)
  const sessions = new SessionStore(chains, opts.sessions)
  const credentials = new Credentials(opts.adminToken, opts.apiKeys)
  const ctx: RouteContext = { options: opts, chains, sessions, stats, credentials, analysis }

  installErrorHandlers(app, count)
  // Bodies are JSON or raw float32le; anything else (text/plain included) is 415.
  app.removeContentTypeParser('text/plain')
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))
  // JSON: refused when nested too deep (one linear scan), then fastify's own parser
  // (which also refuses __proto__ and constructor.prototype keys).
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string
    if (nestsDeeperThan(text)) return done(tooDeep(), undefined)
    parseJson(request, text, done)
  })
  // Callback-style hook: no promise per request.
  app.addHook('onResponse', (request, reply, done) => {
    ctx.stats.response(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000)
    done()
  })

  // First: its onRequest hook marks upgrade requests, so that an upgrade refused by a later
  // hook (rate limit, credentials) has its socket closed after the reply.
  await app.register(websocket, { options: { maxPayload: opts.maxMessageBytes, handleProtocols: selectProtocol } })
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
  installAuth(app, credentials)

  processRoutes(app, ctx)
  sessionRoutes(app, ctx)
  analysisRoutes(app, ctx)
  configRoutes(app, ctx)
  statusRoutes(app, ctx)
  streamRoute(app, ctx)
  await wasmRoute(app, opts.wasmPath ?? path.join(ROOT, 'wasm-modules', 'dist', 'mixer.wasm'))
  if (opts.modules !== undefined) await modulesRoutes(app, opts.modules)
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
      return `${opts.https ? 'https' : 'http'}://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`
    },
    async close() {
      await app.close()
    },
  }
}
