/**
 * IntelligentRouter: what `'auto'` means.
 *
 * 1. Availability: no cloud, offline mode or an open circuit → edge; no edge → cloud; a
 *    half-open circuit sends the next call to the cloud as a probe, and the calls decided
 *    while that probe is in flight to the edge.
 * 2. Learned costs: once both sides have `minObservations` latency observations, the side
 *    whose cost model (base + per-KiB, see CostModel) predicts the lower latency.
 * 3. Until then the thresholds as the prior: input < 100 KB and complexity < 0.3 → edge;
 *    > 10 MB or complexity > 0.8 → cloud; otherwise edge first with cloud fallback.
 * Every decision is kept in a ring buffer for `explain()`.
 *
 * The router is the one place that decides: it owns the cloud's circuit breaker, so a
 * cloud decision comes with the circuit's permission for that call (`ticket`), and a
 * cloud call chosen elsewhere (a decisionFunction's answer, a fallback) asks `permit()`.
 * Every finished call comes back through `report()`, which teaches the cost models and
 * settles the call's permission.
 */
import { CircuitBreaker, type BreakerOptions, type CircuitState, type Ticket } from './breaker.js'
import { CostModel, type CostModelOptions } from './cost-model.js'
import { ErrorCode } from '../errors.js'

export type Side = 'edge' | 'cloud'

export interface RouterOptions {
  /** Whether each side exists. Default both. */
  sides?: { edge?: boolean; cloud?: boolean }
  /** Inputs below this many bytes (and below smallComplexity) go to the edge. Default 100 KB (100000). */
  smallBytes?: number
  /** Inputs above this many bytes go to the cloud. Default 10 MB (10000000). */
  largeBytes?: number
  /** Complexity below which small inputs go to the edge, 0..1. Default 0.3. */
  smallComplexity?: number
  /** Complexity above which inputs go to the cloud, 0..1. Default 0.8. */
  largeComplexity?: number
  /** Observations each side needs before the cost models decide, 1..10000. Default 20. */
  minObservations?: number
  /** Decisions kept for explain(), 1..10000. Default 64. */
  explainSize?: number
  breaker?: BreakerOptions
  costModel?: CostModelOptions
}

export interface RouteDecision {
  route: Side
  /** Why, in words. */
  reason: string
  /** This cloud call is a half-open circuit probe (`ticket` is 'probe'). */
  probe: boolean
  /**
   * For a cloud route, the circuit's permission for the call, to hand back with
   * `report()`; null for the edge, and for a cloud that may not be called now (offline or
   * circuit open) when there is no edge side to go to instead.
   */
  ticket: Ticket | null
}

export interface ExplainedDecision extends RouteDecision {
  /** Date.now() of the decision. */
  at: number
  bytes: number
  complexity: number
  /** Predicted latency of each side, ms (null while its model has too few observations). */
  predictedMs: { edge: number | null; cloud: number | null }
  circuit: CircuitState
}

/** Cloud errors that say nothing about the cloud's health (the request itself was refused). */
const HEALTHY_REFUSALS = new Set<string>([ErrorCode.CLOUD_REJECTED])

export class IntelligentRouter {
  readonly #breaker: CircuitBreaker
  readonly models: Record<Side, CostModel>
  readonly #sides: { edge: boolean; cloud: boolean }
  readonly #o: Required<Omit<RouterOptions, 'sides' | 'breaker' | 'costModel'>>
  #offline = false
  readonly #ring: ExplainedDecision[] = []
  #next = 0

  constructor(options: RouterOptions = {}) {
    this.#sides = { edge: options.sides?.edge ?? true, cloud: options.sides?.cloud ?? true }
    if (!this.#sides.edge && !this.#sides.cloud) throw new RangeError('a router needs at least one side (edge or cloud)')
    this.#o = {
      smallBytes: options.smallBytes ?? 100_000,
      largeBytes: options.largeBytes ?? 10_000_000,
      smallComplexity: options.smallComplexity ?? 0.3,
      largeComplexity: options.largeComplexity ?? 0.8,
      minObservations: options.minObservations ?? 20,
      explainSize: options.explainSize ?? 64,
    }
    const o = this.#o
    if (!(o.smallBytes >= 0 && o.largeBytes >= o.smallBytes)) throw new RangeError(`need 0 <= smallBytes <= largeBytes, received ${o.smallBytes} and ${o.largeBytes}`)
    if (!(o.smallComplexity >= 0 && o.largeComplexity >= o.smallComplexity && o.largeComplexity <= 1)) {
      throw new RangeError(`need 0 <= smallComplexity <= largeComplexity <= 1, received ${o.smallComplexity} and ${o.largeComplexity}`)
    }
    if (!(o.minObservations >= 1 && o.minObservations <= 10_000)) throw new RangeError(`minObservations must be in 1..10000, received ${o.minObservations}`)
    if (!(o.explainSize >= 1 && o.explainSize <= 10_000)) throw new RangeError(`explainSize must be in 1..10000, received ${o.explainSize}`)
    this.#breaker = new CircuitBreaker(options.breaker)
    this.models = { edge: new CostModel(options.costModel), cloud: new CostModel(options.costModel) }
  }

  /** Offline mode: every decision goes to the edge (when there is one). */
  get offline(): boolean {
    return this.#offline
  }

