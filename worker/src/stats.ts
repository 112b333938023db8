/**
 * The Worker's counters, per isolate: the platform runs many isolates of a Worker (one or
 * more per data centre, each recycled at will), each with its own counters, so GET /stats
 * and GET /metrics describe the isolate that answered, not the deployment. Sum them in
 * Prometheus over scrapes, or use the platform's own analytics for totals. Names shared
 * with the cloud tier come from ts/http/node-metrics.ts.
 */
import { render, type Family } from '../../ts/prometheus.js'
import { NodeMetrics } from '../../ts/http/node-metrics.js'

/** Counter names of the cloud tier's WASM host (crates/runtime/src/wasm/metrics.rs). */
export const WASM_INSTANTIATIONS = 'edgemix_wasm_instantiations_total'
export const WASM_INIT_FAILURES = 'edgemix_wasm_init_failures_total'

export class IsolateStats {
  /** When this isolate answered its first request, ms (a Worker's clock reads 0 while its script loads). */
  private started = 0
  readonly nodes = new NodeMetrics()
  private readonly responses = new Map<string, number>()
  private readonly errors = new Map<string, number>()
  private readonly initFailures = new Map<string, number>()
  instantiations = 0
  frames = 0

  /** Starts the uptime clock at the first request (later calls do nothing). */
  start(): void {
    if (this.started === 0) this.started = Date.now()
  }

  /** Seconds since this isolate's first request. */
  get uptimeSeconds(): number {
    return (Date.now() - this.started) / 1000
  }

  response(method: string, route: string, status: number, code: string | null): void {
    const key = `${method} ${route} ${status}`
    this.responses.set(key, (this.responses.get(key) ?? 0) + 1)
    if (code !== null) this.errors.set(code, (this.errors.get(code) ?? 0) + 1)
  }

  initFailure(reason: string): void {
    this.initFailures.set(reason, (this.initFailures.get(reason) ?? 0) + 1)
  }

  /** The GET /stats body. */
  snapshot() {
    const byRoute: Record<string, Record<string, number>> = {}
    let total = 0
    for (const [key, n] of this.responses) {
      const [method, route, status] = key.split(' ')
      ;(byRoute[`${method} ${route}`] ??= {})[status] = n
      total += n
    }
    return {
      scope: 'isolate',
      uptimeSeconds: this.uptimeSeconds,
      requests: { total, byRoute },
      errors: Object.fromEntries(this.errors),
      frames: { http: this.frames },
      wasm: { instantiations: this.instantiations, initFailures: Object.fromEntries(this.initFailures) },
    }
  }

  /** The GET /metrics body. */
  prometheus(version: string): string {
    const counter = (name: string, help: string, samples: Family['samples']): Family => ({ name, help, type: 'counter', samples })
    return render([
      ...this.nodes.families(version),
      counter(WASM_INSTANTIATIONS, 'WASM guest instances started (one per isolate, and a new one after a failure)', [{ labels: {}, value: this.instantiations }]),
      counter(WASM_INIT_FAILURES, 'WASM instances that failed to start or initialize, by reason', [...this.initFailures].map(([reason, value]) => ({ labels: { reason }, value }))),
      counter('edgemix_http_responses_total', 'HTTP responses by method, route pattern and status', [...this.responses].map(([key, value]) => {
        const [method, route, status] = key.split(' ')
        return { labels: { method, route, status }, value }
      })),
      counter('edgemix_http_errors_total', 'Error replies by stable error code', [...this.errors].map(([code, value]) => ({ labels: { code }, value }))),
      { name: 'edgemix_uptime_seconds', help: 'Seconds since this isolate answered its first request', type: 'gauge', samples: [{ labels: {}, value: this.uptimeSeconds }] },
    ])
  }
}
