// Child process of the 'http' bench section: our server (createHttpServer, rate limit on
// with a ceiling high enough not to trigger, so its cost is counted) and the peer, plain
// fastify with the same body parsing and a route that echoes the frame back, each on its
// own ephemeral port. Prints one JSON line with both base URLs, then serves until killed.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { createHttpServer } = require('../dist/index.js')
const Fastify = require('fastify')
const websocket = require('@fastify/websocket')

const ours = await createHttpServer({ rateLimit: { max: 1e9, windowMs: 60_000 } })
const oursUrl = await ours.listen({ port: 0, host: '127.0.0.1' })

// The ceiling: fastify alone moving the same bytes (no DSP, no validation, no plugins).
const peer = Fastify()
peer.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => done(null, body))
peer.post('/echo', async (request, reply) =>
  Buffer.isBuffer(request.body)
    ? reply.type('application/octet-stream').send(request.body)
    : { samples: request.body.audioBuffer },
)
await peer.register(websocket)
peer.get('/echo-stream', { websocket: true }, (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }))
})
const peerUrl = await peer.listen({ port: 0, host: '127.0.0.1' })

console.log(JSON.stringify({ ours: oursUrl, peer: peerUrl }))
process.on('SIGTERM', async () => {
  await Promise.all([ours.close(), peer.close()])
  process.exit(0)
})
