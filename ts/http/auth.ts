/**
 * Who a request comes from. A request may carry one credential: `Authorization: Bearer
 * <credential>` or `x-api-key: <credential>`, or, on a WebSocket upgrade (browsers cannot
 * set headers there), the subprotocol `edgemix.key.<credential>` offered beside `edgemix`.
 * It is compared with the admin token and each API key in constant time (SHA-256 digests
 * of equal length through `timingSafeEqual`, every candidate compared).
 *
 * - With API keys configured, every route but GET /health (for probes) and CORS
 *   preflights needs a valid credential (an API key or the admin token); without them the
 *   API is open.
 * - Server-wide settings (POST /config) need the admin token; with none configured they
 *   are read-only for everyone.
 *
 * Credentials are never logged, echoed or kept: only their digests are held.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ErrorCode } from '../errors.js'
import { HttpError } from './errors.js'

/** Who sent a request: the admin, the holder of API key `key` (its position), or anyone. */
export type Principal = { kind: 'admin' } | { kind: 'key'; key: number } | { kind: 'anonymous' }

/** The subprotocol a browser WebSocket offers, and selects, next to its key. */
export const WS_PROTOCOL = 'edgemix'
/** Prefix of the subprotocol that carries a credential: `edgemix.key.<credential>`. */
export const WS_KEY_PREFIX = 'edgemix.key.'

/** Routes any client may call without a credential. */
const OPEN_ROUTES = new Set(['/health'])

/** Credentials are visible ASCII without spaces, so that they fit a header and a subprotocol. */
const CREDENTIAL = /^[\x21-\x7e]{1,4096}$/

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest()

/** Refuses an empty or unprintable credential at start-up (`name` is the option's name). */
export function checkCredential(name: string, value: unknown): string {
  if (typeof value !== 'string' || !CREDENTIAL.test(value)) {
    const shown = typeof value === 'string' ? `a string of ${value.length} characters` : String(value)
    throw Object.assign(
      new RangeError(`createHttpServer: ${name} must be 1 to 4096 visible ASCII characters without spaces, received ${shown}`),
      { code: ErrorCode.INVALID_CONFIG },
    )
  }
  return value
}

export class Credentials {
  private readonly admin: Buffer | null
  private readonly keys: Buffer[]

  constructor(adminToken: string | undefined, apiKeys: readonly string[]) {
    this.admin = adminToken === undefined ? null : digest(adminToken)
    this.keys = apiKeys.map(digest)
  }

  /** Whether every route but the open ones needs a credential. */
  get keysRequired(): boolean {
    return this.keys.length > 0
  }

  /** Whether server-wide settings can be changed at all. */
  get adminEnabled(): boolean {
    return this.admin !== null
  }

  /**
   * The principal `presented` stands for; null for a credential the server does not know.
   * Compares against every configured value, matching or not, so the time taken says
   * nothing about which one matched or how much of it.
   */
  identify(presented: string | undefined): Principal | null {
    if (presented === undefined) return { kind: 'anonymous' }
    const d = digest(presented)
    let found: Principal | null = null
    if (this.admin && timingSafeEqual(d, this.admin)) found = { kind: 'admin' }
    this.keys.forEach((k, i) => {
      if (timingSafeEqual(d, k) && found === null) found = { kind: 'key', key: i }
    })
    return found
  }
}

/** The credential a request carries, if any (see the module comment for where). */
export function credentialOf(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization
  if (auth !== undefined) {
    const m = /^Bearer +(\S+) *$/i.exec(auth)
    // A malformed Authorization header is a credential that matches nothing.
    return m ? m[1] : auth
  }
  const key = request.headers['x-api-key']
  if (typeof key === 'string') return key
  const protocols = request.headers['sec-websocket-protocol']
  if (typeof protocols === 'string' && request.headers.upgrade?.toLowerCase() === 'websocket') {
    const offered = protocols.split(',').map((p) => p.trim())
    const carrier = offered.find((p) => p.startsWith(WS_KEY_PREFIX))
    if (carrier) return carrier.slice(WS_KEY_PREFIX.length)
  }
  return undefined
}

/** The subprotocol the server selects: `edgemix` when offered (never the key carrier). */
export function selectProtocol(protocols: Set<string>): string | false {
  return protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false
}

const principals = new WeakMap<FastifyRequest, Principal>()

/** The principal of a request that passed `installAuth`'s hook. */
export function principalOf(request: FastifyRequest): Principal {
  return principals.get(request) ?? { kind: 'anonymous' }
}

const WWW_AUTHENTICATE = { 'www-authenticate': 'Bearer realm="edgemix"' }

/**
 * Identifies every request (after the rate limit, so guessing keys is rate-limited). Where
 * keys are required, a missing or unknown credential is 401; elsewhere an unknown one
 * (say, a proxy's own Authorization header) counts as none.
 */
export function installAuth(app: FastifyInstance, credentials: Credentials): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const open = request.method === 'OPTIONS' || OPEN_ROUTES.has(request.routeOptions.url ?? '') || !credentials.keysRequired
    const principal = credentials.identify(credentialOf(request))
    if (principal === null && !open) {
      return done(new HttpError(ErrorCode.UNAUTHORIZED, 'the credential sent is not an API key or token of this server', WWW_AUTHENTICATE))
    }
    if (principal?.kind === 'anonymous' && !open) {
      return done(
        new HttpError(
          ErrorCode.UNAUTHORIZED,
          `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]} needs an API key: send Authorization: Bearer <key> or x-api-key: <key>`,
          WWW_AUTHENTICATE,
        ),
      )
    }
    principals.set(request, principal ?? { kind: 'anonymous' })
    done()
  })
}

/** Route hook of server-wide settings: the admin token, or 401/403 before the body is read. */
export function requireAdmin(credentials: Credentials) {
  return (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) => {
    const what = `${request.method} ${request.routeOptions.url} changes every client's processing`
    if (!credentials.adminEnabled) {
      return done(
        new HttpError(
          ErrorCode.FORBIDDEN,
          `${what}; this server has no admin token, so its settings are read-only (set adminToken, or --admin-token / EDGEMIX_ADMIN_TOKEN)`,
        ),
      )
    }
    const principal = principalOf(request)
    if (principal.kind === 'anonymous') {
      return done(new HttpError(ErrorCode.UNAUTHORIZED, `${what} and needs the admin token: send Authorization: Bearer <token>`, WWW_AUTHENTICATE))
    }
    if (principal.kind !== 'admin') return done(new HttpError(ErrorCode.FORBIDDEN, `${what} and needs the admin token, not an API key`))
    done()
  }
}
