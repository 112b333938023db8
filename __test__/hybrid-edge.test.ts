// Hybrid proxies on the edge side with the real addon and guest modules; the cloud side
// configured but unreachable (nothing listens on its port), so every cloud attempt fails
// as it would with the cloud down.
import { createServer } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HybridProcessingClient, MixerChain, Pipeline, WasmEdgeNode } from '../dist/index.js'
import type { DecisionContext, HybridProxy } from '../dist/index.js'
import { FRAME, SR, maxAbsDiff, noise, speechLike } from './helpers.js'
import { parsePrometheus } from './prometheus-parse.js'

const DIST = join(__dirname, '..', 'wasm-modules', 'dist')
const mod = (name: string) => join(DIST, name)

function frames(x: Float32Array) {
  const out: Float32Array[] = []
  for (let i = 0; i + FRAME <= x.length; i += FRAME) out.push(x.slice(i, i + FRAME))
  return out
}

async function rejection(p: Promise<unknown>) {
  return p.then(
    () => { throw new Error('expected a rejection') },
    (e: Error & { code?: string }) => e,
  )
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  await new Promise<void>((r) => server.close(() => r()))
  return port
}

let client: HybridProcessingClient
beforeAll(async () => {
  client = new HybridProcessingClient({ host: '127.0.0.1', port: await closedPort(), timeoutMs: 500 })
  await client.initializeWasmEdge()
})
afterAll(() => client.close())

describe('createHybridProxy validation', () => {
  it('rejects bad sides with codes', async () => {
    expect(await rejection(client.createHybridProxy({}))).toMatchObject({ code: 'ERR_HYBRID_NO_SIDE' })
    expect(await rejection(client.createHybridProxy({ edgeWasm: { wasmPath: mod('missing.wasm') } }))).toMatchObject({ code: 'ERR_WASM_NOT_FOUND', message: expect.stringMatching(/missing\.wasm/) })
    expect(await rejection(client.createHybridProxy({ edgeWasm: { wasmPath: mod('badabi.wasm') } }))).toMatchObject({ code: 'ERR_WASM_ABI' })
    expect(await rejection(client.createHybridProxy({ edgeWasm: { wasmPath: mod('remote.wasm') } }))).toMatchObject({ code: 'ERR_HYBRID_REMOTE_NOT_ALLOWED' })
    expect(await rejection(client.createHybridProxy({ edgeWasm: { wasmPath: mod('remote.wasm'), allowRemote: [] } }))).toMatchObject({ code: 'ERR_HYBRID_REMOTE_NOT_ALLOWED', message: expect.stringMatching(/\['VAD'\]/) })
    // `true` names no service: refused with what is allowed, as is an empty name.
    expect(await rejection(client.createHybridProxy({ edgeWasm: { wasmPath: mod('remote.wasm'), allowRemote: true as never } }))).toMatchObject({ code: 'ERR_INVALID_CONFIG', message: expect.stringMatching(/list of the cloud node types.*received boolean true/) })
    expect(await rejection(client.createHybridProxy({ edgeWasm: { wasmPath: mod('remote.wasm'), allowRemote: [''] } }))).toMatchObject({ code: 'ERR_INVALID_CONFIG', message: expect.stringMatching(/empty name/) })
    await (await client.createHybridProxy({ edgeWasm: { wasmPath: mod('remote.wasm'), allowRemote: ['VAD'] } })).close()
    expect(await rejection(client.createHybridProxy({ edgeNative: { node: 'mixer', config: { compressor: { ratio: 0 } } } }))).toMatchObject({ code: 'ERR_INVALID_CONFIG' })
    expect(await rejection(client.createHybridProxy({ edgeNative: { node: 'reverb' as never } }))).toMatchObject({ code: 'ERR_INVALID_CONFIG', message: expect.stringMatching(/'mixer'/) })
    expect(await rejection(client.createHybridProxy({ cloudRemote: { nodeType: '' } }))).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' })
    expect(await rejection(client.createHybridProxy({ cloudRemote: { nodeType: 'PassThrough', serializationFormat: 'xml' as never } }))).toMatchObject({ code: 'ERR_INVALID_CONFIG' })
    const edgeWasm = { wasmPath: mod('echo.wasm') }
    expect(await rejection(client.createHybridProxy({ edgeWasm, fallback: 'sideways' as never }))).toMatchObject({ code: 'ERR_INVALID_CONFIG' })
    expect(await rejection(client.createHybridProxy({ edgeWasm, latencyHint: 'fast' as never }))).toMatchObject({ code: 'ERR_INVALID_CONFIG', message: expect.stringMatching(/balanced, interactive/) })
    expect(await rejection(client.createHybridProxy({ edgeWasm, decisionFunction: 'edge' as never }))).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' })
    expect(await rejection(client.createHybridProxy({ edgeWasm, router: { smallComplexity: 2 } }))).toMatchObject({ code: 'ERR_INVALID_CONFIG', message: expect.stringMatching(/smallComplexity/) })
    expect(await rejection(client.createHybridProxy(null as never))).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' })
  })

  it('initializeWasmEdge is idempotent and warms the module cache', async () => {
    const first = await client.initializeWasmEdge()
    expect(await client.initializeWasmEdge({ timeoutMs: 5 })).toBe(first)
    expect(Object.keys(first.modules).sort()).toEqual(['echo.wasm', 'mixer.wasm', 'remote.wasm', 'vad.wasm'])
    expect(first).toMatchObject({ maxMemoryMb: 64, timeoutMs: 100, maxInstances: 1000 })
    expect((await WasmEdgeNode.load(mod('mixer.wasm'))).describe().cache).toBe('memory')
  })
})

