// Fault injection across the hybrid path, on 127.0.0.1 with ephemeral ports, every
// fault a real process or server: the cloud tier (edgemix-server) killed mid-stream and
// restarted on its port; a cloud that accepts connections and never answers; clouds that
// answer junk; an impostor gRPC server answering as another node or out of sequence;
// one of three replicas killed under 50 streams; and trapping, spinning and memory-hungry
// WASM guests beside 100 healthy sessions.
//
// Every stream is a mixer proxy (native MixerChain at the edge, AudioMixer in the cloud)
// fed sequence-numbered frames (./sequenced.ts): each answer is checked at the consumer,
// in order and to the bit, against the native chain of the side that answered. So no
// frame is lost, repeated, reordered or taken from the wrong node without a failure
// here. Recovery times and latencies are printed (the README records them); the only
// time bounds asserted are hang bounds.
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { CloudClient, ErrorCode, HybridProcessingClient, MixerChain, WasmEdgeNode, type HybridProxy, type HybridResult } from '../dist/index.js'
import { impostorServer, junkGrpcServer, junkServer, silentServer, type FaultServer, type Impostor } from './fault-servers.js'
import { bitEqual, frame, StreamVerifier } from './sequenced.js'
import { edgemixServerBinary, startServerProcess, type ServerProcess } from './server-process.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** The breaker of every proxy here: opens after 3 failures, probes after 100 ms (doubling to 400 ms). */
const BREAKER = { failureThreshold: 3, openMs: 100, maxOpenMs: 400 }

// Built (or found up to date) before the tests, outside their timeouts.
beforeAll(() => void edgemixServerBinary(), 600_000)

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  await Promise.allSettled(cleanups.splice(0).reverse().map((c) => c()))
})

async function server(args: string[] = []): Promise<ServerProcess> {
  const s = await startServerProcess(args)
  cleanups.push(() => s.stop('SIGKILL'))
  return s
}

async function fault<T extends FaultServer>(made: Promise<T>): Promise<T> {
  const s = await made
  cleanups.push(() => s.close())
  return s
}

function hybridClient(ports: number[]): HybridProcessingClient {
  const client = new HybridProcessingClient({ endpoints: ports.map((p) => `http://127.0.0.1:${p}`), timeoutMs: 1000 })
  cleanups.push(() => client.close())
  return client
}

function mixerProxy(client: HybridProcessingClient, options: { cloudTimeoutMs?: number; maxInFlight?: number } = {}): Promise<HybridProxy> {
  return client.createHybridProxy({
    edgeNative: { node: 'mixer' },
    cloudRemote: { nodeType: 'AudioMixer' },
    decisionFunction: () => 'cloud',
    cloudTimeoutMs: options.cloudTimeoutMs ?? 300,
    maxInFlight: options.maxInFlight ?? 8,
    validateTimeoutMs: 200,
    router: { breaker: BREAKER },
  })
}

interface Answer {
  at: number
  route: 'edge' | 'cloud'
  fellBack: boolean
  latencyMs: number
}

interface Play {
  /** Whether to stop before frame i. */
  until: (i: number) => boolean
  /** Awaited before frame i is read. */
  before?: (i: number) => unknown
  onAnswer?: (r: HybridResult<Float32Array>, i: number) => void
}

/** Streams stream `s`'s frames through `proxy`, checking every answer in order. */
async function play(proxy: HybridProxy, s: number, { until, before, onAnswer }: Play) {
  const verifier = new StreamVerifier(s)
  const answers: Answer[] = []
  let read = 0
  async function* source() {
    for (let i = 0; !until(i); i++) {
      await before?.(i)
      read++
      yield frame(s, i)
    }
  }
  for await (const r of proxy.stream<Float32Array>(source())) {
    onAnswer?.(r, verifier.next)
    verifier.check(r.route, r.output)
    answers.push({ at: performance.now(), route: r.route, fellBack: r.fellBack, latencyMs: r.latencyMs })
  }
  expect(verifier.next, 'every frame read was answered').toBe(read)
  return { verifier, answers }
}

