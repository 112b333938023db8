// The WAV and resampling functions of the addon (readWav, decodeWav, writeWav, encodeWav,
// resample) and the stereo chain as JS sees them: files made and read by wavefile (an
// independent implementation), coded errors for every bad argument, and hostile bytes —
// mutated files — that must end in a result or a coded error, never a crash.
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { decodeWav, encodeWav, ErrorCode, MixerChain, readWav, resample, writeWav } from '../dist/index.js'
import { readWavFile, tempDir, writeWavFile } from './cli-helpers.js'
import { noise, sine } from './helpers.js'

const dir = tempDir()
const CODES = new Set<string>(Object.values(ErrorCode))

async function rejection(promise: Promise<unknown>): Promise<Error & { code: string }> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (e) => e,
  )
}

describe('readWav / writeWav', () => {
  it('reads what wavefile wrote, interleaved, and writes what wavefile reads back', async () => {
    const left = sine(4800, 440, 0.5)
    const right = noise(4800, 0.25, 3)
    const path = join(dir, 'st24.wav')
    writeWavFile(path, [left, right], 44_100, '24')
    const audio = await readWav(path)
    expect(audio).toMatchObject({ sampleRate: 44_100, channels: 2, format: 'int24' })
    expect(audio.samples).toBeInstanceOf(Float32Array)
    expect(audio.samples.length).toBe(9600)
    const expected = readWavFile(path).channels
    for (let i = 0; i < 4800; i++) {
      expect(audio.samples[2 * i]).toBe(Math.fround(expected[0][i]))
      expect(audio.samples[2 * i + 1]).toBe(Math.fround(expected[1][i]))
    }
    const out = join(dir, 'st24-copy.wav')
    expect(await writeWav(out, audio)).toEqual({ clippedSamples: 0 })
    const back = readWavFile(out)
    expect(back.depth).toBe('24')
    expect(back.channels.map((c) => Array.from(c))).toEqual(expected.map((c) => Array.from(c)))
  })

  it('decodes and encodes in memory; float32 is the default encoding and keeps values beyond ±1', async () => {
    const samples = Float32Array.of(0.5, -1.5, 2, 0)
    const { bytes, clippedSamples } = await encodeWav({ sampleRate: 8000, channels: 1, samples })
    expect(clippedSamples).toBe(0)
    const audio = await decodeWav(bytes)
    expect(audio).toMatchObject({ sampleRate: 8000, channels: 1, format: 'float32' })
    expect(Array.from(audio.samples)).toEqual([0.5, -1.5, 2, 0])
    const clipped = await encodeWav({ sampleRate: 8000, channels: 1, samples, format: 'int16' })
    expect(clipped.clippedSamples).toBe(2)
  })

  it.each<[string, () => Promise<unknown>, string, RegExp]>([
    ['a path that is not a string', () => readWav(42 as never), ErrorCode.INVALID_ARG_TYPE, /file path/],
    ['an empty path', () => readWav(''), ErrorCode.INVALID_ARG_TYPE, /non-empty string/],
    ['a missing file', () => readWav(join(dir, 'none.wav')), ErrorCode.WAV_IO, /none\.wav: No such file/],
    ['bytes that are not a Uint8Array', () => decodeWav('RIFF' as never), ErrorCode.INVALID_ARG_TYPE, /Uint8Array or Buffer/],
    ['audio without samples', () => encodeWav({ sampleRate: 48000, channels: 1 } as never), ErrorCode.INVALID_ARG_TYPE, /audio\.samples is missing/],
    ['samples that are not Float32Array', () => encodeWav({ sampleRate: 48000, channels: 1, samples: [0.1] } as never), ErrorCode.INVALID_ARG_TYPE, /audio\.samples.*Float32Array/],
    ['zero channels', () => encodeWav({ sampleRate: 48000, channels: 0, samples: new Float32Array(2) }), ErrorCode.INVALID_CONFIG, /audio\.channels = 0/],
    ['a fractional rate', () => encodeWav({ sampleRate: 44100.5, channels: 1, samples: new Float32Array(2) }), ErrorCode.INVALID_CONFIG, /audio\.sampleRate = 44100\.5/],
    ['an unknown format', () => encodeWav({ sampleRate: 48000, channels: 1, samples: new Float32Array(2), format: 'int12' as never }), ErrorCode.INVALID_CONFIG, /"int12" is not supported: allowed int8, int16, int24, int32, float32/],
    ['an unknown key', () => encodeWav({ sampleRate: 48000, channels: 1, samples: new Float32Array(2), rate: 1 } as never), ErrorCode.INVALID_CONFIG, /unknown field `rate`/],
    ['a partial frame', () => encodeWav({ sampleRate: 48000, channels: 2, samples: new Float32Array(3) }), ErrorCode.INVALID_AUDIO, /3 samples are not a whole number of 2-channel frames/],
    ['a NaN sample', () => writeWav(join(dir, 'nan.wav'), { sampleRate: 48000, channels: 1, samples: Float32Array.of(0, NaN) }), ErrorCode.INVALID_AUDIO, /sample 1 \(frame 1, channel 0\) is NaN/],
    ['a directory that does not exist', () => writeWav(join(dir, 'no', 'x.wav'), { sampleRate: 48000, channels: 1, samples: new Float32Array(1) }), ErrorCode.WAV_IO, /x\.wav/],
  ])('rejects %s with %s', async (_what, call, code, message) => {
    const err = await rejection(call())
    expect(err.code).toBe(code)
    expect(err.message).toMatch(message)
  })

  it('turns every mutation of a valid file into a result or a coded error (no crash, no hang)', async () => {
    const path = join(dir, 'seed.wav')
    writeWavFile(path, [sine(2000, 440, 0.5), noise(2000, 0.5, 9)], 22_050, '16')
    const seed = readFileSync(path)
    let state = 0x12345678
    const rand = (n: number) => {
      state ^= state << 13
      state ^= state >>> 17
      state ^= state << 5
      return (state >>> 0) % n
    }
    const outcomes = { ok: 0, refused: 0 }
    for (let k = 0; k < 400; k++) {
      const bytes = Buffer.from(seed)
      // Mostly header bytes: that is where a parser can be led astray.
      for (let m = 0; m <= rand(4); m++) bytes[rand(k % 2 ? 64 : bytes.length)] = rand(256)
      const cut = k % 5 === 0 ? bytes.subarray(0, rand(bytes.length)) : bytes
      try {
        const audio = await decodeWav(cut)
        expect(audio.samples.length % audio.channels).toBe(0)
        outcomes.ok++
      } catch (e) {
        const err = e as Error & { code: string }
        expect(CODES.has(err.code), `${err.code}: ${err.message}`).toBe(true)
        outcomes.refused++
      }
    }
    expect(outcomes.ok).toBeGreaterThan(0)
    expect(outcomes.refused).toBeGreaterThan(0)
  })
})

