#!/usr/bin/env node
// npm run fuzz: builds the libFuzzer targets in fuzz/ (cargo-fuzz, a nightly toolchain;
// both installed when missing), replays every committed crash input in
// fuzz/regressions/<target>/ (each must now pass), then fuzzes each target for
// FUZZ_SECONDS (default 10) starting from the committed seeds in fuzz/seeds/<target>/
// plus the corpus earlier runs grew, and prints per target the executions, coverage
// and corpus size. Exits non-zero on the first crash, leak, timeout or memory blow-up;
// libFuzzer saves the input in fuzz/artifacts/<target>/.
//
// Environment: FUZZ_SECONDS (per target), FUZZ_TARGETS (comma-separated, default all),
// FUZZ_TARGET_DIR (build output; default $CARGO_TARGET_DIR/fuzz, else fuzz/target: the
// nightly, instrumented build never shares artifacts with the addon's).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const fuzzDir = join(root, 'fuzz')
const seconds = Number(process.env.FUZZ_SECONDS ?? 10)
const targetDir = resolve(
  process.env.FUZZ_TARGET_DIR ??
    (process.env.CARGO_TARGET_DIR ? join(process.env.CARGO_TARGET_DIR, 'fuzz') : join(fuzzDir, 'target')),
)
// The same flags for build and run, so that `cargo fuzz run` finds the build fresh.
const buildFlags = ['--release', '--target-dir', targetDir]
// Per input: a hang is anything over 10 s (the slowest target, dsp, takes well under
// 1 s on its largest inputs); 2 GiB of resident memory is libFuzzer's default made explicit.
const limits = ['-timeout=10', '-rss_limit_mb=2048', '-print_final_stats=1']

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { cwd: fuzzDir, encoding: 'utf8', ...options })
  if (result.error) throw result.error
  return result
}

function ensureTools() {
  const toolchains = run('rustup', ['toolchain', 'list']).stdout
  if (!/^nightly-/m.test(toolchains)) {
    console.log('fuzz: installing the nightly toolchain (cargo-fuzz needs it)')
    if (run('rustup', ['toolchain', 'install', 'nightly', '--profile', 'minimal'], { stdio: 'inherit' }).status !== 0) {
      throw new Error('rustup toolchain install nightly failed')
    }
  }
  if (run('cargo', ['fuzz', '--version']).status !== 0) {
    console.log('fuzz: installing cargo-fuzz')
    if (run('cargo', ['install', 'cargo-fuzz', '--locked'], { stdio: 'inherit' }).status !== 0) {
      throw new Error('cargo install cargo-fuzz failed')
    }
  }
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

function main() {
  if (!Number.isInteger(seconds) || seconds < 1) {
    throw new Error(`FUZZ_SECONDS must be a whole number of seconds ≥ 1, got ${process.env.FUZZ_SECONDS}`)
  }
  ensureTools()
  const all = cargoFuzz(['list']).stdout.split('\n').filter(Boolean)
  const wanted = process.env.FUZZ_TARGETS ? process.env.FUZZ_TARGETS.split(',') : all
  const unknown = wanted.filter((t) => !all.includes(t))
  if (unknown.length) throw new Error(`unknown fuzz targets ${unknown.join(', ')}; there are ${all.join(', ')}`)

  console.log(`fuzz: building ${wanted.join(', ')} into ${targetDir}`)
  if (cargoFuzz(['build', ...buildFlags], { stdio: 'inherit' }).status !== 0) throw new Error('cargo fuzz build failed')

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
    const started = Date.now()
    const fuzz = cargoFuzz(
      ['run', ...buildFlags, target, corpus, ...(existsSync(seeds) ? [seeds] : []), '--', ...limits, `-max_total_time=${seconds}`],
      { stdio: ['ignore', 'inherit', 'pipe'], maxBuffer: 1 << 28 },
    )
    // libFuzzer reports on stderr: pass it through, keeping the tail for the figures.
    process.stderr.write(fuzz.stderr.split('\n').filter((l) => !/^#\d+\s+(NEW|REDUCE|pulse)/.test(l)).join('\n'))
    const row = { target, seconds: Math.round((Date.now() - started) / 1000), ...stats(fuzz.stderr) }
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
  main()
} catch (err) {
  console.error(`fuzz: ${err.message}`)
  process.exit(1)
}
