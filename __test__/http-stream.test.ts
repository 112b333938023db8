// WebSocket /stream with a real `ws` client against a server on 127.0.0.1:0: every
// connection's output must equal a native MixerChain fed the same frames in order.
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { ErrorCode, MixerChain } from '../dist/index.js'
import { FRAME, noise, speechLike } from './helpers.js'
import { bytesOf, openStream as open, startServer } from './http-helpers.js'

/** `count` consecutive frames of a speech-like signal (different per seed). */
function framesOf(count: number, seed: number): Float32Array[] {
  const x = speechLike(count * FRAME)
  const n = noise(count * FRAME, 0.05, seed)
  return Array.from({ length: count }, (_, i) => x.subarray(i * FRAME, (i + 1) * FRAME).map((v, k) => v + n[i * FRAME + k]))
}

describe('WebSocket /stream', async () => {
  const { url } = await startServer()

  it('returns every frame, in order, as a native chain fed the same frames: several connections, pipelined', async () => {
    const streams = await Promise.all([1, 2, 3, 4, 5, 6].map(() => open(url)))
    const inputs = streams.map((_, s) => framesOf(150, s + 1))
    // Every frame of every stream sent at once, interleaved across connections.
    for (let i = 0; i < 150; i++) streams.forEach((st, s) => st.ws.send(bytesOf(inputs[s][i])))
    await Promise.all(streams.map((st) => st.receive(150)))
    streams.forEach((st, s) => {
      const chain = new MixerChain()
      expect(st.messages).toHaveLength(150)
      st.messages.forEach((m, i) => {
        expect(m.binary).toBe(true)
        const expected = chain.processSync(inputs[s][i])
        if (m.binary) expect(Buffer.from(m.samples.buffer).equals(Buffer.from(expected.buffer))).toBe(true)
      })
      st.ws.close()
    })
  })

  it('applies a config message in order with the frames and answers it', async () => {
    const st = await open(url)
    const frames = framesOf(20, 9)
    const update = { compressor: { ratio: 10 }, limiter: { ceilingDb: -6 } }
    frames.slice(0, 10).forEach((f) => st.ws.send(bytesOf(f)))
    st.ws.send(JSON.stringify({ config: update }))
    frames.slice(10).forEach((f) => st.ws.send(bytesOf(f)))
    await st.receive(21)
    const chain = new MixerChain()
    const expected = [
      ...frames.slice(0, 10).map((f) => chain.processSync(f)),
      (chain.updateConfig(update), chain.config),
      ...frames.slice(10).map((f) => chain.processSync(f)),
    ]
    st.messages.forEach((m, i) => {
      if (i === 10) expect(m).toEqual({ binary: false, json: { config: expected[10] } })
      else expect(m.binary && Array.from(m.samples)).toEqual(Array.from(expected[i] as Float32Array))
    })
    st.ws.close()
  })

  it('answers a bad config message with a coded error and keeps the stream', async () => {
    const st = await open(url)
    st.ws.send(JSON.stringify({ config: { limiter: { ceilingDb: 4 } } }))
    st.ws.send('not json')
    st.ws.send(JSON.stringify({ config: 'loud' }))
    const frame = framesOf(1, 3)[0]
    st.ws.send(bytesOf(frame))
    await st.receive(4)
    expect(st.messages.slice(0, 3).map((m) => !m.binary && m.json.code)).toEqual([
      ErrorCode.INVALID_CONFIG,
      ErrorCode.INVALID_JSON,
      ErrorCode.INVALID_ARG_TYPE,
    ])
    expect(!st.messages[0].binary && st.messages[0].json.message).toMatch(/limiter\.ceilingDb/)
    expect(st.messages[3].binary && Array.from(st.messages[3].samples)).toEqual(Array.from(new MixerChain().processSync(frame)))
    st.ws.close()
  })

  it.each([
    ['959 samples', new Uint8Array(959 * 4), /959 samples; a frame is exactly 960/],
    ['a partial sample', new Uint8Array(3841), /3841 bytes, not a whole number/],
    ['a NaN sample', bytesOf(Float32Array.from({ length: FRAME }, (_, i) => (i === 17 ? Number.NaN : 0.1))), /\[17\] is not a finite/],
  ])('answers the frames before a bad frame (%s), then an error, then closes with 1007', async (_name, bad, message) => {
    const st = await open(url)
    const frames = framesOf(3, 4)
    frames.forEach((f) => st.ws.send(bytesOf(f)))
    st.ws.send(bad)
    st.ws.send(bytesOf(frames[0]))
    await st.waitClose()
    expect(st.messages).toHaveLength(4)
    const chain = new MixerChain()
    frames.forEach((f, i) => expect(st.messages[i].binary && Array.from(st.messages[i].samples)).toEqual(Array.from(chain.processSync(f))))
    const err = st.messages[3]
    expect(!err.binary && err.json.code).toBe(ErrorCode.INVALID_AUDIO)
    expect(!err.binary && err.json.message).toMatch(message)
    expect(st.closed()?.code).toBe(1007)
  })

  it('closes a connection sending a message over the size limit (1009)', async () => {
    const st = await open(url)
    st.ws.send(new Uint8Array(65 * 1024))
    await st.waitClose()
    expect(st.closed()?.code).toBe(1009)
  })
})

describe('WebSocket /stream backpressure', async () => {
  const { server, url } = await startServer({ stream: { maxFramesInFlight: 2, highWaterMarkBytes: 8 * 1024 } })

  it('stops reading while output backs up, and still returns every frame in order', async () => {
    const st = await open(url)
    const frames = framesOf(400, 5)
    frames.forEach((f) => st.ws.send(bytesOf(f)))
    await st.receive(400)
    const chain = new MixerChain()
    expect(st.messages).toHaveLength(400)
    st.messages.forEach((m, i) => expect(m.binary && Array.from(m.samples)).toEqual(Array.from(chain.processSync(frames[i]))))
    const stats = await (await fetch(`${url}/stats`)).json()
    expect(stats.streams.pauses).toBeGreaterThan(0)
    expect(stats.frames.websocket).toBe(400)
    st.ws.close()
    await st.waitClose()
    expect(server.address().port).toBeGreaterThan(0)
  })
})

describe('WebSocket /stream and the rate limit', async () => {
  const { url } = await startServer({ rateLimit: { max: 2, windowMs: 60_000 } })

  it('counts the upgrade request: past the limit the handshake gets 429', async () => {
    const first = await open(url)
    await fetch(`${url}/health`)
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(url.replace('http', 'ws') + '/stream')
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
      ws.on('open', () => reject(new Error('the third request was accepted')))
    })
    expect(status).toBe(429)
    // The open stream is not affected: its frames are not requests.
    const frame = framesOf(1, 8)[0]
    first.ws.send(bytesOf(frame))
    await first.receive(1)
    expect(first.messages[0].binary && Array.from(first.messages[0].samples)).toEqual(Array.from(new MixerChain().processSync(frame)))
    first.ws.close()
  })
})
