// hybrid_vad.wasm through the addon: WasmEdgeNode.load(path, { allowRemote, cloud }) with a
// real embedded server (startServer, free port on 127.0.0.1) answering the Silero VAD
// node. The reference for every cloud-verified frame is the server's VAD itself, called
// directly by CloudClient.execute on the same window of audio.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CloudClient, ErrorCode, HybridProcessingClient, WasmEdgeNode, startServer } from '../dist/index.js'
import type { CloudServer } from '../dist/index.js'
import { FRAME, noise, speechLike } from './helpers.js'

const HYBRID = join(__dirname, '..', 'wasm-modules', 'dist', 'hybrid_vad.wasm')
const VAD = join(__dirname, '..', 'wasm-modules', 'dist', 'vad.wasm')
const CONTEXT_FRAMES = 24

interface Decision { speech: boolean; probability: number; source: 'edge' | 'cloud'; edgeProbability: number; remoteError?: string }

async function rejection(p: Promise<unknown>) {
  return p.then(
    () => { throw new Error('expected a rejection') },
    (e: Error & { code?: string }) => e,
  )
}

/** Speech-like audio in quiet noise: a mix of clear and uncertain frames. */
function signal(frames: number): Float32Array {
  const x = speechLike(frames * FRAME)
  const n = noise(x.length, 0.05)
  return x.map((v, i) => 0.3 * v + n[i])
}

let server: CloudServer
let client: CloudClient

beforeAll(async () => {
  server = await startServer({ port: 0 })
  client = new CloudClient({ endpoints: [`http://127.0.0.1:${server.port}`], timeoutMs: 5_000 })
})

afterAll(async () => {
  await client.close()
  await server.close()
})

describe('hybrid_vad.wasm with the cloud VAD', () => {
  it('verifies every frame inside the band with the cloud VAD on the last 24 frames', async () => {
    const node = await WasmEdgeNode.load(HYBRID, { allowRemote: ['VAD'], cloud: client, timeoutMs: 5_000, config: { uncertain: [0, 1] } })
    const session = await node.createSession()
    const x = signal(40)
    for (let i = 0; i < 40; i++) {
      const out = (await session.process(x.subarray(i * FRAME, (i + 1) * FRAME))) as Decision
      expect(out.source).toBe('cloud')
      const window = x.slice(Math.max(0, i + 1 - CONTEXT_FRAMES) * FRAME, (i + 1) * FRAME)
      const direct = (await client.execute('VAD', {}, Buffer.from(window.buffer), { format: 'bytes' })) as Buffer
      const frames = JSON.parse(direct.toString()) as Array<{ probability: number; speech: boolean }>
      expect(out.probability).toBeCloseTo(frames[frames.length - 1].probability, 6)
      expect(out.speech).toBe(frames[frames.length - 1].speech)
    }
    await session.close()
  })

  it('keeps the edge decision when the service is not allowed, or the cloud is down', async () => {
    const down = new CloudClient({ endpoints: ['http://127.0.0.1:9'], timeoutMs: 500, retries: 0 })
    const cases = [
      [{ allowRemote: ['MFCC'], cloud: client }, 'denied'],
      [{ allowRemote: ['VAD'], cloud: down }, 'unavailable'],
      [{ allowRemote: ['VAD'] }, 'unavailable'],
    ] as const
    const x = signal(10)
    for (const [options, error] of cases) {
      const node = await WasmEdgeNode.load(HYBRID, { ...options, timeoutMs: 5_000, config: { uncertain: [0, 1] } })
      // The edge reference: vad.wasm, the same Vad source (bit-identical probabilities).
      const edge = await (await WasmEdgeNode.load(VAD)).createSession()
      const session = await node.createSession()
      for (let i = 0; i < 10; i++) {
        const frame = x.subarray(i * FRAME, (i + 1) * FRAME)
        const out = (await session.process(frame)) as Decision
        const local = (await edge.process(frame)) as { speech: boolean; probability: number }
        expect(out).toEqual({ ...local, source: 'edge', edgeProbability: local.probability, remoteError: error })
      }
    }
    await down.close()
  })

  it('refuses bad bridge options with codes', async () => {
    expect((await rejection(WasmEdgeNode.load(HYBRID, { cloud: { endpoints: [] } as never }))).code).toBe(ErrorCode.INVALID_ARG_TYPE)
    expect((await rejection(WasmEdgeNode.load(HYBRID, { allowRemote: 'VAD' as never }))).code).toBe(ErrorCode.INVALID_CONFIG)
    expect((await rejection(WasmEdgeNode.load(HYBRID, { allowRemote: [''] }))).code).toBe(ErrorCode.INVALID_CONFIG)
  })
})

