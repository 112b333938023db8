#!/usr/bin/env node
// Creates (once) the Python venv of the interop test and the benchmark peer: RemoteMedia's
// own client, pinned in __test__/interop/requirements.txt. Prints the venv's python.
//
// Location: $EDGEMIX_INTEROP_VENV, else ~/.cache/edgemix/interop-venv.
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureVenv, venvPaths } from './lib/venv.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const requirements = join(root, '__test__', 'interop', 'requirements.txt')

export function interopPython() {
  const venv = process.env.EDGEMIX_INTEROP_VENV ?? join(homedir(), '.cache', 'edgemix', 'interop-venv')
  return { venv, python: venvPaths(venv).python }
}

export function ensureInteropVenv({ quiet = false } = {}) {
  return ensureVenv({ venv: interopPython().venv, requirements, quiet })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(ensureInteropVenv())
}
