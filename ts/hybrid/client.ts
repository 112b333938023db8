/**
 * HybridProcessingClient: the entry point. Holds the (lazy) cloud connection and the
 * WASM edge defaults, creates proxies, and reports their metrics together.
 */
import { cloudClient, CloudSide, nodeNames, type CloudClientLike, type CloudRemoteOptions, type CloudTlsOptions } from './cloud.js'
import { nativeEdge, wasmEdge, type EdgeNativeOptions, type EdgeSide, type EdgeWasmOptions } from './edge.js'
import { codedError, codeOf, describeValue } from './errors.js'
import { families, type ProxyStats } from './metrics.js'
import { render } from '../prometheus.js'
import { HybridProxy, type Fallback, type HybridProxyStats, type LatencyHint } from './proxy.js'
import type { DecisionFunction } from './decision.js'
import type { RouterOptions } from './router.js'
import { initWasmEdge, type WasmDefaults, type WasmEdgeInfo, type WasmEdgeOptions } from './wasm-edge.js'
import type { CloudClient } from '../../index.js'
import { ErrorCode } from '../errors.js'

export interface HybridClientOptions {
  /** Cloud host. Default 'localhost'. */
  host?: string
  /** Cloud port. Default 50052. */
  port?: number
  /**
   * Cloud replicas; overrides host/port: 'http://10.0.0.5:50052' or 'host:port' (one
   * replica each), or 'dns:///name:port' for every address of a name (a Kubernetes
   * headless Service), re-resolved every resolveIntervalMs. Calls and streams are balanced
   * by least outstanding requests; a replica that fails or reports NOT_SERVING leaves the
   * rotation until its health service says SERVING again.
   */
  endpoints?: string[]
  /** How often dns:/// endpoints are resolved again, ms (≥ 1000). Default 10000. */
  resolveIntervalMs?: number
  /** Default time limit of a cloud call, ms. */
  timeoutMs?: number
  /** TLS settings of https endpoints. */
  tls?: CloudTlsOptions
  /** Bearer token for the cloud. */
  token?: string
  /** false: no cloud at all (edge only). Default true. */
  cloud?: boolean
}

export interface HybridProxyOptions {
  edgeWasm?: EdgeWasmOptions
  edgeNative?: EdgeNativeOptions
  cloudRemote?: CloudRemoteOptions
  /** Picks the side per input: 'edge' | 'cloud' | 'auto' (or a promise of one). Default: always 'auto'. */
  decisionFunction?: DecisionFunction
  /** Bound of an async decisionFunction, ms, 0..10000; slower answers count as 'auto'. Default 10. */
  decisionTimeoutMs?: number
  /** Which side may take over when the other fails: 'both', 'edge', 'cloud' or 'none'. Default 'both'. */
  fallback?: Fallback
  /** Time limit of one edge call (the WASM guest's time limit), ms. Default: initializeWasmEdge's timeoutMs. */
  edgeTimeoutMs?: number
  /** Time limit of one cloud call (gRPC deadline), ms. Default: the client's timeoutMs. */
  cloudTimeoutMs?: number
  /** Router thresholds, breaker and cost-model settings. */
  router?: RouterOptions
  /** Complexity in [0, 1] of the inputs, fixed or per input. Default: estimated by the edge cost model. */
  complexity?: number | ((input: unknown) => number)
  /** Stream inputs in flight at once, 1..1024. Default 16. */
  maxInFlight?: number
  /** 'interactive': the event loop polls while a call is in flight (lower latency, more CPU). Default 'balanced'. */
  latencyHint?: LatencyHint
  /** Name in metrics. Default 'proxy<N>'. */
  name?: string
  /** Bound of the listNodes() check of cloudRemote.nodeType, ms. Default 1000. */
  validateTimeoutMs?: number
}

const DEFAULT_WASM: WasmDefaults = { maxMemoryMb: 64, timeoutMs: 100 }

export class HybridProcessingClient {
  readonly #cloud: CloudClientLike | undefined
  readonly #timeoutMs: number | undefined
  readonly #proxies = new Set<HybridProxy>()
  #wasm: Promise<WasmEdgeInfo> | undefined
  #wasmOptions: WasmEdgeOptions | undefined
  #count = 0
  #closed = false
  #offline = false

