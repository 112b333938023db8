// Child processes of the bench: the cargo examples, the Python peers and the sections that
// run in a process of their own; each prints its results as a JSON line.
import { spawn } from 'node:child_process'

import { ROOT } from './paths.mjs'

/** Runs a command, collecting stdout; stderr is passed through (build progress, errors). */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], ...opts })
    let stdout = ''
    child.stdout?.on('data', (d) => (stdout += d))
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`)),
    )
  })
}

/** The last line of `stdout` that parses as a JSON object. */
export function lastJson(stdout) {
  const line = stdout.trim().split('\n').reverse().find((l) => l.trim().startsWith('{'))
  if (!line) throw new Error(`no JSON in output: ${stdout.slice(0, 200)}`)
  return JSON.parse(line)
}
