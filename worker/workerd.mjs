// Runs the edge Worker under workerd (the npm package's binary) on 127.0.0.1 with a
// free port, for the tests and the CPU bench: `buildWorker()` writes worker/dist
// (build.mjs) and returns the file sizes; `startWorker(env)` starts
// `workerd serve worker/config.capnp` with `env` as its environment (the bindings
// MIXER_CONFIG and ANALYSIS_ORIGIN read from it) and reads the port from workerd's
// control channel (fd 3).
import { spawn, spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import workerd from 'workerd'

const here = dirname(fileURLToPath(import.meta.url))
/** The binary's path: the package's CommonJS exports carry it as `default`. */
const binary = typeof workerd === 'string' ? workerd : workerd.default

/** Builds worker/dist; `[{ file, bytes, gzip }]` of each file and the total. */
export function buildWorker() {
  const r = spawnSync(process.execPath, [join(here, 'build.mjs'), '--json'], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`node worker/build.mjs failed:\n${r.stdout}${r.stderr}`)
  return JSON.parse(r.stdout.trim().split('\n').pop())
}

/** Starts workerd on worker/dist (build first); `{ url, pid, stop() }`. */
export async function startWorker(env = {}) {
  const child = spawn(binary, ['serve', join(here, 'config.capnp'), '--socket-addr', 'http=127.0.0.1:0', '--control-fd', '3'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, ...env },
  })
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const events = createInterface({ input: child.stdio[3] })[Symbol.asyncIterator]()
  for (;;) {
    const next = await Promise.race([events.next(), exited.then(() => ({ done: true }))])
    if (next.done) throw new Error(`workerd exited before listening:\n${stderr}`)
    const event = JSON.parse(next.value)
    if (event.event === 'listen' && event.socket === 'http') {
      return {
        url: `http://127.0.0.1:${event.port}`,
        pid: child.pid,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
          await exited
        },
      }
    }
  }
}
