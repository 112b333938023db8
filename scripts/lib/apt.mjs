// System packages from Debian/Ubuntu's apt, for the test and packaging checks: installed
// when running as root (CI, a fresh machine), otherwise an error names the command to run.
import { spawnSync } from 'node:child_process'

export const works = (cmd, args) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0

/** Runs `apt-get args` (as root; otherwise throws with `why` and the command to run). */
export function aptGet(args, why) {
  if (!isRoot() || !works('apt-get', ['--version'])) {
    throw new Error(`${why}: on Debian/Ubuntu run sudo apt-get ${args.join(' ')}`)
  }
  const r = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
  if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} exited with ${r.status ?? r.signal}`)
}

let updated = false
/** Refreshes the package lists once per process. */
export function aptUpdate(why) {
  if (!updated) aptGet(['update', '-qq'], why)
  updated = true
}

/** Installs `packages` (refreshing the lists first). */
export function aptInstall(packages, why) {
  aptUpdate(why)
  aptGet(['install', '-y', '-qq', ...packages], why)
}
