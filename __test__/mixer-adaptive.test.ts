// The loudness-normalisation stage and the adaptive presets through the binding.
import { describe, expect, it } from 'vitest'
import { ErrorCode, GenreClassifier, MixerChain } from '../dist/index.js'
import { FRAME, SR, db, expectError, inBlocks, maxAbsDiff, noise, only, sine, sineAmplitude, speechLike } from './helpers.js'

/** BS.1770's calibration: a 997 Hz sine of amplitude A on one channel reads 20·log10(A) − 3.01 LUFS. */
const sineLufs = (amp: number) => db(amp) - 3.01
const ampForLufs = (lufs: number) => 10 ** ((lufs + 3.01) / 20)

describe('MixerChain loudness normalisation', () => {
  it('brings a steady -30 LUFS sine to the target within 0.4 s + |gain| / slew', () => {
    for (const target of [-16, -23]) {
      const slew = 6
      const chain = new MixerChain({ ...only('limiter'), loudness: { enabled: true, targetLufs: target, slewDbPerSecond: slew, maxGainDb: 20 } })
      const seconds = 0.4 + Math.abs(target + 30) / slew + 0.5
      const y = inBlocks(chain, sine(Math.round(seconds * SR), 997, ampForLufs(-30)), FRAME)
      const out = sineLufs(sineAmplitude(y.subarray(y.length - SR / 2), 997, 0))
      expect(Math.abs(out - target), `${out} LUFS for target ${target}`).toBeLessThan(0.5)
      const m = chain.meters()
      expect(m.loudnessLufs!).toBeCloseTo(-30, 0)
      expect(m.normalizationGainDb!).toBeCloseTo(target + 30, 0)
    }
  })

  it('is off by default: no meters fields, output identical to loudness: { enabled: false }', () => {
    const x = noise(SR, 0.2)
    const a = new MixerChain()
    const b = new MixerChain({ loudness: { enabled: false, targetLufs: -14 }, adaptive: false })
    expect(maxAbsDiff(a.processSync(x), b.processSync(x))).toBe(0)
    expect(a.meters()).toEqual(b.meters())
    expect(Object.keys(a.meters())).not.toContain('loudnessLufs')
    expect(Object.keys(a.meters())).not.toContain('preset')
    expect(a.config).not.toHaveProperty('loudness')
  })

  it('keeps the limiter ceiling while boosting', () => {
    const chain = new MixerChain({ loudness: { enabled: true, targetLufs: 0, maxGainDb: 40, slewDbPerSecond: 60 }, limiter: { ceilingDb: -3 } })
    const quiet = noise(4 * SR, 0.02, 3)
    const y1 = inBlocks(chain, quiet, FRAME)
    const y2 = inBlocks(chain, noise(SR, 2, 4), FRAME)
    const peak = [y1, y2].reduce((m, y) => y.reduce((a, v) => Math.max(a, Math.abs(v)), m), 0)
    expect(peak).toBeLessThanOrEqual(10 ** (-3 / 20))
    expect(peak).toBeGreaterThan(0.9 * 10 ** (-3 / 20))
  })

  it('rejects bad loudness settings with ERR_INVALID_CONFIG', () => {
    expectError(() => new MixerChain({ loudness: { targetLufs: 3 } }), RangeError, ErrorCode.INVALID_CONFIG, /loudness\.targetLufs = 3 is out of range: allowed -70 to 0 LUFS/)
    expectError(() => new MixerChain({ loudness: { slewDbPerSecond: 0 } }), RangeError, ErrorCode.INVALID_CONFIG, /loudness\.slewDbPerSecond = 0 .*0\.1 to 60 dB\/s/)
    expectError(() => new MixerChain().updateConfig({ loudness: { window: 3000 } as object }), RangeError, ErrorCode.INVALID_CONFIG, /loudness\.window: unknown field `window`/)
  })
})

