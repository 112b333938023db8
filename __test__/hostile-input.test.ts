// Every JS entry point that reads configuration, options or JSON input, given values
// nested 100,000 deep (which overflowed the stack and killed Node with SIGSEGV), circular,
// huge or unreadable: a coded error naming the limit, and the process lives on.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  classifyGenre,
  classifyGenreSync,
  CloudClient,
  encodeWav,
  ErrorCode,
  extractFeatures,
  extractFeaturesSync,
  extractMfcc,
  extractMfccSync,
  FeatureExtractor,
  GenreClassifier,
  measureLoudness,
  measureLoudnessSync,
  MixerChain,
  resample,
  startServer,
  WasmEdgeNode,
  WasmSession,
  writeWav,
} from '../dist/index.js'
import type { CloudServer } from '../dist/index.js'
import { FRAME, noise } from './helpers.js'

const DIST = join(__dirname, '..', 'wasm-modules', 'dist')
const DEEP = 100_000
const LIMIT = /nested more than 64 levels deep: at most 64 levels/

/** An array nested `levels` deep, built without recursion. */
function deepArray(levels: number): unknown {
  let v: unknown = []
  for (let i = 1; i < levels; i++) v = [v]
  return v
}

/** An object nested `levels` deep. */
function deepObject(levels: number): unknown {
  let v: unknown = {}
  for (let i = 1; i < levels; i++) v = { x: v }
  return v
}

type Coded = Error & { code?: string }

function thrown(f: () => unknown): Coded {
  try {
    f()
  } catch (e) {
    return e as Coded
  }
  throw new Error('expected a throw')
}

async function rejection(p: unknown): Promise<Coded> {
  expect(p).toBeInstanceOf(Promise)
  return (p as Promise<unknown>).then(
    () => { throw new Error('expected a rejection') },
    (e: Coded) => e,
  )
}

function expectDeep(e: Coded, code: string = ErrorCode.INVALID_CONFIG) {
  expect(e.code).toBe(code)
  expect(e.message).toMatch(LIMIT)
}

const frame = noise(FRAME, 0.1)
const clip = noise(48_000 * 3, 0.1)
let server: CloudServer
let cloud: CloudClient

beforeAll(async () => {
  server = await startServer({ port: 0 })
  cloud = new CloudClient({ endpoints: [`127.0.0.1:${server.port}`], timeoutMs: 10_000 })
})

afterAll(async () => {
  await cloud.close()
  await server.close()
})

describe('values nested 100,000 deep', () => {
  for (const [kind, deep] of [['array', deepArray(DEEP)], ['object', deepObject(DEEP)]] as const) {
    it(`a deep ${kind} in any mixer config or analysis option is ERR_INVALID_CONFIG`, async () => {
      expectDeep(thrown(() => new MixerChain({ gate: { thresholdDb: deep } } as never)))
      expectDeep(thrown(() => new MixerChain({ x: deep } as never)))
      const chain = new MixerChain()
      expectDeep(thrown(() => chain.updateConfig({ eq: deep } as never)))
      // The chain is untouched and works.
      expect(chain.processSync(frame)).toEqual(new MixerChain().processSync(frame))

      expectDeep(thrown(() => extractMfccSync(frame, { nFft: deep } as never)))
      expectDeep(await rejection(extractMfcc(frame, { nFft: deep } as never)))
      expectDeep(thrown(() => extractFeaturesSync(frame, { hop: deep } as never)))
      expectDeep(await rejection(extractFeatures(frame, { hop: deep } as never)))
      expectDeep(thrown(() => new FeatureExtractor({ x: deep } as never)))
      expectDeep(thrown(() => classifyGenreSync(clip, { sampleRate: deep } as never)))
      expectDeep(await rejection(classifyGenre(clip, { sampleRate: deep } as never)))
      expectDeep(thrown(() => new GenreClassifier({ x: deep } as never)))
      expectDeep(thrown(() => measureLoudnessSync(clip, { targetLufs: deep } as never)))
      expectDeep(await rejection(measureLoudness(clip, { targetLufs: deep } as never)))
      expectDeep(thrown(() => MixerChain.presetConfig('speech', { limiter: deep } as never)))
      // WAV encoding and resampling read their objects through the same converter.
      expectDeep(await rejection(encodeWav({ sampleRate: deep, channels: 1, samples: frame } as never)))
      expectDeep(await rejection(writeWav('/nonexistent/x.wav', { sampleRate: 48_000, channels: 1, samples: frame, x: deep } as never)))
      expectDeep(await rejection(resample(frame, { sampleRate: 48_000, targetSampleRate: deep } as never)))
    })

    it(`a deep ${kind} in WasmEdgeNode.load options (config included) is ERR_INVALID_CONFIG`, async () => {
      const mixer = join(DIST, 'mixer.wasm')
      expectDeep(await rejection(WasmEdgeNode.load(mixer, { config: deep } as never)))
      expectDeep(await rejection(WasmEdgeNode.load(mixer, { maxMemoryMb: deep } as never)))
      expectDeep(await rejection(WasmEdgeNode.load(mixer, { cloud, config: { compressor: deep } } as never)))
      // A sound load still works.
      const node = await WasmEdgeNode.load(mixer, { config: { compressor: { ratio: 4 } } })
      const session = await node.createSession()
      expect(await session.process(frame)).toEqual(new MixerChain({ compressor: { ratio: 4 } }).processSync(frame))
      await session.close()
    })

    it(`a deep ${kind} in CloudClient options, configs or JSON input is refused with a code`, async () => {
      expectDeep(thrown(() => new CloudClient({ endpoints: deep } as never)))
      expectDeep(await rejection(cloud.execute('PassThrough', { x: deep } as never, frame)))
      expectDeep(await rejection(cloud.execute('PassThrough', {}, frame, { format: deep } as never)))
      expectDeep(await rejection(cloud.execute('PassThrough', {}, deep)), ErrorCode.INVALID_ARG_TYPE)
      expectDeep(await rejection(cloud.execute('PassThrough', {}, { audio_data: deep })), ErrorCode.INVALID_ARG_TYPE)
      expectDeep(thrown(() => cloud.openStream('PassThrough', { x: deep } as never)))
      expectDeep(thrown(() => cloud.openStream('PassThrough', {}, { format: deep } as never)))
      const stream = cloud.openStream('PassThrough', {}, { format: 'json' })
      expectDeep(await rejection(stream.send(deep)), ErrorCode.INVALID_ARG_TYPE)
      // The same client and server still serve.
      expect(await stream.send([0.25, -0.5])).toEqual([0.25, -0.5])
      await stream.end()
      expect(await cloud.execute('PassThrough', {}, frame)).toEqual(frame)
    })

    it(`a deep ${kind} in startServer options is ERR_INVALID_CONFIG`, async () => {
      expectDeep(await rejection(startServer({ host: deep } as never)))
      expectDeep(await rejection(startServer({ tls: { cert: 'x', key: 'y', extra: deep } } as never)))
    })

    it(`a deep ${kind} as a batch input is ERR_INVALID_ARG_TYPE and nothing runs`, async () => {
      const chain = new MixerChain()
      const e = await rejection(MixerChain.processBatch([chain], [deep] as never))
      expect(e.code).toBe(ErrorCode.INVALID_ARG_TYPE)
      expect((await rejection(MixerChain.processBatch(deep as never, [frame]))).code).toBe(ErrorCode.INVALID_ARG_TYPE)
      const node = await WasmEdgeNode.load(join(DIST, 'echo.wasm'))
      const session = await node.createSession()
      expect((await rejection(WasmSession.processBatch([session], [deep] as never))).code).toBe(ErrorCode.INVALID_ARG_TYPE)
      await session.close()
      expect(await chain.process(frame)).toEqual(new MixerChain().processSync(frame))
    })
  }
})

