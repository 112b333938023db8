/**
 * initializeWasmEdge: starts the process-wide WASM engine (sized once by maxInstances)
 * and compiles the modules of `modulesDir` — or of a module registry, `registry` — into
 * the module cache, off the JS thread, so the first proxy does not pay for compilation.
 * Idempotent: later calls with the same options return the first result.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { WasmEdgeNode, loadModuleRegistry, startWasmEngine, type ModuleRegistryInfo } from '../../index.js'
import { codedError } from './errors.js'
import { ErrorCode } from '../errors.js'

export interface WasmEdgeOptions {
  /** Directory whose *.wasm files are compiled now. Default: the package's product modules (mixer, vad, echo, remote). */
  modulesDir?: string
  /**
   * A module registry (wasm-modules.yaml, see wasm-modules.schema.json): every module in it
   * is loaded now — its SHA-256 checked, the ABI and its declared formats too — and proxies
   * name them by name (`edgeWasm: { module: 'vad' }`). Any problem rejects, with the first
   * problem's code (ERR_REGISTRY_INVALID, ERR_WASM_INTEGRITY, ERR_WASM_NOT_FOUND, ...) and
   * one line per problem. Instead of modulesDir.
   */
  registry?: string
  /** Memory cap per instance, MiB, 1..1024. Default 64. */
  maxMemoryMb?: number
  /** Time limit of one guest call, ms, 1..60000. Default 100. */
  timeoutMs?: number
  /** Directory of the on-disk compiled-module cache (trusted). */
  cacheDir?: string
  /** Sessions alive at once (process-wide, fixed once), 1..100000. Default 1000. */
  maxInstances?: number
  /**
   * Sessions of any one module alive at once (process-wide, fixed once), 1..maxInstances.
   * Default three quarters of maxInstances, so one module never takes every slot.
   */
  maxInstancesPerModule?: number
}

export interface WasmDefaults {
  maxMemoryMb: number
  timeoutMs: number
  cacheDir?: string
  /** The registry of initializeWasmEdge({ registry }), whose modules proxies name. */
  registry?: ModuleRegistryInfo
}

export interface WasmEdgeInfo extends WasmDefaults {
  maxInstances: number
  /** Module files compiled or found in the cache, by file name (by registry name with a registry). */
  modules: Record<string, { hash: string; cache: string }>
}

/** Where the package keeps its product modules. */
export const DEFAULT_MODULES_DIR = join(__dirname, '..', '..', 'wasm-modules', 'dist')
const PRODUCT_MODULES = /^(mixer|vad|echo|remote)\.wasm$/

export async function initWasmEdge(options: WasmEdgeOptions): Promise<WasmEdgeInfo> {
  const maxInstances = await startWasmEngine(options.maxInstances, options.maxInstancesPerModule)
  const defaults: WasmDefaults = { maxMemoryMb: options.maxMemoryMb ?? 64, timeoutMs: options.timeoutMs ?? 100, cacheDir: options.cacheDir }
  if (options.registry !== undefined) {
    if (options.modulesDir !== undefined) throw codedError(ErrorCode.INVALID_CONFIG, 'give registry or modulesDir, not both', RangeError)
    const registry = await loadVerifiedRegistry(options.registry)
    return { ...defaults, registry, maxInstances, modules: registry.loaded ?? {} }
  }
  const dir = options.modulesDir ?? DEFAULT_MODULES_DIR
  let files: string[]
  try {
    const wanted = options.modulesDir === undefined ? PRODUCT_MODULES : /\.wasm$/
    files = readdirSync(dir).filter((f) => wanted.test(f))
  } catch (e) {
    throw codedError(ErrorCode.WASM_NOT_FOUND, `modulesDir ${dir} cannot be read: ${(e as Error).message}`, Error, e)
  }
  const modules: WasmEdgeInfo['modules'] = {}
  await Promise.all(
    files.map(async (file) => {
      const node = await WasmEdgeNode.load(join(dir, file), { maxMemoryMb: defaults.maxMemoryMb, timeoutMs: defaults.timeoutMs, cacheDir: defaults.cacheDir })
      const d = node.describe()
      modules[file] = { hash: d.hash, cache: d.cache }
    }),
  )
  return { ...defaults, maxInstances, modules }
}

/**
 * The registry at `path` with every module loaded (SHA-256, ABI, formats; compiled into
 * the module cache). Any problem rejects with the first problem's code and one line per
 * problem.
 */
export async function loadVerifiedRegistry(path: string): Promise<ModuleRegistryInfo> {
  const registry = await loadModuleRegistry(path, { verify: true })
  const problems = registry.problems ?? []
  if (problems.length > 0) throw codedError(problems[0].code, problems.map((p) => p.message).join('\n'))
  return registry
}
