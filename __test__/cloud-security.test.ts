// startServer's security options against the real CloudClient: TLS with a certificate
// made for this run (selfsigned), a bearer token compared in constant time, refusals of
// bad PEM and empty tokens at start, a per-address connection cap, and calls abandoned
// at their deadline that give their slot back at once.
import { generate } from 'selfsigned'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CloudClient, ErrorCode, MixerChain, startServer } from '../dist/index.js'
import type { CloudServer } from '../dist/index.js'
import { FRAME, speechLike } from './helpers.js'

type Coded = Error & { code?: string }

async function rejection(p: unknown): Promise<Coded> {
  expect(p).toBeInstanceOf(Promise)
  return (p as Promise<unknown>).then(
    () => { throw new Error('expected a rejection') },
    (e: Coded) => e,
  )
}

/** A throwaway certificate for localhost / 127.0.0.1 (P-256, server auth, not a CA). */
function certificate(name = 'localhost') {
  return generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: name }, { type: 7, ip: '127.0.0.1' }] },
    ],
  })
}

const TOKEN = 'edgemix-test-token-5b1c'
let pem: Awaited<ReturnType<typeof certificate>>
let server: CloudServer
const clients: CloudClient[] = []

function clientOf(options: Partial<ConstructorParameters<typeof CloudClient>[0]>) {
  const c = new CloudClient({ endpoints: [`https://127.0.0.1:${server.port}`], timeoutMs: 10_000, retries: 0, ...options })
  clients.push(c)
  return c
}

beforeAll(async () => {
  pem = await certificate()
  server = await startServer({ port: 0, tls: { cert: pem.cert, key: Buffer.from(pem.private) }, authToken: TOKEN })
})

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()))
  await server.close()
})

describe('startServer with tls and authToken', () => {
  it('serves a CloudClient that trusts the certificate and sends the token', async () => {
    const cloud = clientOf({ caPem: pem.cert, tlsDomain: 'localhost', token: TOKEN })
    const input = speechLike(FRAME * 5)
    const out = await cloud.execute('AudioMixer', { compressor: { ratio: 4 } }, input)
    expect(out).toEqual(new MixerChain({ compressor: { ratio: 4 } }).processSync(input))
    const stream = cloud.openStream('AudioMixer', {})
    const reference = new MixerChain()
    expect(await stream.send(input)).toEqual(reference.processSync(input))
    await stream.end()
    expect((await cloud.status()).status).toBe('healthy')
  })

  it('refuses a missing or wrong token, plaintext, and a client that does not trust the certificate', async () => {
    const frame = speechLike(FRAME)
    const anonymous = clientOf({ caPem: pem.cert, tlsDomain: 'localhost' })
    expect((await rejection(anonymous.execute('PassThrough', {}, frame))).code).toBe(ErrorCode.CLOUD_UNAUTHENTICATED)
    for (const token of ['wrong', `${TOKEN}x`, TOKEN.slice(0, -1), ' ']) {
      const wrong = clientOf({ caPem: pem.cert, tlsDomain: 'localhost', token })
      expect((await rejection(wrong.execute('PassThrough', {}, frame))).code).toBe(ErrorCode.CLOUD_UNAUTHENTICATED)
    }
    const plain = clientOf({ endpoints: [`http://127.0.0.1:${server.port}`], token: TOKEN })
    expect((await rejection(plain.execute('PassThrough', {}, frame))).code).toBe(ErrorCode.CLOUD_UNAVAILABLE)
    const other = await certificate()
    const distrusting = clientOf({ caPem: other.cert, tlsDomain: 'localhost', token: TOKEN })
    expect((await rejection(distrusting.execute('PassThrough', {}, frame))).code).toBe(ErrorCode.CLOUD_UNAVAILABLE)
  })

  it('refuses bad PEM, a key of another certificate and malformed tls options at start', async () => {
    const other = await certificate()
    const bad: Array<[unknown, string, RegExp]> = [
      [{ cert: 'not a certificate', key: pem.private }, ErrorCode.INVALID_CONFIG, /invalid TLS certificate or key/],
      [{ cert: pem.cert, key: 'not a key' }, ErrorCode.INVALID_CONFIG, /invalid TLS certificate or key/],
      [{ cert: pem.cert, key: other.private }, ErrorCode.INVALID_CONFIG, /invalid TLS certificate or key/],
      [{ cert: pem.cert }, ErrorCode.INVALID_ARG_TYPE, /options\.tls\.key must be PEM text/],
      [{ cert: 42, key: pem.private }, ErrorCode.INVALID_ARG_TYPE, /options\.tls\.cert must be PEM text/],
      [{ cert: pem.cert, key: pem.private, ca: 'x' }, ErrorCode.INVALID_CONFIG, /options\.tls has an unknown key "ca"/],
      ['cert.pem', ErrorCode.INVALID_ARG_TYPE, /"options\.tls" argument must be a plain object/],
    ]
    for (const [tls, code, message] of bad) {
      const e = await rejection(startServer({ port: 0, tls } as never))
      expect([e.code, e.message]).toEqual([code, expect.stringMatching(message)])
    }
  })

  it('refuses an empty or blank authToken at start instead of accepting any "Bearer "', async () => {
    for (const authToken of ['', ' ', '\t\n']) {
      const e = await rejection(startServer({ port: 0, authToken }))
      expect(e.code).toBe(ErrorCode.INVALID_CONFIG)
      expect(e.message).toMatch(/auth token is empty or blank/)
    }
  })
})

describe('startServer limits', () => {
  it('closes connections past maxConnectionsPerIp and refuses a cap out of range', async () => {
    const capped = await startServer({ port: 0, maxConnectionsPerIp: 1 })
    const first = new CloudClient({ endpoints: [`127.0.0.1:${capped.port}`], timeoutMs: 5000, retries: 0 })
    const second = new CloudClient({ endpoints: [`127.0.0.1:${capped.port}`], timeoutMs: 5000, retries: 0 })
    expect((await first.status()).status).toBe('healthy')
    expect((await rejection(second.status())).code).toBe(ErrorCode.CLOUD_UNAVAILABLE)
    // The first client's connection still serves.
    expect((await first.status()).status).toBe('healthy')
    await Promise.all([first.close(), second.close()])
    await capped.close()
    const e = await rejection(startServer({ port: 0, maxConnectionsPerIp: 0 }))
    expect(e.code).toBe(ErrorCode.INVALID_CONFIG)
    expect(e.message).toMatch(/max connections per IP = 0 is out of range: allowed 1 to 65536/)
  })

  it('gives the slot of a call abandoned at its deadline back at once', async () => {
    // One slot: two Delay calls of 60 s abandoned after 200 ms would otherwise hold it.
    const slow = await startServer({ port: 0, concurrency: 1, enableTestNodes: true })
    const cloud = new CloudClient({ endpoints: [`127.0.0.1:${slow.port}`], timeoutMs: 20_000 })
    for (let i = 0; i < 2; i++) {
      const e = await rejection(cloud.execute('Delay', { delay_ms: 60_000 }, new Float32Array(4), { timeoutMs: 200 }))
      expect(e.code).toBe(ErrorCode.CLOUD_TIMEOUT)
    }
    const frame = speechLike(FRAME)
    expect(await cloud.execute('AudioMixer', {}, frame)).toEqual(new MixerChain().processSync(frame))
    await cloud.close()
    await slow.close()
  })
})
