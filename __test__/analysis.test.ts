// Audio analysis through the addon: MFCCs and spectral features against the committed
// librosa fixtures and analytic values, loudness against EBU Tech 3341 / BS.1770
// values, coded errors for every bad input, async = sync, streaming = batch.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  ErrorCode,
  FeatureExtractor,
  extractFeatures,
  extractFeaturesSync,
  extractMfcc,
  extractMfccSync,
  measureLoudness,
  measureLoudnessSync,
} from '../dist/index.js'
import type { AnalysisFrames, AudioFeatures } from '../dist/index.js'
import { FRAME, SR, expectError, expectRejection, noise, sine, speechLike } from './helpers.js'

const FIXTURES = join(__dirname, '../crates/dsp/tests/fixtures')

interface Case {
  name: string
  signal: string
  config: Record<string, number>
  frames: number
  mfcc: string
  features: string
}
const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as {
  signals: Record<string, { file: string; sampleRate: number }>
  cases: Case[]
  loudness: { programmes: Record<string, number | null> }
}

function f32(file: string): Float32Array {
  const b = readFileSync(join(FIXTURES, file))
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))
}

function signal(name: string): Float32Array {
  const b = readFileSync(join(FIXTURES, manifest.signals[name].file))
  const pcm = new Int16Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))
  return Float32Array.from(pcm, (v) => v / 32768)
}

function interleave(mono: Float32Array, channels: number): Float32Array {
  const out = new Float32Array(mono.length * channels)
  for (let i = 0; i < mono.length; i++) for (let c = 0; c < channels; c++) out[i * channels + c] = mono[i]
  return out
}

