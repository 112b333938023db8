// POST /process-audio sessions over real HTTP: a session's frames must equal a native
// chain fed the same frames in order; sessions are independent of each other and of
// stateless requests; ids are issued by POST /sessions; an ended, expired or unknown id is
// 404 and caps refuse new sessions instead of dropping old ones. (Ownership across
// clients: http-tenancy.test.ts.)
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { ErrorCode, MixerChain } from '../dist/index.js'
import { FRAME, noise, speechLike } from './helpers.js'
import { bytesOf, createSession, expectErrorReply, postBytes, postJson, startServer } from './http-helpers.js'

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

  it('POST /sessions issues distinct unguessable ids: 22 base64url characters (128 bits)', async () => {
    const res = await fetch(`${url}/sessions`, { method: 'POST' })
    expect(res.status).toBe(201)
    const body = await res.json()
    expect(body).toEqual({ id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), idleMs: 60_000 })
    const ids = new Set([body.id, ...(await Promise.all(Array.from({ length: 9 }, () => createSession(url))))])
    expect(ids.size).toBe(10)
  })

  it('carries state across a session, independently of other sessions and stateless requests', async () => {
    const a = frames(40, 1)
    const b = frames(40, 2)
    const [alpha, beta] = [await createSession(url), await createSession(url)]
    const chainA = new MixerChain()
    const chainB = new MixerChain()
    for (let i = 0; i < 40; i++) {
      const ra = await send(url, a[i], alpha)
      const rb = await send(url, b[i], beta)
      const stateless = await send(url, a[i])
      expect(ra.samples).toEqual(Array.from(chainA.processSync(a[i])))
      expect(rb.samples).toEqual(Array.from(chainB.processSync(b[i])))
      expect(stateless.samples).toEqual(Array.from(new MixerChain().processSync(a[i])))
    }
  })

  it('takes the session from the x-edgemix-session header with raw bodies', async () => {
    const x = frames(5, 3)
    const chain = new MixerChain()
    const id = await createSession(url)
    for (const f of x) {
      const res = await postBytes(`${url}/process-audio`, bytesOf(f), { 'x-edgemix-session': id, accept: 'application/octet-stream' })
      expect(Array.from(new Float32Array(await res.arrayBuffer()))).toEqual(Array.from(chain.processSync(f)))
      expect(JSON.parse(res.headers.get('x-edgemix-meters')!)).toEqual(JSON.parse(JSON.stringify(chain.meters())))
    }
  })

  it('keeps a config update in the session from that frame on', async () => {
    const x = frames(6, 4)
    const chain = new MixerChain()
    const id = await createSession(url)
    const update = { compressor: { ratio: 12 }, limiter: { lookaheadMs: 2 } }
    for (let i = 0; i < 6; i++) {
      if (i === 2) chain.updateConfig(update)
      const r = await send(url, x[i], id, i === 2 ? update : undefined)
      expect(r.samples).toEqual(Array.from(chain.processSync(x[i])))
      expect(r.latencySamples).toBe(i < 2 ? 240 : 96)
    }
    // A refused update changes nothing in the session.
    await expectErrorReply(
      await postJson(`${url}/process-audio`, { audioBuffer: Array.from(x[0]), session: id, config: { compressor: { ratio: 0 } } }),
      400,
      ErrorCode.INVALID_CONFIG,
      /compressor\.ratio/,
    )
    const next = await send(url, x[1], id)
    expect(next.samples).toEqual(Array.from(chain.processSync(x[1])))
  })

  it('POST /sessions { config } configures the session chain; a bad config creates nothing', async () => {
    const x = frames(3, 9)
    const config = { limiter: { ceilingDb: -6 }, eq: { lowGainDb: 3 } }
    const id = await createSession(url, {}, { config })
    const chain = new MixerChain(config)
    for (const f of x) expect((await send(url, f, id)).samples).toEqual(Array.from(chain.processSync(f)))
    await expectErrorReply(await postJson(`${url}/sessions`, { config: { limiter: { ceilingDb: 3 } } }), 400, ErrorCode.INVALID_CONFIG, /limiter\.ceilingDb/)
    await expectErrorReply(await postJson(`${url}/sessions`, [1]), 400, ErrorCode.INVALID_ARG_TYPE, /empty or a JSON object/)
  })

  it('DELETE /sessions/:id ends a session; the id is then 404', async () => {
    const x = frames(3, 5)
    const id = await createSession(url)
    await send(url, x[0], id)
    expect((await fetch(`${url}/sessions/${id}`, { method: 'DELETE' })).status).toBe(204)
    await expectErrorReply(await postJson(`${url}/process-audio`, { audioBuffer: Array.from(x[1]), session: id }), 404, ErrorCode.SESSION_NOT_FOUND, /created by POST \/sessions/)
    await expectErrorReply(await fetch(`${url}/sessions/${id}`, { method: 'DELETE' }), 404, ErrorCode.SESSION_NOT_FOUND, /no session/)
  })

  it('answers an id the server never issued with 404, not a new session', async () => {
    await expectErrorReply(await postJson(`${url}/process-audio`, { audioBuffer: new Array(FRAME).fill(0), session: 'alpha' }), 404, ErrorCode.SESSION_NOT_FOUND, /no session alpha/)
    await expectErrorReply(await fetch(`${url}/sessions/never`, { method: 'DELETE' }), 404, ErrorCode.SESSION_NOT_FOUND, /no session never/)
    const stats = await (await fetch(`${url}/stats`)).json()
    expect(stats.errors[ErrorCode.SESSION_NOT_FOUND]).toBeGreaterThanOrEqual(2)
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
  it('refuses a new session past sessions.max (503) and past sessions.perClient (429), dropping none', async () => {
    // Client addresses from X-Forwarded-For (a trusted proxy's).
    const { url } = await startServer({ sessions: { max: 3, perClient: 2 }, trustProxy: true })
    const from = (address: string) => ({ 'x-forwarded-for': address })
    const x = frames(2, 6)
    const [s1, s2] = [await createSession(url, from('10.0.0.1')), await createSession(url, from('10.0.0.1'))]
    await expectErrorReply(await fetch(`${url}/sessions`, { method: 'POST', headers: from('10.0.0.1') }), 429, ErrorCode.SESSION_LIMIT, /holds 2 sessions/)
    // Another client gets the last slot, then the server is full.
    const s3 = await createSession(url, from('10.0.0.2'))
    const full = await fetch(`${url}/sessions`, { method: 'POST', headers: from('10.0.0.3') })
    expect(Number(full.headers.get('retry-after'))).toBeGreaterThan(0)
    await expectErrorReply(full, 503, ErrorCode.SERVER_BUSY, /all 3 sessions/)
    // Every session kept its state.
    for (const id of [s1, s2, s3]) {
      const chain = new MixerChain()
      chain.processSync(x[0])
      await send(url, x[0], id)
      expect((await send(url, x[1], id)).samples).toEqual(Array.from(chain.processSync(x[1])))
    }
    // Ending one frees a slot for its client.
    expect((await fetch(`${url}/sessions/${s1}`, { method: 'DELETE' })).status).toBe(204)
    expect(await createSession(url, from('10.0.0.1'))).toMatch(/^[A-Za-z0-9_-]{22}$/)
    const stats = await (await fetch(`${url}/stats`)).json()
    expect(stats.sessions).toBe(3)
  })

  it('drops a session idle for longer than sessions.idleMs (then 404)', async () => {
    const { url } = await startServer({ sessions: { idleMs: 100 } })
    const x = frames(2, 7)
    const id = await createSession(url)
    await send(url, x[0], id)
    await sleep(250)
    await expectErrorReply(await postJson(`${url}/process-audio`, { audioBuffer: Array.from(x[1]), session: id }), 404, ErrorCode.SESSION_NOT_FOUND, /no session/)
  })
})
