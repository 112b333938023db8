#!/usr/bin/env node
// edgemix benchmark suite (`npm run bench` = `npm run build && node bench/run.mjs`).
//
// The driver: runs the sections (bench/sections/*.mjs, one file per group; the list is
// sections/index.mjs) in rounds, keeps each row's median round, and prints the rows as one
// table (bench/lib/table.mjs), compared against their peer and checked against the
// targets; everything goes to bench/results/latest.json. To add a benchmark, see
// bench/README.md.
//
// Options:
//   --quick            ~1/5 of the iterations, 1 round (smoke test; numbers are noisier)
//   --rounds=N         run every section N times (default 3); each row reports the round
//                      with the median p50 (mean for throughput rows) and the spread
//   --only=a,b         run only these section ids or groups (e.g. --only=analysis)
//   --skip=a,b         skip these section ids or groups
//   --no-write         do not write bench/results/latest.json
//   --list             list the section ids (and their groups) and exit
//   --help             print these options and exit

import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { FRAME_SAMPLES, INPUT_FRAMES, SAMPLE_RATE, testSignal, toFrames } from './signal.mjs'
import { timerOverheadNs } from './lib/measure.mjs'
import { BENCH_DIR, ROOT } from './lib/paths.mjs'
import { fmtBytes, fmtUs, printTable } from './lib/table.mjs'
import { DERIVED, RATIOS, SECTIONS, TARGETS } from './sections/index.mjs'

const RESULTS_FILE = path.join(BENCH_DIR, 'results', 'latest.json')
const ANALYSIS_SECONDS = 60 // the analysis sections' input (MFCC batch, loudness)

/** Per row id, the row of the round with the median headline stat (p50; mean for
 *  throughput rows), annotated with that stat's spread over the rounds. Sections run whole
 *  rounds on a shared machine; the median round discards a disturbed one. */
function pickMedianRound(rounds) {
  const ids = [...new Set(rounds.flatMap((x) => (x.rows ?? []).map((row) => row.id)))]
  return ids.map((id) => {
    const candidates = rounds.map((x) => x.rows.find((row) => row.id === id)).filter(Boolean)
    const key = (row) => (row.unit === 'throughput' ? row.mean : row.p50)
    const sorted = [...candidates].sort((a, b) => key(a) - key(b))
    const chosen = sorted[(sorted.length - 1) >> 1]
    return { ...chosen, rounds: candidates.map(key) }
  })
}

function parseArgs(argv) {
  const opts = { quick: false, rounds: null, only: null, skip: new Set(), write: true, list: false, help: false }
  for (const a of argv) {
    if (a === '--quick') opts.quick = true
    else if (a === '--no-write') opts.write = false
    else if (a === '--list') opts.list = true
    else if (a === '--help' || a === '-h') opts.help = true
    else if (a.startsWith('--rounds=')) opts.rounds = Math.max(1, Number.parseInt(a.slice(9), 10) || 1)
    else if (a.startsWith('--only=')) opts.only = new Set(a.slice(7).split(',').filter(Boolean))
    else if (a.startsWith('--skip=')) opts.skip = new Set(a.slice(7).split(',').filter(Boolean))
    else throw new Error(`unknown option ${a} (see the header of bench/run.mjs)`)
  }
  opts.rounds ??= opts.quick ? 1 : 3
  const names = new Set(SECTIONS.flatMap((s) => [s.id, s.group].filter(Boolean)))
  const unknown = [...(opts.only ?? []), ...opts.skip].filter((x) => !names.has(x))
  if (unknown.length) throw new Error(`unknown section or group ${unknown.join(', ')} (see --list)`)
  return opts
}

/** Whether a section is named in `set`, by its id or its group. */
const named = (set, s) => set.has(s.id) || (s.group != null && set.has(s.group))

/** The options block of this file's header comment. */
function usage() {
  const header = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n')
  const from = header.findIndex((l) => l.startsWith('// Options:'))
  const lines = []
  for (let i = from; i >= 0 && header[i]?.startsWith('//'); i++) lines.push(header[i].replace(/^\/\/ ?/, ''))
  return ['usage: node bench/run.mjs [options]', ...lines].join('\n')
}

