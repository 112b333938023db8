// The WASM edge runtime through the addon, with the real guest modules.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MixerChain, WasmEdgeNode, WasmSession } from '../dist/index.js'
import { FRAME, SR, maxAbsDiff, speechLike } from './helpers.js'

const DIST = join(__dirname, '..', 'wasm-modules', 'dist')
const mod = (name: string) => join(DIST, name)

async function rejection(p: Promise<unknown>) {
  return p.then(
    () => { throw new Error('expected a rejection') },
    (e: Error & { code?: string }) => e,
  )
}

function frames(x: Float32Array) {
  const out: Float32Array[] = []
  for (let i = 0; i < x.length; i += FRAME) out.push(x.slice(i, i + FRAME))
  return out
}

describe('WasmEdgeNode', () => {
  it('describes a module: metadata, hash, cache outcome, imports', async () => {
    const bytes = readFileSync(mod('mixer.wasm'))
    const first = await WasmEdgeNode.load(bytes)
    const d = first.describe()
    expect(d).toMatchObject({ name: 'mixer', input: 'f32', output: 'f32', wasi: false, remote: false, cache: 'compiled' })
    expect(d.hash).toMatch(/^[0-9a-f]{64}$/)
    const again = await WasmEdgeNode.load(mod('mixer.wasm'))
    expect(again.describe()).toMatchObject({ cache: 'memory', hash: d.hash })
    expect((await WasmEdgeNode.load(mod('echo.wasip1.wasm'))).describe().wasi).toBe(true)
    expect((await WasmEdgeNode.load(mod('remote.wasm'))).describe().remote).toBe(true)
  })

  for (const file of ['mixer.wasm', 'mixer.wasip1.wasm']) {
    it(`${file} equals the native MixerChain (<= 1e-6) with the same JSON config`, async () => {
      const config = { gate: { thresholdDb: -45 }, compressor: { ratio: 5 }, limiter: { ceilingDb: -3 } }
      const session = await (await WasmEdgeNode.load(mod(file), { config })).createSession()
      const native = new MixerChain(config)
      for (const f of frames(speechLike(2 * SR))) {
        const got = (await session.process(f)) as Float32Array
        expect(got).toBeInstanceOf(Float32Array)
        expect(maxAbsDiff(got, native.processSync(f))).toBeLessThanOrEqual(1e-6)
      }
      await session.close()
    })
  }

  it('applies overlapping calls on one session in call order', async () => {
    const session = await (await WasmEdgeNode.load(mod('mixer.wasm'))).createSession('ordered')
    expect(session.id).toBe('ordered')
    const input = frames(speechLike(3 * SR))
    const native = new MixerChain()
    const expected = input.map((f) => native.processSync(f))
    const results = (await Promise.all(input.map((f) => session.process(f)))) as Float32Array[]
    results.forEach((r, i) => expect(maxAbsDiff(r, expected[i]), `frame ${i}`).toBeLessThanOrEqual(1e-6))
  })

  it('runs many sessions in parallel, each keeping its own state', async () => {
    const node = await WasmEdgeNode.load(mod('mixer.wasm'))
    const sessions = await Promise.all(Array.from({ length: 40 }, (_, i) => node.createSession(`s${i}`)))
    const inputs = sessions.map((_, i) => frames(speechLike(FRAME * 15).map((v) => v * (0.2 + i / 40))))
    const outputs = await Promise.all(sessions.map((s, i) => Promise.all(inputs[i].map((f) => s.process(f)))))
    outputs.forEach((out, i) => {
      const native = new MixerChain()
      inputs[i].forEach((f, k) => expect(maxAbsDiff(out[k] as Float32Array, native.processSync(f))).toBeLessThanOrEqual(1e-6))
    })
    await Promise.all(sessions.map((s) => s.close()))
  })

  it('processBatch runs many sessions in one call: each output as process() gives it, errors per item', async () => {
    const node = await WasmEdgeNode.load(mod('mixer.wasm'))
    const sessions = await Promise.all(Array.from({ length: 8 }, () => node.createSession()))
    const natives = sessions.map(() => new MixerChain())
    const inputs = sessions.map((_, i) => frames(speechLike(FRAME * 4).map((v) => v * (0.3 + i / 10))))
    for (let k = 0; k < 4; k++) {
      const out = await WasmSession.processBatch(sessions, inputs.map((f) => f[k]))
      out.forEach((o, i) => expect(maxAbsDiff(o as Float32Array, natives[i].processSync(inputs[i][k])), `session ${i} frame ${k}`).toBeLessThanOrEqual(1e-6))
    }
    const echo = await (await WasmEdgeNode.load(mod('echo.wasm'))).createSession()
    const f = speechLike(FRAME)
    const mixed = await WasmSession.processBatch([sessions[0], echo, sessions[1]], [Float32Array.of(NaN), Buffer.from('hi'), f])
    expect((mixed[0] as Error & { code: string }).code).toBe('ERR_INVALID_AUDIO')
    expect((mixed[1] as Buffer).toString()).toBe('hi')
    expect(maxAbsDiff(mixed[2] as Float32Array, natives[1].processSync(f))).toBeLessThanOrEqual(1e-6)
    const wrong = await rejection(WasmSession.processBatch([echo, new MixerChain() as never], [f, f]))
    expect(wrong.code).toBe('ERR_INVALID_ARG_TYPE')
    expect(wrong.message).toMatch(/targets\[1\] must be a WasmSession/)
  })

  it('passes bytes through as Buffer and Uint8Array, returning a Buffer', async () => {
    const echo = await (await WasmEdgeNode.load(mod('echo.wasm'))).createSession()
    const out = await echo.process(Buffer.from('hello edge'))
    expect(Buffer.isBuffer(out)).toBe(true)
    expect((out as Buffer).toString()).toBe('hello edge')
    const big = new Uint8Array(300_000).map((_, i) => i % 251)
    expect(Buffer.compare(await echo.process(big) as Buffer, Buffer.from(big))).toBe(0)
  })
})

