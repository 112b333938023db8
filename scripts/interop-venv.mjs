#!/usr/bin/env node
// Creates (once) the Python venv of the interop test and the benchmark peer: RemoteMedia's
// own client, pinned in __test__/interop/requirements.txt. Idempotent: a stamp holding the
// requirements' hash skips the install when nothing changed. Prints the venv's python.
//
// Location: $EDGEMIX_INTEROP_VENV, else ~/.cache/edgemix/interop-venv.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const requirements = join(root, '__test__', 'interop', 'requirements.txt')

export function interopPython() {
  const venv = process.env.EDGEMIX_INTEROP_VENV ?? join(homedir(), '.cache', 'edgemix', 'interop-venv')
  return { venv, python: join(venv, 'bin', 'python') }
}

export function ensureInteropVenv({ quiet = false } = {}) {
  const { venv, python } = interopPython()
  const hash = createHash('sha256').update(readFileSync(requirements)).digest('hex')
  const stamp = join(venv, '.edgemix-requirements')
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return python
  const run = (cmd, args) => {
    const r = spawnSync(cmd, args, { stdio: quiet ? 'pipe' : 'inherit', encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr ?? ''}`)
  }
  if (!existsSync(python)) run(process.env.PYTHON ?? 'python3', ['-m', 'venv', venv])
  run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', '-r', requirements])
  writeFileSync(stamp, hash)
  return python
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(ensureInteropVenv())
}
