#!/usr/bin/env node
// Builds the release addon for the Linux targets of the platform packages from any Linux
// x64 or arm64 host, with cargo-zigbuild (napi build -x):
//
//   node scripts/cross-build.mjs [--budget-minutes N] [--out DIR] [target ...]
//
// Targets: x86_64/aarch64-unknown-linux-gnu (linked against glibc 2.17, the floor of
// Rust's std) and x86_64/aarch64-unknown-linux-musl; default all four. Each lands as
// DIR/bindings-<target>/edgemix.<platform>.node (DIR defaults to ./artifacts), the
// layout `napi artifacts` moves into npm/<platform>/, as the CI workflow's artifacts do.
//
// All cross targets share one target directory, $EDGEMIX_CROSS_TARGET_DIR or
// ~/.cache/edgemix/cross (the host build's stays apart: zig's C compiler would make the
// two rebuild each other's C crates): build scripts and proc macros compile once, and
// each target keeps its own artefacts between runs. With --budget-minutes the builds
// share that much wall time: a build still running when it is spent is stopped (cargo
// keeps every crate it finished, so the next run goes on from there) and reported as
// not built. The summary, with each target's time, is also written to DIR/cross-build.json.
// zig and cargo-zigbuild come from PyPI into a venv ($EDGEMIX_ZIG_VENV or
// ~/.cache/edgemix/zig-venv); the rustup targets are added when missing.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ensureRustTargets } from './lib/rustup.mjs'
import { ensureVenv, venvPaths } from './lib/venv.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/** The glibc version the -gnu builds link against: they load on any glibc from it on. */
export const GLIBC_FLOOR = '2.17'

/** Rust target → napi platform name and the spelling cargo-zigbuild gets. */
export const LINUX_TARGETS = {
  'x86_64-unknown-linux-gnu': { platform: 'linux-x64-gnu', zig: `x86_64-unknown-linux-gnu.${GLIBC_FLOOR}` },
  'aarch64-unknown-linux-gnu': { platform: 'linux-arm64-gnu', zig: `aarch64-unknown-linux-gnu.${GLIBC_FLOOR}` },
  'x86_64-unknown-linux-musl': { platform: 'linux-x64-musl', zig: 'x86_64-unknown-linux-musl' },
  'aarch64-unknown-linux-musl': { platform: 'linux-arm64-musl', zig: 'aarch64-unknown-linux-musl' },
}

export const bindingFile = (target) => `edgemix.${LINUX_TARGETS[target].platform}.node`

const crossTargetDir = () => process.env.EDGEMIX_CROSS_TARGET_DIR ?? join(homedir(), '.cache', 'edgemix', 'cross')

/** Where a target's last finished build is recorded (ms since the epoch), in its cache. */
const stampFile = (target) => join(crossTargetDir(), target, 'edgemix-last-built')

/** When `target` last finished a build from this cache; 0 if never. */
export function lastBuilt(target) {
  try {
    return Number(readFileSync(stampFile(target), 'utf8')) || 0
  } catch {
    return 0
  }
}

/**
 * `targets` with the stalest first (never built, then the oldest build): under a budget
 * that does not fit every target, each run then advances the ones the last runs left
 * behind, so every target is built in turn.
 */
export function stalestFirst(targets) {
  return [...targets].sort((a, b) => lastBuilt(a) - lastBuilt(b))
}

/**
 * Builds `targets` into `out`; resolves to one summary entry per target:
 * { target, platform, status: 'built' | 'stopped' | 'failed', seconds, file? }.
 */