  setOffline(offline: boolean): void {
    this.#offline = offline
  }

  has(side: Side): boolean {
    return this.#sides[side]
  }

  /** Whether a cloud call may be made now (cloud configured, online, circuit not open). */
  get cloudUsable(): boolean {
    return this.#sides.cloud && !this.#offline && this.#breaker.state !== 'open'
  }

  /** The cloud's circuit. */
  get circuit(): CircuitState {
    return this.#breaker.state
  }

  /** Times the cloud's circuit opened. */
  get timesOpened(): number {
    return this.#breaker.timesOpened
  }

  /** Predicted latency of `bytes` on `side`, ms, or null while its model is untrained. */
  predict(side: Side, bytes: number): number | null {
    const model = this.models[side]
    return this.#sides[side] && model.observations >= this.#o.minObservations ? model.predict(bytes) : null
  }

  /**
   * Picks the side for an input of `bytes` bytes and estimated `complexity` in [0, 1]:
   * final, the circuit's permission included (a cloud route holds a `ticket` that
   * `report()` must get back).
   */
  decide(bytes: number, complexity: number): RouteDecision {
    const e = this.predict('edge', bytes)
    const c = this.predict('cloud', bytes)
    const circuit = this.#breaker.state
    const decision = this.#decide(bytes, complexity, e, c, circuit)
    // Fields listed, not spread: a spread into a larger literal takes V8's slow path
    // (several µs per decision, measured).
    const { route, reason, probe, ticket } = decision
    this.#remember({ route, reason, probe, ticket, at: Date.now(), bytes, complexity, predictedMs: { edge: e, cloud: c }, circuit })
    return decision
  }

  /**
   * The circuit's permission for a cloud call the router did not choose (a
   * decisionFunction's answer, a fallback): 'call', 'probe' (half-open: this call decides
   * the circuit) or null (no cloud, offline, circuit open, or every probe in flight).
   */
  permit(): Ticket | null {
    if (!this.#sides.cloud || this.#offline) return null
    return this.#breaker.acquire() || null
  }

  /**
   * Reports a finished call on `side`: `error` is its error code, or undefined when it
   * succeeded and took `latencyMs` for `bytes` (what the side's cost model learns). A
   * cloud call's `ticket` (from `decide()` or `permit()`) settles the circuit; a refusal
   * of the input itself (ERR_CLOUD_REJECTED) counts as a healthy answer.
   */
  report(side: Side, ticket: Ticket | null, bytes: number, latencyMs: number, error?: string): void {
    if (error === undefined) this.observe(side, bytes, latencyMs)
    if (!ticket) return
    if (error === undefined || HEALTHY_REFUSALS.has(error)) this.#breaker.success(ticket)
    else this.#breaker.failure(ticket)
  }

  /** Learns from a successful call: `bytes` took `latencyMs` on `side`. */
  observe(side: Side, bytes: number, latencyMs: number): void {
    this.models[side].observe(bytes, latencyMs)
  }

  /** The recent decisions, oldest first. */
  explain(): ExplainedDecision[] {
    return [...this.#ring.slice(this.#next), ...this.#ring.slice(0, this.#next)]
  }

  #decide(bytes: number, complexity: number, e: number | null, c: number | null, circuit: CircuitState): RouteDecision {
    if (!this.#sides.cloud) return edge('no cloud side')
    if (this.#offline && this.#sides.edge) return edge('offline mode')
    if (!this.#sides.edge) {
      const ticket = this.permit()
      return { route: 'cloud', reason: 'no edge side', probe: ticket === 'probe', ticket }
    }
    if (circuit === 'open') return edge('cloud circuit open')
    if (circuit === 'half-open') {
      // One call finds out whether the cloud is back; the others stay at the edge meanwhile.
      return this.#breaker.acquire() ? { route: 'cloud', reason: 'half-open circuit: probing the cloud', probe: true, ticket: 'probe' } : edge('half-open circuit: a probe is in flight')
    }
    if (e !== null && c !== null) {
      const words = `cost model: edge ${e.toFixed(3)} ms vs cloud ${c.toFixed(3)} ms`
      return e <= c ? edge(words) : this.#cloud(words)
    }
    const o = this.#o
    if (bytes > o.largeBytes) return this.#cloud(`prior: ${bytes} B > ${o.largeBytes} B`)
    if (complexity > o.largeComplexity) return this.#cloud(`prior: complexity ${complexity.toFixed(2)} > ${o.largeComplexity}`)
    if (bytes < o.smallBytes && complexity < o.smallComplexity) return edge(`prior: ${bytes} B < ${o.smallBytes} B and complexity ${complexity.toFixed(2)} < ${o.smallComplexity}`)
    return edge('prior: middle band, edge first with cloud fallback')
  }

  /** The cloud on a closed circuit, chosen on its merits. */
  #cloud(reason: string): RouteDecision {
    return { route: 'cloud', reason, probe: false, ticket: this.#breaker.acquire() || null }
  }

  #remember(entry: ExplainedDecision) {
    if (this.#ring.length < this.#o.explainSize) {
      this.#ring.push(entry)
    } else {
      this.#ring[this.#next] = entry
      this.#next = (this.#next + 1) % this.#o.explainSize
    }
  }
}

function edge(reason: string): RouteDecision {
  return { route: 'edge', reason, probe: false, ticket: null }
}
