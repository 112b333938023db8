/**
 * The edge side of a proxy: a WASM module (`edgeWasm`, one WasmSession per lane) or a
 * native node (`edgeNative`, one instance per lane). Work runs off the JS thread, on the
 * addon's frame workers: WASM calls under the module's time limit, and the mixer. The
 * calls of all lanes of one side (WASM sessions, native mixers) go out in batches
 * (./batcher.ts).
 */
import { existsSync } from 'node:fs'
import { MixerChain, WasmEdgeNode, WasmSession, type CloudClient, type WasmRemoteCalls } from '../../index.js'
import { Batcher } from './batcher.js'
import { codedError, describeValue } from './errors.js'
import type { ModuleRegistryEntry } from '../../index.js'
import type { WasmDefaults } from './wasm-edge.js'
import { ErrorCode } from '../errors.js'

export interface EdgeWasmOptions {
  /** Path of a module following wasm-modules/ABI.md. Give this or `module`. */
  wasmPath?: string
  /**
   * A module of the registry of initializeWasmEdge({ registry }), by name. The registry gives
   * its file (loaded only with the registry's SHA-256), memory and time limits, output cap,
   * allowRemote and default config; `config`, `allowRemote` and the proxy's `edgeTimeoutMs`
   * given here replace the registry's values. Give this or `wasmPath`.
   */
  module?: string
  /** Handed to the module's configure() in every session (replaces a registry module's default config whole). */
  config?: unknown
  /**
   * The cloud node types (e.g. ['VAD']) a module that imports env.call_remote_service may
   * call; its calls go through the client's cloud connection (endpoints, token, TLS) and
   * wait at most what is left of the edge time limit. A module that imports it is refused
   * without a list. Default none.
   */
  allowRemote?: string[]
}

/** A native node instance: the native MixerChain, or any object with an async process(). */
export interface EdgeNodeInstance {
  process(input: Float32Array | Uint8Array): Promise<unknown>
  close?(): Promise<void> | void
}

export interface EdgeNativeOptions {
  /** 'mixer' (MixerChain, Float32Array in and out) or a factory of node instances (one per lane). */
  node: 'mixer' | (() => EdgeNodeInstance)
  /** MixerConfigInput for 'mixer'. */
  config?: unknown
}

export interface EdgeSession {
  process(input: Float32Array | Uint8Array): Promise<unknown>
  close(): Promise<void>
}

export interface EdgeSide {
  /** A new session (own state). */
  open(): Promise<EdgeSession>
  /** The edge time budget, ms (complexity is measured against it). */
  budgetMs: number
  describe(): Record<string, unknown>
  /** A WASM module's remote calls so far, by outcome (modules that import env.call_remote_service). */
  remoteCalls?(): WasmRemoteCalls
}

/**
 * `allowRemote` as the list it must be (`true` names no service); the addon checks the
 * names themselves.
 */
function allowList(allowRemote: unknown): string[] {
  if (allowRemote === undefined) return []
  if (!Array.isArray(allowRemote)) {
    throw codedError(
      ErrorCode.INVALID_CONFIG,
      `edgeWasm.allowRemote must be a list of the cloud node types the module may call (e.g. ['VAD']), received ${describeValue(allowRemote)}`,
      TypeError,
    )
  }
  return allowRemote
}

/** The registry entry `edgeWasm.module` names, or undefined for a `wasmPath` module. */
function registryEntry(options: EdgeWasmOptions, defaults: WasmDefaults): ModuleRegistryEntry | undefined {
  if (options.module === undefined) return undefined
  if (typeof options.module !== 'string' || options.module === '') {
    throw codedError(ErrorCode.INVALID_ARG_TYPE, `edgeWasm.module must be a module name of the registry (a non-empty string), received ${describeValue(options.module)}`, TypeError)
  }
  if (options.wasmPath !== undefined) throw codedError(ErrorCode.INVALID_CONFIG, 'give edgeWasm.module or edgeWasm.wasmPath, not both', RangeError)
  const registry = defaults.registry
  if (!registry) {
    throw codedError(ErrorCode.INVALID_CONFIG, `edgeWasm.module names a module of a registry: call initializeWasmEdge({ registry: 'wasm-modules.yaml' }) first`, RangeError)
  }
  const entry = Object.hasOwn(registry.modules, options.module) ? registry.modules[options.module] : undefined
  if (!entry) {
    throw codedError(ErrorCode.WASM_NOT_FOUND, `${registry.file}: no module ${JSON.stringify(options.module.slice(0, 64))} in the registry; it names: ${Object.keys(registry.modules).join(', ')}`)
  }
  return entry
}