/** A frame every 0.5 ms on average: the stream spans real time, so faults land mid-stream. */
const paced = (i: number) => (i % 4 === 0 ? sleep(2) : undefined)

const cloudErrors = (proxy: HybridProxy) => proxy.stats().errors.cloud as Record<string, number>
const ms = (x: number) => `${x.toFixed(0)} ms`

describe('cloud faults', () => {
  it('the cloud killed mid-stream: in-flight frames fall back to the edge; restarted on its port, the half-open probe brings the stream back', async () => {
    let cloud = await server()
    const port = cloud.port
    const proxy = await mixerProxy(hybridClient([port]))
    const marks = { kill: 0, restart: 0, recovered: -1 }
    const KILL = 100
    const RESTART = 200
    const { verifier, answers } = await play(proxy, 0, {
      until: (i) => i >= 3000 || (marks.recovered >= 0 && i >= marks.recovered + 50),
      before: async (i) => {
        if (i === KILL) {
          cloud.child.kill('SIGKILL')
          await cloud.exited
          marks.kill = performance.now()
        }
        if (i === RESTART) {
          cloud = await server(['--port', String(port)])
          marks.restart = performance.now()
        }
        return paced(i)
      },
      onAnswer: (r, i) => {
        if (i >= RESTART && r.route === 'cloud' && marks.recovered < 0) marks.recovered = i
      },
    })
    const routes = verifier.routes
    // Before the kill every frame went to the cloud; after it the edge answered until the
    // probe found the cloud again, which then answered to the end.
    expect(routes.slice(0, KILL - 8).every((r) => r === 'cloud')).toBe(true)
    expect(routes.slice(KILL, RESTART).every((r) => r === 'edge')).toBe(true)
    expect(marks.recovered, 'the cloud answers again after its restart').toBeGreaterThanOrEqual(RESTART)
    // Frames submitted while the probe was in flight went to the edge; the rest to the cloud.
    expect(routes.slice(-40).every((r) => r === 'cloud')).toBe(true)
    expect(verifier.restarts.length, 'the stream after the restart is a new one').toBeGreaterThanOrEqual(1)
    const stats = proxy.stats()
    expect(stats.circuit).toBe('closed')
    expect(stats.timesOpened).toBeGreaterThanOrEqual(1)
    for (const code of Object.keys(cloudErrors(proxy))) expect([ErrorCode.CLOUD_UNAVAILABLE, ErrorCode.CLOUD_TIMEOUT]).toContain(code)

    const firstEdge = answers.findIndex((a) => a.at >= marks.kill && a.route === 'edge')
    const back = answers[marks.recovered]
    console.log(
      [
        `kill: frames ${KILL - 8}..${KILL - 1} in flight; slowest frame across the kill ${ms(Math.max(...answers.slice(KILL - 8, KILL + 8).map((a) => a.latencyMs)))}`,
        `kill → first edge answer ${ms(answers[firstEdge].at - marks.kill)}; cloud errors ${JSON.stringify(cloudErrors(proxy))}; circuit opened ${stats.timesOpened}×`,
        `restart → cloud answering again (probe) ${ms(back.at - marks.restart)} (frame ${marks.recovered}; ${routes.slice(marks.recovered).filter((r) => r === 'edge').length} frames in flight with the probe at the edge)`,
      ].join('\n'),
    )
  })

  it('a cloud that accepts connections and never answers: frames wait out cloudTimeoutMs, the edge answers them, the circuit opens', async () => {
    const silent = await fault(silentServer())
    const proxy = await mixerProxy(hybridClient([silent.port]), { cloudTimeoutMs: 200 })
    const t0 = performance.now()
    const { verifier, answers } = await play(proxy, 1, { until: (i) => i >= 150, before: paced })
    expect(verifier.routes.every((r) => r === 'edge')).toBe(true)
    expect(silent.connections()).toBeGreaterThan(0)
    const errors = cloudErrors(proxy)
    expect(Object.keys(errors)).toEqual([ErrorCode.CLOUD_TIMEOUT])
    const stats = proxy.stats()
    expect(stats.timesOpened).toBeGreaterThanOrEqual(1)
    expect(stats.fallbacks.cloudToEdge).toBe(answers.filter((a) => a.fellBack).length)
    // No frame waits much past the deadline (hang bound, not a timing figure).
    for (const a of answers) expect(a.latencyMs).toBeLessThan(5000)
    // Frames that waited for the cloud (the others were refused by the open circuit).
    const waited = answers.filter((a) => a.latencyMs >= 100)
    console.log(
      `silent cloud: ${waited.length} of ${answers.length} frames waited for the cloud (max ${ms(Math.max(...waited.map((a) => a.latencyMs)))}), ` +
        `the rest went straight to the edge; circuit opened ${stats.timesOpened}× in ${ms(performance.now() - t0)}; errors ${JSON.stringify(errors)}`,
    )
  })

  for (const [what, make] of [
    ['junk bytes instead of HTTP/2', junkServer],
    ['HTTP/2 with a broken gRPC body', junkGrpcServer],
  ] as const) {
    it(`a cloud answering ${what}: a coded error, the edge answers, the circuit opens`, async () => {
      const junk = await fault(make())
      const proxy = await mixerProxy(hybridClient([junk.port]))
      const { verifier, answers } = await play(proxy, 2, { until: (i) => i >= 100, before: paced })
      expect(verifier.routes.every((r) => r === 'edge')).toBe(true)
      expect(junk.connections()).toBeGreaterThan(0)
      const errors = cloudErrors(proxy)
      expect(Object.keys(errors).length).toBeGreaterThan(0)
      for (const code of Object.keys(errors)) expect(code).toMatch(/^ERR_CLOUD_/)
      expect(proxy.stats().timesOpened).toBeGreaterThanOrEqual(1)
      console.log(`${what}: errors ${JSON.stringify(errors)}; slowest frame ${ms(Math.max(...answers.map((a) => a.latencyMs)))}`)
    })
  }

  const refusals: Record<Impostor, RegExp> = {
    'another-node': /came from node "PassThrough", not the "AudioMixer" asked for/,
    repeated: /answer #1 came where answer #2 was due/,
    swapped: /answer #3 came where answer #2 was due/,
  }
  for (const how of Object.keys(refusals) as Impostor[]) {
    it(`an impostor gRPC server (${how}): its answer is refused with ERR_CLOUD_INTERNAL and never passed on; the edge answers`, async () => {
      const impostor = await fault(impostorServer(how))
      const endpoints = [`http://127.0.0.1:${impostor.port}`]

      // The client itself: the stray answer is refused with a coded error.
      const cloud = new CloudClient({ endpoints, timeoutMs: 2000 })
      cleanups.push(() => cloud.close())
      const stream = await cloud.openStream('AudioMixer', {}, { format: 'f32le' })
      const reference = new MixerChain()
      const sent = [0, 1, 2, 3].map((i) => stream.send(frame(3, i)).then((out) => out as Float32Array, (e: Error & { code: string }) => e))
      const got = await Promise.all(sent)
      const firstBad = how === 'another-node' ? 0 : how === 'repeated' ? 1 : 1
      got.forEach((g, i) => {
        const expected = reference.processSync(frame(3, i))
        if (i < firstBad) expect(bitEqual(g as Float32Array, expected), `frame ${i} is its own answer`).toBe(true)
        else expect(g).toMatchObject({ code: ErrorCode.CLOUD_INTERNAL, message: expect.stringMatching(refusals[how]) })
      })
      if (how === 'another-node') {
        const one = await cloud.execute('AudioMixer', {}, frame(3, 0), { format: 'f32le' }).catch((e) => e)
        expect(one).toMatchObject({ code: ErrorCode.CLOUD_INTERNAL, message: expect.stringMatching(refusals[how]) })
      }

      // Through a proxy: every frame is its own answer, from the cloud where the impostor
      // gave the right one and from the edge after each refusal.
      const proxy = await mixerProxy(hybridClient([impostor.port]))
      const { verifier } = await play(proxy, 4, { until: (i) => i >= 60, before: paced })
      if (how === 'another-node') expect(verifier.routes.every((r) => r === 'edge')).toBe(true)
      expect(cloudErrors(proxy)[ErrorCode.CLOUD_INTERNAL]).toBeGreaterThanOrEqual(1)
      expect(proxy.stats().timesOpened).toBeGreaterThanOrEqual(1)
      const one = await proxy.process<Float32Array>(frame(5, 0))
      if (how === 'another-node') expect(one).toMatchObject({ route: 'edge' })
      console.log(`impostor ${how}: routes ${verifier.routes.filter((r) => r === 'cloud').length} cloud / ${verifier.routes.filter((r) => r === 'edge').length} edge; errors ${JSON.stringify(cloudErrors(proxy))}`)
    })
  }

  it('inputs that fail out of order fall back in input order: the other side sees the stream in order', async () => {
    const cloud = await server()
    const client = hybridClient([cloud.port])
    // An edge whose calls fail late for early frames: in each run of 8 the last call
    // fails first.
    let calls = 0
    const failing = () => ({
      process: () => {
        const k = calls++ % 8
        return new Promise<never>((_, reject) => setTimeout(() => reject(Object.assign(new Error('edge down'), { code: 'ERR_EDGE_DOWN' })), 4 * (8 - k)))
      },
    })
    const proxy = await client.createHybridProxy({
      edgeNative: { node: failing },
      cloudRemote: { nodeType: 'AudioMixer' },
      decisionFunction: () => 'edge',
      maxInFlight: 8,
      cloudTimeoutMs: 2000,
    })
    const { verifier } = await play(proxy, 6, { until: (i) => i >= 64 })
    expect(verifier.routes.every((r) => r === 'cloud')).toBe(true)
    expect(verifier.restarts, 'one cloud stream, fed in input order').toEqual([])
    expect(proxy.stats().fallbacks.edgeToCloud).toBe(64)
  })

  it('one of three replicas killed while 50 streams run across them: its streams move, nothing is lost, repeated or reordered', async () => {
    const replicas = [await server(), await server(), await server()]
    const client = hybridClient(replicas.map((r) => r.port))
    const proxy = await mixerProxy(client, { cloudTimeoutMs: 2000, maxInFlight: 4 })
    const STREAMS = 50
    const FRAMES = 80
    let answered = 0
    let killAt = 0
    let kill!: () => void
    const third = new Promise<void>((r) => (kill = r))
    const runs = Array.from({ length: STREAMS }, (_, s) =>
      play(proxy, 100 + s, {
        until: (i) => i >= FRAMES,
        before: (i) => (i % 2 === 0 ? sleep(1) : undefined),
        onAnswer: () => {
          if (++answered === Math.floor((STREAMS * FRAMES) / 3)) kill()
        },
      }),
    )
    await third
    replicas[1].child.kill('SIGKILL')
    killAt = performance.now()
    const done = await Promise.all(runs)
    const moved = done.filter((d) => d.verifier.restarts.length > 0)
    expect(moved.length, 'the killed replica held streams').toBeGreaterThan(0)
    for (const d of done) expect(d.verifier.next).toBe(FRAMES)
    // The longest any stream went without an answer across the kill.
    const gaps = done.map(({ answers }) => {
      const after = answers.findIndex((a) => a.at >= killAt)
      return after > 0 ? answers[after].at - answers[after - 1].at : 0
    })
    gaps.sort((a, b) => a - b)
    const edge = done.reduce((n, d) => n + d.verifier.routes.filter((r) => r === 'edge').length, 0)
    console.log(
      `3 replicas, ${STREAMS} streams: ${moved.length} moved off the killed replica; answers at the edge ${edge} of ${STREAMS * FRAMES}; ` +
        `gap across the kill p50 ${ms(gaps[gaps.length >> 1])}, max ${ms(gaps[gaps.length - 1])}; errors ${JSON.stringify(cloudErrors(proxy))}`,
    )
  })
})