describe('edge processing', () => {
  it('process() keeps the shared session state: equals MixerChain frame by frame', async () => {
    const proxy = await client.createHybridProxy({ edgeWasm: { wasmPath: mod('mixer.wasm') } })
    const native = new MixerChain()
    for (const f of frames(speechLike(SR / 2))) {
      const r = await proxy.process<Float32Array>(f)
      expect(r).toMatchObject({ route: 'edge', fellBack: false, decision: { requested: 'auto', by: 'router' } })
      expect(r.latencyMs).toBeGreaterThan(0)
      expect(maxAbsDiff(r.output, native.processSync(f))).toBeLessThanOrEqual(1e-6)
    }
    expect(proxy.stats()).toMatchObject({ requests: { edge: 25, cloud: 0 }, bytes: { atEdge: 25 * FRAME * 4, toCloud: 0 }, failed: 0 })
    await proxy.close()
  })

  it('takes every input kind: Float32Array, Buffer, Uint8Array, string, JSON', async () => {
    const proxy = await client.createHybridProxy({ edgeWasm: { wasmPath: mod('echo.wasm') } })
    const f = new Float32Array([0.5, -1, 2])
    expect(Buffer.compare((await proxy.process<Buffer>(f)).output, Buffer.from(f.buffer))).toBe(0)
    expect((await proxy.process<Buffer>(Buffer.from('buf'))).output.toString()).toBe('buf')
    expect((await proxy.process<Buffer>(new Uint8Array([1, 2, 3]))).output).toEqual(Buffer.from([1, 2, 3]))
    expect((await proxy.process<Buffer>('héllo')).output.toString('utf8')).toBe('héllo')
    const json = { frame: 3, tags: ['a', null], nested: { x: 1.5 } }
    expect(JSON.parse((await proxy.process<Buffer>(json)).output.toString())).toEqual(json)
    for (const bad of [undefined, () => 1, Symbol('s'), 10n, new Int16Array(4)]) {
      const e = await rejection(proxy.process(bad))
      expect(e).toBeInstanceOf(TypeError)
      expect(e).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringMatching(/Float32Array, Uint8Array, Buffer, string or JSON value/) })
    }
    await proxy.close()
  })

  it("latencyHint 'interactive' keeps the event loop turning while a call is in flight, at most 1 ms per call", async () => {
    const turning = () => process.getActiveResourcesInfo().includes('Immediate')
    const settle = async () => {
      for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r))
    }
    for (const latencyHint of ['balanced', 'interactive'] as const) {
      const native = new MixerChain()
      const proxy = await client.createHybridProxy({ edgeNative: { node: 'mixer' }, latencyHint })
      await settle()
      for (const f of frames(speechLike(SR / 10))) {
        const call = proxy.process<Float32Array>(f)
        expect(turning(), latencyHint).toBe(latencyHint === 'interactive')
        expect(maxAbsDiff((await call).output, native.processSync(f))).toBe(0)
      }
      await settle()
      expect(turning()).toBe(false)
      await proxy.close()
    }
    // A call longer than 1 ms: the loop sleeps again while it is still in flight.
    const spin = await client.createHybridProxy({ edgeWasm: { wasmPath: mod('spin.wasm') }, edgeTimeoutMs: 200, fallback: 'none', latencyHint: 'interactive' })
    const call = rejection(spin.process(new Float32Array(FRAME)))
    expect(turning()).toBe(true)
    await new Promise((r) => setTimeout(r, 50))
    expect(turning()).toBe(false)
    expect(await call).toMatchObject({ code: 'ERR_WASM_TIMEOUT' })
    await spin.close()
  })

  it('a native edge (MixerChain) behaves like the WASM mixer', async () => {
    const config = { compressor: { ratio: 6 } }
    const proxy = await client.createHybridProxy({ edgeNative: { node: 'mixer', config } })
    const native = new MixerChain(config)
    for (const f of frames(speechLike(SR / 5))) {
      expect(maxAbsDiff((await proxy.process<Float32Array>(f)).output, native.processSync(f))).toBeLessThanOrEqual(1e-6)
    }
    await proxy.close()
  })
})

