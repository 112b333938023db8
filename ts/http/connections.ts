/**
 * The Node server under fastify, built with the slow-client timeouts (options.ts) and a
 * cap on open connections per client address: a connection past the cap is closed as it
 * opens, before any byte is read (TLS handshakes included), so one address cannot hold
 * every socket with idle or trickling connections.
 */
import http from 'node:http'
import https from 'node:https'
import type { Socket } from 'node:net'
import type { ResolvedOptions } from './options.js'

type Handler = http.RequestListener

/**
 * An HTTP or HTTPS server for fastify's `serverFactory`. Node checks the request and
 * headers timeouts on an interval (30 s by default): it is made a quarter of the shorter
 * timeout (at most 1 s) so that they hold to within that.
 */
export function createNodeServer(opts: ResolvedOptions, handler: Handler, refused: () => void): http.Server {
  const { headersMs, requestMs, keepAliveMs } = opts.timeouts
  const timing = {
    headersTimeout: headersMs,
    requestTimeout: requestMs,
    keepAliveTimeout: keepAliveMs,
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(headersMs / 4))),
  }
  // Both are Node HTTP/1.1 servers with the same API; fastify's types name only http's.
  const server = opts.https
    ? (https.createServer({ ...timing, cert: opts.https.cert, key: opts.https.key }, handler) as unknown as http.Server)
    : http.createServer(timing, handler)
  if (opts.maxConnectionsPerClient !== false) capPerClient(server, opts.maxConnectionsPerClient, refused)
  return server
}

function capPerClient(server: http.Server, max: number, refused: () => void): void {
  const open = new Map<string, number>()
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? ''
    const count = (open.get(address) ?? 0) + 1
    if (count > max) {
      refused()
      socket.destroy()
      return
    }
    open.set(address, count)
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1
      if (left > 0) open.set(address, left)
      else open.delete(address)
    })
  })
}
