// TLS for the HTTP API (createHttpServer https, edgemix serve --tls-cert/--tls-key) and for
// the gRPC tier started by edgemix serve (--grpc-tls-*, or the HTTP pair, and
// --grpc-token), with a throwaway CA and server certificate made here for 127.0.0.1.
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import https from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import selfsigned from 'selfsigned'
import { describe, expect, it } from 'vitest'
import { CloudClient, ErrorCode, MixerChain } from '../dist/index.js'
import { FRAME, sine } from './helpers.js'
import { bytesOf, openStream, startServer } from './http-helpers.js'

/** A CA, and a server certificate it signed for 127.0.0.1 and localhost. */
async function certificates() {
  const ca = await selfsigned.generate([{ name: 'commonName', value: 'edgemix test CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true }],
  })
  const server = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ],
  })
  return { ca: ca.cert, cert: server.cert, key: server.private }
}

/** An HTTPS request trusting `ca` only: status and body. */
function request(url: string, ca: string, options: { method?: string; headers?: Record<string, string>; body?: Uint8Array } = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = https.request(url, { method: options.method ?? 'GET', headers: options.headers, ca }, (res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

const KEY = 'tls-test-api-key-0123456789'
const tone = sine(FRAME, 1000, 0.5)

describe('HTTPS', async () => {
  const pem = await certificates()
  const { url } = await startServer({ https: { cert: pem.cert, key: Buffer.from(pem.key) }, apiKeys: [KEY] })

  it('serves over TLS: 401 without a key or with a wrong one, 200 with the right one', async () => {
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    expect((await request(`${url}/config`, pem.ca)).status).toBe(401)
    const wrong = await request(`${url}/config`, pem.ca, { headers: { authorization: 'Bearer nope' } })
    expect({ status: wrong.status, code: JSON.parse(wrong.body).code }).toEqual({ status: 401, code: ErrorCode.UNAUTHORIZED })
    const ok = await request(`${url}/config`, pem.ca, { headers: { authorization: `Bearer ${KEY}` } })
    expect(ok.status).toBe(200)
    expect(JSON.parse(ok.body)).toEqual(new MixerChain().config)
    const frame = await request(`${url}/process-audio`, pem.ca, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'content-type': 'application/octet-stream', accept: 'application/octet-stream' },
      body: bytesOf(tone),
    })
    expect(frame.status).toBe(200)
  })

  it('refuses clients that do not trust the certificate, and plain HTTP', async () => {
    await expect(request(`${url}/health`, '')).rejects.toThrow(/self-signed|unable to verify|certificate/i)
    await expect(fetch(url.replace('https', 'http') + '/health')).rejects.toThrow()
  })

  it('serves WebSocket streams over WSS with the key as a subprotocol', async () => {
    const st = await openStream(url, ['edgemix', `edgemix.key.${KEY}`], { ca: pem.ca })
    st.ws.send(bytesOf(tone))
    await st.receive(1)
    expect(st.messages[0].binary && Array.from(st.messages[0].samples)).toEqual(Array.from(new MixerChain().processSync(tone)))
    st.ws.close()
  })

  it('refuses a missing or empty certificate or key at start-up', async () => {
    const { createHttpServer } = await import('../dist/index.js')
    for (const bad of [{ cert: pem.cert, key: '' }, { cert: pem.cert }, null]) {
      await expect(createHttpServer({ https: bad as never })).rejects.toMatchObject({ code: ErrorCode.INVALID_CONFIG, message: /https must be \{ cert, key \}/ })
    }
  })
})

/** Runs `edgemix serve`; resolves its printed addresses. */
function serve(args: string[], env: Record<string, string> = {}, expectLines = 2) {
  const child = spawn(process.execPath, [join(__dirname, '../dist/cli.js'), 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
  let stdout = ''
  let stderr = ''
  child.stderr!.on('data', (d) => (stderr += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const lines = new Promise<Record<string, string>>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      stdout += d
      const found = [...stdout.matchAll(/^edgemix (http|grpc): (\S+)$/gm)]
      if (found.length >= expectLines) resolve(Object.fromEntries(found.map((m) => [m[1], m[2]])))
    })
    exited.then((code) => reject(new Error(`exited with ${code}: ${stderr}`)))
  })
  lines.catch(() => {})
  return { lines, exited, stop: () => (child.kill('SIGTERM'), exited), stderr: () => stderr }
}

describe('edgemix serve with TLS, keys and tokens', async () => {
  const pem = await certificates()
  const dir = mkdtempSync(join(tmpdir(), 'edgemix-tls-'))
  writeFileSync(join(dir, 'cert.pem'), pem.cert)
  writeFileSync(join(dir, 'key.pem'), pem.key)
  const tlsFlags = ['--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')]

  it('serves HTTPS with API keys from EDGEMIX_API_KEYS and the admin token from the environment', async () => {
    const run = serve(['--http', '0', '--no-grpc', ...tlsFlags], { EDGEMIX_API_KEYS: `${KEY},second-key`, EDGEMIX_ADMIN_TOKEN: 'admin-secret' }, 1)
    const { http } = await run.lines
    expect(http).toMatch(/^https:\/\//)
    expect((await request(`${http}/config`, pem.ca)).status).toBe(401)
    expect((await request(`${http}/config`, pem.ca, { headers: { 'x-api-key': 'second-key' } })).status).toBe(200)
    const update = await request(`${http}/config`, pem.ca, { method: 'POST', headers: { authorization: 'Bearer admin-secret', 'content-type': 'application/json' }, body: Buffer.from('{"eq":{"midGainDb":-2}}') })
    expect(update.status).toBe(200)
    expect(await run.stop()).toBe(0)
    for (const secret of [KEY, 'second-key', 'admin-secret']) expect(run.stderr()).not.toContain(secret)
  })

  // The gRPC tier gets the same certificate pair (no --grpc-tls-*) and requires the token:
  // a CloudClient trusting the CA connects over TLS with the token, and is refused
  // without it or over plain HTTP/2.
  it('serves the gRPC tier over TLS with the bearer token', async () => {
    const run = serve(['--http', '0', '--grpc', '0', ...tlsFlags, '--grpc-token', 'grpc-secret'])
    const { grpc } = await run.lines
    const endpoint = `https://${grpc}`
    const client = new CloudClient({ endpoints: [endpoint], caPem: pem.ca, token: 'grpc-secret' })
    expect((await client.status()).status).toBe('healthy')
    expect((await client.listNodes()).length).toBeGreaterThan(0)
    await client.close()
    const anonymous = new CloudClient({ endpoints: [endpoint], caPem: pem.ca })
    await expect(anonymous.listNodes()).rejects.toMatchObject({ code: ErrorCode.CLOUD_UNAUTHENTICATED })
    await anonymous.close()
    const plain = new CloudClient({ endpoints: [`http://${grpc}`], token: 'grpc-secret', timeoutMs: 2000 })
    await expect(plain.listNodes()).rejects.toMatchObject({ code: expect.stringMatching(/ERR_CLOUD_(UNAVAILABLE|TIMEOUT|INTERNAL)/) })
    await plain.close()
    expect(await run.stop()).toBe(0)
  })

  it('requires the gRPC token from --grpc-token or EDGEMIX_GRPC_TOKEN on every call', async () => {
    for (const [args, env] of [[['--grpc-token', 'grpc-secret'], {}], [[], { EDGEMIX_GRPC_TOKEN: 'grpc-secret' }]] as const) {
      const run = serve(['--http', '0', '--grpc', '0', ...args], env)
      const { grpc } = await run.lines
      const client = new CloudClient({ endpoints: [`http://${grpc}`], token: 'grpc-secret' })
      expect((await client.listNodes()).length).toBeGreaterThan(0)
      await client.close()
      for (const token of [undefined, 'wrong']) {
        const other = new CloudClient({ endpoints: [`http://${grpc}`], token })
        await expect(other.listNodes()).rejects.toMatchObject({ code: ErrorCode.CLOUD_UNAUTHENTICATED })
        await other.close()
      }
      expect(await run.stop()).toBe(0)
    }
  })

  it.each([
    [['--admin-token', ''], {}, /--admin-token \(or EDGEMIX_ADMIN_TOKEN\) is empty/],
    [[], { EDGEMIX_ADMIN_TOKEN: '' }, /EDGEMIX_ADMIN_TOKEN\) is empty/],
    [['--grpc-token', ''], {}, /--grpc-token \(or EDGEMIX_GRPC_TOKEN\) is empty/],
    [['--api-key', ''], {}, /--api-key is empty/],
    [[], { EDGEMIX_API_KEYS: 'a,,b' }, /EDGEMIX_API_KEYS has an empty key/],
    [['--tls-cert', 'cert.pem'], {}, /--tls-cert and --tls-key go together/],
    [['--tls-cert', '/nonexistent/c.pem', '--tls-key', '/nonexistent/k.pem'], {}, /--tls-cert \/nonexistent\/c\.pem: ENOENT/],
    [['--max-connections-per-client', 'lots'], {}, /--max-connections-per-client must be a whole number/],
  ])('refuses %j %j at start-up with exit code 1', async (args, env, message) => {
    const run = serve(['--http', '0', '--grpc', '0', ...args], env as Record<string, string>)
    expect(await run.exited).toBe(1)
    expect(run.stderr()).toMatch(message)
  })
})
