/**
 * initializeWasmEdge: starts the process-wide WASM engine (sized once by maxInstances)
 * and compiles the modules of `modulesDir` into the module cache, off the JS thread, so
 * the first proxy does not pay for compilation. Idempotent: later calls with the same
 * options return the first result.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { WasmEdgeNode, startWasmEngine } from '../../index.js'
import { codedError } from './errors.js'

export interface WasmEdgeOptions {
  /** Directory whose *.wasm files are compiled now. Default: the package's product modules (mixer, vad, echo, remote). */
  modulesDir?: string
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
}

export interface WasmEdgeInfo extends WasmDefaults {
  maxInstances: number
  /** Module files compiled or found in the cache, by file name. */
  modules: Record<string, { hash: string; cache: string }>
}

/** Where the package keeps its product modules. */
export const DEFAULT_MODULES_DIR = join(__dirname, '..', '..', 'wasm-modules', 'dist')
const PRODUCT_MODULES = /^(mixer|vad|echo|remote)\.wasm$/

export async function initWasmEdge(options: WasmEdgeOptions): Promise<WasmEdgeInfo> {
  const maxInstances = await startWasmEngine(options.maxInstances, options.maxInstancesPerModule)
  const defaults: WasmDefaults = { maxMemoryMb: options.maxMemoryMb ?? 64, timeoutMs: options.timeoutMs ?? 100, cacheDir: options.cacheDir }
  const dir = options.modulesDir ?? DEFAULT_MODULES_DIR
  let files: string[]
  try {
    const wanted = options.modulesDir === undefined ? PRODUCT_MODULES : /\.wasm$/
    files = readdirSync(dir).filter((f) => wanted.test(f))
  } catch (e) {
    throw codedError('ERR_WASM_NOT_FOUND', `modulesDir ${dir} cannot be read: ${(e as Error).message}`, Error, e)
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
