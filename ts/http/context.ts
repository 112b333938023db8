/** What the route modules share: the resolved options, the server chains, sessions, credentials, analysis gate and counters. */
import type { Credentials } from './auth.js'
import type { ChainPool } from './chains.js'
import type { Gate } from './gate.js'
import type { ResolvedOptions } from './options.js'
import type { SessionStore } from './sessions.js'
import type { ServerStats } from './stats.js'

export interface RouteContext {
  options: ResolvedOptions
  chains: ChainPool
  sessions: SessionStore
  stats: ServerStats
  credentials: Credentials
  /** Admission of whole-clip analysis (routes/analysis.ts). */
  analysis: Gate
}
