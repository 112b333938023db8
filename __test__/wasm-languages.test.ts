// Modules written in AssemblyScript (wasm-modules/as, with the SDK) and C
// (wasm-modules/c, with edgemix_abi.h) held to the contract of the Rust modules:
// - the guest ABI export by export in V8 (./abi-contract.ts), the Rust mixer.wasm
//   alongside as the baseline;
// - through WasmEdgeNode (wasmtime): describe, output against independent references
//   (exact for the gain and the gate, the RBJ biquad within float32 rounding of a
//   direct-form-I float64 filter and of its analytic magnitude response), refused
//   configurations, traps, memory limits and oversized outputs.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CloudClient, WasmEdgeNode, startServer } from '../dist/index.js'
import { BUFFER_TOO_SMALL, FAILED, NOT_INITIALIZED, OK, RawModule, bytesF32, f32Bytes } from './abi-contract.js'
import { FRAME, SR, noise, sine, sineAmplitude, speechLike } from './helpers.js'

const mod = (name: string) => join(__dirname, '..', 'wasm-modules', 'dist', name)

async function rejection(p: Promise<unknown>) {
  return p.then(
    () => { throw new Error('expected a rejection') },
    (e: Error & { code?: string }) => e,
  )
}

/** The RBJ cookbook biquad in float64, direct form I (the modules use transposed form II). */
function cookbook(type: string, f0: number, q: number, gainDb: number, fs: number) {
  const A = 10 ** (gainDb / 40), w = (2 * Math.PI * f0) / fs, c = Math.cos(w), al = Math.sin(w) / (2 * q), r = 2 * Math.sqrt(A) * al
  const k: Record<string, number[]> = {
    lowpass: [(1 - c) / 2, 1 - c, (1 - c) / 2, 1 + al, -2 * c, 1 - al],
    highpass: [(1 + c) / 2, -(1 + c), (1 + c) / 2, 1 + al, -2 * c, 1 - al],
    bandpass: [al, 0, -al, 1 + al, -2 * c, 1 - al],
    notch: [1, -2 * c, 1, 1 + al, -2 * c, 1 - al],
    allpass: [1 - al, -2 * c, 1 + al, 1 + al, -2 * c, 1 - al],
    peaking: [1 + al * A, -2 * c, 1 - al * A, 1 + al / A, -2 * c, 1 - al / A],
    lowshelf: [A * ((A + 1) - (A - 1) * c + r), 2 * A * ((A - 1) - (A + 1) * c), A * ((A + 1) - (A - 1) * c - r), (A + 1) + (A - 1) * c + r, -2 * ((A - 1) + (A + 1) * c), (A + 1) + (A - 1) * c - r],
    highshelf: [A * ((A + 1) + (A - 1) * c + r), -2 * A * ((A - 1) + (A + 1) * c), A * ((A + 1) + (A - 1) * c - r), (A + 1) - (A - 1) * c + r, 2 * ((A - 1) - (A + 1) * c), (A + 1) - (A - 1) * c - r],
  }
  const [b0, b1, b2, a0, a1, a2] = k[type]
  let x1 = 0, x2 = 0, y1 = 0, y2 = 0
  const run = (x: Float32Array) =>
    x.map((v) => {
      const y = (b0 * v + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2) / a0
      x2 = x1; x1 = v; y2 = y1; y1 = y
      return y
    })
  /** |H(e^{jw})| at `f` Hz. */
  const magnitude = (f: number) => {
    const t = (2 * Math.PI * f) / fs
    const num = Math.hypot(b0 + b1 * Math.cos(t) + b2 * Math.cos(2 * t), b1 * Math.sin(t) + b2 * Math.sin(2 * t))
    const den = Math.hypot(a0 + a1 * Math.cos(t) + a2 * Math.cos(2 * t), a1 * Math.sin(t) + a2 * Math.sin(2 * t))
    return num / den
  }
  return { run, magnitude }
}