  constructor(options: HybridClientOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw codedError(ErrorCode.INVALID_ARG_TYPE, `The "options" argument must be an object, received ${describeValue(options)}`, TypeError)
    }
    const host = options.host ?? 'localhost'
    const port = options.port ?? 50052
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw codedError(ErrorCode.INVALID_CONFIG, `port must be an integer in 1..65535, received ${describeValue(port)}`, RangeError)
    }
    this.#timeoutMs = options.timeoutMs
    if (options.cloud !== false) {
      // Lazy: never connects here. Bad endpoints or options throw (ERR_INVALID_CONFIG).
      this.#cloud = cloudClient({
        endpoints: options.endpoints ?? [`http://${host}:${port}`],
        timeoutMs: options.timeoutMs,
        token: options.token,
        tls: options.tls,
        resolveIntervalMs: options.resolveIntervalMs,
      })
    }
  }

  /**
   * Starts the WASM engine and compiles the modules of `modulesDir`; the options become
   * the defaults of every later edgeWasm proxy. Idempotent: later calls return the first
   * call's result (other options are ignored).
   */
  initializeWasmEdge(options: WasmEdgeOptions = {}): Promise<WasmEdgeInfo> {
    this.#wasmOptions ??= options
    this.#wasm ??= initWasmEdge(options)
    return this.#wasm
  }

  /** Creates a proxy, validating every side now (see HybridProxyOptions). */
  async createHybridProxy(options: HybridProxyOptions): Promise<HybridProxy> {
    if (this.#closed) throw codedError(ErrorCode.HYBRID_CLOSED, 'the client is closed')
    if (options === null || typeof options !== 'object') {
      throw codedError(ErrorCode.INVALID_ARG_TYPE, `The "options" argument must be an object, received ${describeValue(options)}`, TypeError)
    }
    if (options.edgeWasm && options.edgeNative) {
      throw codedError(ErrorCode.INVALID_CONFIG, 'give edgeWasm or edgeNative, not both', RangeError)
    }
    if (!options.edgeWasm && !options.edgeNative && !options.cloudRemote) {
      throw codedError(ErrorCode.HYBRID_NO_SIDE, 'a hybrid proxy needs edgeWasm, edgeNative or cloudRemote (none was given)')
    }
    let edge: EdgeSide | undefined
    if (options.edgeWasm) {
      const defaults = this.#wasm ? await this.#wasm : DEFAULT_WASM
      edge = await wasmEdge(options.edgeWasm, defaults, options.edgeTimeoutMs, this.#cloud as CloudClient | undefined)
    } else if (options.edgeNative) {
      edge = nativeEdge(options.edgeNative, options.edgeTimeoutMs)
    }
    let cloud: CloudSide | undefined
    if (options.cloudRemote) {
      cloud = new CloudSide(this.#cloudOrUnavailable(), options.cloudRemote, options.cloudTimeoutMs ?? this.#timeoutMs)
      await this.#checkNodeType(cloud.nodeType, options.validateTimeoutMs ?? 1000)
      const output = edge?.describe().output
      if (output === 'f32' || output === 'json') cloud.decodeAs(output)
    }
    const proxy = new HybridProxy({
      name: options.name ?? `proxy${this.#count++}`,
      edge,
      cloud,
      decisionFunction: options.decisionFunction,
      decisionTimeoutMs: options.decisionTimeoutMs,
      fallback: options.fallback,
      router: options.router,
      complexity: options.complexity,
      maxInFlight: options.maxInFlight,
      latencyHint: options.latencyHint,
    })
    proxy.router.setOffline(this.#offline)
    this.#proxies.add(proxy)
    return proxy
  }

  /** Offline mode for every proxy of this client, now and later: no cloud calls, all at the edge. */
  setOffline(offline: boolean): void {
    this.#offline = offline
    for (const p of this.#proxies) p.router.setOffline(offline)
  }

  /** The cloud's status (rejects with ERR_CLOUD_* when it cannot be reached). */
  status(): Promise<unknown> {
    return this.#cloudOrUnavailable().status()
  }

  /** The node types the cloud offers, with their parameters. */
  listNodes(): Promise<unknown> {
    return this.#cloudOrUnavailable().listNodes()
  }

  /** The cloud replicas as the client sees them: address, in rotation, calls in flight, totals. */
  replicas(): unknown[] {
    return this.#cloud?.replicas() ?? []
  }

  /** Statistics of every proxy, by name. */
  stats(): Record<string, HybridProxyStats> {
    return Object.fromEntries([...this.#proxies].map((p) => [p.name, p.stats()]))
  }

  /** Every proxy's metrics as Prometheus text exposition (format 0.0.4). */
  metrics(): string {
    return render(families([...this.#proxies].map((p) => ({ name: p.name, metrics: p.metrics, circuit: p.circuitGauge }))))
  }

  /** Closes every proxy (waiting for work in flight) and the cloud connection. */
  async close(): Promise<void> {
    this.#closed = true
    await Promise.allSettled([...this.#proxies].map((p) => p.close()))
    await this.#cloud?.close()
  }

  #cloudOrUnavailable(): CloudClientLike {
    if (this.#cloud) return this.#cloud
    const fail = () => Promise.reject(codedError(ErrorCode.CLOUD_UNAVAILABLE, 'no cloud: the client was created with cloud: false'))
    return {
      execute: fail,
      status: fail,
      listNodes: fail,
      openStream: fail as never,
      replicas: () => [],
      close: () => {},
    }
  }

  /**
   * Checks that the cloud lists `nodeType`. When the cloud cannot be reached within the
   * bound, the check is skipped: an unknown node type then shows as cloud errors
   * (ERR_CLOUD_REJECTED / ERR_CLOUD_UNIMPLEMENTED) on the first cloud calls, which fall
   * back to the edge.
   */
  async #checkNodeType(nodeType: string, boundMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const bound = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), boundMs)))
    let listed: unknown
    try {
      listed = await Promise.race([this.#cloudOrUnavailable().listNodes(), bound])
    } catch (e) {
      if (codeOf(e).startsWith('ERR_CLOUD_')) return
      throw e
    } finally {
      clearTimeout(timer)
    }
    if (listed === undefined) return
    const names = nodeNames(listed)
    if (!names.includes(nodeType)) {
      throw codedError(ErrorCode.HYBRID_UNKNOWN_NODE, `the cloud has no node type "${nodeType}"; it offers: ${names.join(', ') || 'none'}`, RangeError)
    }
  }
}

export type { ProxyStats }
