// The embedded cloud tier as a process of its own, for the demo (which kills it to show
// the fallbacks): startServer on 127.0.0.1:PORT (0 = a free port), prints
// `edgemix grpc: 127.0.0.1:<port>`, serves until SIGTERM/SIGINT or SIGKILL.
//
//   node examples/cloud-tier.mjs 50052
import { startServer } from '../dist/index.js'

const port = Number(process.argv[2] ?? 50052)
const server = await startServer({ host: '127.0.0.1', port })
console.log(`edgemix grpc: ${server.host}:${server.port}`)
// The server does not keep Node alive by itself (by design: a library must not); this
// process exists to serve, so it does.
const alive = setInterval(() => {}, 1 << 30)
const stop = async () => {
  clearInterval(alive)
  await server.close()
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