/** The gate of c_gate.c, in float32 arithmetic. */
function gateReference(threshold: number, floor: number, hold: number) {
  let remaining = 0
  const t = Math.fround(threshold), g = Math.fround(floor)
  return (x: Float32Array) =>
    x.map((v) => {
      if (Math.abs(v) >= t) remaining = hold + 1
      const open = remaining > 0
      if (open) remaining--
      return open ? v : Math.fround(v * g)
    })
}

function frames(x: Float32Array, size = FRAME) {
  const out: Float32Array[] = []
  for (let i = 0; i < x.length; i += size) out.push(x.subarray(i, i + size))
  return out
}

interface Case {
  file: string
  name: string
  config: Record<string, unknown>
  /** A configuration the module must refuse. */
  bad: Record<string, unknown>
}

const CASES: Case[] = [
  { file: 'as_gain.wasm', name: 'as_gain', config: { gain: 0.37 }, bad: { gain: 17 } },
  { file: 'as_biquad.wasm', name: 'as_biquad', config: { type: 'peaking', frequencyHz: 1000, q: 2, gainDb: 6 }, bad: { type: 'peaking', frequencyHz: 30000 } },
  { file: 'c_gate.wasm', name: 'c_gate', config: { threshold: 0.2, floor: 0.25, holdSamples: 100 }, bad: { threshold: 2 } },
  // The Rust baseline.
  { file: 'mixer.wasm', name: 'mixer', config: { compressor: { ratio: 4 } }, bad: { compressor: { ratio: 0 } } },
]

describe('the guest ABI, export by export (V8)', () => {
  for (const c of CASES) {
    it(`${c.file}: alloc, initialize, configure, the buffer protocol and its retry, bounds, describe, cleanup`, () => {
      const a = new RawModule(mod(c.file))
      const b = new RawModule(mod(c.file))
      // alloc / dealloc: distinct buffers, 0 for a negative length.
      const p = a.x.alloc(100), q = a.x.alloc(100)
      expect(p).not.toBe(0)
      expect(p + 100 <= q || q + 100 <= p).toBe(true)
      expect(a.x.alloc(-1)).toBe(0)
      a.x.dealloc(p, 100)
      a.x.dealloc(q, 100)

      const input = f32Bytes(speechLike(2 * FRAME))
      expect(a.process(input, 1 << 16).code).toBe(NOT_INITIALIZED)
      for (const m of [a, b]) {
        expect(m.initialize('session-1')).toBe(OK)
        expect(m.configure(JSON.stringify(c.config))).toBe(OK)
      }
      expect(a.configure('{"notASetting": 1}')).toBe(-4)
      expect(a.configure('not json')).toBe(-4)
      expect(a.configure(JSON.stringify(c.bad))).toBe(-4)
      expect(a.configure(JSON.stringify(c.config))).toBe(OK)

      // Too small: -2 and the length needed, nothing applied twice on the retry.
      const small = a.process(input, 8)
      expect(small.code).toBe(BUFFER_TOO_SMALL)
      expect(small.len).toBe(input.length)
      const retried = a.process(input, small.len)
      const reference = b.process(input, 1 << 16)
      expect(retried.code).toBe(OK)
      expect(Buffer.from(retried.out).equals(Buffer.from(reference.out))).toBe(true)
      const next = f32Bytes(noise(FRAME, 0.5))
      expect(Buffer.from(a.process(next, 1 << 16).out).equals(Buffer.from(b.process(next, 1 << 16).out))).toBe(true)

      // Pointers outside memory are refused with FAILED, not a trap.
      const size = a.x.memory.buffer.byteLength
      const data = a.put(input)
      const cell = a.x.alloc(4)
      a.setU32(cell, 64)
      expect(a.x.process(size - 4, 16, a.x.alloc(64), cell)).toBe(FAILED)
      expect(a.x.process(data, input.length, size - 8, cell)).toBe(FAILED)
      expect(a.x.process(data, input.length, a.x.alloc(64), size - 2)).toBe(FAILED)
      // ... before the input was applied: both instances still agree.
      const after = f32Bytes(noise(FRAME, 0.3, 5))
      expect(Buffer.from(a.process(after, 1 << 16).out).equals(Buffer.from(b.process(after, 1 << 16).out))).toBe(true)

      const tiny = a.describe(4)
      expect(tiny.code).toBe(BUFFER_TOO_SMALL)
      const d = a.describe(tiny.len)
      expect(d.code).toBe(OK)
      expect(JSON.parse(new TextDecoder().decode(d.out))).toMatchObject({ name: c.name, abi: 1, input: 'f32', output: 'f32' })

      expect(a.x.cleanup()).toBe(OK)
      expect(a.process(input, 1 << 16).code).toBe(NOT_INITIALIZED)
    })
  }
})

