// POST /process-audio sessions over real HTTP: a named session's frames must equal a
// native chain fed the same frames in order; sessions are independent of each other and
// of stateless requests; eviction starts a session again from the fresh state.
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { ErrorCode, MixerChain } from '../dist/index.js'
import { FRAME, noise, speechLike } from './helpers.js'
import { bytesOf, expectErrorReply, postBytes, postJson, startServer } from './http-helpers.js'

function frames(count: number, seed: number): Float32Array[] {
  const x = speechLike(count * FRAME)
  const n = noise(count * FRAME, 0.05, seed)
  return Array.from({ length: count }, (_, i) => x.subarray(i * FRAME, (i + 1) * FRAME).map((v, k) => v + n[i * FRAME + k]))
}

async function send(url: string, frame: Float32Array, session?: string, config?: object) {
  const res = await postJson(`${url}/process-audio`, { audioBuffer: Array.from(frame), session, config })
  expect(res.status).toBe(200)
  return res.json()
}

describe('POST /process-audio sessions', async () => {
  const { url } = await startServer()

  it('carries state across a session, independently of other sessions and stateless requests', async () => {
    const a = frames(40, 1)
    const b = frames(40, 2)
    const chainA = new MixerChain()
    const chainB = new MixerChain()
    for (let i = 0; i < 40; i++) {
      const ra = await send(url, a[i], 'alpha')
      const rb = await send(url, b[i], 'beta')
      const stateless = await send(url, a[i])
      expect(ra.samples).toEqual(Array.from(chainA.processSync(a[i])))
      expect(rb.samples).toEqual(Array.from(chainB.processSync(b[i])))
      expect(stateless.samples).toEqual(Array.from(new MixerChain().processSync(a[i])))
    }
  })

  it('takes the session from the x-edgemix-session header with raw bodies', async () => {
    const x = frames(5, 3)
    const chain = new MixerChain()
    for (const f of x) {
      const res = await postBytes(`${url}/process-audio`, bytesOf(f), { 'x-edgemix-session': 'raw-1', accept: 'application/octet-stream' })
      expect(Array.from(new Float32Array(await res.arrayBuffer()))).toEqual(Array.from(chain.processSync(f)))
      expect(JSON.parse(res.headers.get('x-edgemix-meters')!)).toEqual(JSON.parse(JSON.stringify(chain.meters())))
    }
  })

  it('keeps a config update in the session from that frame on', async () => {
    const x = frames(6, 4)
    const chain = new MixerChain()
    const update = { compressor: { ratio: 12 }, limiter: { lookaheadMs: 2 } }
    for (let i = 0; i < 6; i++) {
      if (i === 2) chain.updateConfig(update)
      const r = await send(url, x[i], 'cfg', i === 2 ? update : undefined)
      expect(r.samples).toEqual(Array.from(chain.processSync(x[i])))
      expect(r.latencySamples).toBe(i < 2 ? 240 : 96)
    }
    // A refused update changes nothing in the session.
    await expectErrorReply(
      await postJson(`${url}/process-audio`, { audioBuffer: Array.from(x[0]), session: 'cfg', config: { compressor: { ratio: 0 } } }),
      400,
      ErrorCode.INVALID_CONFIG,
      /compressor\.ratio/,
    )
    const next = await send(url, x[1], 'cfg')
    expect(next.samples).toEqual(Array.from(chain.processSync(x[1])))
  })

  it('DELETE /sessions/:id ends a session; the name then starts fresh', async () => {
    const x = frames(3, 5)
    await send(url, x[0], 'gone')
    expect((await fetch(`${url}/sessions/gone`, { method: 'DELETE' })).status).toBe(204)
    const r = await send(url, x[1], 'gone')
    expect(r.samples).toEqual(Array.from(new MixerChain().processSync(x[1])))
    await expectErrorReply(await fetch(`${url}/sessions/never`, { method: 'DELETE' }), 404, ErrorCode.NOT_FOUND, /no session never/)
  })

  it.each([['', 'empty'], ['a b', 'a space'], ['x'.repeat(129), '129 characters']])('rejects the session id %j (%s)', async (id) => {
    await expectErrorReply(
      await postJson(`${url}/process-audio`, { audioBuffer: new Array(FRAME).fill(0), session: id }),
      400,
      ErrorCode.INVALID_ARG_TYPE,
      /session must be 1 to 128 characters/,
    )
  })

  it('rejects a session that is not a string', async () => {
    await expectErrorReply(await postJson(`${url}/process-audio`, { audioBuffer: new Array(FRAME).fill(0), session: 7 }), 400, ErrorCode.INVALID_ARG_TYPE, /session must be/)
  })
})

describe('session limits', () => {
  it('drops the least recently used session past sessions.max', async () => {
    const { url } = await startServer({ sessions: { max: 2 } })
    const x = frames(3, 6)
    for (const id of ['s1', 's2']) await send(url, x[0], id)
    await send(url, x[0], 's1') // s2 is now the least recently used
    await send(url, x[0], 's3') // drops s2
    const fresh = Array.from(new MixerChain().processSync(x[1]))
    const continued = new MixerChain()
    continued.processSync(x[0])
    continued.processSync(x[0])
    expect((await send(url, x[1], 's1')).samples).toEqual(Array.from(continued.processSync(x[1])))
    expect((await send(url, x[1], 's2')).samples).toEqual(fresh)
    const stats = await (await fetch(`${url}/stats`)).json()
    expect(stats.sessions).toBe(2)
  })

  it('drops a session idle for longer than sessions.idleMs', async () => {
    const { url } = await startServer({ sessions: { idleMs: 100 } })
    const x = frames(2, 7)
    await send(url, x[0], 'idle')
    await sleep(250)
    expect((await send(url, x[1], 'idle')).samples).toEqual(Array.from(new MixerChain().processSync(x[1])))
  })
})
