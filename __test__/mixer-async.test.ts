// process(): off the JS thread, strictly in call order, interleaved with sync calls.
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { MixerChain } from '../dist/index.js'
import { FRAME, SR, maxAbsDiff, speechLike } from './helpers.js'

function frames(x: Float32Array) {
  const out: Float32Array[] = []
  for (let i = 0; i < x.length; i += FRAME) out.push(x.slice(i, i + FRAME))
  return out
}

describe('MixerChain.process (async)', () => {
  it('resolves to exactly what processSync gives', async () => {
    const x = speechLike(FRAME * 20)
    expect(maxAbsDiff(await new MixerChain().process(x), new MixerChain().processSync(x))).toBe(0)
  })

  it('applies hundreds of overlapping calls in call order, none lost or reordered', async () => {
    const input = frames(speechLike(4 * SR)) // 200 frames; the chain's state makes order visible
    const reference = new MixerChain()
    const expected = input.map((f) => reference.processSync(f))
    const chain = new MixerChain()
    const results = await Promise.all(input.map((f) => chain.process(f)))
    expect(results.length).toBe(expected.length)
    results.forEach((r, i) => expect(maxAbsDiff(r, expected[i]), `frame ${i}`).toBe(0))
  })

  it('orders updateConfig, reset and processSync after pending process() calls', async () => {
    const input = frames(speechLike(SR))
    const script = (chain: MixerChain, run: (f: Float32Array) => unknown) => {
      const out: unknown[] = []
      input.forEach((f, i) => {
        if (i === 10) chain.updateConfig({ compressor: { ratio: 8, thresholdDb: -30 } })
        if (i === 20) chain.reset()
        if (i === 30) chain.updateConfig({ eq: { midGainDb: -6 }, limiter: { ceilingDb: -6 } })
        out.push(i % 7 === 3 ? chain.processSync(f) : run(f))
      })
      return out
    }
    const reference = new MixerChain()
    const expected = script(reference, (f) => reference.processSync(f)) as Float32Array[]
    const chain = new MixerChain()
    const results = (await Promise.all(script(chain, (f) => chain.process(f)))) as Float32Array[]
    results.forEach((r, i) => expect(maxAbsDiff(r, expected[i]), `frame ${i}`).toBe(0))
    expect(chain.config).toEqual(reference.config)
  })

  it('returns at once and computes elsewhere; meters never wait for the block in progress', async () => {
    const chain = new MixerChain()
    chain.processSync(new Float32Array(FRAME).fill(0.01)) // −40 dBFS
    const long = speechLike(60 * SR) // a minute of audio: tens of milliseconds of work
    const pending = chain.process(long)
    // Still the previous block's meters: the minute is being processed off this thread,
    // and reading meters does not block on it.
    expect(chain.meters().inputPeakDb).toBeCloseTo(-40, 3)
    await pending
    expect(chain.meters().inputPeakDb).toBeGreaterThan(-10)
  })

  it('works from worker threads', async () => {
    const code = `
      const { parentPort } = require('node:worker_threads')
      const { MixerChain } = require(${JSON.stringify(require.resolve('../dist/index.js'))})
      const chain = new MixerChain()
      const x = new Float32Array(960).map((_, i) => 0.5 * Math.sin(i / 5))
      chain.process(x).then((y) => parentPort.postMessage(Array.from(y)))
    `
    const expected = new MixerChain().processSync(new Float32Array(960).map((_, i) => 0.5 * Math.sin(i / 5)))
    const results = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<number[]>((resolve, reject) => {
            const w = new Worker(code, { eval: true })
            w.once('message', (m) => { resolve(m); void w.terminate() })
            w.once('error', reject)
          }),
      ),
    )
    for (const r of results) expect(maxAbsDiff(Float32Array.from(r), expected)).toBe(0)
  })
})