describe('WASM sandbox and errors', () => {
  it('stops a spinning guest (ERR_WASM_TIMEOUT) while other sessions keep working', async () => {
    const spin = await (await WasmEdgeNode.load(mod('spin.wasm'), { timeoutMs: 40 })).createSession()
    const healthy = await (await WasmEdgeNode.load(mod('mixer.wasm'))).createSession()
    const native = new MixerChain()
    const input = frames(speechLike(FRAME * 20))
    const started = performance.now()
    const [err, outputs] = await Promise.all([rejection(spin.process(new Uint8Array(4))), Promise.all(input.map((f) => healthy.process(f)))])
    expect(err.code).toBe('ERR_WASM_TIMEOUT')
    expect(err.message).toMatch(/40 ms time limit/)
    expect(performance.now() - started).toBeGreaterThanOrEqual(40)
    outputs.forEach((o, i) => expect(maxAbsDiff(o as Float32Array, native.processSync(input[i]))).toBeLessThanOrEqual(1e-6))
  })

  it('refuses memory growth past maxMemoryMb (ERR_WASM_MEMORY_LIMIT)', async () => {
    const oom = await (await WasmEdgeNode.load(mod('oom.wasm'), { maxMemoryMb: 16 })).createSession()
    const err = await rejection(oom.process(new Uint8Array(1)))
    expect(err.code).toBe('ERR_WASM_MEMORY_LIMIT')
    expect(err.message).toMatch(/16 MiB limit/)
  })

  it('reports traps (ERR_WASM_TRAP), bad pointers (ERR_WASM_BAD_POINTER) and oversized outputs', async () => {
    const trap = await (await WasmEdgeNode.load(mod('trap.wasm'))).createSession()
    const t = await rejection(trap.process(new Uint8Array(1)))
    expect(t.code).toBe('ERR_WASM_TRAP')
    expect(t.message).toMatch(/unreachable/)
    // The failed instance is replaced: the session answers again (with the same trap).
    expect((await rejection(trap.process(new Uint8Array(1)))).code).toBe('ERR_WASM_TRAP')

    const bad = await (await WasmEdgeNode.load(mod('badptr.wasm'))).createSession()
    const b = await rejection(bad.process(new Uint8Array(1)))
    expect(b.code).toBe('ERR_WASM_BAD_POINTER')
    expect(b.message).toMatch(/2147483632 bytes written into a \d+-byte buffer/)

    const big = await (await WasmEdgeNode.load(mod('bigout.wasm'), { maxOutputBytes: 1_000_000 })).createSession()
    const o = await rejection(big.process(new Uint8Array(1)))
    expect(o.code).toBe('ERR_WASM_OUTPUT_TOO_LARGE')
    expect(o.message).toMatch(/536870912-byte output; maxOutputBytes allows 1000000/)
  })

  it('gives a WASI module errors, not access, for files, env and sockets, and captures its output', async () => {
    const escape = await (await WasmEdgeNode.load(mod('escape.wasip1.wasm'))).createSession()
    const report = (await escape.process(new Uint8Array(1))) as Record<string, string>
    for (const key of ['file', 'dir', 'env', 'socket']) expect(report[key], key).toMatch(/^error/)
    const logs = escape.logs()
    expect(logs.stdout).toContain('escape: trying')
    expect(logs.stderr.length).toBeGreaterThan(0)
    expect(logs.droppedBytes).toBe(0)
  })

  it('names missing files, invalid bytes and ABI violations', async () => {
    const missing = await rejection(WasmEdgeNode.load(mod('nope.wasm')))
    expect(missing.code).toBe('ERR_WASM_NOT_FOUND')
    expect(missing.message).toMatch(/nope\.wasm/)
    const garbage = await rejection(WasmEdgeNode.load(Buffer.from('definitely not wasm')))
    expect(garbage.code).toBe('ERR_WASM_COMPILE')
    expect(garbage.message).toMatch(/not a valid WebAssembly module: .*magic header/)
    const abi = await rejection(WasmEdgeNode.load(mod('badabi.wasm')))
    expect(abi.code).toBe('ERR_WASM_ABI')
    expect(abi.message).toMatch(/export `process` has signature \(i32, i32\) -> \(i32\), expected \(i32, i32, i32, i32\) -> \(i32\)/)
    expect(abi.message).toMatch(/missing export `cleanup`/)
  })

  it('refuses bad audio for an f32 module before the module sees it, state untouched', async () => {
    const node = await WasmEdgeNode.load(mod('mixer.wasm'))
    const session = await node.createSession()
    const twin = await node.createSession()
    const f = speechLike(FRAME)
    await session.process(f)
    await twin.process(f)
    const nan = await rejection(session.process(Float32Array.of(0.1, NaN)))
    expect(nan).toBeInstanceOf(RangeError)
    expect(nan.code).toBe('ERR_INVALID_AUDIO')
    expect(nan.message).toMatch(/sample 1 is NaN/)
    expect((await rejection(session.process(new Uint8Array(3)))).message).toMatch(/3 bytes is not a whole number of float32 samples/)
    expect(maxAbsDiff((await session.process(f)) as Float32Array, (await twin.process(f)) as Float32Array)).toBe(0)
  })

  it('rejects bad arguments and options with codes', async () => {
    const typeErr = await rejection(WasmEdgeNode.load(42 as unknown as string))
    expect(typeErr).toBeInstanceOf(TypeError)
    expect(typeErr.code).toBe('ERR_INVALID_ARG_TYPE')
    for (const [options, message] of [
      [{ maxMemoryMb: 0 }, /maxMemoryMb = 0 is out of range: allowed 1 to 1024 MiB/],
      [{ timeoutMs: 120_000 }, /timeoutMs = 120000 is out of range: allowed 1 to 60000 ms/],
      [{ maxMemory: 5 }, /unknown field `maxMemory`/],
      [{ timeoutMs: 'fast' }, /timeoutMs: invalid type/],
    ] as const) {
      const err = await rejection(WasmEdgeNode.load(mod('echo.wasm'), options as object))
      expect(err).toBeInstanceOf(RangeError)
      expect(err.code).toBe('ERR_INVALID_CONFIG')
      expect(err.message).toMatch(message)
    }
    const badConfig = await rejection((await WasmEdgeNode.load(mod('mixer.wasm'), { config: { compressor: { ratio: 0 } } })).createSession())
    expect(badConfig.code).toBe('ERR_INVALID_CONFIG')
    const session = await (await WasmEdgeNode.load(mod('echo.wasm'))).createSession()
    const argErr = await rejection(session.process('text' as unknown as Uint8Array))
    expect(argErr).toBeInstanceOf(TypeError)
    expect(argErr.code).toBe('ERR_INVALID_ARG_TYPE')
    await session.close()
    expect((await rejection(session.process(new Uint8Array(1)))).code).toBe('ERR_WASM_SESSION_CLOSED')
  })
})