function environment() {
  // GIT_OPTIONAL_LOCKS=0: read-only; `git status` must not refresh the index others use.
  const git = (...args) =>
    spawnSync('git', args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } }).stdout?.trim() || null
  const addonFile = path.join(ROOT, `edgemix.${process.platform}-${process.arch}-gnu.node`)
  return {
    date: new Date().toISOString(),
    host: { cpu: os.cpus()[0]?.model, cores: os.availableParallelism(), platform: `${process.platform}-${process.arch}`, loadavg: os.loadavg() },
    node: process.version,
    git: { commit: git('rev-parse', '--short', 'HEAD'), dirty: Boolean(git('status', '--porcelain', '--untracked-files=no')) },
    addonBuilt: existsSync(addonFile) ? statSync(addonFile).mtime.toISOString() : null,
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2))
  if (opts.help) {
    console.log(usage())
    return
  }
  if (opts.list) {
    for (const s of SECTIONS) console.log(`${s.id}\t${s.group ? `[${s.group}] ` : ''}${s.title}`)
    return
  }
  const t0 = Date.now()
  const env = environment()
  const addon = createRequire(import.meta.url)('../index.js')
  const config = new addon.MixerChain().config

  // One input for every contender: written once, read by the JS sections from memory and
  // by the peer from the file. (The Rust example generates the identical recipe itself.)
  const signal = testSignal(FRAME_SAMPLES * INPUT_FRAMES)
  const inputPath = path.join(os.tmpdir(), `edgemix-bench-${process.pid}.f32`)
  writeFileSync(inputPath, new Uint8Array(signal.buffer))
  const scale = opts.quick ? 0.2 : 1
  // Temporary files (deleted at the end): the input above, the 60 s input below and what
  // sections write beside it.
  const tempFiles = [inputPath]
  let signal60 = null
  const ctx = {
    addon,
    config,
    signal,
    frames: toFrames(signal),
    inputPath,
    quick: opts.quick,
    tempFiles,
    /** The analysis input, made on first use: 60 s of the same test signal (its first
     *  500 frames are `signal`), as samples, 3000 separate 960-sample frames and a
     *  temporary .f32 file for other processes. */
    signal60() {
      if (!signal60) {
        const samples = testSignal(SAMPLE_RATE * ANALYSIS_SECONDS)
        const file = path.join(os.tmpdir(), `edgemix-bench-${process.pid}-60s.f32`)
        tempFiles.push(file)
        writeFileSync(file, new Uint8Array(samples.buffer))
        signal60 = { samples, frames: toFrames(samples), path: file }
      }
      return signal60
    },
    n: (count) => Math.max(100, Math.round(count * scale)),
    result: (id) => results.get(id),
  }

  console.log(`edgemix bench — ${env.host.cpu} ×${env.host.cores}, node ${env.node}, load ${env.host.loadavg.map((x) => x.toFixed(2)).join(' ')}, ${opts.rounds} round(s)${opts.quick ? ' (--quick)' : ''}`)
  if (env.host.loadavg[0] > 0.5) {
    console.log(`  note: 1-minute load ${env.host.loadavg[0].toFixed(2)} on ${env.host.cores} cores; other work competes for the CPU, expect noisy numbers`)
  }
  const results = new Map()
  const selected = SECTIONS.filter((s) => !(opts.only && !named(opts.only, s)) && !named(opts.skip, s))
  // Rounds are the outer loop: a transient disturbance on this shared machine then hits
  // one round of several sections instead of every round of one section, and derived
  // numbers (differences between sections) compare measurements taken close in time.
  const state = new Map(selected.map((s) => [s.id, { rounds: [], seconds: 0, error: null }]))
  try {
    for (let round = 1; round <= opts.rounds; round++) {
      process.stdout.write(`  round ${round}/${opts.rounds}:`)
      for (const s of selected) {
        const st = state.get(s.id)
        if (st.error) continue
        const started = Date.now()
        try {
          st.rounds.push(await s.run(ctx))
          const seconds = (Date.now() - started) / 1000
          st.seconds += seconds
          process.stdout.write(` ${s.id} ${seconds.toFixed(1)} s,`)
        } catch (err) {
          st.error = err.message
          process.stdout.write(` ${s.id} FAILED,`)
        }
      }
      console.log('')
    }
  } finally {
    for (const file of tempFiles) rmSync(file, { force: true, recursive: true })
  }
  const done = selected.map((s) => {
    const st = state.get(s.id)
    if (st.error) console.error(`  ${s.id} failed: ${st.error}`)
    const rows = st.error ? [] : pickMedianRound(st.rounds)
    for (const row of rows) results.set(row.id, { section: s.id, ...row })
    return { id: s.id, title: s.title, rows, error: st.error, info: st.rounds.map((x) => x.info), seconds: st.seconds }
  })

  const r = (id) => results.get(id)
  const derived = DERIVED.map((f) => f(r)).filter(Boolean)
  const d = (id) => derived.find((x) => x.id === id)
  const ratioBlock = RATIOS.map((q) => {
    const [of, to] = [r(q.of), r(q.to)]
    if (!of || !to) return null
    const stat = of.unit === 'throughput' ? 'mean' : 'p50'
    return { id: q.id, label: q.label, row: q.of, peer: q.to, stat, ratio: of[stat] / to[stat] }
  }).filter(Boolean)
  const q = (id) => ratioBlock.find((x) => x.id === id)
  const formatOf = (t) =>
    t.format ?? (t.unit === 'ratio' ? (x) => `${x.toFixed(2)}×` : t.unit === 'bytes' ? (x) => `${fmtBytes(x)} (${(x / 2 ** 20).toFixed(3)} MiB)` : fmtUs)
  const targets = TARGETS.map((t) => {
    const value = t.value(r, d, q)
    const limit = t.limit ?? t.limitNs
    return {
      label: t.label,
      ...(t.limitNs != null ? { limitNs: t.limitNs } : { limit, unit: t.unit }),
      value: value ?? null,
      met: value == null ? null : value <= limit,
      format: formatOf(t),
    }
  })
  const ratios = [...results.values()]
    .filter((row) => row.compareTo && results.has(row.compareTo))
    .map((row) => {
      const peer = results.get(row.compareTo)
      const stat = row.unit === 'throughput' ? 'mean' : 'p50'
      return { row: row.id, peer: row.compareTo, stat, ratio: row[stat] / peer[stat] }
    })

  printTable(done, results, derived, targets, ratioBlock)
  env.host.loadavgAfter = os.loadavg()
  const seconds = (Date.now() - t0) / 1000
  console.log(`\n${seconds.toFixed(1)} s total; load after ${env.host.loadavgAfter.map((x) => x.toFixed(2)).join(' ')}`)

  if (opts.write) {
    mkdirSync(path.dirname(RESULTS_FILE), { recursive: true })
    const report = {
      env,
      options: { quick: opts.quick, rounds: opts.rounds },
      input: { sampleRate: SAMPLE_RATE, frameSamples: FRAME_SAMPLES, frames: INPUT_FRAMES, recipe: 'crates/dsp/examples/bench_chain.rs test_signal' },
      ...(signal60 && { analysisInput: { sampleRate: SAMPLE_RATE, seconds: ANALYSIS_SECONDS, recipe: 'the same test_signal, 60 s (crates/dsp/examples/bench_mfcc.rs)' } }),
      chainConfig: config,
      jsTimerOverheadNs: timerOverheadNs(),
      sections: done,
      rows: Object.fromEntries(results),
      derived,
      ratios: [...ratios, ...ratioBlock],
      targets,
      seconds,
    }
    writeFileSync(RESULTS_FILE, JSON.stringify(report, null, 2) + '\n')
    console.log(`results: ${path.relative(ROOT, RESULTS_FILE)}`)
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
