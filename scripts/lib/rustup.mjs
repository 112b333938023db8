// Rust targets installed on demand through rustup.
import { spawnSync } from 'node:child_process'

/**
 * Adds the rustup targets of `targets` that are not installed yet. Without rustup (a
 * toolchain from elsewhere) nothing is done and cargo reports a missing target itself.
 */
export function ensureRustTargets(targets) {
  const probe = spawnSync('rustup', ['target', 'list', '--installed'], { encoding: 'utf8' })
  if (probe.error || probe.status !== 0) return
  const installed = new Set(probe.stdout.split('\n').map((line) => line.trim()))
  const missing = targets.filter((target) => !installed.has(target))
  if (missing.length === 0) return
  const add = spawnSync('rustup', ['target', 'add', ...missing], { stdio: 'inherit' })
  if (add.status !== 0) throw new Error(`rustup target add ${missing.join(' ')} exited with ${add.status ?? add.signal}`)
}

