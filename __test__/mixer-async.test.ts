// process(): off the JS thread, strictly in call order, interleaved with sync calls.
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { MixerChain } from '../dist/index.js'
import { FRAME, SR, expectRejection, maxAbsDiff, speechLike } from './helpers.js'

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

describe('MixerChain.processBatch', () => {
  it('equals processSync per chain, in each chain\'s call order, interleaved with process()', async () => {
    const n = 12
    const inputs = Array.from({ length: n }, (_, i) => frames(speechLike(FRAME * 10).map((v) => v * (0.1 + i / n))))
    const chains = inputs.map(() => new MixerChain())
    const references = inputs.map(() => new MixerChain())
    const pending: Array<Promise<Float32Array | Error>> = []
    const expected: Float32Array[] = []
    for (let k = 0; k < 10; k += 2) {
      // A batch with each chain twice (frames k and k + 1), then a plain process() call.
      const batch = MixerChain.processBatch([...chains, ...chains], [...inputs.map((f) => f[k]), ...inputs.map((f) => f[k + 1])])
      pending.push(...chains.map((_, i) => batch.then((out) => out[i])), ...chains.map((_, i) => batch.then((out) => out[n + i])))
      expected.push(...references.map((r, i) => r.processSync(inputs[i][k])))
      expected.push(...references.map((r, i) => r.processSync(inputs[i][k + 1])))
    }
    const outputs = await Promise.all(pending)
    outputs.forEach((out, j) => expect(maxAbsDiff(out as Float32Array, expected[j]), `item ${j}`).toBe(0))
    // Each output owns its memory: no stream's buffer holds another stream's audio.
    outputs.forEach((out) => expect((out as Float32Array).buffer.byteLength).toBe(FRAME * 4))
    // Order across APIs: a process() call after a batch sees the batch's state.
    const last = chains.map((c, i) => c.process(inputs[i][0]))
    const lastExpected = references.map((r, i) => r.processSync(inputs[i][0]))
    for (let i = 0; i < n; i++) expect(maxAbsDiff(await last[i], lastExpected[i])).toBe(0)
  })

  it('a bad block fails only its own item; the others and the chains carry on', async () => {
    const [a, b] = [new MixerChain(), new MixerChain()]
    const [ra, rb] = [new MixerChain(), new MixerChain()]
    const f = speechLike(FRAME)
    const out = await MixerChain.processBatch([a, b], [Float32Array.of(0.1, NaN), f])
    expect(out[0]).toBeInstanceOf(RangeError)
    expect((out[0] as Error & { code: string }).code).toBe('ERR_INVALID_AUDIO')
    expect((out[0] as Error).message).toMatch(/sample 1 is NaN/)
    expect(maxAbsDiff(out[1] as Float32Array, rb.processSync(f))).toBe(0)
    // The refused block left chain a untouched.
    expect(maxAbsDiff(await a.process(f), ra.processSync(f))).toBe(0)
  })

  it('rejects malformed arguments before anything runs', async () => {
    const chain = new MixerChain()
    const twin = new MixerChain()
    const f = speechLike(FRAME)
    await expectRejection(MixerChain.processBatch(chain as never, [f]), TypeError, 'ERR_INVALID_ARG_TYPE', /"targets" argument must be an array of MixerChain/)
    await expectRejection(MixerChain.processBatch([chain], f as never), TypeError, 'ERR_INVALID_ARG_TYPE', /"inputs" argument must be an array of inputs/)
    await expectRejection(MixerChain.processBatch([chain, chain], [f]), RangeError, 'ERR_INVALID_ARG_TYPE', /same length, received 2 and 1/)
    await expectRejection(MixerChain.processBatch([chain, {} as never], [f, f]), TypeError, 'ERR_INVALID_ARG_TYPE', /targets\[1\] must be a MixerChain/)
    await expectRejection(MixerChain.processBatch([chain, chain], [f, [0.1] as never]), TypeError, 'ERR_INVALID_ARG_TYPE', /"inputs\[1\]" argument must be a Float32Array/)
    // All or nothing: the first item of each refused batch did not run.
    expect(maxAbsDiff(await chain.process(f), twin.processSync(f))).toBe(0)
  })
})
