// startServer behaves like a listening net.Server: it keeps Node's event loop alive and
// keeps listening until close(), whether or not JS still holds its handle; unref() and
// ref() opt out and back in. Each case runs a child `node --expose-gc` script. Once
// close() has resolved, nothing is answered, even on a connection opened before.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterEach, describe, expect, it } from 'vitest'
import { CloudClient, startServer } from '../dist/index.js'

const DIST = join(__dirname, '..', 'dist', 'index.js')
const children: ChildProcess[] = []

/** Runs `body` (CommonJS, with `addon` = the package) in a child Node with --expose-gc. */
function run(body: string) {
  const script = `const addon = require(${JSON.stringify(DIST)});\n(async () => {\n${body}\n})().catch((e) => { console.error(e); process.exit(3) })`
  const child = spawn(process.execPath, ['--expose-gc', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(child)
  const lines = createInterface({ input: child.stdout! })
  const firstLine = new Promise<string>((resolve, reject) => {
    lines.once('line', resolve)
    child.once('exit', (code) => reject(new Error(`the script exited with ${code} before printing`)))
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, firstLine, exited }
}

async function healthy(port: number) {
  const client = new CloudClient({ endpoints: [`127.0.0.1:${port}`], timeoutMs: 10_000, retries: 0 })
  try {
    return (await client.status()).status
  } finally {
    await client.close()
  }
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
})

describe('startServer lifetime', () => {
  it('keeps serving after its handle is garbage-collected', async () => {
    const { firstLine, exited } = run(`
      let server = await addon.startServer({ port: 0 })
      const port = server.port
      let collected = false
      const registry = new FinalizationRegistry(() => { collected = true })
      registry.register(server, 'server')
      server = null
      for (let i = 0; i < 200 && !collected; i++) {
        gc()
        await new Promise((r) => setTimeout(r, 10))
      }
      gc()
      await new Promise((r) => setTimeout(r, 10))
      const client = new addon.CloudClient({ endpoints: ['127.0.0.1:' + port], timeoutMs: 10000, retries: 0 })
      const status = (await client.status()).status
      await client.close()
      console.log(JSON.stringify({ collected, status }))
      process.exit(0)
    `)
    expect(JSON.parse(await firstLine)).toEqual({ collected: true, status: 'healthy' })
    expect(await exited).toBe(0)
  })

  it('keeps a script whose only work is awaiting startServer alive, serving', async () => {
    const { child, firstLine } = run(`
      const server = await addon.startServer({ port: 0 })
      console.log(server.port)
    `)
    const port = Number(await firstLine)
    expect(await healthy(port)).toBe('healthy')
    expect(await healthy(port)).toBe('healthy')
    // Still running: nothing but the server holds it.
    expect(child.exitCode).toBe(null)
  })

  it('lets the process exit after unref(), and holds it again after ref()', async () => {
    const unrefd = run(`
      const server = await addon.startServer({ port: 0 })
      console.log(server.unref() === server ? 'unref returns the server' : 'wrong')
    `)
    expect(await unrefd.firstLine).toBe('unref returns the server')
    expect(await unrefd.exited).toBe(0)

    const refd = run(`
      const server = await addon.startServer({ port: 0 })
      server.unref().ref()
      console.log(server.port)
    `)
    const port = Number(await refd.firstLine)
    expect(await healthy(port)).toBe('healthy')
    expect(refd.child.exitCode).toBe(null)
  })

  it('closes the connections still open when the grace period ends', async () => {
    const server = await startServer({ port: 0, shutdownGraceMs: 200 })
    const cloud = new CloudClient({ endpoints: [`127.0.0.1:${server.port}`], timeoutMs: 60_000, retries: 0 })
    try {
      // A stream the client keeps open past the grace period, on a warm connection.
      const stream = cloud.openStream('PassThrough', {}, { format: 'json' })
      expect(await stream.send([0.25])).toEqual([0.25])
      await server.close()
      const refused = await stream.send([0.5]).then(
        (answer: unknown) => ({ answer }),
        (e: Error & { code?: string }) => ({ code: e.code }),
      )
      expect(refused).toMatchObject({ code: expect.stringMatching(/^ERR_CLOUD_/) })
    } finally {
      await cloud.close()
    }
  })

  it('lets the process exit once close() resolves', async () => {
    const { firstLine, exited } = run(`
      const server = await addon.startServer({ port: 0 })
      const other = await addon.startServer({ port: 0 })
      await Promise.all([server.close(), other.close(), other.close()])
      // ref() after close changes nothing.
      server.ref()
      console.log('closed')
    `)
    expect(await firstLine).toBe('closed')
    expect(await exited).toBe(0)
  })
})