describe('MixerChain adaptive', () => {
  it('accepts adaptive: true and reports genre, confidence and preset in meters()', () => {
    const chain = new MixerChain({ adaptive: true })
    expect(chain.config.adaptive).toEqual({ enabled: true, smoothingMs: 1000 })
    chain.processSync(sine(FRAME, 440, 0.1))
    const m = chain.meters()
    // No decision in the first 3 s of a stream: the neutral preset.
    expect(m.preset).toBe('neutral')
    expect(m.genre).toBeNull()
    expect(m.genreConfidence).toBeGreaterThanOrEqual(0)
    expect(m.genreConfidence).toBeLessThanOrEqual(1)
  })

  it('applies presets except what the user set explicitly', () => {
    // Every preset-managed parameter set explicitly: adaptive changes nothing.
    const all = {
      gate: { thresholdDb: -45, rangeDb: -20 },
      compressor: { thresholdDb: -22, ratio: 3.5, kneeDb: 4, attackMs: 3, releaseMs: 90, makeupDb: 2 },
      eq: { lowFreqHz: 90, lowGainDb: -2, midFreqHz: 2500, midGainDb: 1, midQ: 0.9, highFreqHz: 9000, highGainDb: 1 },
    }
    const x = noise(SR, 0.3, 11)
    const pinned = new MixerChain({ ...all, adaptive: true })
    const plain = new MixerChain(all)
    expect(maxAbsDiff(inBlocks(pinned, x, FRAME), inBlocks(plain, x, FRAME))).toBe(0)
    // Without them, the neutral preset's values apply and the output differs.
    const adaptive = new MixerChain({ adaptive: true })
    expect(maxAbsDiff(inBlocks(adaptive, x, FRAME), inBlocks(new MixerChain(), x, FRAME))).toBeGreaterThan(1e-3)
    // updateConfig pins what it sets; turning adaptive off removes the meters fields.
    adaptive.updateConfig({ adaptive: { smoothingMs: 500 } })
    expect(adaptive.config.adaptive).toEqual({ enabled: true, smoothingMs: 500 })
    adaptive.updateConfig({ adaptive: false })
    adaptive.processSync(x.subarray(0, FRAME))
    expect(adaptive.meters()).not.toHaveProperty('preset')
  })

  it('rejects bad adaptive settings with ERR_INVALID_CONFIG', () => {
    expectError(() => new MixerChain({ adaptive: 'yes' as unknown as boolean }), RangeError, ErrorCode.INVALID_CONFIG, /adaptive: invalid type: string "yes", expected true, false or an object/)
    expectError(() => new MixerChain({ adaptive: { smoothingMs: 100 } }), RangeError, ErrorCode.INVALID_CONFIG, /adaptive\.smoothingMs = 100 is out of range: allowed 200 to 5000 ms/)
    expectError(() => new MixerChain().updateConfig({ adaptive: { on: true } as object }), RangeError, ErrorCode.INVALID_CONFIG, /adaptive\.on: unknown field `on`/)
  })
})

describe('MixerChain adaptive with the streaming genre classifier', () => {
  it('reports the same decisions as a GenreClassifier fed the same input, and the preset follows them', () => {
    const chain = new MixerChain({ adaptive: { enabled: true, smoothingMs: 200 } })
    const classifier = new GenreClassifier({ sampleRate: SR })
    const x = speechLike(8 * SR)
    let decided = false
    for (let i = 0; i < x.length; i += FRAME) {
      const frame = x.subarray(i, i + FRAME)
      const d = classifier.pushSync(frame)
      chain.processSync(frame)
      const m = chain.meters()
      expect(m.genre).toBe(d.genre)
      expect(m.genreConfidence).toBeCloseTo(d.confidence, 6)
      expect(m.preset).toBe(d.genre ?? 'neutral')
      decided ||= d.genre !== null
    }
    expect(decided, 'a decision within 8 s').toBe(true)
  })
})
