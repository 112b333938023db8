// Configuration: documented defaults, partial updates, derived latency.
import { describe, expect, it } from 'vitest'
import { MixerChain } from '../dist/index.js'
import { SR, db, only, rbjMagnitudeDb, sine, sineAmplitude } from './helpers.js'

describe('MixerChain configuration', () => {
  it('defaults to the documented podcast/voice chain', () => {
    expect(new MixerChain().config).toEqual({
      sampleRate: 48000,
      gate: { bypass: false, thresholdDb: -50, hysteresisDb: 6, attackMs: 1, holdMs: 100, releaseMs: 150, rangeDb: -40 },
      compressor: { bypass: false, thresholdDb: -20, ratio: 3, kneeDb: 6, attackMs: 5, releaseMs: 100, makeupDb: 3 },
      eq: { bypass: false, lowFreqHz: 100, lowGainDb: -3, midFreqHz: 3000, midGainDb: 2, midQ: 1, highFreqHz: 8000, highGainDb: 2 },
      limiter: { bypass: false, ceilingDb: -1, lookaheadMs: 5, releaseMs: 60 },
    })
  })

  it('merges partial updates key by key and applies them to the audio', () => {
    const chain = new MixerChain(only('eq'))
    chain.updateConfig({ eq: { midGainDb: 12 } })
    expect(chain.config.eq).toMatchObject({ midGainDb: 12, midFreqHz: 3000, lowGainDb: -3 })
    expect(chain.config.gate.bypass).toBe(true)
    const y = chain.processSync(sine(SR, 3000, 0.01))
    const measured = db(sineAmplitude(y.subarray(chain.latencySamples), 3000, SR / 2) / 0.01)
    const expected =
      rbjMagnitudeDb('lowShelf', 100, -3, 3000) + rbjMagnitudeDb('peak', 3000, 12, 3000, 1) + rbjMagnitudeDb('highShelf', 8000, 2, 3000)
    expect(measured).toBeCloseTo(expected, 2)
  })

  it('reports latencySamples from the lookahead at the sample rate', () => {
    expect(new MixerChain({ limiter: { lookaheadMs: 2 } }).latencySamples).toBe(96)
    expect(new MixerChain({ sampleRate: 96000, limiter: { lookaheadMs: 2 } }).latencySamples).toBe(192)
    const chain = new MixerChain()
    chain.updateConfig({ limiter: { lookaheadMs: 0 } })
    expect(chain.latencySamples).toBe(0)
    chain.updateConfig({ sampleRate: 44100, limiter: { lookaheadMs: 10 } })
    expect(chain.latencySamples).toBe(441)
    // A bypassed limiter keeps its delay, so toggling it never shifts the signal.
    chain.updateConfig({ limiter: { bypass: true } })
    expect(chain.latencySamples).toBe(441)
  })
})
