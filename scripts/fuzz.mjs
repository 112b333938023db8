#!/usr/bin/env node
// npm run fuzz: builds the libFuzzer targets in fuzz/ (cargo-fuzz, a nightly toolchain;
// both installed when missing), replays every committed crash input in
// fuzz/regressions/<target>/ (each must now pass), then fuzzes each target for
// FUZZ_SECONDS (default 10) starting from the committed seeds in fuzz/seeds/<target>/
// plus the corpus earlier runs grew, and prints per target the executions, coverage
// and corpus size. Exits non-zero on the first crash, leak, timeout or memory blow-up;
// libFuzzer saves the input in fuzz/artifacts/<target>/.
//
// Environment:
// - FUZZ_SECONDS: fuzzing time per target, s (default 10).
// - FUZZ_TARGETS: comma-separated targets (default all).
// - FUZZ_TARGET_DIR: the build's directory (default ~/.cache/edgemix/fuzz-target). The
//   nightly, instrumented build never shares artefacts with the addon's; the corpus the
//   runs grow is kept there too (corpus/<target>/). A cache only: an empty one costs a
//   cold build, never a different result.
// - FUZZ_BUILD_MINUTES: wall-time budget for installing the tools and building (default
//   none). A cold build takes long on a small machine; when the budget is spent the
//   build is stopped (cargo keeps every crate it finished, so the next run goes on from
//   there), the script says so, runs no target and exits 0 — the one case that exits 0
//   without fuzzing. A build that fails exits 1.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const fuzzDir = join(root, 'fuzz')
const cacheDir = join(homedir(), '.cache', 'edgemix')
const targetDir = resolve(process.env.FUZZ_TARGET_DIR ?? join(cacheDir, 'fuzz-target'))
// The same flags for build and run, so that `cargo fuzz run` finds the build fresh.
const buildFlags = ['--release', '--target-dir', targetDir]
// Per input: a hang is anything over 10 s (the slowest target, dsp, takes well under
// 1 s on its largest inputs); 2 GiB of resident memory is libFuzzer's default made explicit.
const limits = ['-timeout=10', '-rss_limit_mb=2048', '-print_final_stats=1']

