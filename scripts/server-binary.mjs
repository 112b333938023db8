// The `edgemix-server` release binary for this host, built with the same cargo
// invocation as the Rust tests (scripts/test-rust.mjs: release, --workspace, explicit
// host target) so that it reuses their artefacts: a no-op after `npm run test:rust`.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

export function hostTriple() {
  const rustc = spawnSync('rustc', ['-vV'], { encoding: 'utf8' })
  if (rustc.status !== 0) throw new Error(`rustc -vV failed: ${rustc.stderr}`)
  const host = /^host: (\S+)$/m.exec(rustc.stdout)?.[1]
  if (!host) throw new Error(`no host triple in rustc -vV output:\n${rustc.stdout}`)
  return host
}

/** Builds (if needed) and returns the path of the edgemix-server binary. */
export function serverBinary() {
  const host = hostTriple()
  const args = ['build', '--release', '--workspace', '--target', host, '--bin', 'edgemix-server']
  const built = spawnSync('cargo', args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] })
  if (built.status !== 0) throw new Error(`cargo ${args.join(' ')} failed`)
  const path = join(process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target'), host, 'release', 'edgemix-server')
  if (!existsSync(path)) throw new Error(`cargo built no ${path}`)
  return path
}
