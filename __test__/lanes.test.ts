// The addon's lanes: WASM guests, native frames and whole-clip analyses run on separate
// threads, so spinning guests or heavy analyses never hold up MixerChain.process. The
// assertions are about order of completion, not time.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { classifyGenre, ErrorCode, extractFeatures, MixerChain, WasmEdgeNode } from '../dist/index.js'
import { FRAME, maxAbsDiff, noise, speechLike } from './helpers.js'

const DIST = join(__dirname, '..', 'wasm-modules', 'dist')

/** Settles `p` and records how many of `done` have settled before it. */
function track(p: Promise<unknown>) {
  const state = { settled: false, outcome: undefined as unknown }
  const all = p.then(
    (v) => { state.settled = true; state.outcome = v },
    (e) => { state.settled = true; state.outcome = e },
  )
  return { state, all }
}

/** Native frames processed one after another, each checked against the sync reference. */
async function framesComplete(count: number) {
  const x = speechLike(FRAME * count)
  const chain = new MixerChain()
  const reference = new MixerChain()
  for (let i = 0; i < count; i++) {
    const block = x.subarray(i * FRAME, (i + 1) * FRAME)
    expect(maxAbsDiff(await chain.process(block), reference.processSync(block))).toBe(0)
  }
}

describe('lanes', () => {
  it('native frames complete while two guests spin on every WASM worker', async () => {
    const node = await WasmEdgeNode.load(join(DIST, 'spin.wasm'), { timeoutMs: 3000 })
    const sessions = await Promise.all([node.createSession(), node.createSession()])
    // One spinner per core would have taken every frame worker before the lanes split.
    const spinners = sessions.map((s) => track(s.process(new Uint8Array([1]))))
    await framesComplete(20)
    // Every frame came back while both guests were still spinning.
    expect(spinners.map((s) => s.state.settled)).toEqual([false, false])
    await Promise.all(spinners.map((s) => s.all))
    for (const s of spinners) expect((s.state.outcome as { code?: string }).code).toBe(ErrorCode.WASM_TIMEOUT)
    await Promise.all(sessions.map((s) => s.close()))
  })

  it('native frames complete while two hostile analyses run on the background lane', async () => {
    // Each costs about a second of CPU: 21,953 frames of a 2048-point FFT.
    const clip = noise(24_000, 0.3)
    const heavy = [0, 1].map(() => track(extractFeatures(clip, { nFft: 2048, hop: 1 })))
    await framesComplete(20)
    expect(heavy.map((h) => h.state.settled)).toEqual([false, false])
    await Promise.all(heavy.map((h) => h.all))
    for (const h of heavy) expect((h.state.outcome as { frames: number }).frames).toBe(24_000 - 2048 + 1)
  })

  it('background workers run at a lower OS priority than frame workers (Linux: nice)', async () => {
    // Starts both lanes.
    await Promise.all([classifyGenre(speechLike(48_000 * 3)), new MixerChain().process(speechLike(FRAME))])
    const nice = new Map<string, number[]>()
    for (const tid of readdirSync('/proc/self/task')) {
      const comm = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim()
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      // Fields after the parenthesised name: state is field 3, nice field 19.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const lane = /^edgemix-(frame|wasm|backgro)/.exec(comm)?.[1]
      if (lane) nice.set(lane, [...(nice.get(lane) ?? []), Number(fields[16])])
    }
    const frame = nice.get('frame') ?? []
    const background = nice.get('backgro') ?? []
    expect(frame.length).toBeGreaterThanOrEqual(1)
    expect(background.length).toBeGreaterThanOrEqual(2)
    expect(Math.min(...background)).toBeGreaterThan(Math.max(...frame))
  })
})
