// Runs an arm64 (aarch64-linux-gnu) build of the addon on this x64 machine: Debian's
// arm64 `node` and its libraries unpacked into a sysroot (apt-get download + dpkg -x, no
// installation) and run by qemu's user-mode emulator, qemu-aarch64-static -L sysroot.
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { aptInstall, aptUpdate, works } from '../lib/apt.mjs'

const QEMU = 'qemu-aarch64-static'
const WHY = 'the arm64 check runs Debian arm64 node under qemu'

/**
 * Debian's arm64 nodejs and what it depends on, transitively: the arm64 libraries, and the
 * arch-independent node-* packages holding the builtins Debian's node loads from
 * /usr/share/nodejs (cjs-module-lexer, undici, acorn).
 */
function arm64Closure() {
  const seen = new Set()
  const queue = ['nodejs:arm64']
  while (queue.length > 0) {
    const pkg = queue.shift()
    if (seen.has(pkg)) continue
    seen.add(pkg)
    const out = execFileSync('apt-cache', ['depends', '--no-recommends', '--no-suggests', '--no-conflicts', '--no-breaks', '--no-replaces', '--no-enhances', pkg], { encoding: 'utf8' })
    for (const m of out.matchAll(/^\s+\|?(?:Pre)?Depends: (\S+)$/gm)) {
      const dep = m[1].replace(/^<(.*)>$/, '$1')
      if (/^node-/.test(dep)) queue.push(dep.replace(/:arm64$/, ''))
      else if (dep.endsWith(':arm64') && dep === m[1]) queue.push(dep)
    }
  }
  return [...seen]
}

/** Runs `args` under qemu with the sysroot's loader and libraries. */
export function qemuRun(sysroot, args, options = {}) {
  return spawnSync(QEMU, ['-L', sysroot, join(sysroot, 'usr', 'bin', 'node'), ...args], { encoding: 'utf8', maxBuffer: 64 << 20, ...options })
}

/**
 * Makes `sysroot` hold a runnable arm64 node (kept between runs: it is made once).
 * Installs qemu-user-static and adds the arm64 architecture to apt when missing.
 */
export function ensureArm64Node(sysroot, log = console.log) {
  if (!works(QEMU, ['--version'])) aptInstall(['qemu-user-static'], WHY)
  // `-e ''` starts a whole runtime (its builtins too), unlike --version.
  const starts = () => qemuRun(sysroot, ['-e', '']).status === 0
  if (existsSync(join(sysroot, 'usr', 'bin', 'node')) && starts()) return
  const foreign = execFileSync('dpkg', ['--print-foreign-architectures'], { encoding: 'utf8' })
  if (!foreign.split('\n').includes('arm64')) {
    if (process.getuid?.() !== 0) throw new Error(`${WHY}: run sudo dpkg --add-architecture arm64 && sudo apt-get update`)
    execFileSync('dpkg', ['--add-architecture', 'arm64'])
  }
  aptUpdate(WHY)
  const packages = arm64Closure()
  log(`arm64 sysroot ${sysroot}: ${packages.join(' ')}`)
  const debs = mkdtempSync(join(tmpdir(), 'edgemix-arm64-debs-'))
  chmodSync(debs, 0o755) // apt fetches as its own user (_apt)
  try {
    // apt-get download needs no root and installs nothing: it only fetches the .deb files.
    const r = spawnSync('apt-get', ['download', '-qq', ...packages], { cwd: debs, stdio: 'inherit' })
    if (r.status !== 0) throw new Error(`apt-get download ${packages.join(' ')} exited with ${r.status ?? r.signal}`)
    rmSync(sysroot, { recursive: true, force: true })
    mkdirSync(sysroot, { recursive: true })
    for (const deb of readdirSync(debs).filter((f) => f.endsWith('.deb'))) execFileSync('dpkg', ['-x', join(debs, deb), sysroot])
  } finally {
    rmSync(debs, { recursive: true, force: true })
  }
  if (!starts()) throw new Error(`arm64 node does not start under qemu: ${qemuRun(sysroot, ['-e', '']).stderr}`)
}
