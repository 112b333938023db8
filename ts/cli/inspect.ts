/**
 * `edgemix inspect module.wasm`: loads a module as the edge does (compile, ABI check of
 * its exports, imports and signatures, `describe()`), then runs one session's lifecycle
 * (`initialize`, `configure` when given, `cleanup`) and prints what it found.
 */
import { readFile } from 'node:fs/promises'
import { WasmEdgeNode } from '../../index.js'
import { coded, parse } from './args.js'
import { table } from './table.js'

const USAGE = `usage: edgemix inspect MODULE.wasm [--config JSON] [--json]

Checks a WebAssembly module against the edge ABI (wasm-modules/ABI.md: memory, alloc,
dealloc, initialize, process, cleanup, optional configure and describe; imports limited
to WASI preview 1 and env.call_remote_service), prints its describe() metadata, and opens
and closes one session.

  --config JSON   a configuration handed to the module's configure() (JSON text)
  --json          one JSON object on stdout
  -h, --help      this text`

export async function inspectCommand(argv: string[]): Promise<void> {
  const parsed = parse(argv, { config: { type: 'string' }, json: { type: 'boolean' } }, USAGE, { min: 1, max: 1 })
  if (!parsed) return
  const path = parsed.positionals[0]
  let config: unknown
  if (parsed.values.config !== undefined) {
    try {
      config = JSON.parse(parsed.values.config)
    } catch (err) {
      throw coded('ERR_INVALID_CONFIG', `--config is not valid JSON: ${(err as Error).message}`)
    }
  }
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (err) {
    throw coded('ERR_WASM_NOT_FOUND', `${path}: ${(err as Error).message}`)
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
