// Every bad input gets a JS error with a stable code, and leaves the chain untouched.
import { describe, expect, it } from 'vitest'
import { ErrorCode, MixerChain } from '../dist/index.js'
import { FRAME, expectError, maxAbsDiff, speechLike } from './helpers.js'

const good = speechLike(FRAME * 10)

const wrongTypes: Array<[string, unknown, RegExp]> = [
  ['an Array', [0.1, 0.2], /Float32Array.*received an instance of Array/],
  ['a Float64Array', new Float64Array(960), /Float32Array.*another element type/],
  ['a Buffer', Buffer.alloc(16), /Float32Array.*another element type/],
  ['a string', 'samples', /Float32Array.*received type string/],
  ['a number', 42, /Float32Array.*received type number/],
  ['null', null, /Float32Array.*received null/],
  ['undefined', undefined, /Float32Array.*received undefined/],
  ['a plain object', { length: 960 }, /Float32Array.*received an object/],
]

const badAudio: Array<[string, Float32Array, RegExp]> = [
  ['an empty array', new Float32Array(0), /empty.*at least one sample/],
  ['a NaN sample', Float32Array.from({ length: 960 }, (_, i) => (i === 17 ? NaN : 0.1)), /sample 17 is NaN.*finite/],
  ['an Infinity sample', Float32Array.from({ length: 960 }, (_, i) => (i === 0 ? Infinity : 0)), /sample 0 is Infinity/],
  ['a -Infinity sample', Float32Array.from({ length: 960 }, (_, i) => (i === 959 ? -Infinity : 0)), /sample 959 is -Infinity/],
]

describe('bad audio input', () => {
  for (const [name, value, message] of wrongTypes) {
    it(`processSync(${name}) throws TypeError ERR_INVALID_ARG_TYPE`, () => {
      expectError(() => new MixerChain().processSync(value as Float32Array), TypeError, ErrorCode.INVALID_ARG_TYPE, message)
    })
    it(`process(${name}) rejects with TypeError ERR_INVALID_ARG_TYPE`, async () => {
      const err = await new MixerChain().process(value as Float32Array).then(() => null, (e: unknown) => e)
      expect(err).toBeInstanceOf(TypeError)
      expect(err).toMatchObject({ code: ErrorCode.INVALID_ARG_TYPE })
      expect((err as Error).message).toMatch(message)
    })
  }

  for (const [name, value, message] of badAudio) {
    it(`processSync(${name}) throws ERR_INVALID_AUDIO and leaves the state untouched`, () => {
      const chain = new MixerChain()
      const twin = new MixerChain()
      chain.processSync(good)
      twin.processSync(good)
      const meters = chain.meters()
      expectError(() => chain.processSync(value), RangeError, ErrorCode.INVALID_AUDIO, message)
      expect(chain.meters()).toEqual(meters)
      expect(maxAbsDiff(chain.processSync(good), twin.processSync(good))).toBe(0)
    })
    it(`process(${name}) rejects with ERR_INVALID_AUDIO, later calls unaffected`, async () => {
      const chain = new MixerChain()
      const twin = new MixerChain()
      const calls = [chain.process(good), chain.process(value), chain.process(good)]
      const [a, bad, c] = await Promise.allSettled(calls)
      expect(bad.status).toBe('rejected')
      expect((bad as PromiseRejectedResult).reason).toBeInstanceOf(RangeError)
      expect((bad as PromiseRejectedResult).reason).toMatchObject({ code: ErrorCode.INVALID_AUDIO })
      expect(((bad as PromiseRejectedResult).reason as Error).message).toMatch(message)
      expect(maxAbsDiff((a as PromiseFulfilledResult<Float32Array>).value, twin.processSync(good))).toBe(0)
      expect(maxAbsDiff((c as PromiseFulfilledResult<Float32Array>).value, twin.processSync(good))).toBe(0)
    })
  }
})

describe('bad configuration', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['a ratio below 1', { compressor: { ratio: 0.5 } }, /compressor\.ratio = 0\.5 is out of range: allowed 1 to 100/],
    ['a positive gate threshold', { gate: { thresholdDb: 3 } }, /gate\.thresholdDb = 3 is out of range: allowed -96 to 0 dBFS/],
    ['a lookahead over 20 ms', { limiter: { lookaheadMs: 50 } }, /limiter\.lookaheadMs = 50 .*0 to 20 ms/],
    ['a sample rate of 4 kHz', { sampleRate: 4000 }, /sampleRate = 4000 .*8000 to 192000 Hz/],
    ['an EQ band above 0.49 x sampleRate', { sampleRate: 16000, eq: { highFreqHz: 9000 } }, /eq\.highFreqHz = 9000 Hz .*below 7840 Hz/],
    ['an unknown top-level key', { volume: 3 }, /unknown field `volume`, expected one of `sampleRate`/],
    ['an unknown nested key', { compressor: { threshold: -10 } }, /compressor\.threshold: unknown field `threshold`.*`thresholdDb`/],
    ['a string where a number belongs', { eq: { midQ: 'wide' } }, /eq\.midQ: invalid type: string "wide", expected f64/],
    ['a stage that is not an object', { limiter: true }, /limiter: invalid type: boolean `true`/],
    ['NaN', { compressor: { makeupDb: NaN } }, /compressor\.makeupDb/],
  ]

  for (const [name, config, message] of cases) {
    it(`new MixerChain(${name}) throws RangeError ERR_INVALID_CONFIG`, () => {
      expectError(() => new MixerChain(config as object), RangeError, ErrorCode.INVALID_CONFIG, message)
    })
    it(`updateConfig(${name}) throws and changes nothing (all or nothing)`, () => {
      const chain = new MixerChain()
      const twin = new MixerChain()
      const before = chain.config
      // A valid change beside the invalid one must not be applied either.
      const partial = { ...(config as object), gate: { ...((config as { gate?: object }).gate ?? {}), holdMs: 999 } }
      expectError(() => chain.updateConfig(partial), RangeError, ErrorCode.INVALID_CONFIG, message)
      expect(chain.config).toEqual(before)
      expect(maxAbsDiff(chain.processSync(good), twin.processSync(good))).toBe(0)
    })
  }

  for (const [name, value] of [['a number', 5], ['a string', 'loud'], ['an array', [1, 2]]] as const) {
    it(`config given as ${name} throws TypeError ERR_INVALID_ARG_TYPE`, () => {
      expectError(() => new MixerChain(value as object), TypeError, ErrorCode.INVALID_ARG_TYPE, /must be a plain object/)
      expectError(() => new MixerChain().updateConfig(value as object), TypeError, ErrorCode.INVALID_ARG_TYPE, /must be a plain object/)
    })
  }
})