/** A whole number ≥ `min` from the environment variable `name`, or `fallback` when unset. */
function envNumber(name, fallback, min) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number ≥ ${min}, got ${raw}`)
  return value
}

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { cwd: fuzzDir, encoding: 'utf8', ...options })
  if (result.error) throw result.error
  return result
}

/**
 * Runs a command (output passed through) in its own process group until it exits or
 * `deadline` (ms since the epoch) passes; then stops it with SIGINT (SIGKILL 30 s later).
 * Resolves to 'done', 'failed' or 'stopped'.
 */
function runUntil(cmd, args, deadline) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, { cwd: fuzzDir, stdio: 'inherit', detached: true })
    let stopped = false
    const kill = (signal) => {
      try {
        process.kill(-child.pid, signal)
      } catch {
        // the group has exited already
      }
    }
    const timer = Number.isFinite(deadline)
      ? setTimeout(() => {
          stopped = true
          kill('SIGINT')
          setTimeout(() => kill('SIGKILL'), 30_000).unref()
        }, Math.max(0, deadline - Date.now()))
      : undefined
    const forward = () => kill('SIGTERM')
    process.once('SIGINT', forward).once('SIGTERM', forward)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      process.off('SIGINT', forward).off('SIGTERM', forward)
      resolveRun(stopped ? 'stopped' : code === 0 ? 'done' : 'failed')
    })
  })
}

/** Installs nightly and cargo-fuzz when missing: 'done' or 'stopped' (budget spent). */
async function ensureTools(deadline) {
  if (!/^nightly-/m.test(run('rustup', ['toolchain', 'list']).stdout)) {
    console.log('fuzz: installing the nightly toolchain (cargo-fuzz needs it)')
    const status = await runUntil('rustup', ['toolchain', 'install', 'nightly', '--profile', 'minimal'], deadline)
    if (status === 'failed') throw new Error('rustup toolchain install nightly failed')
    if (status === 'stopped') return status
  }
  if (run('cargo', ['fuzz', '--version']).status !== 0) {
    console.log('fuzz: installing cargo-fuzz')
    // Its build kept in the cache, so an install the budget stopped resumes.
    const args = ['install', 'cargo-fuzz', '--locked', '--target-dir', join(cacheDir, 'cargo-fuzz-build')]
    const status = await runUntil('cargo', args, deadline)
    if (status === 'failed') throw new Error('cargo install cargo-fuzz failed')
    if (status === 'stopped') return status
  }
  return 'done'
}

const cargoFuzz = (args, options) => run('cargo', ['+nightly', 'fuzz', ...args], options)

function files(dir) {
  return existsSync(dir) ? readdirSync(dir).filter((f) => !f.startsWith('.')).map((f) => join(dir, f)) : []
}

/** The figures libFuzzer prints last: executions, coverage (edges), features, corpus. */
function stats(output) {
  const execs = /stat::number_of_executed_units:\s*(\d+)/.exec(output)?.[1]
  const lines = [...output.matchAll(/cov: (\d+) ft: (\d+) corp: (\d+)\/(\S+)/g)]
  const last = lines.at(-1)
  return { execs: Number(execs ?? 0), cov: last?.[1] ?? '?', ft: last?.[2] ?? '?', corpus: last ? `${last[3]} (${last[4]})` : '?' }
}

async function main() {
  const seconds = envNumber('FUZZ_SECONDS', 10, 1)
  const budgetMinutes = envNumber('FUZZ_BUILD_MINUTES', undefined, 1)
  const started = Date.now()
  const deadline = budgetMinutes === undefined ? Infinity : started + budgetMinutes * 60_000
  const overBudget = () => {
    console.log(
      `fuzz: the tools and the build took longer than FUZZ_BUILD_MINUTES=${budgetMinutes}; stopped after ` +
        `${Math.round((Date.now() - started) / 1000)} s. No target was run. The finished crates are kept in ` +
        `${targetDir}: the next run goes on from there.`,
    )
  }
  if ((await ensureTools(deadline)) === 'stopped') return overBudget()

  const all = cargoFuzz(['list']).stdout.split('\n').filter(Boolean)
  const wanted = process.env.FUZZ_TARGETS ? process.env.FUZZ_TARGETS.split(',') : all
  const unknown = wanted.filter((t) => !all.includes(t))
  if (unknown.length) throw new Error(`unknown fuzz targets ${unknown.join(', ')}; there are ${all.join(', ')}`)

  console.log(`fuzz: building ${wanted.join(', ')} into ${targetDir}`)
  const build = await runUntil('cargo', ['+nightly', 'fuzz', 'build', ...buildFlags], deadline)
  if (build === 'stopped') return overBudget()
  if (build === 'failed') throw new Error('cargo fuzz build failed')
  console.log(`fuzz: tools and build took ${Math.round((Date.now() - started) / 1000)} s`)

  const rows = []
  for (const target of wanted) {
    const regressions = files(join(fuzzDir, 'regressions', target))
    if (regressions.length) {
      console.log(`fuzz: ${target}: replaying ${regressions.length} committed crash input(s)`)
      const replay = cargoFuzz(['run', ...buildFlags, target, ...regressions, '--', ...limits], { stdio: 'inherit' })
      if (replay.status !== 0) throw new Error(`${target}: a committed crash input fails again (see above)`)
    }
    const corpus = join(targetDir, 'corpus', target)
    mkdirSync(corpus, { recursive: true })
    const seeds = join(fuzzDir, 'seeds', target)
    console.log(`fuzz: ${target}: ${seconds} s from ${files(seeds).length} seeds and ${files(corpus).length} corpus inputs`)
    const began = Date.now()
    const fuzz = cargoFuzz(
      ['run', ...buildFlags, target, corpus, ...(existsSync(seeds) ? [seeds] : []), '--', ...limits, `-max_total_time=${seconds}`],
      { stdio: ['ignore', 'inherit', 'pipe'], maxBuffer: 1 << 28 },
    )
    // libFuzzer reports on stderr: pass it through, keeping the tail for the figures.
    process.stderr.write(fuzz.stderr.split('\n').filter((l) => !/^#\d+\s+(NEW|REDUCE|pulse)/.test(l)).join('\n'))
    const row = { target, seconds: Math.round((Date.now() - began) / 1000), ...stats(fuzz.stderr) }
    rows.push(row)
    if (fuzz.status !== 0) {
      console.table(rows)
      throw new Error(
        `${target} failed: the input is in fuzz/artifacts/${target}/. Fix the cause, add a regression test to the ` +
          `normal suite and commit the input to fuzz/regressions/${target}/.`,
      )
    }
  }
  console.table(rows)
}

try {
  await main()
} catch (err) {
  console.error(`fuzz: ${err.message}`)
  process.exit(1)
}
