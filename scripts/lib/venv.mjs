// Python virtual environments created once from a pinned requirements file. Idempotent:
// a stamp holding the requirements' hash skips the install when nothing changed.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'

/** The venv's bin directory and python. */
export function venvPaths(venv) {
  const bin = join(venv, 'bin')
  return { bin, python: join(bin, 'python') }
}

/**
 * Creates `venv` (with $PYTHON or python3) and installs `requirements` into it unless
 * its stamp says they are installed already; returns the venv's python.
 */
export function ensureVenv({ venv, requirements, quiet = false }) {
  const { python } = venvPaths(venv)
  const hash = createHash('sha256').update(readFileSync(requirements)).digest('hex')
  const stamp = join(venv, '.edgemix-requirements')
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return python
  const run = (cmd, args) => {
    const r = spawnSync(cmd, args, { stdio: quiet ? 'pipe' : 'inherit', encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.error?.message}): ${r.stderr ?? ''}`)
  }
  if (!existsSync(python)) run(process.env.PYTHON ?? 'python3', ['-m', 'venv', venv])
  run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', '-r', requirements])
  writeFileSync(stamp, hash)
  return python
}
