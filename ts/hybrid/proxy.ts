/**
 * HybridProxy: one processing step that runs at the edge or in the cloud, input by input.
 *
 * Per input: normalise → decide (decisionFunction, else 'auto') → resolve 'auto' with the
 * IntelligentRouter → run on that side under its time limit → on an error or timeout,
 * run once on the other side if `fallback` allows. An input never runs on both sides
 * unless the first one failed.
 */
import { type CloudSide } from './cloud.js'
import { decide, type Decided, type DecisionContext, type DecisionFunction, type Requested, type SideContext } from './decision.js'
import { type EdgeSide } from './edge.js'
import { codedError, codeOf, describeValue } from './errors.js'
import { normalize, type Normalized } from './input.js'
import { Lane, type Turn } from './lane.js'
import { Metrics, type ProxyStats } from './metrics.js'
import { ordered } from './ordered.js'
import * as poll from './poll.js'
import { IntelligentRouter, type ExplainedDecision, type RouterOptions, type Side } from './router.js'
import type { CircuitState, Ticket } from './breaker.js'
import type { WasmRemoteCalls } from '../../index.js'
import { ErrorCode } from '../errors.js'

export type Fallback = 'both' | 'edge' | 'cloud' | 'none'

/**
 * 'balanced': the event loop sleeps while calls are in flight. 'interactive': it polls
 * instead (at most 1 ms per call), so each result is taken up without a thread wake-up:
 * lower latency per call (tens of µs on virtual machines) for a busy JS thread while
 * calls are in flight. For a few latency-critical streams, not for hundreds.
 */
export type LatencyHint = 'balanced' | 'interactive'

export interface DecisionInfo {
  /** What was asked: the decisionFunction's answer, or 'auto'. */
  requested: Requested
  /** Who decided the first side. */
  by: 'function' | 'router'
  reason: string
  /** Set when the decisionFunction's answer was replaced by 'auto'. */
  error?: 'throw' | 'rejected' | 'invalid' | 'timeout'
}

export interface HybridResult<T = unknown> {
  output: T
  /** The side that produced `output`. */
  route: Side
  /** The first side failed (or its circuit was open) and the other side produced `output`. */
  fellBack: boolean
  /** From the call to the result, decision and fallback included, ms. */
  latencyMs: number
  decision: DecisionInfo
}

export interface ProxyCoreOptions {
  name: string
  edge?: EdgeSide
  cloud?: CloudSide
  decisionFunction?: DecisionFunction
  /** Bound of an async decisionFunction, ms, 0..10000. Default 10. */
  decisionTimeoutMs?: number
  fallback?: Fallback
  router?: RouterOptions
  /** Complexity in [0, 1] given by the caller, fixed or per input. Default: estimated. */
  complexity?: number | ((input: unknown) => number)
  /** Stream results in flight at once, 1..1024. Default 16. */
  maxInFlight?: number
  /** Default 'balanced'. */
  latencyHint?: LatencyHint
}

export interface StreamOptions {
  /** Inputs in flight at once, 1..1024 (backpressure: the source is not read further ahead). Default: the proxy's maxInFlight. */
  maxInFlight?: number
}

export interface HybridProxyStats extends ProxyStats {
  circuit: CircuitState
  timesOpened: number
  offline: boolean
  /** An edge module's own cloud calls (env.call_remote_service) by outcome, when it makes any. */
  remoteCalls?: WasmRemoteCalls
}

interface Plan {
  first: Side
  decision: DecisionInfo
  /** The circuit's permission for a first cloud call (null: none, or the edge goes first). */
  ticket: Ticket | null
}

const FALLBACKS: Fallback[] = ['both', 'edge', 'cloud', 'none']
const LATENCY_HINTS: LatencyHint[] = ['balanced', 'interactive']
const AUTO: Decided = Object.freeze({ requested: 'auto' })
const CIRCUIT_GAUGE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 }
const other = (side: Side): Side => (side === 'edge' ? 'cloud' : 'edge')

class SideView implements SideContext {
  constructor(
    private readonly proxy: HybridProxy,
    private readonly side: Side,
  ) {}
  get available() {
    return this.proxy.usable(this.side)
  }
  get p50Ms() {
    return this.proxy.metrics.latency[this.side].recent(50)
  }
  get p99Ms() {
    return this.proxy.metrics.latency[this.side].recent(99)
  }
  get successRate() {
    return this.proxy.metrics.successRate(this.side)
  }
  get inFlight() {
    return this.proxy.metrics.inFlight[this.side]
  }
}

