/** What the route modules share: the resolved options, the server chains and the counters. */
import type { ChainPool } from './chains.js'
import type { ResolvedOptions } from './options.js'
import type { SessionStore } from './sessions.js'
import type { ServerStats } from './stats.js'

export interface RouteContext {
  options: ResolvedOptions
  chains: ChainPool
  sessions: SessionStore
  stats: ServerStats
}
