import { describe, expect, it } from 'vitest'
import { MixerChain } from 'edgemix'
import signal from './signal.cjs'

describe('edgemix under vitest', () => {
  it('passes the signal through, delayed by the lookahead, when every stage is bypassed', async () => {
    const chain = new MixerChain({ gate: { bypass: true }, compressor: { bypass: true }, eq: { bypass: true }, limiter: { bypass: true } })
    const input = signal.sine(4 * signal.FRAME)
    const out = await chain.process(input)
    const d = chain.latencySamples
    expect(d).toBe(240) // 5 ms at 48 kHz
    expect(Array.from(out.subarray(0, d))).toEqual(new Array(d).fill(0))
    expect(out.subarray(d)).toEqual(input.subarray(0, input.length - d))
  })
})
