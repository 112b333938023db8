// Client-side balancing over three real edgemix-server processes on 127.0.0.1, through
// HybridProcessingClient (cloud route only, no fallback): 60 live streams are spread
// evenly, one replica is killed (SIGKILL) a third of the way through and restarted; the
// streams it held move to the others and nothing is lost, repeated or reordered: every
// frame is checked, in order, against the native MixerChain, which starts over where a
// stream moved (the new replica's node has fresh state). Once back in rotation the
// restarted replica takes the new streams. Shares, moves and the recovery time are
// printed.
import { afterAll, expect, it } from 'vitest'
import { HybridProcessingClient, MixerChain } from '../dist/index.js'
import { FRAME } from './helpers.js'
import { parsePrometheus } from './prometheus-parse.js'
import { startServerProcess, type ServerProcess } from './server-process.js'

const STREAMS = 60
const FRAMES = 150 // 3 s of 48 kHz audio per stream
const LATE_STREAMS = 30

/** Frame `index` of stream `stream`: a tone whose pitch and level name both. */
function frame(stream: number, index: number): Float32Array {
  const hz = 110 + 7 * stream + 3 * (index % 50)
  const level = 0.05 + 0.9 * (((stream * 31 + index * 17) % 23) / 23)
  const out = new Float32Array(FRAME)
  for (let i = 0; i < FRAME; i++) out[i] = level * Math.sin((2 * Math.PI * hz * (index * FRAME + i)) / 48000)
  return out
}

function equal(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]))
}

/**
 * Checks a stream's answers in order against the native chain. Where an answer differs,
 * it must be what a fresh chain makes of that frame (the stream moved): that chain
 * then goes on. Anything else (a lost, repeated, reordered or wrong frame) fails.
 */
class Verifier {
  chain = new MixerChain()
  next = 0
  moves: number[] = []

  constructor(readonly stream: number) {}

  check(output: unknown): void {
    const input = frame(this.stream, this.next)
    expect(output).toBeInstanceOf(Float32Array)
    const expected = this.chain.processSync(Float32Array.from(input))
    if (!equal(output as Float32Array, expected)) {
      const fresh = new MixerChain()
      const restarted = fresh.processSync(Float32Array.from(input))
      if (!equal(output as Float32Array, restarted)) {
        throw new Error(`stream ${this.stream}: frame ${this.next} is neither the continued nor a restarted chain's answer`)
      }
      this.chain = fresh
      this.moves.push(this.next)
    }
    this.next++
  }
}

async function scrape(server: ServerProcess): Promise<{ frames: number; streams: number }> {
  const families = parsePrometheus(await (await fetch(`${server.ops}/metrics`)).text())
  const sum = (name: string, method?: string) =>
    [...families.values()].flatMap((f) => f.samples).filter((s) => s.name === name && (!method || s.labels.method === method)).reduce((a, s) => a + s.value, 0)
  return { frames: sum('edgemix_requests_total', 'StreamNode'), streams: sum('edgemix_streams_active') }
}

const servers: ServerProcess[] = []
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop('SIGKILL')))
})

