#!/usr/bin/env node
// Builds the two images (deploy/images) from a local Debian base and what the repository
// built outside them (the edgemix-server binary, the addon, dist/, the WASM modules), runs
// each as Kubernetes would (uid 65532, read-only root filesystem, every capability dropped,
// no privilege escalation) with its port published on 127.0.0.1, and checks:
//   cloud tier: grpc.health.v1 SERVING, /healthz, one AudioMixer ExecuteNode frame equal to
//               the in-process MixerChain's output, the call counted in /metrics;
//   edge API:   GET /health, one POST /process-audio frame equal to MixerChain's output;
//   both:       no shell inside, a clean exit on SIGTERM; sizes and times are printed.
// Needs podman, runc and debootstrap (scripts/ci-deploy.sh installs them) and `npm run
// build` done. Run by scripts/ci-deploy.sh (its images section).
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { checkHealth } from './grpc-health.mjs'
import { serverBinary } from './server-binary.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const IMAGES = join(ROOT, 'deploy', 'images')
process.env.CONTAINERS_CONF ??= join(IMAGES, 'containers.conf')
const { CloudClient, MixerChain } = await import(join(ROOT, 'dist', 'index.js'))

const started = performance.now()
const times = {}
const failures = []
let passed = 0

function elapsed(since) {
  return ((performance.now() - since) / 1000).toFixed(1)
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options })
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout ?? ''}${result.stderr ?? ''}`)
  }
  return result.stdout?.trim() ?? ''
}

function check(what, ok, detail = '') {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${detail ? ` (${detail})` : ''}`)
  if (ok) passed++
  else failures.push(what)
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

async function until(what, probe, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs
  let last
  while (Date.now() < end) {
    try {
      const value = await probe()
      if (value) return value
    } catch (e) {
      last = e
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`${what}: not within ${timeoutMs} ms (${last?.message ?? 'no answer'})`)
}

/** A test frame: 960 samples of a tone with some noise, deterministic. */
function frame() {
  let seed = 12345
  return Float32Array.from({ length: 960 }, (_, i) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return 0.6 * Math.sin((2 * Math.PI * 440 * i) / 48000) + 0.1 * (seed / 2 ** 31 - 0.5)
  })
}

function sameSamples(a, b) {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]))
}

function imageSize(tag) {
  return Number(run('podman', ['image', 'inspect', '--format', '{{.Size}}', tag]))
}

/** Runs `tag` as Kubernetes' securityContext would, ports published on 127.0.0.1. */
function start(name, tag, ports) {
  spawnSync('podman', ['rm', '-f', name], { stdio: 'ignore' })
  const publish = ports.flatMap(([host, container]) => ['-p', `127.0.0.1:${host}:${container}`])
  run('podman', ['run', '-d', '--name', name, '--read-only', '--cap-drop=ALL', '--security-opt=no-new-privileges', ...publish, tag])
}

/** Stops `name` with SIGTERM and returns its exit code and logs. */
function stop(name) {
  run('podman', ['stop', '-t', '40', name])
  const code = Number(run('podman', ['inspect', '--format', '{{.State.ExitCode}}', name]))
  const logs = spawnSync('podman', ['logs', name], { encoding: 'utf8' })
  run('podman', ['rm', '-f', name])
  return { code, logs: `${logs.stdout}${logs.stderr}` }
}

function noShell(name) {
  const shell = spawnSync('podman', ['exec', name, '/bin/sh', '-c', 'true'], { encoding: 'utf8' })
  return shell.status !== 0
}