describe('decisionFunction with the cloud down', () => {
  let proxy: HybridProxy
  const edgeWasm = { wasmPath: mod('echo.wasm') }
  const cloudRemote = { nodeType: 'PassThrough' }
  const input = Buffer.from('frame')

  it('ctx describes the input and both sides', async () => {
    let seen: DecisionContext | undefined
    proxy = await client.createHybridProxy({ edgeWasm, cloudRemote, decisionFunction: (_i, ctx) => ((seen = ctx), 'edge') })
    await proxy.process(new Float32Array(960))
    expect(seen).toMatchObject({ kind: 'f32', bytes: 3840, samples: 960, cloudReachable: true, circuit: 'closed' })
    expect(seen!.complexity).toBeGreaterThanOrEqual(0)
    expect(seen!.complexity).toBeLessThanOrEqual(1)
    expect(seen!.edge).toMatchObject({ available: true, inFlight: 0, successRate: 1 })
    await proxy.process(input)
    expect(seen).toMatchObject({ kind: 'bytes', bytes: 5, samples: 0 })
    expect(seen!.edge.p50Ms).toBeGreaterThan(0)
    await proxy.close()
  })

  it("'cloud' while the cloud is down falls back to the edge, counted", async () => {
    proxy = await client.createHybridProxy({ edgeWasm, cloudRemote, decisionFunction: () => 'cloud', router: { breaker: { failureThreshold: 3 } } })
    for (let i = 0; i < 5; i++) {
      const r = await proxy.process<Buffer>(input)
      expect(r).toMatchObject({ route: 'edge', fellBack: true, decision: { requested: 'cloud', by: 'function' } })
      expect(r.output.toString()).toBe('frame')
    }
    const s = proxy.stats()
    expect(s.fallbacks).toEqual({ cloudToEdge: 5, edgeToCloud: 0 })
    // Three real attempts opened the circuit; the next two did not call the cloud.
    expect(s.errors.cloud).toEqual({ ERR_CLOUD_UNAVAILABLE: 3 })
    expect(s.circuit).toBe('open')
    expect(s.requests).toEqual({ edge: 5, cloud: 0 })
    await proxy.close()
  })

  it('offline mode keeps every input at the edge without trying the cloud', async () => {
    const c = new HybridProcessingClient({ host: '127.0.0.1', port: await closedPort() })
    c.setOffline(true)
    const explicit = await c.createHybridProxy({ edgeWasm, cloudRemote, decisionFunction: () => 'cloud' })
    const auto = await c.createHybridProxy({ edgeWasm, cloudRemote })
    expect(await explicit.process(input)).toMatchObject({ route: 'edge', fellBack: true, decision: { reason: expect.stringMatching(/offline mode/) } })
    expect(await auto.process(Buffer.alloc(10_000_001))).toMatchObject({ route: 'edge', fellBack: false, decision: { reason: 'offline mode' } })
    expect(explicit.stats()).toMatchObject({ offline: true, errors: { cloud: {} }, circuit: 'closed' })
    c.setOffline(false)
    expect(auto.stats().offline).toBe(false)
    await c.close()
  })

  it("fallback 'none' rejects with the cloud's error", async () => {
    proxy = await client.createHybridProxy({ edgeWasm, cloudRemote, decisionFunction: () => 'cloud', fallback: 'none' })
    expect(await rejection(proxy.process(input))).toMatchObject({ code: 'ERR_CLOUD_UNAVAILABLE' })
    expect(proxy.stats()).toMatchObject({ failed: 1, fallbacks: { cloudToEdge: 0 } })
    await proxy.close()
  })

  it('throwing, garbage, rejecting and slow decision functions route as auto and are counted', async () => {
    const answers: Array<() => unknown> = [
      () => { throw new Error('boom') },
      () => 'EDGE',
      () => 42,
      () => null,
      () => Promise.reject(new Error('no')),
      () => new Promise((r) => setTimeout(() => r('cloud'), 60)),
      () => Promise.resolve('sideways'),
      () => ({ then: () => { throw new Error('thenable throws') } }),
    ]
    let k = 0
    proxy = await client.createHybridProxy({ edgeWasm, cloudRemote, decisionFunction: () => answers[k++]() as 'edge', decisionTimeoutMs: 10 })
    for (let i = 0; i < answers.length; i++) {
      const r = await proxy.process<Buffer>(input)
      expect(r.output.toString()).toBe('frame')
      expect(r.decision).toMatchObject({ requested: 'auto', by: 'router' })
      expect(r.route).toBe('edge') // the prior: 5 B, low complexity
    }
    const s = proxy.stats()
    expect(s.decisionErrors).toBe(answers.length)
    expect(s.decisionErrorsByKind).toEqual({ throw: 2, invalid: 4, rejected: 1, timeout: 1 })
    await proxy.close()
  })

  it('an async decision within the bound is honoured', async () => {
    proxy = await client.createHybridProxy({ edgeWasm, cloudRemote, decisionFunction: async () => 'edge', decisionTimeoutMs: 1000 })
    const r = await proxy.process(input)
    expect(r).toMatchObject({ route: 'edge', fellBack: false, decision: { requested: 'edge', by: 'function' } })
    expect(proxy.stats().decisionErrors).toBe(0)
    await proxy.close()
  })
})

