// The real `edgemix-server` binary as a child process on 127.0.0.1 (port 0 unless
// given), with the addresses it prints once listening.
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { serverBinary } from '../scripts/server-binary.mjs'

export interface ServerProcess {
  child: ChildProcess
  /** 127.0.0.1:port of the gRPC service. */
  addr: string
  port: number
  /** http://127.0.0.1:port of the operations port, with --metrics-port. */
  ops?: string
  /** Resolves with the exit code (or signal) once the process ended. */
  exited: Promise<number | string>
  stop(signal?: NodeJS.Signals): Promise<number | string>
}

let binary: string | undefined

/** Builds the binary once per test file (a no-op after `npm run test:rust`). */
export function edgemixServerBinary(): string {
  binary ??= serverBinary() as string
  return binary
}

export async function startServerProcess(args: string[] = []): Promise<ServerProcess> {
  const port = args.includes('--port') ? [] : ['--port', '0']
  const child = spawn(edgemixServerBinary(), ['--host', '127.0.0.1', ...port, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  child.stderr!.resume() // logs: read so the pipe never fills
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)))
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
  const read = async (prefix: string) => {
    const next = await Promise.race([lines.next(), exited.then((code) => ({ done: true, value: `exited with ${code}` }))])
    const line = String(next.value ?? '')
    if (next.done || !line.startsWith(prefix)) throw new Error(`edgemix-server ${args.join(' ')}: expected "${prefix}…", got "${line}"`)
    return line.slice(prefix.length).trim()
  }
  const addr = await read('edgemix-server listening on ')
  const metrics = args.includes('--metrics-port') ? await read('edgemix-server metrics on ') : undefined
  return {
    child,
    addr,
    port: Number(addr.split(':').pop()),
    ops: metrics?.replace(/\/metrics$/, ''),
    exited,
    stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    },
  }
}
