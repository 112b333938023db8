// The cloud tier through the addon: startServer (real tonic server on 127.0.0.1, free
// port) and CloudClient, against the native MixerChain as the reference.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CloudClient, ErrorCode, MixerChain, startServer } from '../dist/index.js'
import type { CloudServer } from '../dist/index.js'
import { FRAME, noise, speechLike } from './helpers.js'

const MODULES = join(__dirname, '..', 'wasm-modules', 'dist')

async function rejection(p: Promise<unknown>) {
  return p.then(
    () => { throw new Error('expected a rejection') },
    (e: Error & { code?: string }) => e,
  )
}

let server: CloudServer
let client: CloudClient

beforeAll(async () => {
  server = await startServer({ port: 0, modulesDir: MODULES, enableTestNodes: true })
  client = new CloudClient({ endpoints: [`http://127.0.0.1:${server.port}`], timeoutMs: 10_000 })
})

afterAll(async () => {
  await client.close()
  await server.close()
})

describe('startServer', () => {
  it('binds a free port on loopback and serves until closed; close is idempotent', async () => {
    const a = await startServer()
    const b = await startServer({ port: 0 })
    expect(a.port).toBeGreaterThan(0)
    expect(b.port).not.toBe(a.port)
    expect(a.host).toBe('127.0.0.1')
    const c = new CloudClient({ endpoints: [`127.0.0.1:${a.port}`], timeoutMs: 1000, retries: 0 })
    expect((await c.status()).status).toBe('healthy')
    await Promise.all([a.close(), a.close()])
    await a.close()
    expect((await rejection(c.status())).code).toBe(ErrorCode.CLOUD_UNAVAILABLE)
    await b.close()
  })

  it('rejects bad options with codes, never throws', async () => {
    const bad = [
      [{ port: 'x' }, ErrorCode.INVALID_CONFIG, /port/],
      [{ host: 'not a host' }, ErrorCode.INVALID_CONFIG, /host "not a host" is not an IP address/],
      [{ maxMessageMb: 0 }, ErrorCode.INVALID_CONFIG, /maxMessageMb = 0 is out of range/],
      [{ colour: 'red' }, ErrorCode.INVALID_CONFIG, /unknown field `colour`/],
      [{ modulesDir: '/no/such/dir' }, ErrorCode.INVALID_CONFIG, /modules directory \/no\/such\/dir does not exist/],
      [{ port: server.port }, ErrorCode.CLOUD_UNAVAILABLE, /cannot listen on 127\.0\.0\.1:\d+/],
    ] as const
    for (const [options, code, message] of bad) {
      const p = startServer(options as never)
      expect(p).toBeInstanceOf(Promise)
      const e = await rejection(p)
      expect(e.code).toBe(code)
      expect(e.message).toMatch(message)
    }
  })
})

