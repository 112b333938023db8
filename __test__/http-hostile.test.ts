// Hostile input against the HTTP API on real sockets: JSON nested 100,000 deep on every
// entry point that takes JSON, path traversal and malformed URLs and HTTP, slow clients,
// too many connections, idle streams. Each must get a coded 4xx (or a WebSocket close
// code), never a 500, and the server must keep answering.
import { connect, type Socket } from 'node:net'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { ErrorCode, MixerChain } from '../dist/index.js'
import { FRAME, sine } from './helpers.js'
import { expectErrorReply, openStream, postJson, startServer } from './http-helpers.js'

const ADMIN = 'admin-token-for-hostile-tests'
/** Arrays nested `n` deep, as text (JSON.stringify itself would recurse that deep). */
const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n)
/** Objects nested `n` deep, as text. */
const deepObject = (n: number) => '{"a":'.repeat(n - 1) + '{}' + '}'.repeat(n - 1)
const zeros = JSON.stringify(new Array(FRAME).fill(0))
const tone = sine(FRAME, 1000, 0.5)

async function postText(url: string, text: string, headers: Record<string, string> = {}) {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: text })
}

/** The server still answers: /health and a frame through the chain. */
async function expectAlive(url: string) {
  expect((await fetch(`${url}/health`)).status).toBe(200)
  const res = await postJson(`${url}/process-audio`, { audioBuffer: Array.from(tone) })
  expect(res.status).toBe(200)
  expect((await res.json()).samples).toEqual(Array.from(new MixerChain().processSync(tone)))
}

describe('JSON nested 100,000 deep', async () => {
  // Limits raised so that 100,000 levels (200 KB) reach the parser rather than the body limit.
  const big = { adminToken: ADMIN, frameBodyLimit: 1 << 20, maxMessageBytes: 1 << 20 }
  const { url } = await startServer(big)
  const admin = { authorization: `Bearer ${ADMIN}` }
  const DEEP = 100_000

  it.each([
    ['POST /config gate.thresholdDb', '/config', `{"gate":{"thresholdDb":${deepArray(DEEP)}}}`],
    ['POST /config, objects', '/config', deepObject(DEEP)],
    ['POST /process-audio config', '/process-audio', `{"audioBuffer":${zeros},"config":{"x":${deepArray(DEEP)}}}`],
    ['POST /extract-features options', '/extract-features', `{"audioBuffer":${zeros},"options":{"nFft":${deepArray(DEEP)}}}`],
    ['POST /classify-genre options', '/classify-genre', `{"audioBuffer":${zeros},"options":${deepObject(DEEP)}}`],
    ['POST /sessions config', '/sessions', `{"config":{"x":${deepArray(DEEP)}}}`],
  ])('%s: 400 ERR_INVALID_JSON naming the limit, and the server lives', async (_name, path, body) => {
    await expectErrorReply(await postText(url + path, body, admin), 400, ErrorCode.INVALID_JSON, /deeper than 64 levels/)
    await expectAlive(url)
  })

  it('with the default limits: 413 past 64 KiB, 400 below (20,000 levels, 40 KB)', async () => {
    const { url: plain } = await startServer({ adminToken: ADMIN })
    await expectErrorReply(await postText(`${plain}/config`, `{"gate":{"thresholdDb":${deepArray(DEEP)}}}`, admin), 413, ErrorCode.BODY_TOO_LARGE, /65536 bytes/)
    await expectErrorReply(await postText(`${plain}/config`, `{"gate":{"thresholdDb":${deepArray(20_000)}}}`, admin), 400, ErrorCode.INVALID_JSON, /deeper than 64/)
    await expectAlive(plain)
  })

  it('counts depth exactly: 64 levels reach the chain (which refuses the key), 65 do not', async () => {
    // The body is depth 1, config 2, then arrays down to the total.
    const body = (total: number) => `{"audioBuffer":${zeros},"config":{"x":${deepArray(total - 2)}}}`
    await expectErrorReply(await postText(`${url}/process-audio`, body(64)), 400, ErrorCode.INVALID_CONFIG, /x/)
    await expectErrorReply(await postText(`${url}/process-audio`, body(65)), 400, ErrorCode.INVALID_JSON, /deeper than 64/)
  })

  it('does not count brackets inside strings, escaped quotes included', async () => {
    const inString = JSON.stringify({ audioBuffer: new Array(FRAME).fill(0), config: { x: `\\"${'['.repeat(1000)}` } })
    await expectErrorReply(await postText(`${url}/process-audio`, inString), 400, ErrorCode.INVALID_CONFIG, /x/)
  })

  it('WebSocket {"config": <deep>}: {code, message}, then close 1007; the frames before are answered', async () => {
    const st = await openStream(url)
    st.ws.send(Buffer.from(tone.buffer))
    st.ws.send(`{"config":${deepArray(DEEP)}}`)
    await st.waitClose()
    expect(st.messages).toHaveLength(2)
    expect(st.messages[0].binary && Array.from(st.messages[0].samples)).toEqual(Array.from(new MixerChain().processSync(tone)))
    expect(!st.messages[1].binary && st.messages[1].json).toEqual({ code: ErrorCode.INVALID_JSON, message: expect.stringMatching(/deeper than 64/) })
    expect(st.closed()?.code).toBe(1007)
    await expectAlive(url)
  })
})