// ─── base image and build contexts ───
let t = performance.now()
const base = run('bash', [join(IMAGES, 'base.sh')], { stdio: ['ignore', 'pipe', 'inherit'] }).split('\n').pop()
times.base = elapsed(t)
const context = mkdtempSync(join(tmpdir(), 'edgemix-images-'))
try {
  t = performance.now()
  const serverCtx = join(context, 'server')
  mkdirSync(join(serverCtx, 'modules'), { recursive: true })
  cpSync(serverBinary(), join(serverCtx, 'edgemix-server'))
  cpSync(join(IMAGES, 'collect.sh'), join(serverCtx, 'collect.sh'))
  const pkg = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' }))[0]
  for (const file of pkg.files) {
    if (file.path.startsWith('wasm-modules/dist/') && file.path.endsWith('.wasm')) {
      cpSync(join(ROOT, file.path), join(serverCtx, 'modules', file.path.split('/').pop()))
    }
  }

  // The edge app: the package as npm would install it, the addon binary of this
  // platform, and the production dependencies (from npm's cache when it has them).
  const edgeCtx = join(context, 'edge')
  const app = join(edgeCtx, 'app')
  for (const file of pkg.files) cpSync(join(ROOT, file.path), join(app, file.path))
  const addon = readdirSync(ROOT).find((f) => /^edgemix\.linux-x64-gnu\.node$/.test(f))
  if (!addon) throw new Error('no edgemix.linux-x64-gnu.node: run `npm run build` first')
  cpSync(join(ROOT, addon), join(app, addon))
  cpSync(join(ROOT, 'package-lock.json'), join(app, 'package-lock.json'))
  run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app })
  cpSync(join(IMAGES, 'collect.sh'), join(edgeCtx, 'collect.sh'))
  times.stage = elapsed(t)

  // ─── build ───
  const images = { server: 'localhost/edgemix-server:ci', edge: 'localhost/edgemix-edge:ci' }
  for (const [name, ctx] of [['server', serverCtx], ['edge', edgeCtx]]) {
    t = performance.now()
    run('podman', ['build', '--pull=never', '--build-arg', `BASE_IMAGE=${base}`, '-t', images[name], '-f', join(IMAGES, `${name}.Containerfile`), ctx])
    times[`build ${name}`] = elapsed(t)
  }

  // ─── cloud tier ───
  t = performance.now()
  const [grpcPort, metricsPort] = [await freePort(), await freePort()]
  start('edgemix-server-ci', images.server, [[grpcPort, 50052], [metricsPort, 9464]])
  try {
    const serving = await until('grpc.health.v1 SERVING', async () => (await checkHealth(`127.0.0.1:${grpcPort}`, 'remotemedia.execution.RemoteExecutionService')) === 'SERVING')
    check('cloud: grpc.health.v1 reports SERVING for the RemoteExecutionService', serving)
    const healthz = await fetch(`http://127.0.0.1:${metricsPort}/healthz`)
    const body = await healthz.json()
    check('cloud: /healthz 200 after a self-test frame', healthz.status === 200 && body.selfTest?.ok === true, JSON.stringify(body))
    const client = new CloudClient({ endpoints: [`http://127.0.0.1:${grpcPort}`], timeoutMs: 5000 })
    const input = frame()
    const remote = await client.execute('AudioMixer', {}, input)
    await client.close()
    check('cloud: ExecuteNode AudioMixer through the published port equals MixerChain', sameSamples(remote, new MixerChain().processSync(input)))
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()
    check('cloud: the call is counted in /metrics', /^edgemix_requests_total\{(?=[^}]*method="ExecuteNode")(?=[^}]*node="AudioMixer")(?=[^}]*code="OK")[^}]*\} 1$/m.test(metrics))
    check('cloud: no shell in the image', noShell('edgemix-server-ci'))
    check('cloud: runs as uid 65532', run('podman', ['inspect', '--format', '{{.Config.User}}', 'edgemix-server-ci']) === '65532:65532')
  } finally {
    const { code, logs } = stop('edgemix-server-ci')
    check('cloud: SIGTERM drains and exits 0', code === 0 && logs.includes('SIGTERM received'), `exit ${code}`)
  }
  times['run server'] = elapsed(t)

  // ─── edge API ───
  t = performance.now()
  const httpPort = await freePort()
  start('edgemix-edge-ci', images.edge, [[httpPort, 8787]])
  try {
    const health = await until('GET /health', async () => (await fetch(`http://127.0.0.1:${httpPort}/health`)).status === 200)
    check('edge: GET /health 200', health)
    const input = frame()
    const reply = await fetch(`http://127.0.0.1:${httpPort}/process-audio`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', accept: 'application/octet-stream' },
      body: Buffer.from(input.buffer),
    })
    const bytes = new Uint8Array(await reply.arrayBuffer())
    const output = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
    check('edge: POST /process-audio through the published port equals MixerChain', reply.status === 200 && sameSamples(output, new MixerChain().processSync(input)), `status ${reply.status}`)
    check('edge: no shell in the image', noShell('edgemix-edge-ci'))
  } finally {
    const { code } = stop('edgemix-edge-ci')
    check('edge: SIGTERM closes and exits 0', code === 0, `exit ${code}`)
  }
  times['run edge'] = elapsed(t)

  const mb = (tag) => (imageSize(tag) / 1e6).toFixed(1)
  console.log(`image sizes: edgemix-server ${mb(images.server)} MB, edgemix-edge ${mb(images.edge)} MB (base ${mb(base)} MB, not shipped)`)
} finally {
  rmSync(context, { recursive: true, force: true })
}
console.log(`times (s): ${Object.entries(times).map(([k, v]) => `${k} ${v}`).join(', ')}; total ${elapsed(started)}`)
console.log(`images: ${passed} passed, ${failures.length} failed`)
process.exit(failures.length ? 1 : 0)
