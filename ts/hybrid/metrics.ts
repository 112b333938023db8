/**
 * Per-proxy metrics: counts per route, fallbacks, errors by code, latency histograms per
 * side (HDR, microsecond resolution, 3 significant digits), bytes sent to the cloud vs
 * processed at the edge, decision errors, frames dropped by pipeline gates.
 */
import * as hdr from 'hdr-histogram-js'
import type { Family, Sample } from '../prometheus.js'
import type { Side } from './router.js'

const HIGHEST_US = 600_000_000

export interface LatencySummary {
  count: number
  p50Ms: number
  p95Ms: number
  p99Ms: number
  maxMs: number
  meanMs: number
}

export type DecisionErrorKind = 'throw' | 'rejected' | 'invalid' | 'timeout'

export interface ProxyStats {
  requests: { edge: number; cloud: number }
  fallbacks: { edgeToCloud: number; cloudToEdge: number }
  /** Failed attempts by side and error code (a failure that fell back counts here too). */
  errors: { edge: Record<string, number>; cloud: Record<string, number> }
  /** Calls that failed on every side they tried (rejected to the caller). */
  failed: number
  latency: { edge: LatencySummary; cloud: LatencySummary }
  bytes: { toCloud: number; atEdge: number }
  decisionErrors: number
  decisionErrorsByKind: Record<DecisionErrorKind, number>
  inFlight: { edge: number; cloud: number }
}

/** Refresh interval of the percentiles the decisionFunction sees, ms. */
const RECENT_MS = 50

class Latency {
  readonly #h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3, useWebAssembly: false })
  #sumMs = 0
  #recent = new Map<number, number>()
  #recentAt = -Infinity

  record(ms: number) {
    this.#h.recordValue(Math.min(HIGHEST_US, Math.max(1, Math.round(ms * 1000))))
    this.#sumMs += ms
  }

  get count() {
    return this.#h.totalCount
  }

  get sumMs() {
    return this.#sumMs
  }

  /** Latency at percentile `p` (0..100), ms; 0 without data. */
  at(p: number): number {
    return this.#h.totalCount === 0 ? 0 : this.#h.getValueAtPercentile(p) / 1000
  }

  /**
   * Latency at percentile `p`, recomputed at most every 50 ms (a percentile walks the
   * histogram; the decisionFunction may ask on every call).
   */
  recent(p: number): number {
    const now = performance.now()
    if (now - this.#recentAt > RECENT_MS) {
      this.#recent.clear()
      this.#recentAt = now
    }
    let v = this.#recent.get(p)
    if (v === undefined) {
      v = this.at(p)
      this.#recent.set(p, v)
    }
    return v
  }

  summary(): LatencySummary {
    const n = this.count
    return { count: n, p50Ms: this.at(50), p95Ms: this.at(95), p99Ms: this.at(99), maxMs: n ? this.#h.maxValue / 1000 : 0, meanMs: n ? this.#sumMs / n : 0 }
  }
}

export class Metrics {
  readonly requests = { edge: 0, cloud: 0 }
  readonly fallbacks = { edgeToCloud: 0, cloudToEdge: 0 }
  readonly errors: { edge: Map<string, number>; cloud: Map<string, number> } = { edge: new Map(), cloud: new Map() }
  readonly latency = { edge: new Latency(), cloud: new Latency() }
  readonly bytes = { toCloud: 0, atEdge: 0 }
  readonly inFlight = { edge: 0, cloud: 0 }
  readonly attempts = { edge: 0, cloud: 0 }
  readonly successes = { edge: 0, cloud: 0 }
  readonly decisionErrors: Record<DecisionErrorKind, number> = { throw: 0, rejected: 0, invalid: 0, timeout: 0 }
  failed = 0

  /** Share of attempts on `side` that succeeded (1 without attempts). */
  successRate(side: Side): number {
    return this.attempts[side] === 0 ? 1 : this.successes[side] / this.attempts[side]
  }

  error(side: Side, code: string) {
    this.errors[side].set(code, (this.errors[side].get(code) ?? 0) + 1)
  }