export async function crossBuild({ targets = Object.keys(LINUX_TARGETS), out = join(root, 'artifacts'), budgetMinutes, log = console.log } = {}) {
  for (const target of targets) {
    if (!LINUX_TARGETS[target]) throw new Error(`unknown target ${target}; known: ${Object.keys(LINUX_TARGETS).join(', ')}`)
  }
  const venv = process.env.EDGEMIX_ZIG_VENV ?? join(homedir(), '.cache', 'edgemix', 'zig-venv')
  ensureVenv({ venv, requirements: join(root, 'scripts', 'cross-requirements.txt'), quiet: true })
  ensureRustTargets(targets)
  const env = {
    ...process.env,
    // cargo-zigbuild runs zig as `python3 -m ziglang` when no zig is on PATH: the venv's python.
    PATH: `${venvPaths(venv).bin}:${process.env.PATH}`,
    CARGO_TARGET_DIR: crossTargetDir(),
  }
  const deadline = budgetMinutes === undefined ? Infinity : Date.now() + budgetMinutes * 60_000
  const summary = []
  for (const target of targets) {
    const { platform, zig } = LINUX_TARGETS[target]
    const dir = join(out, `bindings-${target}`)
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    const started = Date.now()
    let status
    if (Date.now() >= deadline) {
      status = 'stopped'
    } else {
      log(`== cross build ${target} (${zig}), target dir ${env.CARGO_TARGET_DIR}`)
      const args = ['build', '--platform', '--release', '--target', zig, '-x', '--output-dir', dir, '--no-js', '--dts', 'index.d.ts']
      status = await run(join(root, 'node_modules', '.bin', 'napi'), args, env, deadline)
    }
    // napi writes the typings beside the binary; the platform package carries only the binary.
    for (const file of readdirSync(dir)) if (file !== bindingFile(target)) rmSync(join(dir, file), { recursive: true })
    const file = join(dir, bindingFile(target))
    if (status === 'built' && !existsSync(file)) status = 'failed'
    if (status === 'built') {
      mkdirSync(dirname(stampFile(target)), { recursive: true })
      writeFileSync(stampFile(target), String(Date.now()))
    }
    const seconds = Math.round((Date.now() - started) / 1000)
    summary.push({ target, platform, status, seconds, ...(status === 'built' ? { file } : {}) })
    log(`== ${target}: ${status} in ${seconds} s`)
  }
  writeFileSync(join(out, 'cross-build.json'), `${JSON.stringify(summary, null, 2)}\n`)
  return summary
}

/** Runs a build in its own process group; stops it with SIGINT (then SIGKILL) at `deadline`. */
function run(command, args, env, deadline) {
  return new Promise((resolveRun) => {
    const child = spawn(command, args, { cwd: root, env, stdio: 'inherit', detached: true })
    let stopped = false
    const stop = () => {
      stopped = true
      kill(child.pid, 'SIGINT')
      setTimeout(() => kill(child.pid, 'SIGKILL'), 30_000).unref()
    }
    const timer = Number.isFinite(deadline) ? setTimeout(stop, Math.max(0, deadline - Date.now())) : undefined
    const onSignal = () => kill(child.pid, 'SIGTERM')
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal)
    child.on('error', () => {})
    child.on('close', (code) => {
      clearTimeout(timer)
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal)
      resolveRun(stopped ? 'stopped' : code === 0 ? 'built' : 'failed')
    })
  })
}

function kill(pid, signal) {
  try {
    process.kill(-pid, signal)
  } catch {
    // the group has exited already
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    options: { 'budget-minutes': { type: 'string' }, out: { type: 'string' } },
    allowPositionals: true,
  })
  const budget = values['budget-minutes'] === undefined ? undefined : Number(values['budget-minutes'])
  if (budget !== undefined && !(budget > 0)) {
    console.error(`cross-build: --budget-minutes must be a positive number of minutes, got ${values['budget-minutes']}`)
    process.exit(2)
  }
  try {
    const summary = await crossBuild({
      targets: positionals.length > 0 ? positionals : undefined,
      out: values.out ? resolve(values.out) : undefined,
      budgetMinutes: budget,
    })
    for (const s of summary) console.log(`${s.target.padEnd(28)} ${s.status.padEnd(8)} ${String(s.seconds).padStart(5)} s`)
    process.exit(summary.some((s) => s.status !== 'built') ? 1 : 0)
  } catch (err) {
    console.error(`cross-build: ${err.message}`)
    process.exit(1)
  }
}
