/**
 * Runs the user's decisionFunction: sync or async, its result checked. A throw, a
 * rejection, a value other than 'edge' | 'cloud' | 'auto' or an async answer slower than
 * the bound becomes 'auto' and is reported by kind; nothing escapes.
 */
import type { CircuitState } from './breaker.js'
import type { DecisionErrorKind } from './metrics.js'
import type { InputKind } from './input.js'

export type Requested = 'edge' | 'cloud' | 'auto'

export interface SideContext {
  /** The proxy has this side and it can be called now (cloud: online, circuit not open). */
  available: boolean
  /** Latency of successful calls, ms (0 before any). */
  readonly p50Ms: number
  readonly p99Ms: number
  /** Share of calls that succeeded (1 before any). */
  readonly successRate: number
  inFlight: number
}

export interface DecisionContext {
  kind: InputKind
  /** Input size in bytes (UTF-8 bytes for strings and JSON). */
  bytes: number
  /** Samples for Float32Array input, else 0. */
  samples: number
  /** Estimated complexity in [0, 1]: the share of the edge time budget this input is predicted to use. */
  complexity: number
  edge: SideContext
  cloud: SideContext
  /** The cloud is configured, online mode, and its circuit is not open. */
  cloudReachable: boolean
  circuit: CircuitState
}

export type DecisionFunction = (input: unknown, ctx: DecisionContext) => Requested | PromiseLike<Requested>

export interface Decided {
  requested: Requested
  error?: DecisionErrorKind
}

const valid = (v: unknown): v is Requested => v === 'edge' || v === 'cloud' || v === 'auto'

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function'

/** Calls `fn`; a sync answer comes back without a promise (no microtask on the hot path). */
export function decide(fn: DecisionFunction, input: unknown, ctx: DecisionContext, boundMs: number): Decided | Promise<Decided> {
  let answer: unknown
  try {
    answer = fn(input, ctx)
  } catch {
    return { requested: 'auto', error: 'throw' }
  }
  if (!isThenable(answer)) return valid(answer) ? { requested: answer } : { requested: 'auto', error: 'invalid' }
  return new Promise<Decided>((resolve) => {
    const timer = setTimeout(() => resolve({ requested: 'auto', error: 'timeout' }), boundMs)
    const settle = (d: Decided) => {
      clearTimeout(timer)
      resolve(d)
    }
    try {
      answer.then(
        (v) => settle(valid(v) ? { requested: v } : { requested: 'auto', error: 'invalid' }),
        () => settle({ requested: 'auto', error: 'rejected' }),
      )
    } catch {
      settle({ requested: 'auto', error: 'throw' })
    }
  })
}