describe('streams', () => {
  it('yields results in input order with bounded in-flight, per-stream state', async () => {
    const proxy = await client.createHybridProxy({ edgeWasm: { wasmPath: mod('mixer.wasm') } })
    const inputs = [frames(speechLike(SR)), frames(noise(SR, 0.3, 5))]
    let pulled = 0
    let maxAhead = 0
    let consumed = 0
    async function* source(fs: Float32Array[]) {
      for (const f of fs) {
        pulled++
        maxAhead = Math.max(maxAhead, pulled - consumed)
        yield f
      }
    }
    // Two streams at once, each with its own session state.
    const outs = await Promise.all(
      inputs.map(async (fs) => {
        const out: Float32Array[] = []
        for await (const r of proxy.stream<Float32Array>(source(fs), { maxInFlight: 4 })) {
          out.push(r.output)
          consumed++
          await new Promise((r) => setImmediate(r))
        }
        return out
      }),
    )
    inputs.forEach((fs, s) => {
      const native = new MixerChain()
      expect(outs[s].length).toBe(fs.length)
      fs.forEach((f, i) => expect(maxAbsDiff(outs[s][i], native.processSync(f)), `stream ${s} frame ${i}`).toBeLessThanOrEqual(1e-6))
    })
    // Two streams, four in flight each, plus the item each source hands over while waiting.
    expect(maxAhead).toBeLessThanOrEqual(2 * (4 + 1))
    await proxy.close()
  })

  it('many live streams share batched edge calls and each keeps its own state (native and WASM edges)', async () => {
    for (const edge of [{ edgeNative: { node: 'mixer' as const } }, { edgeWasm: { wasmPath: mod('mixer.wasm') } }]) {
      const proxy = await client.createHybridProxy(edge)
      const inputs = Array.from({ length: 60 }, (_, s) => frames(speechLike(FRAME * 12).map((v) => v * (0.1 + s / 60))))
      const outs = await Promise.all(
        inputs.map(async (fs) => {
          const out: Float32Array[] = []
          for await (const r of proxy.stream<Float32Array>(fs, { maxInFlight: 3 })) out.push(r.output)
          return out
        }),
      )
      inputs.forEach((fs, s) => {
        const native = new MixerChain()
        expect(outs[s].length).toBe(fs.length)
        fs.forEach((f, i) => expect(maxAbsDiff(outs[s][i], native.processSync(f)), `stream ${s} frame ${i}`).toBeLessThanOrEqual(1e-6))
      })
      // A bad frame fails on its own stream only (never the batch it would have joined).
      const bad = proxy.process(Float32Array.of(0.1, NaN))
      const good = proxy.process(speechLike(FRAME))
      await expect(bad).rejects.toMatchObject({ code: 'ERR_INVALID_AUDIO' })
      expect((await good).output).toHaveLength(FRAME)
      await proxy.close()
    }
  })

  it('an input that fails everywhere ends the stream after every earlier result', async () => {
    const proxy = await client.createHybridProxy({ edgeWasm: { wasmPath: mod('mixer.wasm') } })
    const fs = frames(noise(FRAME * 6, 0.1))
    fs[3] = new Float32Array(FRAME).fill(NaN)
    const got: number[] = []
    let err: (Error & { code?: string }) | undefined
    try {
      let i = 0
      for await (const r of proxy.stream(fs)) {
        expect(r.route).toBe('edge')
        got.push(i++)
      }
    } catch (e) {
      err = e as Error & { code?: string }
    }
    expect(got).toEqual([0, 1, 2])
    expect(err?.code).toBe('ERR_INVALID_AUDIO') // the host refuses NaN samples before the guest
    await proxy.close()
  })

  it('close() drains work in flight, then refuses', async () => {
    const proxy = await client.createHybridProxy({ edgeWasm: { wasmPath: mod('mixer.wasm') } })
    const fs = frames(speechLike(SR / 2))
    const pending = fs.map((f) => proxy.process(f))
    await proxy.close()
    expect((await Promise.all(pending)).length).toBe(fs.length)
    expect(await rejection(proxy.process(fs[0]))).toMatchObject({ code: 'ERR_HYBRID_CLOSED' })
  })
})

