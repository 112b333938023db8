// Release binaries for this host (the `edgemix-server` binary, the bench's cargo examples),
// built with the same cargo invocation as the Rust tests (scripts/test-rust.mjs: release,
// --workspace, explicit host target) so that they reuse their artefacts: a no-op after
// `npm run test:rust`, where a plain `cargo run` would resolve other features and rebuild
// wasmtime and everything above it.
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

/** Builds (if needed) and returns the path of a release binary: `kind` 'bin' or 'example'. */
export function releaseBinary(kind, name) {
  const host = hostTriple()
  const args = ['build', '--release', '--workspace', '--target', host, `--${kind}`, name]
  const built = spawnSync('cargo', args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] })
  if (built.status !== 0) throw new Error(`cargo ${args.join(' ')} failed`)
  const dir = join(process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target'), host, 'release')
  const path = kind === 'example' ? join(dir, 'examples', name) : join(dir, name)
  if (!existsSync(path)) throw new Error(`cargo built no ${path}`)
  return path
}

/** The edgemix-server binary, built if needed. */
export const serverBinary = () => releaseBinary('bin', 'edgemix-server')
