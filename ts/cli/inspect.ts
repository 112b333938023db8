/**
 * `edgemix inspect module.wasm`: loads a module as the edge does (compile, ABI check of
 * its exports, imports and signatures, `describe()`), then runs one session's lifecycle
 * (`initialize`, `configure` when given, `cleanup`) and prints what it found.
 * `edgemix inspect wasm-modules.yaml` does that for every module of a registry, after
 * validating it and checking each module's SHA-256 and formats.
 */
import { readFile } from 'node:fs/promises'
import { WasmEdgeNode, loadModuleRegistry, type ModuleRegistryInfo } from '../../index.js'
import { coded, parse } from './args.js'
import { table } from './table.js'
import { ErrorCode } from '../errors.js'

const USAGE = `usage: edgemix inspect MODULE.wasm [--config JSON] [--json]
       edgemix inspect REGISTRY.yaml [--json]

Checks a WebAssembly module against the edge ABI (wasm-modules/ABI.md: memory, alloc,
dealloc, initialize, process, cleanup, optional configure and describe; imports limited
to WASI preview 1 and env.call_remote_service), prints its describe() metadata, and opens
and closes one session.

A registry (wasm-modules.yaml, a .yaml or .yml file) is validated against its schema
(wasm-modules.schema.json), then each module is loaded (its SHA-256 checked, the ABI and
its declared input and output formats too) and opens and closes one session with the
registry's default config and limits. Each problem is one line on stderr, and the exit
code is 1 when there is any.

  --config JSON   a configuration handed to the module's configure() (JSON text)
  --json          one JSON object on stdout
  -h, --help      this text`

export async function inspectCommand(argv: string[]): Promise<void> {
  const parsed = parse(argv, { config: { type: 'string' }, json: { type: 'boolean' } }, USAGE, { min: 1, max: 1 })
  if (!parsed) return
  const path = parsed.positionals[0]
  if (/\.ya?ml$/i.test(path)) {
    if (parsed.values.config !== undefined) throw coded(ErrorCode.INVALID_CONFIG, '--config is for one module; a registry gives each module its config')
    return inspectRegistry(path, parsed.values.json === true)
  }
  let config: unknown
  if (parsed.values.config !== undefined) {
    try {
      config = JSON.parse(parsed.values.config)
    } catch (err) {
      throw coded(ErrorCode.INVALID_CONFIG, `--config is not valid JSON: ${(err as Error).message}`)
    }
  }
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (err) {
    throw coded(ErrorCode.WASM_NOT_FOUND, `${path}: ${(err as Error).message}`)
  }
  const named = (err: unknown) => Object.assign(err as Error, { message: `${path}: ${(err as Error).message}` })
  const node = await WasmEdgeNode.load(bytes, { config }).catch((err) => Promise.reject(named(err)))
  const description = node.describe()
  const started = performance.now()
  const session = await node.createSession('edgemix-inspect').catch((err) => Promise.reject(named(err)))
  await session.close()
  const lifecycleMs = performance.now() - started
  if (parsed.values.json) {
    console.log(JSON.stringify({ file: path, abi: 'ok', bytes: bytes.length, description, session: { ok: true, ms: lifecycleMs } }, null, 2))
    return
  }
  const { name, version, input, output, hash, wasi, remote, cache, ...rest } = description
  console.log(`${path}: ABI ok (${bytes.length} bytes)\n`)
  console.log(
    table([
      ['name', String(name)],
      ['version', String(version)],
      ['input', String(input)],
      ['output', String(output)],
      ['imports', [wasi ? 'WASI preview 1 (no files, no network, captured stdout/stderr)' : null, remote ? 'env.call_remote_service (needs allowRemote)' : null].filter(Boolean).join('; ') || 'none'],
      ['sha-256', String(hash)],
      ['compiled', String(cache)],
      ...Object.entries(rest).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
      ['session', `initialize${config === undefined ? '' : ' + configure'} + cleanup ok (${lifecycleMs.toFixed(1)} ms)`],
    ]),
  )
}

type Problem = { module?: string; code: string; message: string }

/** `edgemix inspect REGISTRY.yaml`: every problem one line on stderr, exit code 1 if any. */
async function inspectRegistry(path: string, json: boolean): Promise<void> {
  let registry: ModuleRegistryInfo
  try {
    registry = await loadModuleRegistry(path, { verify: true })
  } catch (err) {
    const { code, message } = err as Error & { code?: string }
    return report([], String(message).split('\n').map((line) => ({ code: code ?? ErrorCode.REGISTRY_INVALID, message: line })), json, path)
  }
  const problems: Problem[] = [...(registry.problems ?? [])]
  const rows: string[][] = []
  for (const [name, entry] of Object.entries(registry.modules)) {
    if (problems.some((p) => p.module === name)) continue
    try {
      // The registry's limits and default config, as a proxy naming the module gets them.
      const node = await WasmEdgeNode.load(entry.path, {
        sha256: entry.sha256,
        maxMemoryMb: entry.maxMemoryMb,
        timeoutMs: entry.timeoutMs,
        maxOutputBytes: entry.maxOutputBytes,
        config: entry.config,
      })
      const session = await node.createSession('edgemix-inspect')
      await session.close()
      const limits = [`${entry.maxMemoryMb ?? 64} MiB`, `${entry.timeoutMs ?? 100} ms`, `${entry.maxOutputBytes ?? 16 << 20} B out`].join(', ')
      rows.push([name, entry.version, `${entry.input} -> ${entry.output}`, limits, entry.allowRemote.join(' ') || '-', 'ok'])
    } catch (err) {
      const { code, message } = err as Error & { code?: string }
      problems.push({ module: name, code: code ?? 'ERR_UNKNOWN', message: `${registry.file}: module ${JSON.stringify(name)}: ${message}` })
    }
  }
  return report(rows, problems, json, path, registry)
}

function report(rows: string[][], problems: Problem[], json: boolean, path: string, registry?: ModuleRegistryInfo): void {
  if (json) {
    const modules = registry ? Object.values(registry.modules).map((m) => ({ name: m.name, version: m.version, sha256: m.sha256, ok: !problems.some((p) => p.module === m.name) })) : []
    console.log(JSON.stringify({ file: path, ok: problems.length === 0, modules, problems }, null, 2))
  } else if (rows.length > 0) {
    console.log(`${path}: ${rows.length} of ${Object.keys(registry?.modules ?? {}).length} modules ok\n`)
    console.log(table([['module', 'version', 'formats', 'limits', 'allowRemote', 'check'], ...rows]))
  }
  for (const p of problems) console.error(`edgemix inspect: ${p.code}: ${p.message}`)
  if (problems.length > 0) process.exitCode = 1
}
