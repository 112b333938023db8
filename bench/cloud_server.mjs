// The cloud tier for the benchmarks, in its own process: an embedded edgemix server on a
// free loopback port. Prints `{"port": n}` and serves until stdin closes.
import { startServer } from '../dist/index.js'

const server = await startServer({ port: 0 })
console.log(JSON.stringify({ port: server.port }))
process.stdin.resume()
process.stdin.on('end', async () => {
  await server.close()
  process.exit(0)
})
