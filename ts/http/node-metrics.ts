/**
 * The metrics the edge HTTP API shares with the cloud tier (`edgemix-server`,
 * crates/runtime/src/cloud/metrics.rs): the same names, labels and buckets, so one
 * dashboard and one set of alert rules read both tiers. `edgemix serve` and the edge
 * Worker (worker/) both record through this class. A request on a processing route (or a
 * frame on /stream) counts as one call of the cloud node doing the same work; `method` is
 * the route (`POST /process-audio`, `WebSocket /stream`) and `code` the gRPC status code
 * name of its reply (codes.ts). Label values come from this file only: a client cannot
 * mint series.
 */
import { Histogram, type Family } from '../prometheus.js'

/** Counter: calls and frames answered, by `method`, `node` and `code`. */
export const REQUESTS = 'edgemix_requests_total'
/** Histogram, seconds: from a request (or frame) arriving to its answer, by `method` and `node`. */
export const REQUEST_DURATION = 'edgemix_request_duration_seconds'
/** Gauge: streams open, by `node`. */
export const STREAMS_ACTIVE = 'edgemix_streams_active'
/** Counter: streams opened, by `node`. */
export const STREAMS_OPENED = 'edgemix_streams_opened_total'
/** Gauge: 1, labelled with the package version. */
export const BUILD_INFO = 'edgemix_build_info'

/** The cloud tier's LATENCY_BUCKETS, seconds (0.1 s, the latency alert's threshold, among them). */
export const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const

/** The cloud node type doing the work of each processing route. */
export const NODE_OF_ROUTE: Readonly<Record<string, string>> = {
  '/process-audio': 'AudioMixer',
  '/stream': 'AudioMixer',
  '/extract-features': 'MFCC',
  '/classify-genre': 'GenreClassifier',
}

export class NodeMetrics {
  private readonly requests = new Map<string, number>()
  private readonly durations = new Map<string, Histogram>()
  private readonly streams = new Map<string, { active: number; opened: number }>()

  /**
   * Counts one answered call or frame. `seconds` (arrival to answer) is left out where
   * the runtime cannot measure it (a Worker's clock stands still while it computes).
   */
  record(method: string, node: string, code: string, seconds?: number): void {
    const key = `${method}\t${node}\t${code}`
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1)
    if (seconds === undefined) return
    const dkey = `${method}\t${node}`
    let h = this.durations.get(dkey)
    if (!h) this.durations.set(dkey, (h = new Histogram(LATENCY_BUCKETS)))
    h.observe(seconds)
  }

  /** Counts a stream of `node` opening; the returned function counts it closing (once). */
  openStream(node: string): () => void {
    let s = this.streams.get(node)
    if (!s) this.streams.set(node, (s = { active: 0, opened: 0 }))
    s.active++
    s.opened++
    let open = true
    return () => {
      if (open) s.active--
      open = false
    }
  }

  /** Calls and frames answered so far. */
  get total(): number {
    let n = 0
    for (const v of this.requests.values()) n += v
    return n
  }

  /** The Prometheus families, with `edgemix_build_info{version}` first. */
  families(version: string): Family[] {
    const families: Family[] = [
      { name: BUILD_INFO, help: '1, labelled with the version', type: 'gauge', samples: [{ labels: { version }, value: 1 }] },
      {
        name: REQUESTS,
        help: 'Calls and frames answered, by method (route), node and gRPC status code name',
        type: 'counter',
        samples: [...this.requests].map(([key, value]) => {
          const [method, node, code] = key.split('\t')
          return { labels: { method, node, code }, value }
        }),
      },
    ]
    if (this.durations.size > 0) {
      const samples = [...this.durations].flatMap(([key, h]) => {
        const [method, node] = key.split('\t')
        return h.family(REQUEST_DURATION, '', { method, node }).samples
      })
      families.push({ name: REQUEST_DURATION, help: 'From a request or frame arriving to its answer', type: 'histogram', samples })
    }
    if (this.streams.size > 0) {
      const all = [...this.streams]
      families.push(
        { name: STREAMS_ACTIVE, help: 'Streams open', type: 'gauge', samples: all.map(([node, s]) => ({ labels: { node }, value: s.active })) },
        { name: STREAMS_OPENED, help: 'Streams opened', type: 'counter', samples: all.map(([node, s]) => ({ labels: { node }, value: s.opened })) },
      )
    }
    return families
  }
}
