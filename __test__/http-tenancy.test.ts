// Tenancy over real HTTP and WebSocket: API keys on every route but /health, the admin
// token for server-wide settings, and sessions that belong to their creator. The leak of
// the issue: client A streams a tone in session S, client B names S and sends silence; B
// must get 404, never A's audio (the limiter's lookahead would hand it back), and cannot
// end S.
import { connect } from 'node:net'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { ErrorCode, MixerChain, createHttpServer } from '../dist/index.js'
import { FRAME, sine } from './helpers.js'
import { bytesOf, createSession, expectErrorReply, openStream, postJson, startServer } from './http-helpers.js'

const KEY_A = 'key-of-tenant-a-0123456789'
const KEY_B = 'key-of-tenant-b-9876543210'
const ADMIN = 'admin-token-0123456789abcdef'
const bearer = (k: string) => ({ authorization: `Bearer ${k}` })
const tone = (i: number) => sine(FRAME * (i + 1), 1000, 0.5).subarray(FRAME * i)
const silence = new Float32Array(FRAME)

/** Status of a WebSocket handshake: 101 when it opened (then closed), else the HTTP status. */
function handshake(url: string, protocols: string[], headers: Record<string, string> = {}) {
  return new Promise<{ status: number; protocol?: string }>((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/stream', protocols, { headers })
    ws.on('unexpected-response', (req, res) => {
      resolve({ status: res.statusCode ?? 0 })
      req.destroy()
    })
    ws.on('open', () => {
      resolve({ status: 101, protocol: ws.protocol })
      ws.close()
    })
    ws.on('error', reject)
  })
}

describe('sessions belong to their creator', async () => {
  const { url } = await startServer({ apiKeys: [KEY_A, KEY_B], adminToken: ADMIN })

  it("client B naming A's session gets 404 and never A's audio; B cannot end it; the admin can", async () => {
    const s = await createSession(url, bearer(KEY_A))
    const chain = new MixerChain()
    for (let i = 0; i < 5; i++) {
      const r = await postJson(`${url}/process-audio`, { audioBuffer: Array.from(tone(i)), session: s }, bearer(KEY_A))
      expect((await r.json()).samples).toEqual(Array.from(chain.processSync(tone(i))))
    }
    // What B would hear if it joined: A's tone, still in the limiter's lookahead.
    const peek = chain.processSync(silence)
    expect(peek.some((x) => Math.abs(x) > 0.1)).toBe(true)
    for (const attempt of [
      postJson(`${url}/process-audio`, { audioBuffer: Array.from(silence), session: s }, bearer(KEY_B)),
      fetch(`${url}/process-audio`, { method: 'POST', headers: { ...bearer(KEY_B), 'content-type': 'application/octet-stream', 'x-edgemix-session': s }, body: bytesOf(silence) }),
    ]) {
      const res = await attempt
      const text = await res.text()
      expect(res.status).toBe(404)
      expect(JSON.parse(text)).toEqual({ code: ErrorCode.SESSION_NOT_FOUND, message: expect.stringMatching(/no session/) })
      expect(text).not.toContain('samples')
    }
    await expectErrorReply(await fetch(`${url}/sessions/${s}`, { method: 'DELETE', headers: bearer(KEY_B) }), 404, ErrorCode.SESSION_NOT_FOUND, /no session/)
    // A's session is intact: its next frame carries on (the tone from the lookahead).
    const next = await postJson(`${url}/process-audio`, { audioBuffer: Array.from(silence), session: s }, bearer(KEY_A))
    expect((await next.json()).samples).toEqual(Array.from(peek))
    // The admin may end it; then A's id is gone too.
    expect((await fetch(`${url}/sessions/${s}`, { method: 'DELETE', headers: bearer(ADMIN) })).status).toBe(204)
    await expectErrorReply(await postJson(`${url}/process-audio`, { audioBuffer: Array.from(silence), session: s }, bearer(KEY_A)), 404, ErrorCode.SESSION_NOT_FOUND, /no session/)
  })

  it('without API keys an id the server did not issue is 404: naming a session never joins or creates one', async () => {
    const { url: open } = await startServer()
    const s = await createSession(open)
    await postJson(`${open}/process-audio`, { audioBuffer: Array.from(tone(0)), session: s })
    // B picks the kind of name clients used to choose.
    for (const guess of ['s1', 'session-1', s.slice(0, 21), s.slice(0, 21) + (s[21] === 'A' ? 'B' : 'A')]) {
      await expectErrorReply(await postJson(`${open}/process-audio`, { audioBuffer: Array.from(silence), session: guess }), 404, ErrorCode.SESSION_NOT_FOUND, /no session/)
    }
  })
})