/** Sends `request` on a raw socket; resolves to everything the server wrote before closing. */
function rawExchange(url: string, write: (socket: Socket) => void): Promise<string> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    let received = ''
    socket.on('data', (d) => (received += d))
    socket.on('error', reject)
    socket.on('close', () => resolve(received))
    socket.on('connect', () => write(socket))
  })
}

/** The status and JSON body of a raw HTTP reply. */
function parseRaw(reply: string): { status: number; body: unknown } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1])
  return { status, body: JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)) }
}

describe('paths, URLs and malformed HTTP', async () => {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk))
      done()
    },
  })
  const { url } = await startServer({ logger: { level: 'trace', stream } })

  it.each([
    '/wasm/..%2f..%2fpackage.json',
    '/%2e%2e/package.json',
    '/%2e%2e/%2e%2e/package.json',
    '/..%2fpackage.json',
    '/..%5c..%5cpackage.json',
    '/index.html%00',
    '/%00',
    '/wasm%00',
    '/%',
    '/%zz/index.html',
    '/app.js%00.png',
  ])('GET %s: 400 or 404 with a code, no file outside web/, nothing above debug in the log', async (path) => {
    lines.length = 0
    // fetch would normalise the path: send it as it is.
    const reply = await rawExchange(url, (s) => s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`))
    const { status, body } = parseRaw(reply)
    expect([400, 404]).toContain(status)
    expect(body).toEqual({ code: status === 404 ? ErrorCode.NOT_FOUND : ErrorCode.BAD_REQUEST, message: expect.any(String) })
    expect(reply).not.toContain('"name": "edgemix"')
    const logged = lines.map((l) => JSON.parse(l) as { level: number; err?: unknown })
    expect(logged.filter((l) => l.level > 30 || l.err !== undefined)).toEqual([])
  })

  it('serves web/ files as before', async () => {
    const res = await fetch(`${url}/app.js`)
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('mixer.wasm')
  })

  it('answers malformed HTTP with 400 ERR_BAD_REQUEST and oversized headers with 431', async () => {
    const bad = parseRaw(await rawExchange(url, (s) => s.write('GET / HTTP/1.1\r\nHost: x\r\nContent-Length: twelve\r\n\r\n')))
    expect(bad).toEqual({ status: 400, body: { code: ErrorCode.BAD_REQUEST, message: expect.any(String) } })
    const big = parseRaw(await rawExchange(url, (s) => s.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)))
    expect(big).toEqual({ status: 431, body: { code: ErrorCode.HEADERS_TOO_LARGE, message: expect.any(String) } })
    const stats = await (await fetch(`${url}/stats`)).json()
    expect(stats.errors[ErrorCode.BAD_REQUEST]).toBeGreaterThanOrEqual(1)
  })

  it.each([
    ['POST', '/process-audio', 'application/json', '{"audioBuffer":'],
    ['POST', '/process-audio', 'application/json', '{"__proto__":{"x":1},"audioBuffer":[]}'],
    ['POST', '/process-audio', 'application/json', '{"constructor":{"prototype":{"x":1}}}'],
    ['POST', '/process-audio', 'application/json', 'null'],
    ['POST', '/process-audio', 'application/json', '"a string"'],
    ['POST', '/process-audio', 'application/octet-stream', 'abc'],
    ['POST', '/process-audio', 'application/xml', '<a/>'],
    ['POST', '/extract-features', 'application/json', '{"audioBuffer":[1e400]}'],
    ['POST', '/extract-features', 'application/json', `{"audioBuffer":${zeros},"options":{"nFft":-1}}`],
    ['POST', '/extract-features', 'application/json', `{"audioBuffer":${zeros},"options":[]}`],
    ['POST', '/classify-genre', 'application/json', `{"audioBuffer":${zeros},"options":{"sampleRate":"x"}}`],
    ['POST', '/sessions', 'application/octet-stream', 'abcd'],
    ['POST', '/config', 'application/json', '{}'],
    ['DELETE', '/sessions/%00', undefined, undefined],
    ['DELETE', `/sessions/${'x'.repeat(300)}`, undefined, undefined],
    ['PUT', '/config', 'application/json', '{}'],
    ['GET', '/process-audio', undefined, undefined],
  ])('%s %s (%s, case %#): a coded 4xx, never a 500', async (method, path, type, body) => {
    const res = await fetch(url + path, { method, headers: type ? { 'content-type': type } : {}, body })
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
    const json = await res.json()
    expect(Object.keys(json).sort()).toEqual(['code', 'message'])
    expect(json.code).toMatch(/^ERR_[A-Z_]+$/)
  })
})

describe('slow clients', async () => {
  const { url } = await startServer({ timeouts: { headersMs: 300, requestMs: 600 } })

  it('a body trickled one byte at a time gets 408 ERR_REQUEST_TIMEOUT and is closed', async () => {
    let timer: NodeJS.Timeout | undefined
    const reply = await rawExchange(url, (s) => {
      s.write('POST /process-audio HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{')
      timer = setInterval(() => s.writable && s.write(' '), 100)
      s.on('close', () => clearInterval(timer))
    })
    expect(parseRaw(reply)).toEqual({ status: 408, body: { code: ErrorCode.REQUEST_TIMEOUT, message: expect.stringMatching(/did not arrive in time/) } })
  })

  it('headers trickled one byte at a time get 408 too', async () => {
    const reply = await rawExchange(url, (s) => {
      s.write('GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ')
      const timer = setInterval(() => s.writable && s.write('a'), 50)
      s.on('close', () => clearInterval(timer))
    })
    expect(parseRaw(reply).status).toBe(408)
  })

  it('answers other clients meanwhile', async () => {
    await expectAlive(url)
  })
})

describe('connections per client address', async () => {
  const { url } = await startServer({ maxConnectionsPerClient: 3 })
  const { hostname, port } = new URL(url)
  const open = () =>
    new Promise<Socket>((resolve, reject) => {
      const s = connect(Number(port), hostname, () => resolve(s))
      s.on('error', reject)
    })
  const closed = (s: Socket) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())))

  it('closes connections past the cap as they open, and takes new ones once others close', async () => {
    const held = [await open(), await open(), await open()]
    const fourth = await open()
    // The server closes it without reading or writing anything.
    let data = ''
    fourth.on('data', (d) => (data += d))
    await closed(fourth)
    expect(data).toBe('')
    held[0].destroy()
    await closed(held[0])
    // The count drops when the server sees the close; a request then gets through.
    let status = 0
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
      status = await fetch(`${url}/health`, { headers: { connection: 'close' } }).then((r) => r.status, () => 0)
    }
    expect(status).toBe(200)
    held.slice(1).forEach((s) => s.destroy())
    const stats = await (await fetch(`${url}/stats`)).json()
    expect(stats.connections.refused).toBeGreaterThanOrEqual(1)
  })
})

describe('idle WebSocket streams', async () => {
  const { url } = await startServer({ stream: { idleMs: 200 } })

  it('closes a stream that sends nothing for stream.idleMs with 1001', async () => {
    const st = await openStream(url)
    st.ws.send(Buffer.from(tone.buffer))
    await st.waitClose()
    // The frame it sent was answered before the close.
    expect(st.messages).toHaveLength(1)
    expect(st.closed()?.code).toBe(1001)
    expect(st.closed()?.reason).toBe('idle timeout')
  })
})
