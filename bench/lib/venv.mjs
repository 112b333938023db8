// The Python peers' virtual environment (bench/.venv), made on first use.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'

import { run } from './child.mjs'
import { BENCH_DIR, ROOT } from './paths.mjs'

const VENV = path.join(BENCH_DIR, '.venv')
export const VENV_PYTHON = path.join(VENV, 'bin', 'python')

/** Creates bench/.venv with the pinned peer packages (bench/requirements.txt) unless every
 *  pin is already installed at its version; checked once per run. */
let venvReady = null
export function ensureVenv() {
  venvReady ??= setUpVenv().catch((err) => {
    venvReady = null
    throw err
  })
  return venvReady
}

async function setUpVenv() {
  const requirements = path.join(BENCH_DIR, 'requirements.txt')
  const pins = readFileSync(requirements, 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean)
    .map((l) => l.split('=='))
  // The installed version of every pinned distribution matches its pin.
  const check = `import importlib.metadata as m, sys
pins = ${JSON.stringify(Object.fromEntries(pins))}
def v(name):
    try:
        return m.version(name)
    except m.PackageNotFoundError:
        return None
sys.exit(0 if all(v(n) == want for n, want in pins.items()) else 1)`
  const installed = () => existsSync(VENV_PYTHON) && spawnSync(VENV_PYTHON, ['-c', check], { stdio: 'ignore' }).status === 0
  if (installed()) return
  if (!existsSync(VENV_PYTHON)) {
    console.error(`creating ${path.relative(ROOT, VENV)} (first run only)…`)
    await run('python3', ['-m', 'venv', VENV], { stdio: ['ignore', 'inherit', 'inherit'] })
  }
  console.error(`installing ${path.relative(ROOT, requirements)} into the venv…`)
  await run(VENV_PYTHON, ['-m', 'pip', 'install', '-q', '-r', requirements], { stdio: ['ignore', 'inherit', 'inherit'] })
  if (!installed()) throw new Error(`bench/.venv still does not hold every pin of ${path.relative(ROOT, requirements)}`)
}