describe('API keys', async () => {
  const { url } = await startServer({ apiKeys: [KEY_A, KEY_B], adminToken: ADMIN })

  it.each([
    ['GET', '/config'],
    ['GET', '/stats'],
    ['GET', '/metrics'],
    ['GET', '/wasm'],
    ['GET', '/'],
    ['GET', '/app.js'],
    ['GET', '/no-such-route'],
    ['POST', '/process-audio'],
    ['POST', '/extract-features'],
    ['POST', '/classify-genre'],
    ['POST', '/sessions'],
    ['DELETE', '/sessions/abc'],
  ])('%s %s without a key or with a wrong one: 401 with WWW-Authenticate', async (method, path) => {
    for (const headers of [{}, bearer('not-a-key'), { 'x-api-key': 'not-a-key' }, { authorization: `Basic ${btoa('a:b')}` }]) {
      const res = await fetch(url + path, { method, headers })
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="edgemix"')
      await expectErrorReply(res, 401, ErrorCode.UNAUTHORIZED, /API key|not an API key/)
    }
  })

  it('takes a key as Bearer or x-api-key; the admin token works as a key too', async () => {
    for (const headers of [bearer(KEY_A), { 'x-api-key': KEY_B }, bearer(ADMIN), { authorization: `bearer  ${KEY_A}` }]) {
      expect((await fetch(`${url}/config`, { headers })).status).toBe(200)
    }
    const res = await postJson(`${url}/process-audio`, { audioBuffer: Array.from(tone(0)) }, { 'x-api-key': KEY_A })
    expect((await res.json()).samples).toEqual(Array.from(new MixerChain().processSync(tone(0))))
  })

  it('without API keys, an Authorization header the server does not know (a proxy\'s) counts as none', async () => {
    const { url: open } = await startServer()
    const res = await fetch(`${open}/config`, { headers: { authorization: `Basic ${btoa('proxy:user')}` } })
    expect(res.status).toBe(200)
  })

  it('leaves GET /health open for probes', async () => {
    expect((await fetch(`${url}/health`)).status).toBe(200)
    expect((await fetch(`${url}/health`, { headers: bearer('wrong') })).status).toBe(200)
  })

  it('WebSocket: 401 without a key; a key in a header, or as subprotocol edgemix.key.<key> beside edgemix', async () => {
    expect(await handshake(url, [])).toEqual({ status: 401 })
    expect(await handshake(url, ['edgemix', 'edgemix.key.wrong'])).toEqual({ status: 401 })
    expect(await handshake(url, [], bearer(KEY_A))).toEqual({ status: 101, protocol: '' })
    // The server selects `edgemix`, never the subprotocol carrying the key.
    expect(await handshake(url, ['edgemix', `edgemix.key.${KEY_B}`])).toEqual({ status: 101, protocol: 'edgemix' })
    const st = await openStream(url, ['edgemix', `edgemix.key.${KEY_A}`])
    st.ws.send(bytesOf(tone(0)))
    await st.receive(1)
    expect(st.messages[0].binary && Array.from(st.messages[0].samples)).toEqual(Array.from(new MixerChain().processSync(tone(0))))
    st.ws.close()
  })

  it('closes the socket of a refused upgrade after the 401', async () => {
    const { hostname, port } = new URL(url)
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () =>
        socket.write('GET /stream HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n'),
      )
      let received = ''
      socket.on('data', (d) => (received += d))
      socket.on('error', reject)
      socket.on('close', () => resolve(received))
    })
    expect(reply).toMatch(/^HTTP\/1\.1 401 /)
    expect(reply).toContain(ErrorCode.UNAUTHORIZED)
  })
})

