/**
 * Sessions of POST /process-audio: a client creates one with POST /sessions and names its
 * id (`session` in the JSON body or the `x-edgemix-session` header) on each request; the
 * session's chain carries state from request to request, plus a streaming genre
 * classifier over its input, so consecutive frames sound as one signal and `genre`
 * becomes meaningful after a few seconds. Requests without a session stay stateless
 * (chains.ts).
 *
 * Ids are issued by the server: 128 random bits (22 base64url characters), so nobody can
 * guess another client's. A session belongs to the principal that created it (auth.ts):
 * with API keys, only requests with the same key reach it; without, the id itself is the
 * credential. An id that is unknown, expired or another principal's is answered alike
 * (`ERR_SESSION_NOT_FOUND`), so a reply says nothing about other clients' sessions.
 *
 * At most `max` sessions are kept and at most `perClient` for one client (its API key, or
 * its address without keys); past either, creating one is refused (existing sessions are
 * never dropped to make room, so no client can end another's). A session unused for
 * `idleMs` is dropped when any session is next created or used.
 */
import { randomBytes } from 'node:crypto'
import { GenreClassifier } from '../../index.js'
import type { MixerChain, MixerConfigInput } from '../../index.js'
import { ErrorCode } from '../errors.js'
import type { Principal } from './auth.js'
import type { ChainPool } from './chains.js'
import { HttpError } from './errors.js'

export interface Session {
  chain: MixerChain
  /** null when the classifier does not take the chain's sample rate. */
  genre: GenreClassifier | null
}

/** Who a session belongs to: one string per principal. */
function ownerOf(principal: Principal): string {
  return principal.kind === 'key' ? `key:${principal.key}` : principal.kind
}

interface Entry {
  session: Session
  owner: string
  /** Whom the per-client cap counts this session against. */
  client: string
  lastUsed: number
}

export class SessionStore {
  /** In least-recently-used-first order (a used session is moved to the end). */
  private readonly sessions = new Map<string, Entry>()
  /** Sessions held, by client. */
  private readonly perClientCount = new Map<string, number>()

  constructor(
    private readonly chains: ChainPool,
    private readonly limits: { max: number; perClient: number; idleMs: number },
  ) {}

  get size(): number {
    return this.sessions.size
  }

  /**
   * A new session for `principal` calling from `address` (its chain from the server
   * configuration with `config` merged over it, validated whole).
   */
  create(principal: Principal, address: string, config?: MixerConfigInput): string {
    this.expire(Date.now())
    // Key holders are counted by key, anyone else by address.
    const client = principal.kind === 'anonymous' ? `address:${address}` : ownerOf(principal)
    const held = this.perClientCount.get(client) ?? 0
    if (held >= this.limits.perClient) {
      throw new HttpError(
        ErrorCode.SESSION_LIMIT,
        `this client holds ${held} sessions, the most one client may; end one with DELETE /sessions/:id or let it expire (${this.limits.idleMs} ms unused)`,
      )
    }
    if (this.sessions.size >= this.limits.max) {
      throw new HttpError(ErrorCode.SERVER_BUSY, `all ${this.limits.max} sessions of this server are in use; retry later`, { 'retry-after': String(Math.ceil(this.limits.idleMs / 1000)) })
    }
    const session = this.open(config)
    const id = randomBytes(16).toString('base64url')
    this.sessions.set(id, { session, owner: ownerOf(principal), client, lastUsed: Date.now() })
    this.perClientCount.set(client, held + 1)
    return id
  }

  /** The session `id` of `principal`; `ERR_SESSION_NOT_FOUND` for any other id. */
  take(id: string, principal: Principal): Session {
    const now = Date.now()
    this.expire(now)
    const entry = this.sessions.get(id)
    if (!entry || entry.owner !== ownerOf(principal)) throw notFound(id)
    entry.lastUsed = now
    this.sessions.delete(id)
    this.sessions.set(id, entry)
    return entry.session
  }

  /** Ends session `id` of `principal` (the admin may end any); `ERR_SESSION_NOT_FOUND` otherwise. */
  delete(id: string, principal: Principal): void {
    this.expire(Date.now())
    const entry = this.sessions.get(id)
    if (!entry || (principal.kind !== 'admin' && entry.owner !== ownerOf(principal))) throw notFound(id)
    this.drop(id, entry)
  }

  /** Drops the sessions unused for longer than idleMs (they are first in the map). */
  private expire(now: number): void {
    for (const [id, entry] of this.sessions) {
      if (now - entry.lastUsed <= this.limits.idleMs) break
      this.drop(id, entry)
    }
  }

  private drop(id: string, entry: Entry): void {
    this.sessions.delete(id)
    const held = (this.perClientCount.get(entry.client) ?? 1) - 1
    if (held > 0) this.perClientCount.set(entry.client, held)
    else this.perClientCount.delete(entry.client)
  }

  private open(config?: MixerConfigInput): Session {
    const chain = this.chains.create(config)
    let genre: GenreClassifier | null = null
    try {
      genre = new GenreClassifier({ sampleRate: chain.config.sampleRate })
    } catch {
      // A sample rate the classifier does not take (below 16 kHz): the session has no genre.
    }
    return { chain, genre }
  }
}

function notFound(id: string): HttpError {
  return new HttpError(
    ErrorCode.SESSION_NOT_FOUND,
    `no session ${id} for this client: sessions are created by POST /sessions, belong to their creator and end after DELETE or when unused`,
  )
}
