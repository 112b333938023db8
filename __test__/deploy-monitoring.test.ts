// Operations of the real edgemix-server binary: what its /metrics counts after known
// traffic, that every metric name the Grafana dashboard and the alert rules query is one
// it exports, that /healthz and grpc.health.v1 follow a self-test frame, and that the
// Kubernetes scrape config keeps exactly the pods the manifests annotate.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml, parseAllDocuments } from 'yaml'
import { CloudClient, ErrorCode } from '../dist/index.js'
import { FRAME, speechLike } from './helpers.js'
import { parsePrometheus, type ParsedFamily } from './prometheus-parse.js'
import { startServerProcess, type ServerProcess } from './server-process.js'
import { checkHealth } from '../scripts/grpc-health.mjs'

const ROOT = join(__dirname, '..')
const MODULES = join(ROOT, 'wasm-modules', 'dist')
const MONITORING = join(ROOT, 'deploy', 'monitoring')
const SERVICE = 'remotemedia.execution.RemoteExecutionService'

async function scrape(server: ServerProcess): Promise<Map<string, ParsedFamily>> {
  const reply = await fetch(`${server.ops}/metrics`)
  expect(reply.status).toBe(200)
  expect(reply.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  return parsePrometheus(await reply.text())
}

/** The value of the one sample `name` with (at least) `labels`; undefined if none. */
function value(families: Map<string, ParsedFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  const samples = [...families.values()].flatMap((f) => f.samples).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  if (samples.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${samples.length} series`)
  return samples[0]?.value
}

async function rejection(p: Promise<unknown>): Promise<Error & { code?: string }> {
  return p.then(
    () => { throw new Error('expected a rejection') },
    (e) => e,
  )
}

/** utime + stime of a process from /proc/<pid>/stat, seconds (USER_HZ = 100 on Linux). */
function kernelCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

const PROMQL_WORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan'])

/**
 * The metric names a PromQL expression (or a Grafana label_values() query) selects:
 * identifiers left once strings, label matchers, ranges, grouping clauses, function
 * names, keywords and Grafana variables are taken out.
 */
function metricNames(expr: string): string[] {
  const templated = /^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(expr)
  if (templated) return [templated[1]]
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ')
  const names: string[] = []
  for (const [, word, call] of bare.matchAll(/(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    if (call || PROMQL_WORDS.has(word.toLowerCase()) || names.includes(word)) continue
    names.push(word)
  }
  return names
}

function dashboardQueries(): string[] {
  const dashboard = JSON.parse(readFileSync(join(MONITORING, 'grafana', 'dashboards', 'edgemix.json'), 'utf8'))
  const panels = dashboard.panels.flatMap((p: { targets?: Array<{ expr: string }> }) => (p.targets ?? []).map((t) => t.expr))
  const variables = dashboard.templating.list.filter((v: { type: string }) => v.type === 'query').map((v: { definition: string }) => v.definition)
  return [...panels, ...variables]
}

function ruleQueries(): string[] {
  const rules = parseYaml(readFileSync(join(MONITORING, 'prometheus', 'alerts.yml'), 'utf8'))
  return rules.groups.flatMap((g: { rules: Array<{ expr: string }> }) => g.rules.map((r) => r.expr))
}

describe('edgemix-server /metrics', () => {
  let server: ServerProcess
  let client: CloudClient
  let families: Map<string, ParsedFamily>
  let cpuBeforeScrape: number
  let cpuAfterScrape: number

  beforeAll(async () => {
    server = await startServerProcess(['--metrics-port', '0', '--enable-test-nodes', '--modules-dir', MODULES, '--concurrency', '3'])
    client = new CloudClient({ endpoints: [`http://${server.addr}`], timeoutMs: 10_000 })
    const input = speechLike(FRAME)
    for (let i = 0; i < 3; i++) await client.execute('AudioMixer', {}, input)
    const nan = Float32Array.from(input)
    nan[7] = NaN
    expect((await rejection(client.execute('AudioMixer', {}, nan))).code).toBe(ErrorCode.CLOUD_REJECTED)
    // Node names a client invents must not become series of their own.
    for (const name of ['No/Such{Node"', 'x'.repeat(200)]) {
      expect((await rejection(client.execute(name, {}, input))).code).toBe(ErrorCode.CLOUD_REJECTED)
    }
    const stream = client.openStream('AudioMixer', {}, { format: 'f32le' })
    for (let i = 0; i < 5; i++) await stream.send(input)
    cpuBeforeScrape = kernelCpuSeconds(server.child.pid!)
    families = await scrape(server)
    cpuAfterScrape = kernelCpuSeconds(server.child.pid!)
    await stream.end()
    await client.execute('WasmModule', { module: 'mixer' }, input)
    expect((await rejection(client.execute('WasmModule', { module: 'badabi' }, input))).code).toBe(ErrorCode.CLOUD_INTERNAL)
  })

  afterAll(async () => {
    await client?.close()
    await server?.stop()
  })

  it('counts calls and frames by method, node and code, with invented node names as "unknown"', () => {
    const count = (method: string, node: string, code: string) => value(families, 'edgemix_requests_total', { method, node, code })
    expect(count('ExecuteNode', 'AudioMixer', 'OK')).toBe(3)
    expect(count('ExecuteNode', 'AudioMixer', 'INVALID_ARGUMENT')).toBe(1)
    expect(count('ExecuteNode', 'unknown', 'INVALID_ARGUMENT')).toBe(2)
    expect(count('StreamNode', 'AudioMixer', 'OK')).toBe(5)
    const nodes = new Set(families.get('edgemix_requests_total')!.samples.map((s) => s.labels.node))
    expect([...nodes].sort()).toEqual(['AudioMixer', 'unknown'])
  })

  it('has latency histograms with the 100 ms alert threshold as a bucket, and per-node timings', () => {
    const latency = families.get('edgemix_request_duration_seconds')!
    expect(latency.type).toBe('histogram')
    const execute = { method: 'ExecuteNode', node: 'AudioMixer' }
    expect(value(families, 'edgemix_request_duration_seconds_count', execute)).toBe(4)
    expect(value(families, 'edgemix_request_duration_seconds_bucket', { ...execute, le: '0.1' })).toBeLessThanOrEqual(4)
    expect(value(families, 'edgemix_request_duration_seconds_bucket', { ...execute, le: '+Inf' })).toBe(4)
    // The node's own time: the three good calls and five frames (the NaN never reached it).
    expect(value(families, 'edgemix_node_duration_seconds_count', { node: 'AudioMixer' })).toBe(8)
    const sum = value(families, 'edgemix_node_duration_seconds_sum', { node: 'AudioMixer' })!
    expect(sum).toBeGreaterThan(0)
    expect(sum).toBeLessThan(value(families, 'edgemix_request_duration_seconds_sum', execute)! + value(families, 'edgemix_request_duration_seconds_sum', { method: 'StreamNode', node: 'AudioMixer' })!)
  })

  it('reports streams, execution slots, the self-test and the process', () => {
    expect(value(families, 'edgemix_streams_active', { node: 'AudioMixer' })).toBe(1)
    expect(value(families, 'edgemix_streams_opened_total', { node: 'AudioMixer' })).toBe(1)
    expect(value(families, 'edgemix_execution_slots')).toBe(3)
    expect(value(families, 'edgemix_executions_running')).toBe(0)
    expect(value(families, 'edgemix_executions_waiting')).toBe(0)
    expect(value(families, 'edgemix_selftest_up')).toBe(1)
    expect(value(families, 'edgemix_selftest_duration_seconds')).toBeLessThan(1)
    expect(value(families, 'edgemix_cpu_cores')).toBeGreaterThanOrEqual(1)
    expect(value(families, 'edgemix_build_info', { version: '0.1.0' })).toBe(1)
    // What the kernel counted for the process between just before and just after the scrape,
    // in fractional seconds (one 10 ms tick of slack each way); a quiet machine may count
    // 0 s for a fresh server, so the kernel's count is the reference, not "more than 0".
    const cpu = value(families, 'process_cpu_seconds_total')!
    expect(cpu).toBeGreaterThanOrEqual(cpuBeforeScrape - 0.01)
    expect(cpu).toBeLessThanOrEqual(cpuAfterScrape + 0.01)
    expect(value(families, 'process_resident_memory_bytes')).toBeGreaterThan(1 << 20)
  })

  it('counts WASM instances and initialization failures', async () => {
    const after = await scrape(server)
    expect(value(after, 'edgemix_streams_active', { node: 'AudioMixer' })).toBe(0)
    expect(value(after, 'edgemix_wasm_instantiations_total')).toBe(1)
    expect(value(after, 'edgemix_wasm_instances')).toBe(0) // the call's instance is gone
    expect(value(after, 'edgemix_wasm_init_failures_total', { reason: 'ERR_WASM_ABI' })).toBe(1)
  })

  it('exports every metric name the Grafana dashboard and the alert rules query', async () => {
    const exported = new Set([...(await scrape(server)).values()].flatMap((f) => [f.name, ...f.samples.map((s) => s.name)]))
    const queries = [...dashboardQueries(), ...ruleQueries()]
    expect(queries.length).toBeGreaterThan(20)
    const used = new Set(queries.flatMap(metricNames))
    expect(used.size).toBeGreaterThan(12)
    const missing = [...used].filter((name) => !exported.has(name))
    expect(missing).toEqual([])
  })

  it('finds metric names in PromQL and nothing else', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (namespace, pod, le) (rate(edgemix_request_duration_seconds_bucket{code=~"A|B"}[5m]))) > 0.1')).toEqual(['edgemix_request_duration_seconds_bucket'])
    expect(metricNames('rate(process_cpu_seconds_total[$__rate_interval]) / on (pod) edgemix_cpu_cores{pod=~"$pod"} > bool 0.9')).toEqual(['process_cpu_seconds_total', 'edgemix_cpu_cores'])
    expect(metricNames('label_values(edgemix_build_info{namespace=~"$namespace"}, pod)')).toEqual(['edgemix_build_info'])
    expect(metricNames('sum(edgemix_nope) or vector(0)')).toEqual(['edgemix_nope'])
  })
})

