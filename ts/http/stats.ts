/**
 * Server counters behind GET /stats (JSON) and GET /metrics (Prometheus text). Counting
 * only: no sample values, request bodies or client addresses are kept. Calls of the
 * processing routes, /stream frames and streams go under the cloud tier's metric names
 * (node-metrics.ts), as do the process's CPU, memory and cores; the rest is the HTTP
 * layer's own (`edgemix_http_*`, `edgemix_ws_*`).
 */
import { availableParallelism } from 'node:os'
import { Histogram, render, type Family } from '../prometheus.js'
import { grpcCodeOf } from './codes.js'
import { NODE_OF_ROUTE, NodeMetrics } from './node-metrics.js'

/** Request duration buckets, seconds. */
const DURATION_BOUNDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] as const

export class ServerStats {
  readonly startedAt = Date.now()
  /** Responses by `METHOD route status`. */
  private readonly responses = new Map<string, number>()
  /** Error replies by code. */
  private readonly errors = new Map<string, number>()
  private readonly duration = new Histogram(DURATION_BOUNDS)
  /** 960-sample frames processed, by transport. */
  readonly frames = { http: 0, websocket: 0 }
  readonly streams = { open: 0, total: 0, pauses: 0 }
  /** Connections closed as they opened: their address already held the most allowed. */
  readonly connections = { refused: 0 }
  /** Under the cloud tier's names. */
  readonly nodes = new NodeMetrics()

  /**
   * @param sessionCount the number of POST /process-audio sessions kept now
   * @param analysisLoad whole-clip analyses running and waiting for a turn now
   */
  constructor(
    private readonly sessionCount: () => number,
    private readonly analysisLoad: () => { running: number; waiting: number },
    /** The package version, for edgemix_build_info. */
    private readonly version: string,
  ) {}

  /** Counts one response (`route` is the route pattern, not the URL). */
  response(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`
    this.responses.set(key, (this.responses.get(key) ?? 0) + 1)
    this.duration.observe(seconds)
    const node = method === 'POST' ? NODE_OF_ROUTE[route] : undefined
    if (node) this.nodes.record(`${method} ${route}`, node, grpcCodeOf(status), seconds)
  }

  error(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1)
  }

  /** The GET /stats body. */
  snapshot() {
    const byRoute: Record<string, Record<string, number>> = {}
    for (const [key, n] of this.responses) {
      const [method, route, status] = key.split(' ')
      const r = (byRoute[`${method} ${route}`] ??= {})
      r[status] = n
    }
    return {
      uptimeSeconds: (Date.now() - this.startedAt) / 1000,
      requests: { total: this.duration.total, meanMs: this.duration.mean * 1000, byRoute },
      errors: Object.fromEntries(this.errors),
      frames: { ...this.frames },
      streams: { ...this.streams },
      connections: { ...this.connections },
      sessions: this.sessionCount(),
      analysis: this.analysisLoad(),
    }
  }

  /** The GET /metrics body. */
  prometheus(): string {
    const responses: Family = {
      name: 'edgemix_http_responses_total',
      help: 'HTTP responses by method, route pattern and status.',
      type: 'counter',
      samples: [...this.responses].map(([key, value]) => {
        const [method, route, status] = key.split(' ')
        return { labels: { method, route, status }, value }
      }),
    }
    const errors: Family = {
      name: 'edgemix_http_errors_total',
      help: 'Error replies by stable error code.',
      type: 'counter',
      samples: [...this.errors].map(([code, value]) => ({ labels: { code }, value })),
    }
    const gauge = (name: string, help: string, value: number): Family => ({ name, help, type: 'gauge', samples: [{ labels: {}, value }] })
    const cpu = process.cpuUsage()
    return render([
      ...this.nodes.families(this.version),
      // A gauge, as edgemix-server's exporter types it (rate() reads either).
      gauge('process_cpu_seconds_total', 'User and system CPU time of the process, seconds.', (cpu.user + cpu.system) / 1e6),
      gauge('process_resident_memory_bytes', 'Resident memory of the process, bytes.', process.memoryUsage.rss()),
      gauge('edgemix_cpu_cores', 'Cores the process may use (as libuv counts them).', availableParallelism()),
      responses,
      this.duration.family('edgemix_http_request_duration_seconds', 'Time from request received to response sent, every route.'),
      errors,
      { name: 'edgemix_ws_backpressure_pauses_total', help: 'Times a stream stopped reading because its output backed up.', type: 'counter', samples: [{ labels: {}, value: this.streams.pauses }] },
      { name: 'edgemix_http_connections_refused_total', help: 'Connections closed as they opened: their client address held the most allowed.', type: 'counter', samples: [{ labels: {}, value: this.connections.refused }] },
      { name: 'edgemix_http_analysis_running', help: 'Whole-clip analysis requests running.', type: 'gauge', samples: [{ labels: {}, value: this.analysisLoad().running }] },
      { name: 'edgemix_http_analysis_waiting', help: 'Whole-clip analysis requests waiting for a turn.', type: 'gauge', samples: [{ labels: {}, value: this.analysisLoad().waiting }] },
      { name: 'edgemix_http_sessions', help: 'POST /process-audio sessions kept.', type: 'gauge', samples: [{ labels: {}, value: this.sessionCount() }] },
      { name: 'edgemix_uptime_seconds', help: 'Seconds since the server was created.', type: 'gauge', samples: [{ labels: {}, value: (Date.now() - this.startedAt) / 1000 }] },
    ])
  }
}