describe('server-wide settings', () => {
  it('without an admin token POST /config is 403 for everyone and changes nothing', async () => {
    const { url } = await startServer({ apiKeys: [KEY_A] })
    const before = await (await fetch(`${url}/config`, { headers: bearer(KEY_A) })).json()
    for (const headers of [bearer(KEY_A), {}]) {
      const res = await postJson(`${url}/config`, { compressor: { ratio: 8 } }, headers)
      expect(res.status).toBe(Object.keys(headers).length ? 403 : 401)
    }
    await expectErrorReply(await postJson(`${url}/config`, { compressor: { ratio: 8 } }, bearer(KEY_A)), 403, ErrorCode.FORBIDDEN, /no admin token.*read-only/)
    expect(await (await fetch(`${url}/config`, { headers: bearer(KEY_A) })).json()).toEqual(before)
    // An open server (no keys, no admin) refuses it too.
    const { url: open } = await startServer()
    await expectErrorReply(await postJson(`${open}/config`, { compressor: { ratio: 8 } }), 403, ErrorCode.FORBIDDEN, /read-only/)
  })

  it('with one: 401 without it or with a wrong one, 403 with an API key, applied with it', async () => {
    const { url } = await startServer({ apiKeys: [KEY_A], adminToken: ADMIN })
    const update = { compressor: { ratio: 8 } }
    const before = await (await fetch(`${url}/config`, { headers: bearer(KEY_A) })).json()
    await expectErrorReply(await postJson(`${url}/config`, update, bearer('wrong')), 401, ErrorCode.UNAUTHORIZED, /not an API key or token/)
    await expectErrorReply(await postJson(`${url}/config`, update, bearer(KEY_A)), 403, ErrorCode.FORBIDDEN, /needs the admin token, not an API key/)
    expect(await (await fetch(`${url}/config`, { headers: bearer(KEY_A) })).json()).toEqual(before)
    const res = await postJson(`${url}/config`, update, bearer(ADMIN))
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual(new MixerChain(update).config)
    // Without API keys, the admin token alone is asked for.
    const { url: open } = await startServer({ adminToken: ADMIN })
    await expectErrorReply(await postJson(`${open}/config`, update), 401, ErrorCode.UNAUTHORIZED, /needs the admin token/)
    expect((await postJson(`${open}/config`, update, bearer(ADMIN))).status).toBe(200)
  })
})

describe('credentials at start-up and in logs', () => {
  it.each([
    [{ adminToken: '' }, /adminToken must be 1 to 4096 visible ASCII/],
    [{ apiKeys: [''] }, /apiKeys\[0\] must be/],
    [{ apiKeys: [KEY_A, 'with space'] }, /apiKeys\[1\] must be/],
    [{ apiKeys: KEY_A as unknown as string[] }, /apiKeys must be an array/],
  ])('refuses %j with ERR_INVALID_CONFIG', async (options, message) => {
    await expect(createHttpServer(options)).rejects.toMatchObject({ code: ErrorCode.INVALID_CONFIG, message: expect.stringMatching(message) })
  })

  it('never logs keys, tokens or session ids', async () => {
    const lines: string[] = []
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk))
        done()
      },
    })
    const { url } = await startServer({ apiKeys: [KEY_A], adminToken: ADMIN, logger: { level: 'trace', stream } })
    const s = await createSession(url, bearer(KEY_A))
    await postJson(`${url}/process-audio`, { audioBuffer: Array.from(tone(0)), session: s }, bearer(KEY_A))
    await fetch(`${url}/sessions/${s}?key=${KEY_A}`, { method: 'DELETE', headers: bearer(KEY_A) })
    await postJson(`${url}/config`, {}, bearer(ADMIN))
    await fetch(`${url}/stats`, { headers: bearer('wrong-key-guess') })
    await handshake(url, ['edgemix', `edgemix.key.${KEY_A}`])
    const log = lines.join('')
    expect(log).toContain('/sessions/:id')
    for (const secret of [KEY_A, ADMIN, s, 'wrong-key-guess']) expect(log).not.toContain(secret)
  })
})