describe('hybrid_vad.wasm through a hybrid proxy', () => {
  it("reaches the cloud VAD through the client's connection, and the proxy's stats count the calls", async () => {
    const hybrid = new HybridProcessingClient({ endpoints: [`http://127.0.0.1:${server.port}`], timeoutMs: 5_000 })
    try {
      const proxy = await hybrid.createHybridProxy({
        edgeWasm: { wasmPath: HYBRID, allowRemote: ['VAD'], config: { uncertain: [0, 1] } },
        edgeTimeoutMs: 5_000,
      })
      const frames = 12
      const x = signal(frames)
      for (let i = 0; i < frames; i++) {
        const result = await proxy.process<Decision>(x.slice(i * FRAME, (i + 1) * FRAME))
        expect(result.route).toBe('edge')
        expect(result.output.source).toBe('cloud')
        // The reference: the server's VAD called directly on the same window.
        const window = x.slice(Math.max(0, i + 1 - CONTEXT_FRAMES) * FRAME, (i + 1) * FRAME)
        const direct = JSON.parse(((await client.execute('VAD', {}, Buffer.from(window.buffer), { format: 'bytes' })) as Buffer).toString()) as Array<{ probability: number }>
        expect(result.output.probability).toBeCloseTo(direct[direct.length - 1].probability, 6)
      }
      expect(proxy.stats().remoteCalls).toEqual({ answered: frames, denied: 0, unavailable: 0, timedOut: 0, failed: 0 })

      // A node type off the list is denied before any call; the frames keep their edge decision.
      const denied = await hybrid.createHybridProxy({
        edgeWasm: { wasmPath: HYBRID, allowRemote: ['MFCC'], config: { uncertain: [0, 1] } },
        edgeTimeoutMs: 5_000,
      })
      for (let i = 0; i < 3; i++) {
        const result = await denied.process<Decision>(x.slice(i * FRAME, (i + 1) * FRAME))
        expect(result.output).toMatchObject({ source: 'edge', remoteError: 'denied' })
      }
      expect(denied.stats().remoteCalls).toEqual({ answered: 0, denied: 3, unavailable: 0, timedOut: 0, failed: 0 })
    } finally {
      await hybrid.close()
    }
  })

  it('has no cloud to call when the client has none', async () => {
    const offline = new HybridProcessingClient({ cloud: false })
    try {
      const proxy = await offline.createHybridProxy({ edgeWasm: { wasmPath: HYBRID, allowRemote: ['VAD'], config: { uncertain: [0, 1] } }, edgeTimeoutMs: 5_000 })
      const result = await proxy.process<Decision>(signal(1))
      expect(result.output).toMatchObject({ source: 'edge', remoteError: 'unavailable' })
      expect(proxy.stats().remoteCalls).toMatchObject({ answered: 0, unavailable: 1 })
      // A module that makes no remote calls has no such count.
      const plain = await offline.createHybridProxy({ edgeWasm: { wasmPath: VAD } })
      expect(plain.stats().remoteCalls).toBeUndefined()
    } finally {
      await offline.close()
    }
  })
})