describe('AssemblyScript modules through WasmEdgeNode', () => {
  it('as_gain: describe, and every sample exactly fround(x * gain) across calls', async () => {
    const node = await WasmEdgeNode.load(mod('as_gain.wasm'), { config: { gain: 0.37 } })
    expect(node.describe()).toMatchObject({ name: 'as_gain', version: '0.1.0', input: 'f32', output: 'f32', wasi: false, remote: false })
    const session = await node.createSession()
    const g = Math.fround(0.37)
    for (const f of frames(speechLike(SR / 2), 331)) {
      const out = (await session.process(f)) as Float32Array
      expect(out).toEqual(f.map((v) => Math.fround(v * g)))
    }
    await session.close()
  })

  for (const [type, f0, q, gainDb] of [['lowpass', 1000, Math.SQRT1_2, 0], ['peaking', 2500, 1.5, 9], ['highshelf', 6000, 0.8, -6], ['notch', 50, 5, 0]] as const) {
    it(`as_biquad ${type}: the cookbook filter in float64 (direct form I) within float32 rounding, and its magnitude response`, async () => {
      const config = { type, frequencyHz: f0, q, gainDb, sampleRate: SR }
      const session = await (await WasmEdgeNode.load(mod('as_biquad.wasm'), { config })).createSession()
      const ref = cookbook(type, f0, q, gainDb, SR)
      const x = speechLike(SR)
      const expected = ref.run(x)
      let at = 0
      for (const f of frames(x, 700)) {
        const out = (await session.process(f)) as Float32Array
        for (let i = 0; i < out.length; i++) expect(Math.abs(out[i] - expected[at + i])).toBeLessThanOrEqual(1e-6)
        at += f.length
      }
      // A steady sine comes out scaled by |H| at its frequency.
      const probe = await (await WasmEdgeNode.load(mod('as_biquad.wasm'), { config })).createSession()
      const tone = sine(SR, 1200, 0.5)
      const y = (await probe.process(tone)) as Float32Array
      expect(sineAmplitude(y, 1200, SR / 2) / 0.5).toBeCloseTo(ref.magnitude(1200), 4)
    })
  }

  it('refuses bad configurations (INVALID_CONFIG → ERR_INVALID_CONFIG), traps and memory exhaustion with codes', async () => {
    for (const config of [{ type: 'comb' }, { frequencyHz: 24000 }, { q: 0 }, { gainDb: 'loud' }, { nested: { a: 1 } }, { frequencyHz: 1000, extra: true }]) {
      const err = await rejection((await WasmEdgeNode.load(mod('as_biquad.wasm'), { config })).createSession())
      expect(err.code, JSON.stringify(config)).toBe('ERR_INVALID_CONFIG')
      expect(err.message).toMatch(/configure\(\) returned INVALID_CONFIG \(-4\)/)
    }
    const trap = await (await WasmEdgeNode.load(mod('as_trap.wasm'))).createSession()
    for (let i = 0; i < 2; i++) {
      const err = await rejection(trap.process(Buffer.from('x')))
      expect(err.code).toBe('ERR_WASM_TRAP')
      expect(err.message).toMatch(/unreachable/)
    }
    // AssemblyScript's allocator traps when memory cannot grow; the host names the cause.
    const gain = await (await WasmEdgeNode.load(mod('as_gain.wasm'), { maxMemoryMb: 1 })).createSession()
    const huge = new Float32Array(400_000)
    expect((await rejection(gain.process(huge))).code).toBe('ERR_WASM_MEMORY_LIMIT')
    expect(await gain.process(Float32Array.of(0.5))).toEqual(Float32Array.of(0.5))
  })

  it('as_remote: callRemote reaches the cloud node through env.call_remote_service; refusals pass through as codes', async () => {
    const server = await startServer({ host: '127.0.0.1', port: 0 })
    const cloud = new CloudClient({ endpoints: [`http://127.0.0.1:${server.port}`], timeoutMs: 5_000 })
    try {
      const node = await WasmEdgeNode.load(mod('as_remote.wasm'), { allowRemote: ['PassThrough'], cloud, timeoutMs: 5_000 })
      expect(node.describe()).toMatchObject({ name: 'as_remote', remote: true, wasi: false })
      const session = await node.createSession()
      for (const input of [Buffer.from('to the cloud and back'), Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251))]) {
        expect(Buffer.compare((await session.process(input)) as Buffer, input)).toBe(0)
      }
      // An answer longer than the first answer buffer (the input's size): the import's -2 and retry.
      const text = await (await WasmEdgeNode.load(mod('as_remote.wasm'), { allowRemote: ['TextNormalize'], cloud, config: { service: 'TextNormalize' } })).createSession()
      const words = 'Ａ b '.repeat(500)
      const answer = JSON.parse(((await text.process(Buffer.from(words))) as Buffer).toString())
      expect(answer).toEqual({ text: words.normalize('NFKC').toLowerCase(), tokens: words.normalize('NFKC').toLowerCase().split(' ').filter(Boolean) })
      const denied = await rejection((await (await WasmEdgeNode.load(mod('as_remote.wasm'), { allowRemote: ['VAD'], cloud })).createSession()).process(Buffer.from('x')))
      expect(denied).toMatchObject({ code: 'ERR_WASM_GUEST', message: expect.stringMatching(/REMOTE_DENIED \(-8\)/) })
      const failed = await rejection((await (await WasmEdgeNode.load(mod('as_remote.wasm'), { allowRemote: ['AudioMixer'], cloud, config: { service: 'AudioMixer' } })).createSession()).process(Buffer.from('abc')))
      expect(failed).toMatchObject({ code: 'ERR_WASM_GUEST', message: expect.stringMatching(/REMOTE_FAILED \(-7\)/) })
    } finally {
      await cloud.close()
      await server.close()
    }
  })

  it('an output beyond maxOutputBytes is ERR_WASM_OUTPUT_TOO_LARGE; the session goes on', async () => {
    const session = await (await WasmEdgeNode.load(mod('as_biquad.wasm'), { maxOutputBytes: 1024 })).createSession()
    const err = await rejection(session.process(speechLike(FRAME)))
    expect(err.code).toBe('ERR_WASM_OUTPUT_TOO_LARGE')
    expect(err.message).toMatch(/3840-byte output; maxOutputBytes allows 1024/)
    expect(((await session.process(new Float32Array(256))) as Float32Array).length).toBe(256)
  })
})

