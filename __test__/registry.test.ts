// The module registry (wasm-modules.yaml) through the real addon and client: the product
// registry against its modules (hashes by node:crypto), the JSON Schema it ships checked
// by an independent validator (ajv), initializeWasmEdge({ registry }) and proxies naming
// modules, the HTTP server's /modules routes, `edgemix inspect` on a registry, and hostile
// registries.
import { createHash } from 'node:crypto'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Ajv2020 from 'ajv/dist/2020.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { CloudClient, ErrorCode, HybridProcessingClient, MixerChain, WasmEdgeNode, createHttpServer, loadModuleRegistry, startServer } from '../dist/index.js'
import type { CloudServer } from '../dist/index.js'
import { edgemix } from './cli-helpers.js'

const ROOT = join(__dirname, '..')
const DIST = join(ROOT, 'wasm-modules', 'dist')
const PRODUCT = join(ROOT, 'wasm-modules', 'wasm-modules.yaml')
const SCHEMA = JSON.parse(readFileSync(join(ROOT, 'wasm-modules', 'wasm-modules.schema.json'), 'utf8'))
const FRAME = 960

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')
const ajv = new Ajv2020({ allErrors: true, strict: true })
const conforms = ajv.compile(SCHEMA)

async function rejection(p: Promise<unknown>): Promise<Error & { code?: string }> {
  return p.then(
    () => {
      throw new Error('expected a rejection')
    },
    (e: Error & { code?: string }) => e,
  )
}

/** A fresh folder with copies of dist modules under modules/ and a registry of them. */
function folder(modules: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'edgemix-registry-'))
  mkdirSync(join(dir, 'modules'))
  for (const m of modules) copyFileSync(join(DIST, m), join(dir, 'modules', m))
  return dir
}

type Entry = Record<string, unknown>

/** Writes `modules` as a registry (YAML by hand: JSON is YAML) and returns its path. */
function registry(dir: string, modules: Record<string, Entry>, name = 'wasm-modules.yaml'): string {
  const file = join(dir, name)
  writeFileSync(file, `# test registry\nversion: 1\nmodules: ${JSON.stringify(modules, null, 2)}\n`)
  return file
}

/** An entry for modules/<file> with its true hash. */
function entry(dir: string, file: string, input: string, output: string, extra: Entry = {}): Entry {
  return { file: `modules/${file}`, version: '1.0.0', sha256: sha256(join(dir, 'modules', file)), input, output, ...extra }
}

function tone(n: number, seed = 1): Float32Array {
  const x = new Float32Array(n)
  for (let i = 0; i < n; i++) x[i] = 0.5 * Math.sin((2 * Math.PI * 440 * (i + seed)) / 48000) + 0.2 * Math.sin((2 * Math.PI * 3100 * i) / 48000)
  return x
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length)
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0)
}

describe('the product registry', () => {
  it('conforms to the shipped schema (ajv) and names the modules built beside it by their true SHA-256', async () => {
    expect(conforms(parseYaml(readFileSync(PRODUCT, 'utf8'))), JSON.stringify(conforms.errors)).toBe(true)
    const info = await loadModuleRegistry(PRODUCT, { verify: true })
    expect(info.problems).toEqual([])
    expect(Object.keys(info.modules).sort()).toEqual(['echo', 'hybrid_vad', 'image_preprocess', 'mixer', 'text_normalize', 'vad'])
    for (const m of Object.values(info.modules)) {
      expect(m.path).toBe(join(DIST, `${m.name}.wasm`))
      expect(m.sha256, m.name).toBe(sha256(m.path))
      expect(info.loaded?.[m.name].hash).toBe(m.sha256)
    }
    expect(info.modules.hybrid_vad.allowRemote).toEqual(['VAD'])
  })
})