  get decisionErrorCount(): number {
    const d = this.decisionErrors
    return d.throw + d.rejected + d.invalid + d.timeout
  }

  snapshot(): ProxyStats {
    return {
      requests: { ...this.requests },
      fallbacks: { ...this.fallbacks },
      errors: { edge: Object.fromEntries(this.errors.edge), cloud: Object.fromEntries(this.errors.cloud) },
      failed: this.failed,
      latency: { edge: this.latency.edge.summary(), cloud: this.latency.cloud.summary() },
      bytes: { ...this.bytes },
      decisionErrors: this.decisionErrorCount,
      decisionErrorsByKind: { ...this.decisionErrors },
      inFlight: { ...this.inFlight },
    }
  }
}

const SIDES: Side[] = ['edge', 'cloud']

/** The Prometheus families of several proxies, labelled `proxy="<name>"`. */
export function families(proxies: Array<{ name: string; metrics: Metrics; circuit: number }>): Family[] {
  const family = (name: string, type: Family['type'], help: string, each: (name: string, m: Metrics, circuit: number) => Sample[]): Family => ({
    name,
    type,
    help,
    samples: proxies.flatMap((p) => each(p.name, p.metrics, p.circuit)),
  })
  return [
    family('edgemix_hybrid_requests_total', 'counter', 'Calls completed per route (the side that produced the result).', (proxy, m) =>
      SIDES.map((route) => ({ labels: { proxy, route }, value: m.requests[route] })),
    ),
    family('edgemix_hybrid_fallbacks_total', 'counter', 'Calls that fell back from one side to the other.', (proxy, m) => [
      { labels: { proxy, from: 'edge', to: 'cloud' }, value: m.fallbacks.edgeToCloud },
      { labels: { proxy, from: 'cloud', to: 'edge' }, value: m.fallbacks.cloudToEdge },
    ]),
    family('edgemix_hybrid_errors_total', 'counter', 'Failed attempts by side and error code.', (proxy, m) =>
      SIDES.flatMap((side) => [...m.errors[side]].map(([code, value]) => ({ labels: { proxy, side, code }, value }))),
    ),
    family('edgemix_hybrid_failed_total', 'counter', 'Calls that failed on every side they tried.', (proxy, m) => [{ labels: { proxy }, value: m.failed }]),
    family('edgemix_hybrid_decision_errors_total', 'counter', 'decisionFunction results replaced by auto (throw, rejected promise, invalid value, timeout).', (proxy, m) =>
      (Object.keys(m.decisionErrors) as DecisionErrorKind[]).map((kind) => ({ labels: { proxy, kind }, value: m.decisionErrors[kind] })),
    ),
    family('edgemix_hybrid_bytes_total', 'counter', 'Input bytes processed at the edge and sent to the cloud.', (proxy, m) => [
      { labels: { proxy, side: 'edge' }, value: m.bytes.atEdge },
      { labels: { proxy, side: 'cloud' }, value: m.bytes.toCloud },
    ]),
    family('edgemix_hybrid_in_flight', 'gauge', 'Calls in progress per side.', (proxy, m) =>
      SIDES.map((side) => ({ labels: { proxy, side }, value: m.inFlight[side] })),
    ),
    family('edgemix_hybrid_circuit_state', 'gauge', 'Cloud circuit breaker: 0 closed, 1 half-open, 2 open.', (proxy, _m, circuit) => [{ labels: { proxy }, value: circuit }]),
    family('edgemix_hybrid_latency_seconds', 'summary', 'Latency of successful attempts per side (HDR histogram quantiles).', (proxy, m) =>
      SIDES.flatMap((side) => {
        const l = m.latency[side]
        return [
          ...[0.5, 0.95, 0.99].map((q) => ({ labels: { proxy, side, quantile: String(q) }, value: l.count ? l.at(q * 100) / 1000 : NaN })),
          { suffix: '_sum', labels: { proxy, side }, value: l.sumMs / 1000 },
          { suffix: '_count', labels: { proxy, side }, value: l.count },
        ]
      }),
    ),
  ]
}