describe('Pipeline', () => {
  it('the VAD gate drops non-speech frames before the mixer; kept frames are mixed in order', async () => {
    const vad = await client.createHybridProxy({ edgeWasm: { wasmPath: mod('vad.wasm') }, name: 'vad' })
    const mixer = await client.createHybridProxy({ edgeWasm: { wasmPath: mod('mixer.wasm') }, name: 'mixer' })
    const echo = await client.createHybridProxy({ edgeWasm: { wasmPath: mod('echo.wasm') }, name: 'echo' })
    // Speech, then 2 s of faint hiss, then speech.
    const signal = new Float32Array(4 * SR)
    signal.set(speechLike(SR), 0)
    signal.set(noise(2 * SR, 0.0005, 3), SR)
    signal.set(speechLike(SR), 3 * SR)
    const fs = frames(signal)
    // Reference: the VAD module on its own, and a mixer fed only the kept frames.
    const vadRef = await (await WasmEdgeNode.load(mod('vad.wasm'))).createSession()
    const speech: boolean[] = []
    for (const f of fs) speech.push(((await vadRef.process(f)) as { speech: boolean }).speech)
    expect(speech.filter(Boolean).length).toBeGreaterThan(10)
    expect(speech.filter((s) => !s).length).toBeGreaterThan(10)
    const native = new MixerChain()

    const pipeline = new Pipeline().gate('vad', vad).map('mixer', mixer).tap('bytes', echo)
    let i = 0
    for await (const r of pipeline.stream(fs, { maxInFlight: 8 })) {
      expect(r.index).toBe(i)
      expect(r.dropped).toBe(!speech[i])
      if (r.dropped) {
        expect(r.droppedBy).toBe('vad')
        expect(r.stages.mixer).toBeUndefined()
      } else {
        expect(maxAbsDiff(r.output as Float32Array, native.processSync(fs[i]))).toBeLessThanOrEqual(1e-6)
        // The tap saw the mixed frame.
        expect(Buffer.compare((r.stages.bytes as { output: Buffer }).output, Buffer.from((r.output as Float32Array).buffer))).toBe(0)
      }
      i++
    }
    expect(i).toBe(fs.length)
    const kept = speech.filter(Boolean).length
    expect(pipeline.stats()).toEqual({ frames: fs.length, dropped: fs.length - kept, droppedBy: { vad: fs.length - kept } })
    expect(mixer.stats().bytes.atEdge).toBe(kept * FRAME * 4)
    await Promise.all([vad.close(), mixer.close(), echo.close(), vadRef.close()])
  })

  it('a frame dropped early does not let a later frame overtake an earlier one in the next stage', async () => {
    // Frame 0 passes the gate slowly; frame 1 is dropped at once; frame 2 passes at once.
    const delays = [40, 0, 0, 0]
    const gate = { process: (i: number) => new Promise<number>((r) => setTimeout(() => r(i), delays[i])) }
    const entered: number[] = []
    const next = { process: async (i: number) => (entered.push(i), i) }
    const results: number[] = []
    for await (const r of new Pipeline().gate('gate', gate, (i) => i !== 1).map('next', next).stream([0, 1, 2, 3], { maxInFlight: 4 })) {
      if (!r.dropped) results.push(r.output as number)
    }
    expect(entered).toEqual([0, 2, 3])
    expect(results).toEqual([0, 2, 3])
  })

  it('refuses bad stages', () => {
    expect(() => new Pipeline().map('', { process: async () => 1 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CONFIG' }))
    expect(() => new Pipeline().map('x', {} as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }))
    expect(() => new Pipeline().stream([])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CONFIG' }))
  })
})

describe('metrics', () => {
  it('stats() and metrics() agree; the text is valid exposition format', async () => {
    const c = new HybridProcessingClient({ cloud: false })
    const name = 'mixer "main"\\ \nline'
    const proxy = await c.createHybridProxy({ edgeWasm: { wasmPath: mod('mixer.wasm') }, name, decisionFunction: () => 'bogus' as never })
    const fs = frames(speechLike(SR / 2))
    for (const f of fs) await proxy.process(f)
    const families = parsePrometheus(c.metrics())
    const sample = (family: string, labels: Record<string, string>, suffix = '') =>
      families.get(family)!.samples.find((s) => s.name === family + suffix && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value
    const stats = proxy.stats()
    expect(sample('edgemix_hybrid_requests_total', { proxy: name, route: 'edge' })).toBe(fs.length)
    expect(sample('edgemix_hybrid_bytes_total', { proxy: name, side: 'edge' })).toBe(fs.length * FRAME * 4)
    expect(sample('edgemix_hybrid_decision_errors_total', { proxy: name, kind: 'invalid' })).toBe(fs.length)
    expect(sample('edgemix_hybrid_latency_seconds', { proxy: name, side: 'edge' }, '_count')).toBe(fs.length)
    expect(sample('edgemix_hybrid_latency_seconds', { proxy: name, side: 'edge', quantile: '0.99' })).toBeCloseTo(stats.latency.edge.p99Ms / 1000, 9)
    expect(sample('edgemix_hybrid_circuit_state', { proxy: name })).toBe(0)
    expect(families.get('edgemix_hybrid_latency_seconds')!.type).toBe('summary')
    await c.close()
  })

  it('the reader refuses invalid text (so passing it means something)', () => {
    expect(() => parsePrometheus('x 1')).toThrow(/newline/)
    expect(() => parsePrometheus('x 1\n')).toThrow(/no TYPE/)
    expect(() => parsePrometheus('# TYPE x counter\nx{a="\\q"} 1\n')).toThrow(/escape/)
    expect(() => parsePrometheus('# TYPE x counter\nx -1\n')).toThrow(/counter/)
    expect(() => parsePrometheus('# TYPE x summary\nx 1\n')).toThrow(/quantile/)
    expect(() => parsePrometheus('# TYPE x gauge\nx 1\nx 2\n')).toThrow(/duplicate/)
    expect(() => parsePrometheus('# TYPE x gauge\n# TYPE y gauge\nx 1\n')).toThrow(/contiguous/)
  })
})