describe('the schema and the loader agree', () => {
  const dir = folder(['echo.wasm', 'vad.wasm'])
  const good = () => ({ echo: entry(dir, 'echo.wasm', 'bytes', 'bytes'), vad: entry(dir, 'vad.wasm', 'f32', 'json', { maxMemoryMb: 16, allowRemote: ['VAD'], config: { sampleRate: 48000 } }) })
  const cases: Array<[string, (m: Record<string, Entry>) => unknown, string | undefined]> = [
    ['a valid registry', (m) => m, undefined],
    ['maxMemoryMb over 1024', (m) => ((m.vad.maxMemoryMb = 2000), m), 'module "vad": maxMemoryMb: must be ≤ 1024, received 2000'],
    ['timeoutMs 0', (m) => ((m.vad.timeoutMs = 0), m), 'module "vad": timeoutMs: must be ≥ 1, received 0'],
    ['an unknown field', (m) => ((m.echo.memoryLimitMb = 3), m), 'module "echo": unknown field "memoryLimitMb" (allowed: '],
    ['no sha256', (m) => (delete m.echo.sha256, m), 'module "echo": sha256: missing (required)'],
    ['an uppercase sha256', (m) => ((m.echo.sha256 = String(m.echo.sha256).toUpperCase()), m), 'module "echo": sha256: '],
    ['an unknown format', (m) => ((m.vad.output = 'xml'), m), 'module "vad": output: must be one of "f32", "json", "bytes", received "xml"'],
    ['a bad module name', (m) => ({ 'VAD!': m.vad }), 'modules: module name "VAD!" is not allowed'],
    ['allowRemote: true', (m) => ((m.vad.allowRemote = true), m), 'module "vad": allowRemote: must be a list, received true'],
    ['a config that is a list', (m) => ((m.vad.config = [1]), m), 'module "vad": config: must be a mapping, received [1]'],
  ]
  for (const [what, edit, expected] of cases) {
    it(`${what}: ${expected ? 'refused by both, the loader naming the module and the field' : 'accepted by both'}`, async () => {
      const modules = edit(good()) as Record<string, Entry>
      const file = registry(dir, modules)
      expect(conforms({ version: 1, modules }), JSON.stringify(conforms.errors)).toBe(expected === undefined)
      if (expected === undefined) {
        expect(Object.keys((await loadModuleRegistry(file)).modules)).toEqual(Object.keys(modules).sort())
      } else {
        const err = await rejection(loadModuleRegistry(file))
        expect(err.code).toBe(ErrorCode.REGISTRY_INVALID)
        expect(err.message.startsWith(`${file}: ${expected}`), err.message).toBe(true)
      }
    })
  }
})

