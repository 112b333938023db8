/**
 * `edgemix bench [args]`: the benchmarks (bench/run.mjs, peers measured in the same run).
 * They live in the source repository, not in the npm package: from a checkout this runs
 * them with the given arguments; elsewhere it says where to get them.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

const USAGE = `usage: edgemix bench [--list] [--only=a,b] [--skip=a,b] [--rounds=N] ...

Runs bench/run.mjs of a source checkout (see bench/README.md: every section, its peer
and the ratios it reports); the arguments are passed through (--list shows the sections).
Build first (npm run build); npm run bench does both.`

export async function benchCommand(argv: string[]): Promise<void> {
  if (argv.includes('-h') || argv.includes('--help')) {
    console.log(USAGE)
    return
  }
  const script = join(__dirname, '..', '..', 'bench', 'run.mjs')
  if (!existsSync(script)) {
    throw new Error(`the benchmarks ship with the source repository, not the npm package (${script} is missing): clone it and run npm run bench`)
  }
  const child = spawn(process.execPath, [script, ...argv], { stdio: 'inherit' })
  // The bench prints its own failures; its exit code is ours.
  process.exitCode = await new Promise<number>((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))))
}