describe('a bad WASM neighbour', () => {
  const DIST = join(__dirname, '..', 'wasm-modules', 'dist')
  const OTHERS = 100
  const FRAMES = 40
  /** Hang bound for one frame of the others: ten times the default edge time limit (100 ms). */
  const HANG_MS = 1000

  /** 100 mixer.wasm sessions streaming FRAMES frames each, with `bad` called in a loop meanwhile. */
  async function round(mixer: WasmEdgeNode, bad?: { session: { process(x: Uint8Array): Promise<unknown> } }) {
    const sessions = await Promise.all(Array.from({ length: OTHERS }, () => mixer.createSession()))
    let running = true
    const codes: Record<string, number> = {}
    const neighbour = (async () => {
      while (bad && running) {
        await bad.session.process(new Uint8Array(4)).then(
          () => (codes.ok = (codes.ok ?? 0) + 1),
          (e: { code: string }) => (codes[e.code] = (codes[e.code] ?? 0) + 1),
        )
      }
    })()
    const latencies: number[] = []
    await Promise.all(
      sessions.map(async (session, s) => {
        const reference = new MixerChain()
        for (let i = 0; i < FRAMES; i++) {
          const x = frame(200 + s, i)
          const t0 = performance.now()
          const out = (await session.process(Float32Array.from(x))) as Float32Array
          latencies.push(performance.now() - t0)
          if (!bitEqual(out, reference.processSync(x))) throw new Error(`session ${s}: frame ${i} is not its own answer`)
        }
      }),
    )
    running = false
    await neighbour
    await Promise.all(sessions.map((s) => s.close()))
    latencies.sort((a, b) => a - b)
    return { codes, p50: latencies[latencies.length >> 1], p99: latencies[Math.floor(latencies.length * 0.99)], max: latencies[latencies.length - 1], count: latencies.length }
  }

  it('a trapping, a spinning and a memory-hungry guest each beside 100 streaming sessions: the others lose nothing and never wait past the hang bound', async () => {
    const mixer = await WasmEdgeNode.load(join(DIST, 'mixer.wasm'))
    const bad = {
      trap: { file: 'trap.wasm', options: {}, code: ErrorCode.WASM_TRAP },
      spin: { file: 'spin.wasm', options: { timeoutMs: 50 }, code: ErrorCode.WASM_TIMEOUT },
      oom: { file: 'oom.wasm', options: { maxMemoryMb: 32 }, code: ErrorCode.WASM_MEMORY_LIMIT },
    }
    const lines: string[] = []
    const alone = async (when: string) => {
      const r = await round(mixer)
      expect(r.count).toBe(OTHERS * FRAMES)
      lines.push(`alone (${when}): p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(1)} ms`)
    }
    await round(mixer) // warm-up: the first sessions and calls of a process cost more
    await alone('before')
    for (const [name, { file, options, code }] of Object.entries(bad)) {
      const node = await WasmEdgeNode.load(join(DIST, file), options)
      const session = await node.createSession()
      const r = await round(mixer, { session })
      await session.close()
      expect(r.count).toBe(OTHERS * FRAMES)
      expect(Object.keys(r.codes)).toEqual([code])
      expect(r.max).toBeLessThan(HANG_MS)
      lines.push(`beside ${name} (${r.codes[code]} × ${code}): p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(1)} ms`)
    }
    await alone('after')
    console.log(`${OTHERS} mixer.wasm sessions × ${FRAMES} frames:\n${lines.join('\n')}`)
  })
})
