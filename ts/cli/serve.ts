/**
 * `edgemix serve`: the edge HTTP API (REST + WebSocket + browser demo) and the embedded
 * gRPC cloud tier, each on its own port, either one optional. Prints one line per
 * listening server on stdout (`edgemix http: <url>`, `edgemix grpc: <host>:<port>`);
 * request logs go to stderr as JSON lines (never audio). SIGINT/SIGTERM close both.
 */
import { parseArgs } from 'node:util'
import { startServer } from '../../index.js'
import { createHttpServer } from '../http/index.js'

const USAGE = `usage: edgemix serve [options]
  --http PORT        HTTP API port (default 8787; 0 = any free port)
  --grpc PORT        gRPC cloud tier port (default 50052; 0 = any free port)
  --no-http          do not start the HTTP API
  --no-grpc          do not start the gRPC cloud tier
  --host HOST        address to bind both to (default 127.0.0.1; 0.0.0.0 for every interface)
  --cors ORIGIN      allow cross-origin requests from ORIGIN (repeatable; '*' for any)
  --rate-limit N     requests per minute per client (default 1000; 0 = no limit)
  --log-level LEVEL  fatal|error|warn|info|debug|trace|silent (default info)
  -h, --help         this text`

/** A port number 0..65535 from a flag value. */
function port(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--${name} must be a port number 0..65535, received ${value}`)
  return n
}

export async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      http: { type: 'string' },
      grpc: { type: 'string' },
      'no-http': { type: 'boolean', default: false },
      'no-grpc': { type: 'boolean', default: false },
      host: { type: 'string', default: '127.0.0.1' },
      cors: { type: 'string', multiple: true },
      'rate-limit': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  const host = values.host
  const httpPort = port('http', values.http, 8787)
  const grpcPort = port('grpc', values.grpc, 50052)
  const perMinute = values['rate-limit'] === undefined ? 1000 : Number(values['rate-limit'])
  if (!Number.isInteger(perMinute) || perMinute < 0) throw new Error(`--rate-limit must be a whole number ≥ 0, received ${values['rate-limit']}`)
  if (values['no-http'] && values['no-grpc']) throw new Error('--no-http and --no-grpc together leave nothing to serve')

  const closers: Array<() => Promise<void>> = []
  const shutdown = async () => {
    for (const close of closers.reverse()) await close()
  }
  process.once('SIGINT', () => void shutdown())
  process.once('SIGTERM', () => void shutdown())
  try {
    if (!values['no-grpc']) {
      const grpc = await startServer({ host, port: grpcPort })
      closers.push(() => grpc.close())
      console.log(`edgemix grpc: ${grpc.host}:${grpc.port}`)
    }
    if (!values['no-http']) {
      const http = await createHttpServer({
        cors: values.cors?.includes('*') ? true : values.cors,
        rateLimit: perMinute === 0 ? false : { max: perMinute, windowMs: 60_000 },
        logger: { level: values['log-level'], stream: process.stderr },
      })
      closers.push(() => http.close())
      console.log(`edgemix http: ${await http.listen({ port: httpPort, host })}`)
    }
  } catch (err) {
    await shutdown()
    throw err
  }
}
