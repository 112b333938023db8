/**
 * Sessions of POST /process-audio: a client that names a session (`session` in the JSON
 * body or the `x-edgemix-session` header) gets a chain of its own whose state carries from
 * request to request, plus a streaming genre classifier over its input, so consecutive
 * frames sound as one signal and `genre` becomes meaningful after a few seconds. Requests
 * without a session stay stateless (chains.ts).
 *
 * At most `max` sessions are kept; creating one more drops the least recently used, and a
 * session unused for `idleMs` is dropped when any session is next used. A dropped session
 * starts again from the fresh state.
 */
import { GenreClassifier } from '../../index.js'
import type { MixerChain } from '../../index.js'
import { ErrorCode } from '../errors.js'
import type { ChainPool } from './chains.js'
import { HttpError } from './errors.js'

export interface Session {
  chain: MixerChain
  /** null when the classifier does not take the chain's sample rate. */
  genre: GenreClassifier | null
}

/** Session ids: 1..128 characters of A-Z a-z 0-9 . _ : - */
const SESSION_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** The session id of a request, if it names one (body field first, then the header). */
export function sessionIdOf(json: Record<string, unknown> | undefined, header: string | string[] | undefined): string | undefined {
  const value = json?.session ?? header
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string' || !SESSION_ID.test(value)) {
    throw new HttpError(ErrorCode.INVALID_ARG_TYPE, 'session must be 1 to 128 characters of A-Z, a-z, 0-9, ".", "_", ":" or "-"')
  }
  return value
}

export class SessionStore {
  /** In least-recently-used-first order (a used session is moved to the end). */
  private readonly sessions = new Map<string, { session: Session; lastUsed: number }>()

  constructor(
    private readonly chains: ChainPool,
    private readonly max: number,
    private readonly idleMs: number,
  ) {}

  get size(): number {
    return this.sessions.size
  }

  /** The session `id`, created from the server configuration if it does not exist. */
  take(id: string): Session {
    const now = Date.now()
    const found = this.sessions.get(id)
    this.sessions.delete(id)
    for (const [other, entry] of this.sessions) {
      if (now - entry.lastUsed <= this.idleMs && this.sessions.size < this.max) break
      this.sessions.delete(other)
    }
    const session = found && now - found.lastUsed <= this.idleMs ? found.session : this.create()
    this.sessions.set(id, { session, lastUsed: now })
    return session
  }

  delete(id: string): boolean {
    return this.sessions.delete(id)
  }

  private create(): Session {
    const chain = this.chains.create()
    let genre: GenreClassifier | null = null
    try {
      genre = new GenreClassifier({ sampleRate: chain.config.sampleRate })
    } catch {
      // A sample rate the classifier does not take (below 16 kHz): the session has no genre.
    }
    return { chain, genre }
  }
}