describe('edgemix-server health', () => {
  it('/healthz and grpc.health.v1 follow the self-test frame; liveness stays', async () => {
    const server = await startServerProcess(['--metrics-port', '0', '--enable-test-nodes', '--concurrency', '1', '--self-test-secs', '1'])
    const client = new CloudClient({ endpoints: [`http://${server.addr}`], timeoutMs: 10_000 })
    try {
      const ok = await fetch(`${server.ops}/healthz`)
      expect(ok.status).toBe(200)
      expect(await ok.json()).toMatchObject({ status: 'ok', selfTest: { ok: true, serving: true, message: '' } })
      expect(await checkHealth(server.addr, SERVICE)).toBe('SERVING')

      // The only execution slot is busy for 4 s: no frame can be processed.
      const busy = client.execute('Delay', { delay_ms: 4000 }, Buffer.from('x'))
      let body: { status: string; selfTest: { message: string; serving: boolean } } | undefined
      for (let i = 0; i < 60; i++) {
        const reply = await fetch(`${server.ops}/healthz`)
        if (reply.status === 503) {
          body = await reply.json()
          if (!body!.selfTest.serving) break
        }
        await new Promise((r) => setTimeout(r, 100))
      }
      expect(body).toMatchObject({ status: 'failing', selfTest: { serving: false } })
      expect(body!.selfTest.message).toMatch(/no answer within 1000 ms/)
      expect(await checkHealth(server.addr, SERVICE)).toBe('NOT_SERVING')
      expect(await checkHealth(server.addr, '')).toBe('SERVING')

      expect(Buffer.from(await busy as Buffer).toString()).toBe('x')
      let again = 0
      for (let i = 0; i < 60 && again !== 200; i++) {
        again = (await fetch(`${server.ops}/healthz`)).status
        if (again !== 200) await new Promise((r) => setTimeout(r, 100))
      }
      expect(again).toBe(200)
      expect(await checkHealth(server.addr, SERVICE)).toBe('SERVING')
      // Only two routes, nothing that changes state.
      expect((await fetch(`${server.ops}/config`)).status).toBe(404)
      expect((await fetch(`${server.ops}/metrics`, { method: 'POST' })).status).toBe(405)
    } finally {
      await client.close()
      expect(await server.stop()).toBe(0)
    }
  })
})