describe('a module built as a user of the package builds it', () => {
  it('the template, importing the SDK from node_modules/edgemix, compiled with the shipped asconfig.json', async () => {
    const project = mkdtempSync(join(tmpdir(), 'edgemix-as-user-'))
    try {
      mkdirSync(join(project, 'node_modules'))
      symlinkSync(join(__dirname, '..'), join(project, 'node_modules', 'edgemix'), 'dir')
      const template = readFileSync(join(__dirname, '..', 'wasm-modules', 'as', 'gain', 'index.ts'), 'utf8').replaceAll('"../sdk/', '"edgemix/wasm-modules/as/sdk/')
      writeFileSync(join(project, 'gain.ts'), template.replace('"as_gain"', '"my_gain"'))
      const { default: asc } = await import('assemblyscript/asc')
      let wasm: Uint8Array | undefined
      const { error } = await asc.main(['gain.ts', '--baseDir', project, '--config', 'node_modules/edgemix/wasm-modules/as/sdk/asconfig.json', '--outFile', 'gain.wasm', '--optimizeLevel', '0'], {
        stdout: asc.createMemoryStream(),
        stderr: asc.createMemoryStream(),
        writeFile: (name: string, contents: Uint8Array | string) => {
          if (name.endsWith('gain.wasm')) wasm = contents as Uint8Array
        },
      })
      expect(error).toBeNull()
      const node = await WasmEdgeNode.load(Buffer.from(wasm!), { config: { gain: 0.5 } })
      expect(node.describe()).toMatchObject({ name: 'my_gain', input: 'f32', output: 'f32', wasi: false, remote: false })
      expect(await (await node.createSession()).process(Float32Array.of(0.5, -1, 0.25))).toEqual(Float32Array.of(0.25, -0.5, 0.125))
    } finally {
      rmSync(project, { recursive: true, force: true })
    }
  }, 180_000)
})

