// Hybrid proxies against a real cloud tier (startServer) on 127.0.0.1, ephemeral ports.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HybridProcessingClient, MixerChain, Pipeline, WasmEdgeNode, startServer } from '../dist/index.js'
import { FRAME, SR, maxAbsDiff, noise, speechLike } from './helpers.js'

const DIST = join(__dirname, '..', 'wasm-modules', 'dist')
const mod = (name: string) => join(DIST, name)
const echo = { wasmPath: mod('echo.wasm') }

function frames(x: Float32Array) {
  const out: Float32Array[] = []
  for (let i = 0; i + FRAME <= x.length; i += FRAME) out.push(x.slice(i, i + FRAME))
  return out
}

const tagged = (i: number) => Buffer.from(`frame-${i}`)

type Server = { port: number; close(): Promise<void> }

/** A cloud tier in a child process, so that it can really be killed (SIGKILL). */
async function cloudProcess(port = 0): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', `
    require('./dist/index.js').startServer({ host: '127.0.0.1', port: ${port} }).then((s) => console.log('port ' + s.port))
    setInterval(() => {}, 1 << 30)
  `], { cwd: join(__dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] })
  const bound = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      const m = /port (\d+)/.exec(String(d))
      if (m) resolve(Number(m[1]))
    })
    child.once('exit', (code) => reject(new Error(`cloud process exited with ${code}`)))
  })
  return { port: bound, child }
}

const killed = (child: ChildProcess) => new Promise((r) => (child.once('exit', r), child.kill('SIGKILL')))
let server: Server
let client: HybridProcessingClient

beforeAll(async () => {
  server = await startServer({ host: '127.0.0.1', port: 0, enableTestNodes: true })
  client = new HybridProcessingClient({ host: '127.0.0.1', port: server.port, timeoutMs: 5000 })
})
afterAll(async () => {
  await client.close()
  await server.close()
})

describe('with the cloud up', () => {
  it('status, listNodes and the node type check', async () => {
    expect(await client.status()).toMatchObject({ status: 'healthy' })
    const names = ((await client.listNodes()) as Array<{ nodeType: string }>).map((n) => n.nodeType)
    expect(names).toEqual(expect.arrayContaining(['PassThrough', 'AudioMixer', 'Delay']))
    const e = await client.createHybridProxy({ edgeWasm: echo, cloudRemote: { nodeType: 'NoSuchNode' } }).catch((x) => x)
    expect(e).toMatchObject({ code: 'ERR_HYBRID_UNKNOWN_NODE', message: expect.stringMatching(/NoSuchNode.*PassThrough/) })
  })

  it('honours the decision both ways; outputs and byte counts per side', async () => {
    const proxy = await client.createHybridProxy({
      edgeWasm: echo,
      cloudRemote: { nodeType: 'PassThrough' },
      decisionFunction: (input) => (Buffer.from(input as Buffer).readUInt8(6) % 2 ? 'cloud' : 'edge'),
    })
    let cloudBytes = 0
    for (let i = 0; i < 10; i++) {
      const input = tagged(i)
      const r = await proxy.process<Buffer>(input)
      const want = input.readUInt8(6) % 2 ? 'cloud' : 'edge'
      if (want === 'cloud') cloudBytes += input.length
      expect(r).toMatchObject({ route: want, fellBack: false, decision: { requested: want, by: 'function' } })
      expect(Buffer.compare(r.output, input)).toBe(0)
    }
    const s = proxy.stats()
    expect(s.requests).toEqual({ edge: 5, cloud: 5 })
    expect(s.bytes).toEqual({ toCloud: cloudBytes, atEdge: 10 * 7 - cloudBytes })
    expect(s.latency.cloud.count).toBe(5)
    await proxy.close()
  })

  it('an async decision is honoured; the cloud mixer equals the native chain', async () => {
    const proxy = await client.createHybridProxy({
      edgeWasm: { wasmPath: mod('mixer.wasm') },
      cloudRemote: { nodeType: 'AudioMixer' },
      decisionFunction: async () => 'cloud',
    })
    // One-shot cloud calls: each frame on a fresh node, so compare with a fresh chain.
    const f = frames(speechLike(SR / 10))[2]
    const r = await proxy.process<Float32Array>(f)
    expect(r.route).toBe('cloud')
    expect(maxAbsDiff(r.output, new MixerChain().processSync(f))).toBeLessThanOrEqual(1e-6)
    await proxy.close()
  })

  it("'auto': small inputs at the edge, inputs over 10 MB in the cloud", async () => {
    const proxy = await client.createHybridProxy({ edgeWasm: echo, cloudRemote: { nodeType: 'PassThrough' } })
    expect((await proxy.process(Buffer.alloc(1000, 1))).route).toBe('edge')
    const big = Buffer.alloc(10_000_001, 7)
    const r = await proxy.process<Buffer>(big)
    expect(r).toMatchObject({ route: 'cloud', decision: { by: 'router', reason: expect.stringMatching(/> 10000000 B/) } })
    expect(r.output.length).toBe(big.length)
    expect(proxy.explain().map((d) => d.route)).toEqual(['edge', 'cloud'])
    await proxy.close()
  })

  it('a cloud stream keeps the node state per stream (AudioMixer = MixerChain over the stream)', async () => {
    const proxy = await client.createHybridProxy({ edgeWasm: { wasmPath: mod('mixer.wasm') }, cloudRemote: { nodeType: 'AudioMixer' }, decisionFunction: () => 'cloud' })
    const fs = frames(speechLike(SR))
    const native = new MixerChain()
    let i = 0
    for await (const r of proxy.stream<Float32Array>(fs, { maxInFlight: 8 })) {
      expect(r.route).toBe('cloud')
      expect(maxAbsDiff(r.output, native.processSync(fs[i++]))).toBeLessThanOrEqual(1e-6)
    }
    expect(i).toBe(fs.length)
    await proxy.close()
  })

  it('the edge VAD gate keeps non-speech frames off the cloud', async () => {
    const vad = await client.createHybridProxy({ edgeWasm: { wasmPath: mod('vad.wasm') } })
    const mixer = await client.createHybridProxy({ edgeWasm: { wasmPath: mod('mixer.wasm') }, cloudRemote: { nodeType: 'AudioMixer' }, decisionFunction: () => 'cloud' })
    const signal = new Float32Array(3 * SR)
    signal.set(speechLike(SR), 0)
    signal.set(noise(2 * SR, 0.0005, 9), SR)
    const fs = frames(signal)
    const ref = await (await WasmEdgeNode.load(mod('vad.wasm'))).createSession()
    const speech: boolean[] = []
    for (const f of fs) speech.push(((await ref.process(f)) as { speech: boolean }).speech)
    const native = new MixerChain()
    let i = 0
    for await (const r of new Pipeline().gate('vad', vad).map('mixer', mixer).stream(fs)) {
      expect(r.dropped).toBe(!speech[i])
      if (!r.dropped) expect(maxAbsDiff(r.output as Float32Array, native.processSync(fs[i]))).toBeLessThanOrEqual(1e-6)
      i++
    }
    const kept = speech.filter(Boolean).length
    expect(kept).toBeGreaterThan(5)
    expect(kept).toBeLessThan(fs.length - 5)
    expect(mixer.stats().bytes.toCloud).toBe(kept * FRAME * 4)
    expect(mixer.stats().requests.cloud).toBe(kept)
    await Promise.all([vad.close(), mixer.close(), ref.close()])
  })
})

describe('cloud failures', () => {
  it('slow cloud (Delay node) → deadline → edge fallback; the circuit opens', async () => {
    const proxy = await client.createHybridProxy({
      edgeWasm: echo,
      cloudRemote: { nodeType: 'Delay', config: { delay_ms: 400 } },
      decisionFunction: () => 'cloud',
      cloudTimeoutMs: 50,
      router: { breaker: { failureThreshold: 3, openMs: 60_000 } },
    })
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now()
      const r = await proxy.process<Buffer>(tagged(i))
      expect(r).toMatchObject({ route: 'edge', fellBack: true })
      expect(r.output.toString()).toBe(`frame-${i}`)
      expect(performance.now() - t0).toBeLessThan(350) // never waited for the slow node
    }
    const s = proxy.stats()
    expect(s.errors.cloud).toEqual({ ERR_CLOUD_TIMEOUT: 3 })
    expect(s).toMatchObject({ circuit: 'open', timesOpened: 1, fallbacks: { cloudToEdge: 5 } })
    await proxy.close()
  })

  it("'auto' on a half-open circuit: the router's probe goes to the cloud, inputs decided meanwhile stay at the edge", async () => {
    let cloud = await cloudProcess()
    const port = cloud.port
    const clock = { t: 0 } // the circuit's clock: open times pass when the test says so
    const c = new HybridProcessingClient({ host: '127.0.0.1', port, timeoutMs: 1000 })
    const proxy = await c.createHybridProxy({
      edgeWasm: echo,
      cloudRemote: { nodeType: 'PassThrough' },
      complexity: 0.9, // above 0.8: the router's prior sends every input to the cloud
      cloudTimeoutMs: 500,
      router: { breaker: { failureThreshold: 2, openMs: 100, now: () => clock.t } },
    })
    const run = async (i: number) => {
      const r = await proxy.process<Buffer>(tagged(i))
      expect(r.output.toString()).toBe(`frame-${i}`)
      return [r.route, r.fellBack, r.decision.reason]
    }
    expect(await run(0)).toEqual(['cloud', false, 'prior: complexity 0.90 > 0.8'])
    await killed(cloud.child)
    expect(await run(1)).toEqual(['edge', true, 'prior: complexity 0.90 > 0.8'])
    expect(await run(2)).toEqual(['edge', true, 'prior: complexity 0.90 > 0.8'])
    expect(await run(3)).toEqual(['edge', false, 'cloud circuit open'])
    expect(proxy.stats()).toMatchObject({ circuit: 'open', timesOpened: 1, requests: { cloud: 1, edge: 3 } })

    // Half-open, the cloud still down: the first input is the probe (it fails and falls
    // back); the two submitted while it is in flight go to the edge without a cloud call.
    clock.t = 100
    expect(proxy.stats().circuit).toBe('half-open')
    expect(await Promise.all([4, 5, 6].map(run))).toEqual([
      ['edge', true, 'half-open circuit: probing the cloud'],
      ['edge', false, 'half-open circuit: a probe is in flight'],
      ['edge', false, 'half-open circuit: a probe is in flight'],
    ])
    const failedCalls = (s: { errors: { cloud: Record<string, number> } }) => Object.values(s.errors.cloud).reduce((a, b) => a + b, 0)
    expect(failedCalls(proxy.stats())).toBe(3) // two calls and one probe; inputs 3, 5, 6 made none
    expect(proxy.stats()).toMatchObject({ circuit: 'open', timesOpened: 2 })
    expect(proxy.explain().filter((d) => d.probe).length).toBe(1)

    // The cloud back on the same port; after the doubled open time the probe finds it.
    cloud = await cloudProcess(port)
    for (let tries = 0; ; tries++) {
      // Waits for the client's channel to reconnect (status() retries on UNAVAILABLE).
      const up = await c.status().then(() => true, () => false)
      if (up) break
      expect(tries).toBeLessThan(50)
      await new Promise((r) => setTimeout(r, 50))
    }
    clock.t = 299
    expect(await run(7)).toEqual(['edge', false, 'cloud circuit open'])
    clock.t = 300
    expect(await run(8)).toEqual(['cloud', false, 'half-open circuit: probing the cloud'])
    expect(proxy.stats()).toMatchObject({ circuit: 'closed', timesOpened: 2 })
    expect(await run(9)).toEqual(['cloud', false, 'prior: complexity 0.90 > 0.8'])
    await c.close()
    await killed(cloud.child)
  })

  it('cloud killed mid-stream → edge fallback, nothing lost, duplicated or reordered; restarted → used again', async () => {
    let cloud = await cloudProcess()
    const port = cloud.port
    const c = new HybridProcessingClient({ host: '127.0.0.1', port, timeoutMs: 1000 })
    const proxy = await c.createHybridProxy({
      edgeWasm: echo,
      cloudRemote: { nodeType: 'PassThrough' },
      decisionFunction: () => 'cloud',
      cloudTimeoutMs: 500,
      router: { breaker: { failureThreshold: 2, openMs: 100, maxOpenMs: 200 } },
    })
    const N = 120
    async function* source() {
      for (let i = 0; i < N; i++) {
        if (i === 40) await killed(cloud.child)
        if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5))
        yield tagged(i)
      }
    }
    const routes: string[] = []
    let i = 0
    for await (const r of proxy.stream<Buffer>(source(), { maxInFlight: 8 })) {
      expect(r.output.toString()).toBe(`frame-${i}`)
      routes.push(r.route)
      i++
    }
    expect(i).toBe(N)
    expect(routes.slice(0, 30).join()).toBe(Array(30).fill('cloud').join())
    expect(routes.slice(-30).join()).toBe(Array(30).fill('edge').join())
    expect(proxy.stats().circuit).not.toBe('closed')

    // Same port again: after the open time a probe finds it and the circuit closes.
    cloud = await cloudProcess(port)
    const deadline = performance.now() + 10_000
    let r = await proxy.process<Buffer>(tagged(0))
    while (r.route !== 'cloud' && performance.now() < deadline) {
      await new Promise((res) => setTimeout(res, 50))
      r = await proxy.process<Buffer>(tagged(0))
    }
    expect(r).toMatchObject({ route: 'cloud', fellBack: false })
    expect(proxy.stats()).toMatchObject({ circuit: 'closed' })
    expect(proxy.stats().timesOpened).toBeGreaterThanOrEqual(1)
    await c.close()
    await killed(cloud.child)
  })
})
