/**
 * `edgemix serve`: the edge HTTP API (REST + WebSocket + browser demo) and the embedded
 * gRPC cloud tier, each on its own port, either one optional. Prints one line per
 * listening server on stdout (`edgemix http: <url>`, `edgemix grpc: <host>:<port>`);
 * request logs go to stderr as JSON lines (never audio, credentials or session ids).
 * SIGINT/SIGTERM close both.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { startServer } from '../../index.js'
import type { StartServerOptions } from '../../index.js'
import { createHttpServer } from '../http/index.js'
import type { HttpServerOptions } from '../http/index.js'

const USAGE = `usage: edgemix serve [options]
  --http PORT        HTTP API port (default 8787; 0 = any free port)
  --grpc PORT        gRPC cloud tier port (default 50052; 0 = any free port)
  --no-http          do not start the HTTP API
  --no-grpc          do not start the gRPC cloud tier
  --host HOST        address to bind both to (default 127.0.0.1; 0.0.0.0 for every interface)
  --cors ORIGIN      allow cross-origin requests from ORIGIN (repeatable; '*' for any)
  --rate-limit N     requests per minute per client (default 1000; 0 = no limit)
  --log-level LEVEL  fatal|error|warn|info|debug|trace|silent (default info)
  --modules FILE     a module registry (wasm-modules.yaml): the gRPC tier's WasmModule node runs
                     its modules by name, under its limits; GET /modules lists them and
                     GET /modules/NAME serves each one's bytes. Every module is loaded and its
                     SHA-256 checked at start: a bad one stops the start
security (see SECURITY.md):
  --api-key KEY          require an API key on every HTTP route but /health (repeatable;
                         or EDGEMIX_API_KEYS=key1,key2, which keeps keys out of ps)
  --admin-token TOKEN    the token for POST /config and ending any session (or
                         EDGEMIX_ADMIN_TOKEN); without one, server-wide settings are read-only
  --tls-cert FILE        serve HTTPS/WSS with this PEM certificate chain (with --tls-key);
  --tls-key FILE         the gRPC tier uses the same pair unless --grpc-tls-* are given
  --grpc-tls-cert FILE   a certificate chain and key for the gRPC tier alone (PEM)
  --grpc-tls-key FILE
  --grpc-token TOKEN     the bearer token every gRPC call must carry (or EDGEMIX_GRPC_TOKEN)
  --trust-proxy VALUE    trust X-Forwarded-For from these proxy addresses/CIDRs (comma-separated;
                         true: from any); also turns the per-address connection cap off
  --max-connections-per-client N   open connections per client address (default 64; 0 = no cap)
  --headers-timeout MS   request headers must arrive within MS (default 10000)
  --request-timeout MS   the whole request must arrive within MS (default 30000)
  -h, --help         this text`

/** A port number 0..65535 from a flag value. */
function port(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--${name} must be a port number 0..65535, received ${value}`)
  return n
}

/** A whole number ≥ `min` from a flag value, or undefined when the flag is absent. */
function whole(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (value.trim() === '' || !Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}, received ${value}`)
  return n
}

/**
 * A secret from its flag or, when the flag is absent, its environment variable. Set but
 * empty is refused: an empty token would make every request authorised.
 */
function secret(flag: string, value: string | undefined, env: string): string | undefined {
  const v = value ?? process.env[env]
  if (v === undefined) return undefined
  if (v === '') throw new Error(`--${flag} (or ${env}) is empty; give a non-empty token or leave it unset`)
  return v
}

/** The API keys of --api-key flags or, without any, of EDGEMIX_API_KEYS (comma-separated). */
function apiKeys(flags: string[] | undefined): string[] | undefined {
  if (flags) {
    if (flags.some((k) => k === '')) throw new Error('--api-key is empty; give a non-empty key')
    return flags
  }
  const env = process.env.EDGEMIX_API_KEYS
  if (env === undefined) return undefined
  const keys = env.split(',').map((k) => k.trim())
  if (keys.some((k) => k === '')) throw new Error('EDGEMIX_API_KEYS has an empty key; give keys separated by single commas')
  return keys
}

/** A PEM certificate and key (text) read from files named by a pair of flags (both or neither). */
function pemPair(certFlag: string, cert: string | undefined, keyFlag: string, key: string | undefined) {
  if (cert === undefined && key === undefined) return undefined
  if (cert === undefined || key === undefined) throw new Error(`--${certFlag} and --${keyFlag} go together`)
  const read = (flag: string, file: string) => {
    try {
      return readFileSync(file, 'utf8')
    } catch (err) {
      throw new Error(`--${flag} ${file}: ${(err as Error).message}`)
    }
  }
  return { cert: read(certFlag, cert), key: read(keyFlag, key) }
}

/** fastify's trustProxy from the flag: true, or the addresses/CIDRs as given. */
function trustProxy(value: string | undefined): HttpServerOptions['trustProxy'] {
  return value === 'true' ? true : value
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
      modules: { type: 'string' },
      'api-key': { type: 'string', multiple: true },
      'admin-token': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'grpc-tls-cert': { type: 'string' },
      'grpc-tls-key': { type: 'string' },
      'grpc-token': { type: 'string' },
      'trust-proxy': { type: 'string' },
      'max-connections-per-client': { type: 'string' },
      'headers-timeout': { type: 'string' },
      'request-timeout': { type: 'string' },
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
  const tls = pemPair('tls-cert', values['tls-cert'], 'tls-key', values['tls-key'])
  const grpcTls = pemPair('grpc-tls-cert', values['grpc-tls-cert'], 'grpc-tls-key', values['grpc-tls-key']) ?? tls
  const grpcToken = secret('grpc-token', values['grpc-token'], 'EDGEMIX_GRPC_TOKEN')
  const connectionsPerClient = whole('max-connections-per-client', values['max-connections-per-client'], 0)
  const http: HttpServerOptions = {
    cors: values.cors?.includes('*') ? true : values.cors,
    rateLimit: perMinute === 0 ? false : { max: perMinute, windowMs: 60_000 },
    logger: { level: values['log-level'], stream: process.stderr },
    apiKeys: apiKeys(values['api-key']),
    adminToken: secret('admin-token', values['admin-token'], 'EDGEMIX_ADMIN_TOKEN'),
    https: tls,
    trustProxy: trustProxy(values['trust-proxy']),
    maxConnectionsPerClient: connectionsPerClient === 0 ? false : connectionsPerClient,
    modules: values.modules,
    timeouts: { headersMs: whole('headers-timeout', values['headers-timeout'], 1), requestMs: whole('request-timeout', values['request-timeout'], 1) },
  }

  const closers: Array<() => Promise<void>> = []
  const shutdown = async () => {
    for (const close of closers.reverse()) await close()
  }
  process.once('SIGINT', () => void shutdown())
  process.once('SIGTERM', () => void shutdown())
  try {
    if (!values['no-grpc']) {
      // `tls` is the addon's TLS option of startServer (PEM certificate chain and key).
      const options: StartServerOptions & { tls?: { cert: string; key: string } } = { host, port: grpcPort, authToken: grpcToken, modules: values.modules }
      if (grpcTls) options.tls = grpcTls
      const grpc = await startServer(options)
      closers.push(() => grpc.close())
      console.log(`edgemix grpc: ${grpc.host}:${grpc.port}`)
    }
    if (!values['no-http']) {
      const server = await createHttpServer(http)
      closers.push(() => server.close())
      console.log(`edgemix http: ${await server.listen({ port: httpPort, host })}`)
    }
  } catch (err) {
    await shutdown()
    throw err
  }
}