describe('hostile registries', () => {
  it('are refused with a code: wrong types, billion laughs, deep nesting, huge files, traversal, links', async () => {
    expect((await rejection(loadModuleRegistry(42 as never))).code).toBe(ErrorCode.INVALID_ARG_TYPE)
    expect((await rejection(loadModuleRegistry(''))).code).toBe(ErrorCode.INVALID_ARG_TYPE)
    expect((await rejection(loadModuleRegistry(PRODUCT, { verify: 'yes' } as never))).code).toBe(ErrorCode.INVALID_CONFIG)
    const dir = folder(['echo.wasm'])
    const outside = folder(['echo.wasm'])
    let laughs = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for (let c = 98; c <= 106; c++) laughs += `${String.fromCharCode(c)}: &${String.fromCharCode(c)} [${Array(10).fill(`*${String.fromCharCode(c - 1)}`).join(',')}]\n`
    symlinkSync(join(outside, 'modules', 'echo.wasm'), join(dir, 'modules', 'link.wasm'))
    const texts: Array<[string, string, RegExp]> = [
      ['billion laughs', `${laughs}modules: *j\n`, /not valid YAML/],
      ['deep nesting', `modules: ${'['.repeat(200_000)}${']'.repeat(200_000)}\n`, /holds 200000 '\[' and '\{' characters; at most 1024 are read/],
      ['a duplicate key', 'modules: {}\nmodules: {}\n', /duplicate/],
      ['a huge file', `# ${'x'.repeat(2 << 20)}\n`, /larger than 1048576 bytes/],
      ['a parent path', `modules: { echo: { file: ../echo.wasm, version: 1.0.0, sha256: ${sha256(join(dir, 'modules', 'echo.wasm'))}, input: bytes, output: bytes } }\n`, /module "echo": file: "..\/echo.wasm" leaves the registry's folder/],
      ['an absolute path', `modules: { echo: { file: /tmp/echo.wasm, version: 1.0.0, sha256: ${'0'.repeat(64)}, input: bytes, output: bytes } }\n`, /module "echo": file: "\/tmp\/echo.wasm" leaves the registry's folder/],
      ['a link out', `modules: { echo: { file: modules/link.wasm, version: 1.0.0, sha256: ${'0'.repeat(64)}, input: bytes, output: bytes } }\n`, /module "echo": file: "modules\/link.wasm" leads out of the registry's folder through a symbolic link/],
    ]
    for (const [what, text, message] of texts) {
      const file = join(dir, 'hostile.yaml')
      writeFileSync(file, text)
      const err = await rejection(loadModuleRegistry(file))
      expect(err.code, what).toBe(ErrorCode.REGISTRY_INVALID)
      expect(err.message, what).toMatch(message)
    }
    const missing = await rejection(loadModuleRegistry(join(dir, 'absent.yaml')))
    expect(missing.code).toBe(ErrorCode.REGISTRY_INVALID)
    expect(missing.message).toMatch(/cannot read the module registry/)
  })
})

describe('WasmEdgeNode.load(source, { sha256 })', () => {
  it('loads the bytes that hash to it and refuses others before compiling them', async () => {
    const path = join(DIST, 'echo.wasm')
    const node = await WasmEdgeNode.load(path, { sha256: sha256(path) })
    expect(node.describe().hash).toBe(sha256(path))
    const other = await rejection(WasmEdgeNode.load(readFileSync(join(DIST, 'vad.wasm')), { sha256: sha256(path) }))
    expect(other.code).toBe(ErrorCode.WASM_INTEGRITY)
    expect(other.message).toContain(`SHA-256 ${sha256(join(DIST, 'vad.wasm'))}, not the expected ${sha256(path)}`)
    // Garbage that does not hash to it is refused as such, not as a compile error.
    expect((await rejection(WasmEdgeNode.load(Buffer.from('not wasm'), { sha256: sha256(path) }))).code).toBe(ErrorCode.WASM_INTEGRITY)
    for (const bad of ['x', sha256(path).toUpperCase(), `${sha256(path)}0`]) {
      expect((await rejection(WasmEdgeNode.load(path, { sha256: bad }))).code, bad).toBe(ErrorCode.INVALID_CONFIG)
    }
  })
})

describe('initializeWasmEdge({ registry }) and proxies naming modules', () => {
  let server: CloudServer
  beforeAll(async () => {
    server = await startServer({ port: 0 })
  })
  afterAll(async () => {
    await server.close()
  })

  it("gives a named module the registry's file, limits and default config; explicit options replace them", async () => {
    const dir = folder(['mixer.wasm', 'echo.wasm', 'spin.wasm'])
    const file = registry(dir, {
      mixer: entry(dir, 'mixer.wasm', 'f32', 'f32', { config: { compressor: { ratio: 4 } } }),
      echo: entry(dir, 'echo.wasm', 'bytes', 'bytes', { maxOutputBytes: 16 }),
      spin: entry(dir, 'spin.wasm', 'bytes', 'bytes', { timeoutMs: 30 }),
    })
    const client = new HybridProcessingClient({ cloud: false })
    try {
      const info = await client.initializeWasmEdge({ registry: file })
      expect(Object.keys(info.modules).sort()).toEqual(['echo', 'mixer', 'spin'])
      expect(info.modules.mixer.hash).toBe(sha256(join(dir, 'modules', 'mixer.wasm')))

      // The registry's default config: the native chain with the same config is the reference.
      const frame = tone(FRAME)
      const byName = await client.createHybridProxy({ edgeWasm: { module: 'mixer' } })
      expect(byName.stats()).toBeDefined()
      const out = (await byName.process<Float32Array>(frame)).output
      expect(maxAbsDiff(out, new MixerChain({ compressor: { ratio: 4 } }).processSync(frame))).toBeLessThanOrEqual(1e-6)
      // An explicit config replaces it whole.
      const explicit = await client.createHybridProxy({ edgeWasm: { module: 'mixer', config: { compressor: { ratio: 20, thresholdDb: -30 } } } })
      const out2 = (await explicit.process<Float32Array>(frame)).output
      expect(maxAbsDiff(out2, new MixerChain({ compressor: { ratio: 20, thresholdDb: -30 } }).processSync(frame))).toBeLessThanOrEqual(1e-6)
      expect(maxAbsDiff(out2, out)).toBeGreaterThan(1e-3)

      // The output cap and the time limit are the registry's.
      const echo = await client.createHybridProxy({ edgeWasm: { module: 'echo' }, fallback: 'none' })
      expect(Buffer.from((await echo.process<Uint8Array>(Buffer.alloc(16, 7))).output)).toEqual(Buffer.alloc(16, 7))
      expect((await rejection(echo.process(Buffer.alloc(17)))).code).toBe(ErrorCode.WASM_OUTPUT_TOO_LARGE)
      const spin = await client.createHybridProxy({ edgeWasm: { module: 'spin' }, fallback: 'none' })
      const timeout = await rejection(spin.process(Buffer.from('x')))
      expect(timeout.code).toBe(ErrorCode.WASM_TIMEOUT)
      expect(timeout.message).toMatch(/past its 30 ms time limit/)

      // Naming mistakes.
      const unknown = await rejection(client.createHybridProxy({ edgeWasm: { module: 'nope' } }))
      expect(unknown.code).toBe(ErrorCode.WASM_NOT_FOUND)
      expect(unknown.message).toBe(`${file}: no module "nope" in the registry; it names: echo, mixer, spin`)
      expect((await rejection(client.createHybridProxy({ edgeWasm: { module: 'echo', wasmPath: join(DIST, 'echo.wasm') } }))).code).toBe(ErrorCode.INVALID_CONFIG)
      expect((await rejection(client.createHybridProxy({ edgeWasm: { module: 7 as never } }))).code).toBe(ErrorCode.INVALID_ARG_TYPE)
      expect((await rejection(client.createHybridProxy({ edgeWasm: { module: 'constructor' } }))).code).toBe(ErrorCode.WASM_NOT_FOUND)

      // The file changes after initializeWasmEdge: the proxy refuses to load it.
      writeFileSync(join(dir, 'modules', 'echo.wasm'), Buffer.concat([readFileSync(join(dir, 'modules', 'echo.wasm')), Buffer.from([0])]))
      const changed = await rejection(client.createHybridProxy({ edgeWasm: { module: 'echo' } }))
      expect(changed.code).toBe(ErrorCode.WASM_INTEGRITY)
      expect(changed.message).toContain(sha256(join(dir, 'modules', 'echo.wasm')))
    } finally {
      await client.close()
    }
  })

  it("gives a module its allowRemote: hybrid_vad's calls reach the cloud VAD and are counted", async () => {
    const dir = folder(['hybrid_vad.wasm'])
    const file = registry(dir, { hvad: entry(dir, 'hybrid_vad.wasm', 'f32', 'json', { allowRemote: ['VAD'], timeoutMs: 5000, config: { uncertain: [0, 1] } }) })
    const client = new HybridProcessingClient({ endpoints: [`http://127.0.0.1:${server.port}`], timeoutMs: 5000 })
    try {
      await client.initializeWasmEdge({ registry: file })
      const proxy = await client.createHybridProxy({ edgeWasm: { module: 'hvad' } })
      for (let i = 0; i < 3; i++) {
        const r = await proxy.process<{ source: string }>(tone(FRAME, i * FRAME))
        expect(r.route).toBe('edge')
        expect(r.output.source).toBe('cloud')
      }
      expect(proxy.stats().remoteCalls).toEqual({ answered: 3, denied: 0, unavailable: 0, timedOut: 0, failed: 0 })
      // An explicit allowRemote replaces the registry's.
      const other = await client.createHybridProxy({ edgeWasm: { module: 'hvad', allowRemote: ['MFCC'] } })
      await other.process(tone(FRAME))
      expect(other.stats().remoteCalls?.denied).toBe(1)
    } finally {
      await client.close()
    }
  })

  it('refuses a registry whose module does not hash to its sha256, naming the file and the module', async () => {
    const dir = folder(['echo.wasm', 'vad.wasm'])
    const file = registry(dir, { echo: { ...entry(dir, 'echo.wasm', 'bytes', 'bytes'), sha256: sha256(join(dir, 'modules', 'vad.wasm')) }, vad: entry(dir, 'vad.wasm', 'f32', 'json') })
    const err = await rejection(new HybridProcessingClient({ cloud: false }).initializeWasmEdge({ registry: file }))
    expect(err.code).toBe(ErrorCode.WASM_INTEGRITY)
    expect(err.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: module "echo": the module's bytes have SHA-256 ${sha256(join(dir, 'modules', 'echo.wasm'))}, not the expected`))
    const proxyless = new HybridProcessingClient({ cloud: false })
    const named = await rejection(proxyless.createHybridProxy({ edgeWasm: { module: 'echo' } }))
    expect(named.code).toBe(ErrorCode.INVALID_CONFIG)
    expect(named.message).toMatch(/initializeWasmEdge\(\{ registry/)
  })
})

describe('the embedded cloud tier and the HTTP server read a registry', () => {
  it('startServer({ modules }) runs registry modules by name under their limits', async () => {
    const dir = folder(['echo.wasm', 'spin.wasm'])
    const file = registry(dir, { echo: entry(dir, 'echo.wasm', 'bytes', 'bytes'), spin: entry(dir, 'spin.wasm', 'bytes', 'bytes', { timeoutMs: 30 }) })
    const server = await startServer({ port: 0, modules: file })
    const cloud = new CloudClient({ endpoints: [`http://127.0.0.1:${server.port}`], timeoutMs: 5000 })
    try {
      const out = await cloud.execute('WasmModule', { module: 'echo' }, Buffer.from('hello'), { format: 'bytes' })
      expect(Buffer.from(out as Uint8Array).toString()).toBe('hello')
      // A request cannot raise the registry's time limit.
      const slow = await rejection(cloud.execute('WasmModule', { module: 'spin', timeoutMs: 5000 }, Buffer.from('x'), { format: 'bytes' }))
      expect(slow.code).toBe(ErrorCode.CLOUD_TIMEOUT)
      expect(slow.message).toMatch(/30 ms time limit/)
      const unknown = await rejection(cloud.execute('WasmModule', { module: 'mixer' }, Buffer.from('x'), { format: 'bytes' }))
      expect(unknown.code).toBe(ErrorCode.CLOUD_REJECTED)
      expect(unknown.message).toMatch(/no module "mixer" in the registry; it names: echo, spin/)
    } finally {
      await cloud.close()
      await server.close()
    }
    const both = await rejection(startServer({ port: 0, modules: file, modulesDir: DIST }))
    expect(both.code).toBe(ErrorCode.INVALID_CONFIG)
    writeFileSync(join(dir, 'modules', 'echo.wasm'), 'not the module')
    const bad = await rejection(startServer({ port: 0, modules: file }))
    expect(bad.code).toBe(ErrorCode.WASM_INTEGRITY)
    expect(bad.message).toMatch(/module "echo": the module's bytes have SHA-256/)
  })

  it('createHttpServer({ modules }) lists the modules and serves the checked bytes with their SHA-256 as ETag', async () => {
    const http = await createHttpServer({ modules: PRODUCT, web: false, rateLimit: false })
    try {
      const base = await http.listen({ port: 0 })
      const listed = (await (await fetch(`${base}/modules`)).json()) as { modules: Array<Record<string, unknown>> }
      expect(listed.modules.map((m) => m.name).sort()).toEqual(['echo', 'hybrid_vad', 'image_preprocess', 'mixer', 'text_normalize', 'vad'])
      for (const m of listed.modules) {
        expect(m.path).toBeUndefined()
        expect(m.sha256).toBe(sha256(join(DIST, `${m.name}.wasm`)))
      }
      const res = await fetch(`${base}/modules/vad.wasm`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('application/wasm')
      const bytes = Buffer.from(await res.arrayBuffer())
      expect(bytes.equals(readFileSync(join(DIST, 'vad.wasm')))).toBe(true)
      expect(res.headers.get('etag')).toBe(`"${sha256(join(DIST, 'vad.wasm'))}"`)
      expect((await fetch(`${base}/modules/vad`, { headers: { 'if-none-match': res.headers.get('etag')! } })).status).toBe(304)
      for (const path of ['/modules/spin', '/modules/..%2f..%2fpackage.json', `/modules/${'a'.repeat(90)}`]) {
        const miss = await fetch(`${base}${path}`)
        expect(miss.status, path).toBe(404)
        expect(((await miss.json()) as { code: string }).code).toBe(ErrorCode.NOT_FOUND)
      }
    } finally {
      await http.close()
    }
    const dir = folder(['echo.wasm'])
    const bad = await rejection(createHttpServer({ modules: registry(dir, { echo: { ...entry(dir, 'echo.wasm', 'bytes', 'bytes'), input: 'f32' } }) }))
    expect(bad.code).toBe(ErrorCode.REGISTRY_INVALID)
    expect(bad.message).toMatch(/module "echo": input: the registry says f32, the module's describe\(\) says bytes/)
  })
})

describe('edgemix inspect REGISTRY.yaml', () => {
  it('checks every module of the product registry', async () => {
    const run = await edgemix(['inspect', PRODUCT])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('6 of 6 modules ok')
    expect(run.stdout).toMatch(/hybrid_vad\s+0\.1\.0\s+f32 -> json\s+16 MiB, 100 ms, 4096 B out\s+VAD\s+ok/)
  })

  it('gives one line per problem and exit code 1', async () => {
    const dir = folder(['echo.wasm', 'vad.wasm', 'mixer.wasm'])
    const file = registry(dir, {
      echo: { ...entry(dir, 'echo.wasm', 'bytes', 'bytes'), sha256: 'f'.repeat(64) },
      vad: entry(dir, 'vad.wasm', 'json', 'json'),
      mixer: entry(dir, 'mixer.wasm', 'f32', 'f32', { config: { compressor: { ratio: 0 } } }),
      gone: { ...entry(dir, 'echo.wasm', 'bytes', 'bytes'), file: 'modules/gone.wasm' },
    })
    const run = await edgemix(['inspect', file, '--json'])
    expect(run.code).toBe(1)
    const lines = run.stderr.trim().split('\n').sort()
    expect(lines).toHaveLength(4)
    expect(lines[0]).toMatch(new RegExp(`^edgemix inspect: ERR_INVALID_CONFIG: .*module "mixer": the module refused the configuration`))
    expect(lines[1]).toMatch(/^edgemix inspect: ERR_REGISTRY_INVALID: .*module "vad": input: the registry says json, the module's describe\(\) says f32$/)
    expect(lines[2]).toMatch(/^edgemix inspect: ERR_WASM_INTEGRITY: .*module "echo": the module's bytes have SHA-256/)
    expect(lines[3]).toMatch(/^edgemix inspect: ERR_WASM_NOT_FOUND: .*module "gone": cannot read WASM module/)
    const report = JSON.parse(run.stdout) as { ok: boolean; modules: Array<{ name: string; ok: boolean }> }
    expect(report.ok).toBe(false)
    expect(report.modules.filter((m) => m.ok)).toEqual([])

    writeFileSync(file, 'modules:\n  echo: { file: x.wasm, input: pcm }\n')
    const invalid = await edgemix(['inspect', file])
    expect(invalid.code).toBe(1)
    const schemaLines = invalid.stderr.trim().split('\n')
    expect(schemaLines.every((l) => l.startsWith(`edgemix inspect: ERR_REGISTRY_INVALID: ${file}: module "echo": `)), invalid.stderr).toBe(true)
    expect(schemaLines.length).toBe(4) // input, and the missing version, sha256, output
  })
})