function concat(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

const FEATURE_KEYS = ['rms', 'zcr', 'centroidHz', 'rolloffHz', 'flatness'] as const

describe('librosa parity (committed fixtures)', () => {
  for (const c of manifest.cases) {
    it(`${c.name}: MFCCs within 1e-3 (c0: 1e-3 relative)`, async () => {
      const x = signal(c.signal)
      const expected = f32(c.mfcc)
      const got = extractMfccSync(x, c.config)
      expect(got.length).toBe(expected.length)
      const n = c.config.nMfcc
      expect(got.length / n).toBe(c.frames)
      for (let i = 0; i < got.length; i++) {
        const tol = i % n === 0 ? 1e-3 * Math.abs(expected[i]) : 1e-3
        if (Math.abs(got[i] - expected[i]) > tol) throw new Error(`frame ${Math.floor(i / n)} c${i % n}: ${got[i]} vs ${expected[i]}`)
      }
      expect(await extractMfcc(x, c.config)).toEqual(got)
    })

    it(`${c.name}: spectral features within 1e-3 relative`, () => {
      const x = signal(c.signal)
      const expected = f32(c.features)
      const got = extractFeaturesSync(x, c.config)
      expect(got.frames).toBe(c.frames)
      FEATURE_KEYS.forEach((key, k) => {
        for (let i = 0; i < got.frames; i++) {
          const e = expected[i * 5 + k]
          const g = got[key][i]
          if (Math.abs(g - e) > 1e-3 * Math.abs(e) + 1e-9) throw new Error(`${key} frame ${i}: ${g} vs ${e}`)
        }
      })
    })
  }

  it('digital silence: c0 = -100 dB x sqrt(nMels), the rest 0', () => {
    const m = extractMfccSync(new Float32Array(SR))
    for (let i = 0; i < m.length; i++) expect(m[i]).toBeCloseTo(i % 13 === 0 ? -100 * Math.sqrt(40) : 0, 3)
  })
})

describe('analytic features', () => {
  it('a bin-centred sine: RMS A/sqrt2, centroid at the tone, ZCR 2f/sr, flatness ~0', () => {
    const f = extractFeaturesSync(sine(SR, 1500, 0.5))
    expect(f.frames).toBe(49)
    for (let i = 0; i < f.frames; i++) {
      expect(f.rms[i]).toBeCloseTo(0.5 / Math.SQRT2, 4)
      expect(f.centroidHz[i]).toBeCloseTo(1500, 0)
      expect(f.zcr[i] * 1024).toBeGreaterThanOrEqual(63)
      expect(f.zcr[i] * 1024).toBeLessThanOrEqual(64)
      expect(f.flatness[i]).toBeLessThan(1e-3)
    }
  })

  it('white noise: flatness ~exp(-gamma), centroid ~sr/4, ZCR ~0.5', () => {
    const f = extractFeaturesSync(noise(SR * 2, 0.5))
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length
    expect(mean(f.flatness)).toBeCloseTo(Math.exp(-0.5772156649), 1)
    expect(Math.abs(mean(f.centroidHz) - 12000)).toBeLessThan(300)
    expect(Math.abs(mean(f.zcr) - 0.5)).toBeLessThan(0.02)
  })

  it('flux of a tone switching on is A*N/4*sqrt(1.5), then 0', () => {
    const x = concat(new Float32Array(1024 * 2), sine(1024 * 3, 1500, 0.5))
    const f = extractFeaturesSync(x, { hop: 1024 })
    const expected = (0.5 * 1024) / 4 * Math.sqrt(1.5)
    expect(f.flux[0]).toBe(0)
    expect(Math.abs(f.flux[2] - expected) / expected).toBeLessThan(1e-3)
    expect(f.flux[3]).toBeLessThan(1e-3)
  })

  it('non-default configurations change the shape', () => {
    const x = speechLike(SR)
    const m = extractMfccSync(x, { nFft: 2048, hop: 512, nMels: 64, nMfcc: 20, fMin: 60, fMax: 12000 })
    expect(m.length).toBe((1 + Math.floor((SR - 2048) / 512)) * 20)
    const m16 = extractMfccSync(speechLike(16000), { sampleRate: 16000, nFft: 512, hop: 320, nMels: 26 })
    expect(m16.length).toBe((1 + Math.floor((16000 - 512) / 320)) * 13)
  })
})

describe('streaming FeatureExtractor', () => {
  const x = speechLike(SR * 2)
  const padded = concat(new Float32Array(64), x)

  it('one frame per 960-sample push (the new 960 plus 64 of history)', () => {
    const fx = new FeatureExtractor()
    for (let i = 0; i < 5; i++) {
      const out = fx.pushSync(x.subarray(i * FRAME, (i + 1) * FRAME))
      expect(out.frames).toBe(1)
      expect(out.mfcc.length).toBe(13)
      expect(out.rms).toBeUndefined()
    }
    expect(fx.options).toEqual({ sampleRate: 48000, nFft: 1024, hop: 960, nMels: 40, fMin: 0, fMax: 24000, nMfcc: 13, rollPercent: 0.85, spectral: false })
  })

  it('equals the batch call over the signal preceded by nFft - hop zeros, for any block sizes', () => {
    const batch = extractFeaturesSync(padded)
    const fx = new FeatureExtractor({ spectral: true })
    const parts: AnalysisFrames[] = []
    let pos = 0
    let size = 1
    while (pos < x.length) {
      parts.push(fx.pushSync(x.subarray(pos, pos + size)))
      pos += size
      size = (size * 7 + 13) % 3001 || 1
    }
    const joined = (key: keyof AudioFeatures) => concat(...parts.map((p) => p[key] as Float32Array))
    expect(parts.reduce((n, p) => n + p.frames, 0)).toBe(batch.frames)
    expect(joined('mfcc')).toEqual(batch.mfcc)
    for (const key of [...FEATURE_KEYS, 'flux'] as const) expect(joined(key)).toEqual(batch[key])
  })

  it('async pushes apply in call order, interleaved with pushSync, and equal the batch', async () => {
    const batch = extractMfccSync(padded)
    const fx = new FeatureExtractor()
    const blocks = Array.from({ length: 100 }, (_, i) => x.subarray(i * FRAME, (i + 1) * FRAME))
    const results: Array<Promise<AnalysisFrames> | AnalysisFrames> = blocks.map((b, i) => (i % 7 === 3 ? fx.pushSync(b) : fx.push(b)))
    const settled = await Promise.all(results)
    expect(concat(...settled.map((r) => r.mfcc))).toEqual(batch)
  })

  it('a rejected push leaves the state untouched; reset() starts over', async () => {
    const fx = new FeatureExtractor()
    const twin = new FeatureExtractor()
    const a = fx.push(x.subarray(0, 1500))
    const bad = fx.push(Float32Array.from({ length: 960 }, (_, i) => (i === 5 ? NaN : 0)))
    const c = fx.push(x.subarray(1500, 4000))
    await expectRejection(bad, RangeError, ErrorCode.INVALID_AUDIO, /sample 5 is NaN/)
    twin.pushSync(x.subarray(0, 1500))
    expect((await c).mfcc).toEqual(twin.pushSync(x.subarray(1500, 4000)).mfcc)
    expect((await a).frames).toBe(1)
    fx.reset()
    expect(fx.pushSync(x.subarray(0, FRAME * 3)).mfcc).toEqual(new FeatureExtractor().pushSync(x.subarray(0, FRAME * 3)).mfcc)
  })
})

describe('loudness (BS.1770-4 / EBU R128)', () => {
  const tone = sine(SR * 20, 1000, 10 ** (-23 / 20))

  it('a -23 dBFS 1 kHz sine on two channels reads -23.0 LUFS (Tech 3341 case 1)', () => {
    const r = measureLoudnessSync(interleave(tone, 2), { channels: 2 })
    expect(Math.abs(r.integratedLufs + 23)).toBeLessThanOrEqual(0.1)
    expect(r.shortTermLufs.length).toBe(200 - 30 + 1)
    for (const st of r.shortTermLufs) expect(Math.abs(st + 23)).toBeLessThanOrEqual(0.1)
    expect(Math.abs(r.shortTermMaxLufs + 23)).toBeLessThanOrEqual(0.1)
    expect(Math.abs(r.truePeakDbtp + 23)).toBeLessThan(0.05)
  })

  it('mono reads 3.01 dB lower; dualMono counts it on both sides', () => {
    expect(Math.abs(measureLoudnessSync(tone).integratedLufs + 26.01)).toBeLessThanOrEqual(0.1)
    expect(Math.abs(measureLoudnessSync(tone, { dualMono: true }).integratedLufs + 23)).toBeLessThanOrEqual(0.1)
  })

  it('programmes match pyloudnorm within 0.1 LU', () => {
    for (const [name, expected] of Object.entries(manifest.loudness.programmes)) {
      const r = measureLoudnessSync(signal(name), { sampleRate: manifest.signals[name].sampleRate })
      if (expected === null) expect(r.integratedLufs).toBe(-Infinity)
      else expect(Math.abs(r.integratedLufs - expected)).toBeLessThanOrEqual(0.1)
    }
  })

  it('normalisation gain reaches the target, limited by the true-peak ceiling', () => {
    const x = speechLike(SR * 6)
    const r = measureLoudnessSync(x, { targetLufs: -16 })
    const gained = x.map((v) => v * 10 ** (r.normalizationGainDb! / 20))
    expect(Math.abs(measureLoudnessSync(gained).integratedLufs + 16)).toBeLessThan(0.01)
    const limited = measureLoudnessSync(x, { targetLufs: -6, maxTruePeakDbtp: -1 })
    expect(limited.normalizationGainDb!).toBeCloseTo(-1 - limited.truePeakDbtp, 9)
    expect(measureLoudnessSync(new Float32Array(SR), { targetLufs: -14 }).normalizationGainDb).toBeNull()
    expect('normalizationGainDb' in measureLoudnessSync(x)).toBe(false)
  })

  it('silence and short input read -Infinity', () => {
    const r = measureLoudnessSync(new Float32Array(SR))
    expect(r.integratedLufs).toBe(-Infinity)
    expect(r.truePeakDbtp).toBe(-Infinity)
    const short = measureLoudnessSync(sine(SR / 4, 1000, 0.5))
    expect(short.integratedLufs).toBe(-Infinity)
    expect(short.shortTermLufs.length).toBe(0)
    expect(short.momentaryMaxLufs).toBe(-Infinity)
  })
})

describe('async equals sync', () => {
  const x = speechLike(SR * 4)
  it('extractMfcc, extractFeatures, measureLoudness', async () => {
    const opts = { nMels: 32, nMfcc: 16 }
    expect(await extractMfcc(x, opts)).toEqual(extractMfccSync(x, opts))
    expect(await extractFeatures(x, opts)).toEqual(extractFeaturesSync(x, opts))
    expect(await measureLoudness(x, { targetLufs: -14 })).toEqual(measureLoudnessSync(x, { targetLufs: -14 }))
    const [a, b, c] = await Promise.all([extractMfcc(x), extractFeatures(x), measureLoudness(x)])
    expect(a).toEqual(extractMfccSync(x))
    expect(b).toEqual(extractFeaturesSync(x))
    expect(c).toEqual(measureLoudnessSync(x))
  })
})

describe('bad input', () => {
  const good = speechLike(SR)
  type Call = [string, (input: unknown, options?: unknown) => unknown, (input: unknown, options?: unknown) => Promise<unknown>]
  const calls: Call[] = [
    ['extractMfcc', (i, o) => extractMfccSync(i as Float32Array, o as object), (i, o) => extractMfcc(i as Float32Array, o as object)],
    ['extractFeatures', (i, o) => extractFeaturesSync(i as Float32Array, o as object), (i, o) => extractFeatures(i as Float32Array, o as object)],
    ['measureLoudness', (i, o) => measureLoudnessSync(i as Float32Array, o as object), (i, o) => measureLoudness(i as Float32Array, o as object)],
    ['FeatureExtractor.push', (i) => new FeatureExtractor().pushSync(i as Float32Array), (i) => new FeatureExtractor().push(i as Float32Array)],
  ]
  const wrongTypes: Array<[string, unknown, RegExp]> = [
    ['an Array', [0.1, 0.2], /Float32Array.*received an instance of Array/],
    ['a Float64Array', new Float64Array(2048), /Float32Array.*another element type/],
    ['a string', 'samples', /Float32Array.*received type string/],
    ['null', null, /Float32Array.*received null/],
    ['undefined', undefined, /Float32Array.*received undefined/],
  ]
  const badAudio: Array<[string, Float32Array, RegExp]> = [
    ['an empty array', new Float32Array(0), /empty.*at least one sample/],
    ['a NaN sample', Float32Array.from({ length: 2048 }, (_, i) => (i === 17 ? NaN : 0.1)), /sample 17 is NaN/],
    ['an Infinity sample', Float32Array.from({ length: 2048 }, (_, i) => (i === 2047 ? -Infinity : 0.1)), /sample 2047 is -Infinity/],
  ]

  for (const [name, sync, async] of calls) {
    for (const [what, value, message] of wrongTypes) {
      it(`${name}(${what}): TypeError ERR_INVALID_ARG_TYPE, sync throws and async rejects`, async () => {
        expectError(() => sync(value), TypeError, ErrorCode.INVALID_ARG_TYPE, message)
        await expectRejection(async(value), TypeError, ErrorCode.INVALID_ARG_TYPE, message)
      })
    }
    for (const [what, value, message] of badAudio) {
      it(`${name}(${what}): RangeError ERR_INVALID_AUDIO`, async () => {
        expectError(() => sync(value), RangeError, ErrorCode.INVALID_AUDIO, message)
        await expectRejection(async(value), RangeError, ErrorCode.INVALID_AUDIO, message)
      })
    }
  }

  it('a buffer shorter than the window is ERR_INVALID_AUDIO (batch calls)', async () => {
    const short = good.subarray(0, 1000)
    const message = /audio of 1000 samples is shorter than the analysis window nFft = 1024/
    expectError(() => extractMfccSync(short), RangeError, ErrorCode.INVALID_AUDIO, message)
    expectError(() => extractFeaturesSync(short), RangeError, ErrorCode.INVALID_AUDIO, message)
    await expectRejection(extractMfcc(short), RangeError, ErrorCode.INVALID_AUDIO, message)
    expectError(() => extractMfccSync(good.subarray(0, 3000), { nFft: 4096, hop: 1024 }), RangeError, ErrorCode.INVALID_AUDIO, /3000 samples .* nFft = 4096/)
    // Streaming accepts any length: a short push just completes no frame.
    expect(new FeatureExtractor().pushSync(short).frames).toBe(1)
    expect(new FeatureExtractor().pushSync(good.subarray(0, 10)).frames).toBe(0)
  })

  const badOptions: Array<[string, object, RegExp]> = [
    ['nMfcc > nMels', { nMels: 20, nMfcc: 21 }, /nMfcc = 21 is out of range: allowed whole numbers from 1 to nMels = 20/],
    ['fMax > sampleRate / 2', { fMax: 30000 }, /fMax = 30000 Hz is out of range: allowed above 0 up to sampleRate\/2 = 24000 Hz/],
    ['fMax above a lower Nyquist', { sampleRate: 16000, fMax: 8001, nFft: 512, hop: 320 }, /sampleRate\/2 = 8000 Hz/],
    ['fMin >= fMax', { fMin: 9000, fMax: 8000 }, /fMin = 9000 Hz .* below fMax = 8000 Hz/],
    ['an odd nFft', { nFft: 1023, hop: 512 }, /nFft = 1023 must be even/],
    ['a fractional nFft', { nFft: 1024.5 }, /nFft = 1024.5 is out of range: allowed whole numbers/],
    ['hop > nFft', { hop: 2000 }, /hop = 2000 is out of range: allowed whole numbers from 1 to nFft = 1024/],
    ['hop 0', { hop: 0 }, /hop = 0 is out of range/],
    ['nMels 0', { nMels: 0 }, /nMels = 0 is out of range/],
    ['empty mel bands', { nFft: 256, hop: 128, nMels: 128 }, /nMels = 128 is too many for nFft = 256 .* mel band \d+ .* empty/],
    ['a sample rate of 4 kHz', { sampleRate: 4000 }, /sampleRate = 4000 is out of range: allowed 8000 to 192000 Hz/],
    ['rollPercent 1', { rollPercent: 1 }, /rollPercent = 1 is out of range/],
    ['an unknown key', { nmfcc: 13 }, /unknown field `nmfcc`, expected one of/],
    ['a string value', { nMels: 'forty' }, /nMels: invalid type: string "forty"/],
  ]
  for (const [what, options, message] of badOptions) {
    it(`analysis options with ${what}: RangeError ERR_INVALID_CONFIG everywhere`, async () => {
      expectError(() => extractMfccSync(good, options), RangeError, ErrorCode.INVALID_CONFIG, message)
      expectError(() => extractFeaturesSync(good, options), RangeError, ErrorCode.INVALID_CONFIG, message)
      expectError(() => new FeatureExtractor(options), RangeError, ErrorCode.INVALID_CONFIG, message)
      await expectRejection(extractMfcc(good, options), RangeError, ErrorCode.INVALID_CONFIG, message)
      await expectRejection(extractFeatures(good, options), RangeError, ErrorCode.INVALID_CONFIG, message)
    })
  }

  const badLoudness: Array<[string, object, RegExp]> = [
    ['3 channels', { channels: 3 }, /channels = 3 is not supported: allowed 1 \(mono\), 2 \(L R\), 5/],
    ['a sample rate of 4 kHz', { sampleRate: 4000 }, /sampleRate = 4000 is out of range/],
    ['dualMono on stereo', { channels: 2, dualMono: true }, /dualMono applies to mono input only/],
    ['a positive target', { targetLufs: 3 }, /targetLufs = 3 is out of range: allowed -70 to 0 LUFS/],
    ['a peak ceiling without target', { maxTruePeakDbtp: -1 }, /maxTruePeakDbtp needs targetLufs/],
    ['an unknown key', { rate: 48000 }, /unknown field `rate`/],
  ]
  for (const [what, options, message] of badLoudness) {
    it(`loudness options with ${what}: RangeError ERR_INVALID_CONFIG`, async () => {
      expectError(() => measureLoudnessSync(good, options), RangeError, ErrorCode.INVALID_CONFIG, message)
      await expectRejection(measureLoudness(good, options), RangeError, ErrorCode.INVALID_CONFIG, message)
    })
  }

  it('interleaved input that is not whole frames is ERR_INVALID_AUDIO', async () => {
    const message = /interleaved audio of 5 samples is not a whole number of 2-channel frames/
    expectError(() => measureLoudnessSync(good.subarray(0, 5), { channels: 2 }), RangeError, ErrorCode.INVALID_AUDIO, message)
    await expectRejection(measureLoudness(good.subarray(0, 5), { channels: 2 }), RangeError, ErrorCode.INVALID_AUDIO, message)
  })

  for (const [what, value] of [['a number', 5], ['a string', 'fast'], ['an array', [1]]] as const) {
    it(`options given as ${what}: TypeError ERR_INVALID_ARG_TYPE`, async () => {
      const message = /"options" argument must be a plain object/
      expectError(() => extractMfccSync(good, value as object), TypeError, ErrorCode.INVALID_ARG_TYPE, message)
      expectError(() => new FeatureExtractor(value as object), TypeError, ErrorCode.INVALID_ARG_TYPE, message)
      expectError(() => measureLoudnessSync(good, value as object), TypeError, ErrorCode.INVALID_ARG_TYPE, message)
      await expectRejection(extractFeatures(good, value as object), TypeError, ErrorCode.INVALID_ARG_TYPE, message)
      await expectRejection(measureLoudness(good, value as object), TypeError, ErrorCode.INVALID_ARG_TYPE, message)
    })
  }
})