export class HybridProxy {
  readonly name: string
  readonly router: IntelligentRouter
  readonly metrics = new Metrics()
  readonly #edge: EdgeSide | undefined
  readonly #cloud: CloudSide | undefined
  readonly #decisionFunction: DecisionFunction | undefined
  readonly #decisionTimeoutMs: number
  readonly #fallback: Fallback
  readonly #complexity: ProxyCoreOptions['complexity']
  readonly #maxInFlight: number
  readonly #interactive: boolean
  readonly #shared = new Lane(false, false)
  readonly #views: { edge: SideView; cloud: SideView }
  /** Calls not settled yet, and what close() waits on until there are none. */
  #pending = 0
  #drained: (() => void) | undefined
  readonly #lanes = new Set<Lane>()
  #closed = false
  #closing: Promise<void> | undefined

  constructor(options: ProxyCoreOptions) {
    this.name = options.name
    this.#edge = options.edge
    this.#cloud = options.cloud
    if (!this.#edge && !this.#cloud) throw codedError(ErrorCode.HYBRID_NO_SIDE, 'a hybrid proxy needs edgeWasm, edgeNative or cloudRemote (none was given)')
    const fn = options.decisionFunction
    if (fn !== undefined && typeof fn !== 'function') {
      throw codedError(ErrorCode.INVALID_ARG_TYPE, `decisionFunction must be a function, received ${describeValue(fn)}`, TypeError)
    }
    this.#decisionFunction = fn
    this.#decisionTimeoutMs = bounded('decisionTimeoutMs', options.decisionTimeoutMs, 10, 0, 10_000)
    this.#maxInFlight = bounded('maxInFlight', options.maxInFlight, 16, 1, 1024)
    const fallback = options.fallback ?? 'both'
    if (!FALLBACKS.includes(fallback)) {
      throw codedError(ErrorCode.INVALID_CONFIG, `fallback must be one of ${FALLBACKS.join(', ')}, received ${describeValue(fallback)}`, RangeError)
    }
    this.#fallback = fallback
    const hint = options.latencyHint ?? 'balanced'
    if (!LATENCY_HINTS.includes(hint)) {
      throw codedError(ErrorCode.INVALID_CONFIG, `latencyHint must be one of ${LATENCY_HINTS.join(', ')}, received ${describeValue(hint)}`, RangeError)
    }
    this.#interactive = hint === 'interactive'
    const c = options.complexity
    if (c !== undefined && typeof c !== 'function' && !(typeof c === 'number' && c >= 0 && c <= 1)) {
      throw codedError(ErrorCode.INVALID_CONFIG, `complexity must be a number in 0..1 or a function, received ${describeValue(c)}`, RangeError)
    }
    this.#complexity = c
    try {
      this.router = new IntelligentRouter({ ...options.router, sides: { edge: !!this.#edge, cloud: !!this.#cloud } })
    } catch (e) {
      throw codedError(ErrorCode.INVALID_CONFIG, `router: ${(e as Error).message}`, RangeError, e)
    }
    this.#views = { edge: new SideView(this, 'edge'), cloud: new SideView(this, 'cloud') }
  }

  /** Whether `side` exists and may be called now. */
  usable(side: Side): boolean {
    return side === 'edge' ? !!this.#edge : this.router.cloudUsable
  }

  /** Processes one input on the proxy's shared lane (one edge session, one-shot cloud calls). */
  process<T = unknown>(input: unknown): Promise<HybridResult<T>> {
    if (this.#closed) return Promise.reject(closedError(this.name))
    return this.#track(this.#run(this.#shared, input, performance.now())) as Promise<HybridResult<T>>
  }

  /**
   * Processes a stream: results in input order, at most `maxInFlight` inputs in flight.
   * The stream has its own edge session and cloud stream (per-side state). When inputs
   * change side, each side's state continues from the last input it saw: a side does not
   * see the inputs the other side processed. A failed cloud stream is replaced on the
   * next cloud input, with fresh state. An input that fails on every side it may use
   * ends the stream with that error, after every earlier result.
   */
  stream<T = unknown>(source: AsyncIterable<unknown> | Iterable<unknown>, options: StreamOptions = {}): AsyncIterable<HybridResult<T>> {
    if (this.#closed) throw closedError(this.name)
    const limit = bounded('maxInFlight', options.maxInFlight, this.#maxInFlight, 1, 1024)
    const lane = this.openLane()
    const run = (input: unknown) => this.processOn<T>(lane, input)
    return ordered(source, limit, run, () => this.closeLane(lane))
  }

  /** A lane of its own (per-side sessions, ordered submissions), for pipelines. */
  openLane(): Lane {
    const lane = new Lane(true, true)
    this.#lanes.add(lane)
    return lane
  }

  async closeLane(lane: Lane): Promise<void> {
    this.#lanes.delete(lane)
    await lane.close()
  }

  /** Processes one input on `lane`. */
  processOn<T = unknown>(lane: Lane, input: unknown): Promise<HybridResult<T>> {
    if (this.#closed) return Promise.reject(closedError(this.name))
    return this.#track(this.#run(lane, input, performance.now())) as Promise<HybridResult<T>>
  }

  stats(): HybridProxyStats {
    const remoteCalls = this.#edge?.remoteCalls?.()
    return { ...this.metrics.snapshot(), circuit: this.router.circuit, timesOpened: this.router.timesOpened, offline: this.router.offline, ...(remoteCalls && { remoteCalls }) }
  }

  /** Recent routing decisions of the built-in router, oldest first. */
  explain(): ExplainedDecision[] {
    return this.router.explain()
  }

  /** Circuit state as a gauge: 0 closed, 1 half-open, 2 open. */
  get circuitGauge(): number {
    return CIRCUIT_GAUGE[this.router.circuit]
  }

  /** Stops accepting inputs, waits for those in flight, closes every session. */
  close(): Promise<void> {
    this.#closed = true
    this.#closing ??= (async () => {
      while (this.#pending) await new Promise<void>((resolve) => (this.#drained = resolve))
      await Promise.allSettled([this.#shared.close(), ...[...this.#lanes].map((l) => this.closeLane(l))])
    })()
    return this.#closing
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#pending++
    work.then(this.#settled, this.#settled)
    return work
  }

  readonly #settled = () => {
    if (--this.#pending === 0) this.#drained?.()
  }

  #complexityOf(input: unknown, n: Normalized): number {
    const c = this.#complexity
    if (typeof c === 'number') return c
    if (typeof c === 'function') {
      try {
        const v = c(input)
        if (typeof v === 'number' && v >= 0 && v <= 1) return v
      } catch {
        // an estimate that fails falls back to the model's
      }
    }
    const budget = this.#edge?.budgetMs ?? 100
    return Math.min(1, this.router.models.edge.predict(n.bytes) / budget)
  }

  #context(n: Normalized, complexity: number): DecisionContext {
    return {
      kind: n.kind,
      bytes: n.bytes,
      samples: n.samples,
      complexity,
      edge: this.#views.edge,
      cloud: this.#views.cloud,
      cloudReachable: this.router.cloudUsable,
      circuit: this.router.circuit,
    }
  }

  /**
   * Normalises, decides and plans `input`, then submits it. Synchronous up to the
   * submission when it can be (a sync decision, no earlier input waiting), so the common
   * case costs no extra promise hops.
   */
  #run(lane: Lane, input: unknown, started: number): Promise<HybridResult> {
    // An ordered lane needs a turn only when this input cannot be submitted now: an
    // earlier input still holds one, or this one awaits an async decision. Both are known
    // before anything is awaited, so turns are taken in input order.
    const turn = lane.ordered && lane.waiting ? lane.take() : undefined
    let n: Normalized
    let complexity: number
    let decided: Decided | Promise<Decided> = AUTO
    try {
      n = normalize(input)
      complexity = this.#complexityOf(input, n)
      if (this.#decisionFunction) decided = decide(this.#decisionFunction, input, this.#context(n, complexity), this.#decisionTimeoutMs)
    } catch (e) {
      turn?.done()
      return Promise.reject(e)
    }
    if (turn || decided instanceof Promise) {
      return this.#runLater(lane, n, complexity, decided, started, turn ?? (lane.ordered ? lane.take() : undefined))
    }
    return this.#execute(lane, n, this.#plan(this.#counted(decided), n, complexity), started)
  }

  /** The rest of #run for an input that waits: for its decision, for its turn, or both. */
  async #runLater(lane: Lane, n: Normalized, complexity: number, decision: Decided | Promise<Decided>, started: number, turn?: Turn): Promise<HybridResult> {
    try {
      const plan = this.#plan(this.#counted(await decision), n, complexity)
      if (turn) await turn.ready
      return await this.#execute(lane, n, plan, started, turn)
    } finally {
      turn?.done()
    }
  }

  #counted(decided: Decided): Decided {
    if (decided.error) this.metrics.decisionErrors[decided.error]++
    return decided
  }

  /**
   * The first side to try, why, and (cloud) the circuit's permission: the router's
   * decision for 'auto', else the decisionFunction's side (the other one when the proxy
   * lacks it) with the router's permit.
   */
  #plan(decided: Decided, n: Normalized, complexity: number): Plan {
    const { requested, error } = decided
    if (requested === 'auto') {
      const r = this.router.decide(n.bytes, complexity)
      return { first: r.route, ticket: r.ticket, decision: { requested, by: 'router', reason: r.reason, error } }
    }
    const first = this.#has(requested) ? requested : other(requested)
    const reason = first === requested ? 'decisionFunction' : `the proxy has no ${requested} side`
    return { first, ticket: first === 'cloud' ? this.router.permit() : null, decision: { requested, by: 'function', reason } }
  }

  #has(side: Side): boolean {
    return side === 'edge' ? !!this.#edge : !!this.#cloud
  }

  #mayFallBackTo(side: Side): boolean {
    return this.#has(side) && (this.#fallback === 'both' || this.#fallback === side)
  }

  /** The first side's attempt, then (on failure) the fallback. */
  #execute(lane: Lane, n: Normalized, plan: Plan, started: number, turn?: Turn): Promise<HybridResult> {
    const { first, decision, ticket } = plan
    // A cloud call needs the circuit's permission; without it the first side fails
    // without a call.
    if (first === 'edge' || ticket) {
      const attempt = this.#attempt(lane, first, n, ticket)
      turn?.done()
      return attempt.then(
        (output) => ({ output, route: first, fellBack: false, latencyMs: performance.now() - started, decision }),
        (e) => this.#fallBack(lane, n, plan, started, e),
      )
    }
    turn?.done()
    decision.reason += this.router.offline ? '; offline mode' : '; cloud circuit open'
    const refused = codedError(ErrorCode.CLOUD_UNAVAILABLE, this.router.offline ? 'offline mode: the cloud is not used' : `the cloud circuit is ${this.router.circuit}`)
    return this.#fallBack(lane, n, plan, started, refused)
  }

  /** After the first side failed with `firstError`: the other side, if `fallback` allows. */
  async #fallBack(lane: Lane, n: Normalized, plan: Plan, started: number, firstError: unknown): Promise<HybridResult> {
    const { first, decision } = plan
    const second = other(first)
    if (!this.#mayFallBackTo(second)) {
      this.metrics.failed++
      throw firstError
    }
    this.metrics.fallbacks[first === 'edge' ? 'edgeToCloud' : 'cloudToEdge']++
    const secondTicket = second === 'cloud' ? this.router.permit() : null
    if (second === 'cloud' && !secondTicket) {
      this.metrics.failed++
      throw firstError
    }
    try {
      const output = await this.#attempt(lane, second, n, secondTicket)
      return { output, route: second, fellBack: true, latencyMs: performance.now() - started, decision }
    } catch (e) {
      this.metrics.failed++
      throw e instanceof Error && firstError !== undefined && !('cause' in e) ? Object.assign(e, { cause: firstError }) : e
    }
  }

  /** One call on one side, measured; submitted synchronously when the side's session is open. */
  #attempt(lane: Lane, side: Side, n: Normalized, ticket: Ticket | null): Promise<unknown> {
    const m = this.metrics
    const interactive = this.#interactive
    m.inFlight[side]++
    m.attempts[side]++
    if (interactive) poll.started()
    const t0 = performance.now()
    let call: Promise<unknown>
    try {
      call = side === 'edge' ? lane.processAtEdge(this.#edge!, n.edge) : this.#cloudCall(lane, n)
    } catch (e) {
      call = Promise.reject(e)
    }
    return call.then(
      (output) => {
        const ms = performance.now() - t0
        if (interactive) poll.ended()
        m.inFlight[side]--
        m.successes[side]++
        m.requests[side]++
        m.latency[side].record(ms)
        if (side === 'edge') m.bytes.atEdge += n.bytes
        else m.bytes.toCloud += n.bytes
        this.router.report(side, ticket, n.bytes, ms)
        return output
      },
      (e) => {
        const ms = performance.now() - t0
        if (interactive) poll.ended()
        m.inFlight[side]--
        const code = codeOf(e)
        m.error(side, code)
        this.router.report(side, ticket, n.bytes, ms, code)
        throw e
      },
    )
  }

  #cloudCall(lane: Lane, n: Normalized): Promise<unknown> {
    const cloud = this.#cloud!
    if (!lane.streams) return cloud.execute(n)
    const stream = lane.cloudStream(cloud, cloud.format(n))
    return stream.then((s) => cloud.send(s, n)).catch((e) => {
      // A failed cloud stream is replaced on the next cloud input.
      lane.dropCloud(stream)
      throw e
    })
  }
}

function closedError(name: string) {
  return codedError(ErrorCode.HYBRID_CLOSED, `the hybrid proxy "${name}" is closed`)
}

function bounded(name: string, value: number | undefined, fallback: number, lo: number, hi: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !(value >= lo && value <= hi)) {
    throw codedError(ErrorCode.INVALID_CONFIG, `${name} must be a number in ${lo}..${hi}, received ${describeValue(value)}`, RangeError)
  }
  return value
}
