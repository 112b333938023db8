// `edgemix serve` (dist/cli.js) as a user runs it: a child process on ephemeral ports,
// the gRPC tier checked with the real CloudClient.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CloudClient } from '../dist/index.js'

const CLI = join(__dirname, '../dist/cli.js')

/** Runs the CLI; resolves the printed `edgemix <kind>: <address>` lines once `expect` of them are out. */
function serve(args: string[], expectLines: number) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
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
  lines.catch(() => {}) // the refusal cases await `exited` instead
  return { child, lines, exited, output: () => ({ stdout, stderr }) }
}

async function stop(child: ChildProcess, exited: Promise<number | null>) {
  child.kill('SIGTERM')
  return exited
}

describe('edgemix serve', () => {
  it('serves the HTTP API on an ephemeral port and stops cleanly on SIGTERM', async () => {
    const run = serve(['serve', '--http', '0', '--no-grpc', '--rate-limit', '7', '--cors', 'http://app.test'], 1)
    const { http } = await run.lines
    expect(http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const res = await fetch(`${http}/health`)
    expect(res.status).toBe(200)
    expect(res.headers.get('x-ratelimit-limit')).toBe('7')
    const cors = await fetch(`${http}/health`, { headers: { origin: 'http://app.test' } })
    expect(cors.headers.get('access-control-allow-origin')).toBe('http://app.test')
    expect(await stop(run.child, run.exited)).toBe(0)
    await expect(fetch(`${http}/health`)).rejects.toThrow()
    // Request logs are JSON lines on stderr, the printed address alone on stdout.
    expect(run.output().stderr).toMatch(/"url":"\/health"/)
  })

  it('also serves the gRPC cloud tier (--grpc 0): a CloudClient reaches it', async () => {
    const run = serve(['serve', '--http', '0', '--grpc', '0'], 2)
    const { http, grpc } = await run.lines
    expect(grpc).toMatch(/^127\.0\.0\.1:\d+$/)
    const client = new CloudClient({ endpoints: [`http://${grpc}`] })
    const status = await client.status()
    expect(status.status).toBe('healthy')
    expect((await fetch(`${http}/health`)).status).toBe(200)
    await client.close()
    expect(await stop(run.child, run.exited)).toBe(0)
  })

  it.each([
    [['serve', '--http', '70000', '--no-grpc'], /--http must be a port number 0\.\.65535, received 70000/],
    [['serve', '--no-http', '--no-grpc'], /leave nothing to serve/],
    [['serve', '--rate-limit', 'lots', '--no-grpc'], /--rate-limit must be a whole number/],
    [['serve', '--bogus'], /Unknown option '--bogus'/],
    [['launch'], /unknown command launch/],
  ])('refuses %j with a message and exit code 1', async (args, message) => {
    const run = serve(args, 1)
    expect(await run.exited).toBe(1)
    expect(run.output().stderr).toMatch(message)
  })
})