describe('the Kubernetes scrape config', () => {
  const scrape = parseYaml(readFileSync(join(MONITORING, 'prometheus', 'kubernetes.yml'), 'utf8'))
  const docs = ['server', 'edge'].flatMap((tier) =>
    parseAllDocuments(readFileSync(join(ROOT, 'deploy', 'k8s', 'base', tier, 'deployment.yaml'), 'utf8')).map((d) => d.toJS()),
  )

  for (const app of ['edgemix-server', 'edgemix-edge']) {
    it(`keeps the pods of ${app} as the manifests label and annotate them`, () => {
      const job = scrape.scrape_configs.find((j: { job_name: string }) => j.job_name === app)
      expect(job.kubernetes_sd_configs).toEqual([{ role: 'pod' }])
      const deployment = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === app)
      const pod = deployment.spec.template
      const meta: Record<string, string> = {
        __meta_kubernetes_pod_label_app_kubernetes_io_name: pod.metadata.labels['app.kubernetes.io/name'],
        __meta_kubernetes_pod_annotation_prometheus_io_scrape: pod.metadata.annotations['prometheus.io/scrape'],
        __meta_kubernetes_pod_annotation_prometheus_io_port: pod.metadata.annotations['prometheus.io/port'],
        __meta_kubernetes_pod_annotation_prometheus_io_path: pod.metadata.annotations['prometheus.io/path'],
        __meta_kubernetes_pod_phase: 'Running',
        __meta_kubernetes_pod_ip: '10.0.0.7',
        __meta_kubernetes_namespace: 'edgemix',
        __meta_kubernetes_pod_name: `${app}-abc`,
      }
      // Prometheus' relabelling (keep, replace) applied to the pod the manifest makes.
      const labels: Record<string, string> = { ...meta, __metrics_path__: '/metrics' }
      let kept = true
      for (const rule of job.relabel_configs) {
        const source = (rule.source_labels ?? []).map((l: string) => labels[l] ?? '').join(rule.separator ?? ';')
        const match = new RegExp(`^(?:${rule.regex ?? '(.*)'})$`).exec(source)
        if ((rule.action ?? 'replace') === 'keep') {
          kept &&= match !== null
        } else if (match) {
          labels[rule.target_label] = (rule.replacement ?? '$1').replace(/\$(\d)/g, (_: string, i: string) => match[Number(i)] ?? '')
        }
      }
      expect(kept).toBe(true)
      const port = pod.spec.containers[0].ports.find((p: { containerPort: number }) => String(p.containerPort) === labels.__address__.split(':')[1])
      expect(port, `the scraped port ${labels.__address__} is a container port`).toBeDefined()
      expect(labels.__metrics_path__).toBe('/metrics')
      expect(labels).toMatchObject({ __address__: `10.0.0.7:${port.containerPort}`, namespace: 'edgemix', pod: `${app}-abc` })
      // A pod of another app is dropped.
      const other = new RegExp(`^(?:${job.relabel_configs[0].regex})$`)
      expect(other.test('something-else')).toBe(false)
    })
  }
})
