// Installs edgemix as a user would and uses it. The root package (exactly what `npm pack`
// makes of this checkout) and the Linux platform packages (with the cross-built binaries)
// are published to a throw-away verdaccio the release's way: `napi create-npm-dirs`,
// `napi artifacts`, `napi prepublish -t npm` (which publishes the platform packages and
// writes optionalDependencies), then `npm publish`. The staged copy lists only the Linux
// targets in napi.targets: the macOS and Windows binaries cannot be built here. Then, in a
// fresh project outside the checkout and with no Rust toolchain on PATH: `npm install
// edgemix`, which must fetch the root and the one platform package matching this machine;
// require() and import; `tsc --strict` on a TypeScript sample of the public API and a run
// of it; one vitest and one ava 7 (workerThreads: false) test using the addon.
import { spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { basename, delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import { LINUX_TARGETS } from '../cross-build.mjs'
import { startRegistry } from './verdaccio.mjs'

const root = fileURLToPath(new URL('../..', import.meta.url))
const fixtures = fileURLToPath(new URL('./project', import.meta.url))
const napi = join(root, 'node_modules', '.bin', 'napi')
const AVA = '7.0.0'

/** Runs a command; resolves to its stdout; rejects with its output when it fails. */
export function sh(command, args, { cwd, env = process.env, log } = {}) {
  log?.(`$ ${[command, ...args].join(' ')}${cwd ? `   (in ${cwd})` : ''}`)
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      if (code === 0) resolve(out)
      else reject(new Error(`${command} ${args.join(' ')} failed (${code ?? signal}):\n${out}${err}`))
    })
  })
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'))
const writeJson = (file, value) => writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`)

/** This environment without any Rust toolchain: no cargo/rustc/rustup dir on PATH, no CARGO_* / RUSTUP_*. */
function envWithoutRust(extra) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(CARGO|RUSTUP|RUSTC)/.test(k)))
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir && !['cargo', 'rustc', 'rustup'].some((tool) => existsSync(join(dir, tool))))
    .join(delimiter)
  return { ...env, ...extra }
}

/**
 * `tarball`: the root package from `npm pack`; `bindings`: { [rustTarget]: path of its
 * .node } for the Linux targets built; `hostTarget`: the Rust target of this machine.
 */
export async function installTest({ work, tarball, bindings, hostTarget, log = console.log }) {
  const registry = await startRegistry(join(work, 'registry'))
  try {
    const npmrc = join(work, 'npmrc')
    writeFileSync(npmrc, registry.npmrc)
    const npmEnv = { ...process.env, npm_config_userconfig: npmrc, npm_config_registry: registry.url, npm_config_provenance: 'false' }

    // Stage the release: the packed root package plus generated platform packages.
    const stage = join(work, 'stage')
    mkdirSync(stage, { recursive: true })
    await sh('tar', ['-xzf', tarball, '-C', stage], { log })
    const pkgDir = join(stage, 'package')
    const pkg = readJson(join(pkgDir, 'package.json'))
    await sh(napi, ['create-npm-dirs', '--cwd', pkgDir], { log })
    // The committed npm/ folders must be what create-npm-dirs makes of package.json.
    for (const dir of readdirSync(join(pkgDir, 'npm'))) {
      const generated = readJson(join(pkgDir, 'npm', dir, 'package.json'))
      const committed = join(root, 'npm', dir, 'package.json')
      if (!existsSync(committed) || !isDeepStrictEqual(readJson(committed), generated)) {
        throw new Error(`npm/${dir}/package.json is not what \`napi create-npm-dirs\` generates from package.json: run it and commit the result`)
      }
    }
    const linux = Object.keys(bindings)
    writeJson(join(pkgDir, 'package.json'), { ...pkg, napi: { ...pkg.napi, targets: linux } })
    const artifacts = join(work, 'release-artifacts')
    for (const [target, file] of Object.entries(bindings)) {
      mkdirSync(join(artifacts, `bindings-${target}`), { recursive: true })
      cpSync(file, join(artifacts, `bindings-${target}`, basename(file)))
    }
    await sh(napi, ['artifacts', '--cwd', pkgDir, '--output-dir', artifacts], { log })
    log((await sh(napi, ['prepublish', '-t', 'npm', '--no-gh-release', '--cwd', pkgDir], { env: npmEnv, log })).trim())
    const published = readJson(join(pkgDir, 'package.json'))
    const expected = Object.fromEntries(linux.map((t) => [`edgemix-${platformOf(t)}`, pkg.version]).sort())
    const written = Object.fromEntries(Object.entries(published.optionalDependencies ?? {}).sort())
    if (!isDeepStrictEqual(written, expected)) {
      throw new Error(`napi prepublish wrote optionalDependencies ${JSON.stringify(written)}, expected ${JSON.stringify(expected)}`)
    }
    // prepublishOnly (napi prepublish) has run above; the release runs it from npm publish.
    await sh('npm', ['publish', '--ignore-scripts'], { cwd: pkgDir, env: npmEnv, log })

    // A user's project, outside the checkout, without a Rust toolchain.
    const project = join(work, 'project')
    cpSync(fixtures, project, { recursive: true })
    writeFileSync(join(project, '.npmrc'), `registry=${registry.url}\n`)
    const userEnv = envWithoutRust({ npm_config_userconfig: join(project, '.npmrc'), npm_config_registry: registry.url })
    await sh('sh', ['-c', '! command -v cargo && ! command -v rustc'], { env: userEnv, log })
    const before = registry.requests.length
    // A fresh npm cache: every package file comes from the registry, so its log shows what was fetched.
    await sh('npm', ['install', '--no-audit', '--no-fund', `edgemix@${pkg.version}`], {
      cwd: project,
      env: { ...userEnv, npm_config_cache: join(work, 'npm-cache') },
      log,
    })
    const fetched = registry.requests
      .slice(before)
      .map((r) => /^GET \/(edgemix[^/]*)\/-\/[^/]+\.tgz$/.exec(r)?.[1])
      .filter(Boolean)
      .sort()
    const host = `edgemix-${platformOf(hostTarget)}`
    if (!isDeepStrictEqual(fetched, ['edgemix', host].sort())) {
      throw new Error(`npm install edgemix fetched ${JSON.stringify(fetched)}; expected only edgemix and ${host}`)
    }
    const installed = readdirSync(join(project, 'node_modules')).filter((d) => d.startsWith('edgemix-'))
    if (!isDeepStrictEqual(installed, [host])) throw new Error(`node_modules holds ${JSON.stringify(installed)}; expected only ${host}`)
    log(`installed: edgemix@${pkg.version} + ${host} (fetched only these of ${1 + linux.length} published packages)`)

    log((await sh('node', ['cjs.cjs'], { cwd: project, env: userEnv, log })).trim())
    log((await sh('node', ['esm.mjs'], { cwd: project, env: userEnv, log })).trim())
    const dev = ['typescript', '@types/node', 'vitest'].map((name) => `${name}@${readJson(join(root, 'node_modules', name, 'package.json')).version}`)
    await sh('npm', ['install', '--no-audit', '--no-fund', '--save-dev', ...dev, `ava@${AVA}`], { cwd: project, env: userEnv, log })
    const bin = (name) => join(project, 'node_modules', '.bin', name)
    await sh(bin('tsc'), ['--strict', '--noEmit', '-p', 'tsconfig.json'], { cwd: project, env: userEnv, log })
    await sh(bin('tsc'), ['-p', 'tsconfig.json'], { cwd: project, env: userEnv, log })
    log((await sh('node', ['out/sample.js'], { cwd: project, env: userEnv, log })).trim())
    log(lastLines(await sh(bin('vitest'), ['run'], { cwd: project, env: { ...userEnv, CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1' }, log }), 4))
    log(lastLines(await sh(bin('ava'), [], { cwd: project, env: { ...userEnv, CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1' }, log }), 3))
  } finally {
    await registry.close()
  }
}

const lastLines = (text, n) => text.trim().split('\n').slice(-n).join('\n')

const platformOf = (target) => LINUX_TARGETS[target].platform