describe('other hostile values', () => {
  it('a value exactly 64 deep passes the converter; one level more is refused', () => {
    // 64 levels: the options object and 63 arrays; the analysis then judges the value.
    const within = thrown(() => extractMfccSync(frame, { nFft: deepArray(63) } as never))
    expect(within.code).toBe(ErrorCode.INVALID_CONFIG)
    expect(within.message).not.toMatch(LIMIT)
    expectDeep(thrown(() => extractMfccSync(frame, { nFft: deepArray(64) } as never)))
  })

  it('a circular config is refused as too deep, never walked forever', () => {
    const loop: Record<string, unknown> = { ratio: 4 }
    loop.self = loop
    const e = thrown(() => new MixerChain({ compressor: loop } as never))
    expectDeep(e)
    expect(e.message).toMatch(/circular/)
    expect(e.message).toMatch(/^config\.compressor\.self\.self/)
  })

  it('configs with too many values or too many bytes of strings are refused before they are copied', () => {
    const many = thrown(() => new MixerChain({ gate: new Array(200_000).fill(0) } as never))
    expect(many.code).toBe(ErrorCode.INVALID_CONFIG)
    expect(many.message).toMatch(/config\.gate holds more than 100000 values: at most 100000 are allowed/)
    const long = thrown(() => new MixerChain({ ['k'.repeat(2 << 20)]: 1 } as never))
    expect(long.code).toBe(ErrorCode.INVALID_CONFIG)
    expect(long.message).toMatch(/more than 1048576 bytes of strings/)
    // The path names a huge key by its first 40 characters only.
    const e = thrown(() => new MixerChain({ ['q'.repeat(1000)]: deepArray(70) } as never))
    expect(e.message).toMatch(new RegExp(`^config\\.${'q'.repeat(40)}…\\[0\\]`))
    expect(e.message).not.toContain('q'.repeat(41))
  })

  it('functions, symbols, typed arrays and throwing getters are ERR_INVALID_ARG_TYPE', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ compressor: { ratio: () => 4 } }, /config\.compressor\.ratio is a function/],
      [{ compressor: { ratio: Symbol('r') } }, /is a symbol/],
      [{ compressor: { ratio: new Float32Array(2) } }, /is a typed array, Buffer or ArrayBuffer/],
      [{ get gate() { throw new Error('boom') } }, /config\.gate could not be read: reading it threw an exception/],
    ]
    for (const [config, message] of cases) {
      const e = thrown(() => new MixerChain(config as never))
      expect(e.code).toBe(ErrorCode.INVALID_ARG_TYPE)
      expect(e.message).toMatch(message)
    }
    // The thrown getter left no exception pending: the next call works.
    expect(new MixerChain({ compressor: { ratio: 4 } }).config.compressor.ratio).toBe(4)
  })

  it('JSON input keeps what JSON.stringify would send', async () => {
    const value = { a: [1, 2.5, 'x', true, null], n: NaN, inf: Infinity, big: 2 ** 31, u: undefined }
    const echoed = await cloud.execute('PassThrough', {}, value)
    expect(echoed).toStrictEqual({ a: [1, 2.5, 'x', true, null], n: null, inf: null, big: 2 ** 31 })
    // Large inputs are data, not configuration: 200,000 values pass (exact in float32).
    const samples = Array.from({ length: 200_000 }, (_, i) => (i % 256) / 256 - 0.5)
    expect(await cloud.execute('PassThrough', {}, samples)).toEqual(samples)
  })
})