/**
 * The edge side of a WASM module. `cloud` (the client's connection, when it has one)
 * answers the module's remote calls to the node types of `options.allowRemote`. Values
 * given here come first, then the registry entry's (`options.module`), then `defaults`.
 */
export async function wasmEdge(options: EdgeWasmOptions, defaults: WasmDefaults, timeoutMs: number | undefined, cloud?: CloudClient): Promise<EdgeSide> {
  const entry = registryEntry(options, defaults)
  const wasmPath = entry?.path ?? options?.wasmPath
  if (typeof wasmPath !== 'string' || wasmPath === '') {
    throw codedError(ErrorCode.INVALID_ARG_TYPE, 'edgeWasm.wasmPath must be the path of a .wasm module (a non-empty string), or edgeWasm.module a module of the registry', TypeError)
  }
  if (!existsSync(wasmPath)) {
    throw codedError(ErrorCode.WASM_NOT_FOUND, `edgeWasm.wasmPath ${wasmPath} does not exist`)
  }
  const allowRemote = allowList(options.allowRemote ?? entry?.allowRemote)
  const budgetMs = timeoutMs ?? entry?.timeoutMs ?? defaults.timeoutMs
  const node = await WasmEdgeNode.load(wasmPath, {
    maxMemoryMb: entry?.maxMemoryMb ?? defaults.maxMemoryMb,
    timeoutMs: budgetMs,
    maxOutputBytes: entry?.maxOutputBytes,
    cacheDir: defaults.cacheDir,
    config: options.config === undefined ? entry?.config : options.config,
    allowRemote,
    sha256: entry?.sha256,
    cloud,
  })
  const description = node.describe()
  if (description.remote && allowRemote.length === 0) {
    throw codedError(
      ErrorCode.HYBRID_REMOTE_NOT_ALLOWED,
      `${wasmPath} imports env.call_remote_service; list the cloud node types it may call in edgeWasm.allowRemote (e.g. ['VAD'])`,
    )
  }
  const batcher = new Batcher<WasmSession, Float32Array | Uint8Array>(
    (sessions, inputs) => WasmSession.processBatch(sessions, inputs),
    (session, input) => session.process(input),
  )
  return {
    budgetMs,
    describe: () => ({ kind: 'wasm', path: wasmPath, ...(entry ? { module: entry.name } : {}), ...description }),
    remoteCalls: description.remote ? () => node.remoteCalls() : undefined,
    async open() {
      const session = await node.createSession()
      return batched(batcher, session, () => session.close())
    },
  }
}

/**
 * A session whose calls go through `batcher`; `close` runs after every call made before
 * it has reached the session.
 */
function batched<S, I extends Float32Array | Uint8Array>(batcher: Batcher<S, I>, session: S, close: () => Promise<void> | void): EdgeSession {
  let last: Promise<unknown> = Promise.resolve()
  return {
    process(input) {
      const result = batcher.submit(session, input as I)
      last = result
      return result
    },
    async close() {
      await last.catch(() => {})
      await close()
    },
  }
}

export function nativeEdge(options: EdgeNativeOptions, timeoutMs: number | undefined): EdgeSide {
  const node = options?.node
  let open: () => Promise<EdgeSession>
  if (node === 'mixer') {
    // Validates the configuration now (throws ERR_INVALID_CONFIG).
    new MixerChain(options.config as never)
    const batcher = new Batcher<MixerChain, Float32Array>(
      (chains, inputs) => MixerChain.processBatch(chains, inputs),
      (chain, input) => chain.process(input),
    )
    open = async () => {
      const chain = new MixerChain(options.config as never)
      const session = batched(batcher, chain, () => {})
      return {
        // Anything but samples is refused by the chain itself (ERR_INVALID_ARG_TYPE),
        // never sent in a batch where it would fail the other streams' frames too.
        process: (input) => (input instanceof Float32Array ? session.process(input) : chain.process(input as never)),
        close: () => session.close(),
      }
    }
  } else if (typeof node === 'function') {
    open = async () => {
      const instance = node()
      return {
        process: (input) => instance.process(input),
        close: async () => {
          await instance.close?.()
        },
      }
    }
  } else {
    throw codedError(ErrorCode.INVALID_CONFIG, `edgeNative.node must be 'mixer' or a factory function, received ${String(node)}`, RangeError)
  }
  return {
    budgetMs: timeoutMs ?? 100,
    describe: () => ({ kind: 'native', node: typeof node === 'string' ? node : 'custom' }),
    open,
  }
}