describe('C modules through WasmEdgeNode', () => {
  for (const file of ['c_gate.wasm', 'c_gate.wasip1.wasm']) {
    it(`${file}: describe, the gate with hold exactly as its float32 reference across calls`, async () => {
      const config = { threshold: 0.2, floor: 0.25, holdSamples: 100 }
      const node = await WasmEdgeNode.load(mod(file), { config })
      expect(node.describe()).toMatchObject({ name: 'c_gate', input: 'f32', output: 'f32', wasi: file.includes('wasip1'), remote: false })
      const session = await node.createSession()
      const ref = gateReference(0.2, 0.25, 100)
      for (const f of frames(speechLike(SR), 333)) expect((await session.process(f)) as Float32Array).toEqual(ref(f))
      // Defaults: threshold 0.01, floor 0, hold 480.
      const plain = await (await WasmEdgeNode.load(mod(file))).createSession()
      const x = speechLike(SR / 2)
      expect((await plain.process(x)) as Float32Array).toEqual(gateReference(0.01, 0, 480)(x))
    })
  }

  it('refuses bad configurations, and numbers it cannot read exactly, with ERR_INVALID_CONFIG', async () => {
    for (const config of [{ threshold: 1.5 }, { floor: -0.1 }, { holdSamples: 2.5 }, { holdSamples: 'long' }, { level: 1 }, { threshold: 0.12345678901234567 }, { threshold: [0.1] }]) {
      for (const file of ['c_gate.wasm', 'c_gate.wasip1.wasm']) {
        const err = await rejection((await WasmEdgeNode.load(mod(file), { config })).createSession())
        expect(err.code, `${file} ${JSON.stringify(config)}`).toBe('ERR_INVALID_CONFIG')
      }
    }
    // The freestanding heap answers alloc with 0 when memory cannot grow: a memory-limit error.
    const gate = await (await WasmEdgeNode.load(mod('c_gate.wasm'), { maxMemoryMb: 1 })).createSession()
    expect((await rejection(gate.process(new Float32Array(400_000)))).code).toBe('ERR_WASM_MEMORY_LIMIT')
    const big = await (await WasmEdgeNode.load(mod('c_gate.wasm'), { maxOutputBytes: 1000 })).createSession()
    expect((await rejection(big.process(new Float32Array(FRAME)))).code).toBe('ERR_WASM_OUTPUT_TOO_LARGE')
  })

  it('the freestanding and WASI builds of one source give bit-identical output', async () => {
    const config = { threshold: 0.05, floor: 0.5, holdSamples: 7 }
    const [free, wasi] = await Promise.all(['c_gate.wasm', 'c_gate.wasip1.wasm'].map(async (f) => (await WasmEdgeNode.load(mod(f), { config })).createSession()))
    const x = noise(SR, 0.1)
    expect(Buffer.from(((await free.process(x)) as Float32Array).buffer).equals(Buffer.from(((await wasi.process(x)) as Float32Array).buffer))).toBe(true)
  })
})
