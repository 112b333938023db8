// The native chain through the binding, against analytic references.
import { describe, expect, it } from 'vitest'
import { MixerChain } from '../dist/index.js'
import {
  FRAME, SR, compressorReductionDb, db, inBlocks, maxAbsDiff, noise, only, rbjMagnitudeDb, sine, sineAmplitude, speechLike,
} from './helpers.js'

describe('MixerChain DSP', () => {
  it('with every stage bypassed is a pure delay of latencySamples', () => {
    const chain = new MixerChain(only())
    const x = noise(5000, 0.9)
    const y = chain.processSync(x)
    const L = chain.latencySamples
    expect(L).toBe(Math.round(0.005 * SR))
    for (let n = 0; n < x.length; n++) expect(y[n]).toBe(n < L ? 0 : x[n - L])
  })

  it('EQ magnitude matches the RBJ analytic response within 0.01 dB', () => {
    const eq = { lowFreqHz: 200, lowGainDb: -6, midFreqHz: 2500, midGainDb: 9, midQ: 2, highFreqHz: 9000, highGainDb: 4 }
    for (const f of [60, 200, 700, 2500, 4000, 9000, 15000]) {
      const chain = new MixerChain({ ...only('eq'), eq })
      const y = chain.processSync(sine(SR, f, 0.1))
      // Output is delayed by the limiter's lookahead; fit over the settled second half.
      const L = chain.latencySamples
      const measured = db(sineAmplitude(y.subarray(L), f, SR / 2) / 0.1)
      const expected =
        rbjMagnitudeDb('lowShelf', eq.lowFreqHz, eq.lowGainDb, f) +
        rbjMagnitudeDb('peak', eq.midFreqHz, eq.midGainDb, f, eq.midQ) +
        rbjMagnitudeDb('highShelf', eq.highFreqHz, eq.highGainDb, f)
      expect(Math.abs(measured - expected), `at ${f} Hz: ${measured} vs ${expected}`).toBeLessThan(0.01)
    }
  })

  it('compressor static curve matches the soft-knee formula within 0.1 dB', () => {
    const compressor = { thresholdDb: -24, ratio: 4, kneeDb: 8, attackMs: 0, releaseMs: 1000, makeupDb: 2 }
    for (const levelDb of [-40, -28, -24, -20, -12, -3]) {
      const chain = new MixerChain({ ...only('compressor'), compressor })
      const amp = 10 ** (levelDb / 20)
      const y = chain.processSync(sine(SR / 2, 1000, amp)) // 48 samples per cycle: crests are sampled
      let peak = 0
      for (let n = y.length - 4800; n < y.length; n++) peak = Math.max(peak, Math.abs(y[n]))
      const expected = levelDb - compressorReductionDb(levelDb, -24, 4, 8) + 2
      expect(Math.abs(db(peak) - expected), `at ${levelDb} dBFS`).toBeLessThan(0.1)
    }
  })

  it('limiter never exceeds its ceiling on noise driven +24 dB', () => {
    const chain = new MixerChain({ ...only('limiter'), limiter: { ceilingDb: -3 } })
    const ceiling = Math.fround(10 ** (-3 / 20))
    const x = noise(SR, 10 ** (24 / 20))
    const y = inBlocks(chain, x, 333)
    let peak = 0
    for (const v of y) peak = Math.max(peak, Math.abs(v))
    expect(peak).toBeLessThanOrEqual(ceiling)
    expect(peak).toBeGreaterThan(ceiling * 0.9) // it limits, it does not mute
  })

  it('gives the same output fed as one buffer, as 960-sample frames or as 37-sample blocks', () => {
    const x = speechLike(3 * SR)
    const whole = new MixerChain().processSync(x)
    const frames = inBlocks(new MixerChain(), x, FRAME)
    const odd = inBlocks(new MixerChain(), x, 37)
    expect(maxAbsDiff(whole, frames)).toBeLessThanOrEqual(1e-6)
    expect(maxAbsDiff(whole, odd)).toBeLessThanOrEqual(1e-6)
  })

  it('meters report the analytic peak and RMS of a sine and the stages at work', () => {
    const chain = new MixerChain()
    const amp = 0.5
    // Meters describe the last block: feed frames, read after a settled one.
    inBlocks(chain, sine(FRAME * 50, 1000, amp), FRAME)
    const m = chain.meters()
    expect(m.inputPeakDb).toBeCloseTo(db(amp), 4)
    expect(m.inputRmsDb).toBeCloseTo(db(amp / Math.SQRT2), 3)
    // −6 dBFS peak is above the −20 dBFS threshold: the compressor must be reducing.
    const expectedGr = compressorReductionDb(db(amp), -20, 3, 6)
    expect(m.compressorReductionDb).toBeGreaterThan(expectedGr * 0.9)
    expect(m.compressorReductionDb).toBeLessThanOrEqual(expectedGr + 1e-3)
    expect(m.gateOpen).toBe(true)
    expect(m.gateReductionDb).toBe(0)

    inBlocks(chain, new Float32Array(FRAME * 50), FRAME)
    const quiet = chain.meters()
    expect(quiet.inputPeakDb).toBe(-Infinity)
    expect(quiet.gateOpen).toBe(false)
    expect(quiet.gateReductionDb).toBeCloseTo(40, 3) // the default range
  })

  it('reset() returns the chain to its initial state', () => {
    const x = speechLike(SR)
    const fresh = new MixerChain().processSync(x)
    const chain = new MixerChain()
    chain.processSync(noise(SR, 0.8))
    chain.reset()
    expect(maxAbsDiff(chain.processSync(x), fresh)).toBe(0)
  })
})