it('spreads 60 streams over 3 replicas, survives one killed and restarted mid-run, loses nothing, and brings it back', async () => {
  const args = ['--metrics-port', '0']
  for (let i = 0; i < 3; i++) servers.push(await startServerProcess(args))
  const client = new HybridProcessingClient({ endpoints: servers.map((s) => `http://${s.addr}`), timeoutMs: 10_000 })
  const proxy = await client.createHybridProxy({
    cloudRemote: { nodeType: 'AudioMixer' },
    decisionFunction: () => 'cloud',
    fallback: 'none',
    maxInFlight: 4,
  })

  // Streams stay open after their last frame until released, so that the phase after
  // the restart still sees them as outstanding.
  let release!: () => void
  const released = new Promise<void>((r) => (release = r))
  let answered = 0
  let killAt: () => void
  const third = new Promise<void>((r) => (killAt = r))
  const run = async (stream: number, frames: number, hold: boolean) => {
    const verifier = new Verifier(stream)
    async function* source() {
      for (let i = 0; i < frames; i++) yield frame(stream, i)
      if (hold) await released
    }
    for await (const result of proxy.stream(source())) {
      expect(result.route).toBe('cloud')
      verifier.check(result.output)
      if (++answered === Math.floor((STREAMS * FRAMES) / 3)) killAt()
    }
    expect(verifier.next).toBe(frames)
    return verifier
  }
  const phase1 = Array.from({ length: STREAMS }, (_, s) => run(s, FRAMES, true))

  // A third through: the share of streams and frames each replica has, then the kill.
  await third
  const before = await Promise.all(servers.map(scrape))
  const victim = 1
  const port = String(servers[victim].port)
  servers[victim].child.kill('SIGKILL')
  await servers[victim].exited
  const restartedAt = performance.now()
  servers[victim] = await startServerProcess([...args, '--port', port])
  const home = `http://127.0.0.1:${port}`
  let recoveryMs = -1
  for (let i = 0; i < 1000; i++) {
    const replica = (client.replicas() as Array<{ address: string; serving: boolean }>).find((r) => r.address === home)
    if (replica?.serving) {
      recoveryMs = performance.now() - restartedAt
      break
    }
    await new Promise((r) => setTimeout(r, 10))
  }
  expect(recoveryMs, 'the restarted replica is back in rotation within 10 s').toBeGreaterThanOrEqual(0)

  // Every frame sent comes back, in order and right, also on the streams that moved.
  const waitAnswered = async () => {
    while (answered < STREAMS * FRAMES) await new Promise((r) => setTimeout(r, 20))
  }
  await waitAnswered()
  const afterKill = await Promise.all(servers.map(scrape))

  // New streams go to the replica with the fewest open: the restarted one.
  const phase2 = Array.from({ length: LATE_STREAMS }, (_, s) => run(STREAMS + s, 20, true))
  while (answered < STREAMS * FRAMES + LATE_STREAMS * 20) await new Promise((r) => setTimeout(r, 20))
  const late = await Promise.all(servers.map(scrape))
  release()
  const verifiers = await Promise.all([...phase1, ...phase2])
  await client.close()

  const moved = verifiers.slice(0, STREAMS).filter((v) => v.moves.length > 0)
  const total = before.reduce((a, s) => a + s.frames, 0)
  console.log(
    [
      `streams per replica before the kill: ${before.map((s) => s.streams).join(' / ')}`,
      `frame share before the kill: ${before.map((s) => ((100 * s.frames) / total).toFixed(1) + ' %').join(' / ')} of ${total}`,
      `streams moved off the killed replica: ${moved.length} (at frames ${moved.map((v) => v.moves[0]).join(', ')})`,
      `streams on the survivors after the kill: ${afterKill.filter((_, i) => i !== victim).map((s) => s.streams).join(' / ')}`,
      `recovery (restart to back in rotation): ${recoveryMs.toFixed(0)} ms`,
      `streams per replica with ${LATE_STREAMS} new ones: ${late.map((s) => s.streams).join(' / ')}`,
    ].join('\n'),
  )

  // Fair shares, stated tolerances: streams 20 ± 2 each; frames a third ± 8 points.
  for (const s of before) {
    expect(s.streams).toBeGreaterThanOrEqual(18)
    expect(s.streams).toBeLessThanOrEqual(22)
    expect(s.frames / total).toBeGreaterThan(0.25)
    expect(s.frames / total).toBeLessThan(0.42)
  }
  // Exactly the killed replica's streams moved, each once.
  expect(moved.length).toBe(before[victim].streams)
  for (const v of moved) expect(v.moves).toHaveLength(1)
  // The survivors took them; the restarted replica took the new streams.
  expect(afterKill.filter((_, i) => i !== victim).reduce((a, s) => a + s.streams, 0)).toBe(STREAMS)
  expect(late[victim].streams).toBeGreaterThanOrEqual(LATE_STREAMS - 5)
}, 120_000)