describe('resample', () => {
  it('converts a stereo sine to 48 kHz: round(frames · 48000/22050) frames of the same sines', async () => {
    const frames = 22_050
    const l = sine(frames, 440, 0.5, 22_050)
    const r = sine(frames, 3000, 0.25, 22_050)
    const interleaved = new Float32Array(2 * frames)
    for (let i = 0; i < frames; i++) [interleaved[2 * i], interleaved[2 * i + 1]] = [l[i], r[i]]
    const out = await resample(interleaved, { sampleRate: 22_050, targetSampleRate: 48_000, channels: 2 })
    expect(out.length).toBe(2 * 48_000)
    let worst = 0
    for (let i = 480; i < 48_000 - 480; i++) {
      worst = Math.max(worst, Math.abs(out[2 * i] - 0.5 * Math.sin((2 * Math.PI * 440 * i) / 48_000)))
      worst = Math.max(worst, Math.abs(out[2 * i + 1] - 0.25 * Math.sin((2 * Math.PI * 3000 * i) / 48_000)))
    }
    expect(worst).toBeLessThan(5e-5)
  })

  it.each<[string, unknown, string, RegExp]>([
    ['a rate below 8 kHz', { sampleRate: 4000, targetSampleRate: 48000 }, ErrorCode.INVALID_CONFIG, /sample rate 4000 Hz cannot be converted/],
    ['a target above 192 kHz', { sampleRate: 48000, targetSampleRate: 384000 }, ErrorCode.INVALID_CONFIG, /target sample rate 384000 Hz/],
    ['no options', undefined, ErrorCode.INVALID_ARG_TYPE, /options/],
    ['a missing target', { sampleRate: 48000 }, ErrorCode.INVALID_CONFIG, /targetSampleRate/],
    ['zero channels', { sampleRate: 48000, targetSampleRate: 44100, channels: 0 }, ErrorCode.INVALID_CONFIG, /channels = 0/],
  ])('rejects %s', async (_what, options, code, message) => {
    const err = await rejection(resample(new Float32Array(4), options as never))
    expect(err.code).toBe(code)
    expect(err.message).toMatch(message)
  })
})

describe('stereo MixerChain', () => {
  it('processes interleaved frames with one gain on both sides; identical channels come out as mono', () => {
    const x = noise(9600, 0.8, 5)
    const dual = new Float32Array(2 * x.length)
    x.forEach((v, i) => (dual[2 * i] = dual[2 * i + 1] = v))
    const stereo = new MixerChain({ channels: 2 })
    expect(stereo.config.channels).toBe(2)
    expect(new MixerChain().config.channels).toBeUndefined()
    const out = stereo.processSync(dual)
    const mono = new MixerChain().processSync(x)
    for (let i = 0; i < x.length; i++) {
      expect(out[2 * i]).toBe(mono[i])
      expect(out[2 * i + 1]).toBe(mono[i])
    }
  })

  it('refuses a partial frame and a third channel', async () => {
    const chain = new MixerChain({ channels: 2 })
    const err = await rejection(chain.process(new Float32Array(961)))
    expect(err).toMatchObject({ code: ErrorCode.INVALID_AUDIO })
    expect(err.message).toMatch(/961 samples is not a whole number of 2-channel frames/)
    expect(() => new MixerChain({ channels: 3 as never })).toThrow(/channels = 3 is not supported: allowed 1 \(mono\) or 2/)
  })

  it('presetConfig gives a genre preset as a fixed configuration (the README table)', () => {
    const speech = MixerChain.presetConfig('speech')
    expect(speech.gate).toMatchObject({ thresholdDb: -50, rangeDb: -30 })
    expect(speech.compressor).toMatchObject({ thresholdDb: -24, ratio: 4, kneeDb: 6, attackMs: 5, releaseMs: 120, makeupDb: 6 })
    expect(speech.eq).toMatchObject({ lowFreqHz: 120, lowGainDb: -6, midFreqHz: 4000, midGainDb: 3, midQ: 1, highFreqHz: 10_000, highGainDb: 1 })
    // The preset's values over a given configuration; the rest is kept.
    const kept = MixerChain.presetConfig('neutral', { limiter: { ceilingDb: -3 }, channels: 2 })
    expect(kept).toMatchObject({ channels: 2, limiter: { ceilingDb: -3 }, compressor: { ratio: 2 } })
    expect(() => MixerChain.presetConfig('loud' as never)).toThrow(/preset "loud" is not one of neutral, speech, rock, jazz, electronic, classical/)
  })
})