describe('CloudClient', () => {
  it('runs AudioMixer remotely with the same output as the native chain (f32le and json)', async () => {
    const input = speechLike(FRAME * 10)
    const config = { compressor: { ratio: 6 }, limiter: { ceilingDb: -2 } }
    const expected = new MixerChain(config).processSync(input)
    const f32 = await client.execute('AudioMixer', config, input)
    expect(f32).toBeInstanceOf(Float32Array)
    expect(Array.from(f32 as Float32Array)).toEqual(Array.from(expected))
    const json = await client.execute('AudioMixer', config, { audio_data: Array.from(input), sample_rate: 48000 }, { format: 'json' })
    expect(json.sample_rate).toBe(48000)
    expect(Float32Array.from(json.audio_data)).toEqual(expected)
  })

  it('streams frames in order through one server-side mixer and returns the flushed tail', async () => {
    const input = speechLike(FRAME * 20)
    const reference = new MixerChain()
    const stream = client.openStream('AudioMixer', {}, { format: 'f32le' })
    const pending: Promise<unknown>[] = []
    for (let i = 0; i < input.length; i += FRAME) pending.push(stream.send(input.subarray(i, i + FRAME)))
    const answers = (await Promise.all(pending)) as Float32Array[]
    answers.forEach((answer, k) => {
      expect(Array.from(answer)).toEqual(Array.from(reference.processSync(input.subarray(k * FRAME, (k + 1) * FRAME))))
    })
    const tail = (await stream.end()) as Float32Array
    expect(tail.length).toBe(reference.latencySamples)
    expect(Array.from(tail)).toEqual(Array.from(reference.processSync(new Float32Array(reference.latencySamples))))
  })

  it('passes Buffers and JSON through and lists nodes and status', async () => {
    const bytes = Buffer.from([1, 2, 3, 250])
    expect(await client.execute('PassThrough', {}, bytes)).toEqual(bytes)
    expect(await client.execute('PassThrough', null, { a: [1, 'b'] })).toEqual({ a: [1, 'b'] })
    expect(await client.execute('PassThrough', null, '[0.5, 0.25]', { format: 'json' })).toEqual([0.5, 0.25])
    // Integers past 32 bits come back as the numbers JSON.parse makes of the same text
    // (napi alone would make them BigInts), whether sent as values or as JSON text.
    const wide = '{"u": 4294967296, "i": -2147483649, "safe": 9007199254740991, "past": 18446744073709551615, "neg": -9223372036854775808, "small": [4294967295, -2147483648]}'
    for (const input of [JSON.parse(wide), wide]) {
      const echoed = await client.execute('PassThrough', null, input, { format: 'json' })
      expect(echoed).toStrictEqual(JSON.parse(wide))
      for (const value of Object.values(echoed as object).flat()) expect(typeof value).toBe('number')
    }
    const nodes = await client.listNodes()
    const names = nodes.map((n) => n.nodeType)
    expect(names).toEqual(expect.arrayContaining(['AudioMixer', 'MFCC', 'PassThrough', 'AudioTransform', 'AudioResampler', 'WasmModule', 'Delay']))
    const gain = nodes.find((n) => n.nodeType === 'AudioTransform')!.parameters.find((p) => p.name === 'gain_db')!
    expect(gain).toMatchObject({ type: 'number', defaultValue: '0', required: false })
    expect(gain.description).toMatch(/-96 to 24 dB/)
    expect((await client.listNodes('analysis')).map((n) => n.nodeType)).toEqual(['GenreClassifier', 'MFCC', 'VAD'])
    const status = await client.status()
    expect(status.status).toBe('healthy')
    expect(status.totalRequests).toBeGreaterThan(0)
  })

  it('runs a WASM module from the server modules directory', async () => {
    const input = noise(FRAME * 2, 0.5)
    const out = (await client.execute('WasmModule', { module: 'mixer' }, input)) as Float32Array
    expect(Array.from(out)).toEqual(Array.from(new MixerChain().processSync(input)))
  })

  it('maps server refusals and deadlines to error codes', async () => {
    let e = await rejection(client.execute('Reverb', {}, new Float32Array(4)))
    expect(e.code).toBe(ErrorCode.CLOUD_REJECTED)
    expect(e.message).toMatch(/unknown node type "Reverb"; available node types: AudioMixer, .*PassThrough/)
    e = await rejection(client.execute('AudioMixer', {}, Float32Array.of(0, NaN)))
    expect(e.code).toBe(ErrorCode.CLOUD_REJECTED)
    expect(e.message).toMatch(/audio sample 1 is NaN/)
    e = await rejection(client.execute('AudioMixer', { compressor: { ratio: 1000 } }, new Float32Array(4)))
    expect(e.message).toMatch(/compressor\.ratio/)
    e = await rejection(client.execute('Delay', { delay_ms: 2000 }, Buffer.from('x'), { timeoutMs: 50 }))
    expect(e.code).toBe(ErrorCode.CLOUD_TIMEOUT)
    const bad = client.openStream('AudioMixer')
    e = await rejection(bad.send(Float32Array.of(Infinity)))
    expect(e.code).toBe(ErrorCode.CLOUD_REJECTED)
    expect(e.message).toMatch(/Infinity/)
  })

  it('rejects bad arguments with codes and throws only from the constructor', async () => {
    const bad = [
      [() => client.execute(42 as never, {}, new Float32Array(1)), ErrorCode.INVALID_ARG_TYPE, /"nodeType" argument must be a string/],
      [() => client.execute('PassThrough', [] as never, new Float32Array(1)), ErrorCode.INVALID_ARG_TYPE, /"config" argument must be a plain object/],
      [() => client.execute('PassThrough', {}, new Float32Array(1), { format: 'pickle' as never }), ErrorCode.INVALID_CONFIG, /pickle.*json, f32le, bytes/],
      [() => client.execute('PassThrough', {}, undefined), ErrorCode.INVALID_ARG_TYPE, /"input" argument is required/],
      [() => client.execute('PassThrough', {}, new Float32Array(1), { timeout: 5 } as never), ErrorCode.INVALID_CONFIG, /unknown field `timeout`/],
    ] as const
    for (const [call, code, message] of bad) {
      const p = call()
      expect(p).toBeInstanceOf(Promise)
      const e = await rejection(p)
      expect(e.code).toBe(code)
      expect(e.message).toMatch(message)
    }
    expect(() => new CloudClient({ endpoints: [] })).toThrow(/endpoints is empty/)
    expect(() => new CloudClient({ endpoints: ['ftp://x:1'] })).toThrow(/allowed schemes are http:\/\/ and https:\/\//)
    const closed = new CloudClient({ endpoints: [`127.0.0.1:${server.port}`] })
    await closed.close()
    await closed.close()
    expect((await rejection(closed.status())).code).toBe(ErrorCode.CLOUD_CLOSED)
  })

  it('requires the token of a server started with authToken', async () => {
    const secured = await startServer({ authToken: 'tok' })
    const anonymous = new CloudClient({ endpoints: [`127.0.0.1:${secured.port}`] })
    expect((await rejection(anonymous.listNodes())).code).toBe(ErrorCode.CLOUD_UNAUTHENTICATED)
    const authorised = new CloudClient({ endpoints: [`127.0.0.1:${secured.port}`], token: 'tok' })
    expect((await authorised.status()).status).toBe('healthy')
    await secured.close()
  })
})
