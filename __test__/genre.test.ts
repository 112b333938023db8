// Genre detection through the addon: the committed held-out clips (rendered by
// crates/dsp/genre/heldout.py from seeds never used in training, labels in labels.json),
// streaming smoothing and hysteresis on clips of different genres back to back,
// async = sync, and coded errors for every bad input.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { WaveFile } from 'wavefile'
import { describe, expect, it } from 'vitest'
import { ErrorCode, GenreClassifier, classifyGenre, classifyGenreSync } from '../dist/index.js'
import type { GenreName, GenreResult } from '../dist/index.js'
import { expectError, expectRejection, noise } from './helpers.js'

const SET = join(__dirname, '../crates/dsp/tests/genre_set')
const GENRES: GenreName[] = ['speech', 'rock', 'jazz', 'electronic', 'classical']
const labels = JSON.parse(readFileSync(join(SET, 'labels.json'), 'utf8')) as {
  rate: number
  clips: Array<{ file: string; genre: GenreName }>
}
const RATE = labels.rate

function clip(file: string): Float32Array {
  const wav = new WaveFile(readFileSync(join(SET, file)))
  wav.toBitDepth('32f')
  return wav.getSamples(false, Float32Array) as unknown as Float32Array
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

function expectWellFormed(r: GenreResult) {
  const p = GENRES.map((g) => r.probabilities[g])
  expect(Object.keys(r.probabilities).sort()).toEqual([...GENRES].sort())
  expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5)
  for (const v of p) expect(v).toBeGreaterThanOrEqual(0)
}

describe('classifyGenre on held-out synthetic clips', () => {
  it('names the most probable genre, gets the speech/music split right and at least 80 % of the genres', async () => {
    let correct = 0
    for (const { file, genre } of labels.clips) {
      const x = clip(file)
      const r = classifyGenreSync(x, { sampleRate: RATE })
      expectWellFormed(r)
      const best = GENRES.reduce((a, g) => (r.probabilities[g] > r.probabilities[a] ? g : a))
      expect(r.genre).toBe(best)
      expect(r.confidence).toBe(r.probabilities[best])
      expect(r.genre === 'speech', `${file}: ${r.genre}`).toBe(genre === 'speech')
      if (r.genre === genre) correct++
      // Off the JS thread: the same numbers.
      expect(await classifyGenre(x, { sampleRate: RATE })).toEqual(r)
    }
    expect(correct / labels.clips.length).toBeGreaterThanOrEqual(0.8)
  })
})

describe('GenreClassifier (streaming)', () => {
  // 12 s of each genre in turn: two held-out clips of speech, then classical, then rock.
  const order: GenreName[] = ['speech', 'classical', 'rock']
  const segments = order.map((g) => concat(labels.clips.filter((c) => c.genre === g).map((c) => clip(c.file))))
  const signal = concat(segments)
  const BLOCK = 320 // 20 ms at 16 kHz
  const run = (options: object) => {
    const c = new GenreClassifier({ sampleRate: RATE, ...options })
    const out: GenreResult[] = []
    for (let at = 0; at + BLOCK <= signal.length; at += BLOCK) out.push(c.pushSync(signal.subarray(at, at + BLOCK)))
    return out
  }
  const ends = segments.map((_, i) => segments.slice(0, i + 1).reduce((n, s) => n + s.length, 0) / BLOCK - 1)

  it('reports nothing for the first 3 s, then follows each genre with one switch per change', () => {
    const decisions = run({})
    for (const d of decisions.slice(0, (3 * RATE) / BLOCK - 1)) {
      expect(d.genre).toBeNull()
      expect(d.confidence).toBe(0)
      for (const g of GENRES) expect(d.probabilities[g]).toBeCloseTo(0.2, 6)
    }
    ends.forEach((end, i) => expect(decisions[end].genre, `end of ${order[i]}`).toBe(order[i]))
    const named = decisions.map((d) => d.genre).filter((g) => g !== null)
    const switches = named.filter((g, i) => i > 0 && g !== named[i - 1]).length
    expect(switches).toBe(order.length - 1)
    for (const d of decisions) expectWellFormed(d)
  })

  it('switches later with more smoothing and hold, and flickers without them', () => {
    const firstAfter = (decisions: GenreResult[], from: number, genre: GenreName) =>
      decisions.findIndex((d, i) => i > from && d.genre === genre)
    const slow = run({ smoothingMs: 4000, holdMs: 2000 })
    const fast = run({ smoothingMs: 0, holdMs: 0, margin: 0 })
    const normal = run({})
    const lag = (d: GenreResult[]) => firstAfter(d, ends[0], 'classical') - ends[0]
    expect(lag(fast)).toBeGreaterThan(0)
    expect(lag(fast)).toBeLessThanOrEqual(lag(normal))
    expect(lag(normal)).toBeLessThan(lag(slow))
    // Raw window decisions change at least as often as the smoothed, held ones.
    const changes = (d: GenreResult[]) => d.filter((x, i) => i > 0 && x.genre !== d[i - 1].genre).length
    expect(changes(fast)).toBeGreaterThanOrEqual(changes(normal))
  })

  it('push() resolves the same decisions in call order', async () => {
    const c = new GenreClassifier({ sampleRate: RATE })
    const promises: Promise<GenreResult>[] = []
    for (let at = 0; at + BLOCK <= signal.length; at += BLOCK) promises.push(c.push(signal.subarray(at, at + BLOCK)))
    expect(await Promise.all(promises)).toEqual(run({}))
  })

  it('reset() forgets the history; options() reports every default', () => {
    const c = new GenreClassifier({ sampleRate: RATE })
    c.pushSync(segments[0])
    c.reset()
    expect(c.pushSync(segments[0].subarray(0, RATE)).genre).toBeNull()
    expect(c.options).toEqual({ sampleRate: RATE, hopMs: 500, smoothingMs: 2000, holdMs: 1000, margin: 0.1, threshold: 0.5 })
  })
})

describe('bad input', () => {
  const good = noise(4 * 48_000, 0.1)
  const wrongTypes: Array<[string, unknown, RegExp]> = [
    ['an Array', [0.1, 0.2], /Float32Array.*received an instance of Array/],
    ['a Float64Array', new Float64Array(2048), /Float32Array.*another element type/],
    ['null', null, /Float32Array.*received null/],
  ]
  const calls: Array<[string, (x: unknown) => unknown, (x: unknown) => Promise<unknown>]> = [
    ['classifyGenre', (x) => classifyGenreSync(x as Float32Array), (x) => classifyGenre(x as Float32Array)],
    ['GenreClassifier.push', (x) => new GenreClassifier().pushSync(x as Float32Array), (x) => new GenreClassifier().push(x as Float32Array)],
  ]
  for (const [name, sync, async] of calls) {
    for (const [what, value, message] of wrongTypes) {
      it(`${name}(${what}): TypeError ERR_INVALID_ARG_TYPE`, async () => {
        expectError(() => sync(value), TypeError, ErrorCode.INVALID_ARG_TYPE, message)
        await expectRejection(async(value), TypeError, ErrorCode.INVALID_ARG_TYPE, message)
      })
    }
    it(`${name}(NaN sample): RangeError ERR_INVALID_AUDIO`, async () => {
      const bad = good.slice()
      bad[17] = NaN
      expectError(() => sync(bad), RangeError, ErrorCode.INVALID_AUDIO, /sample 17 is NaN/)
      await expectRejection(async(bad), RangeError, ErrorCode.INVALID_AUDIO, /sample 17 is NaN/)
    })
  }

  it('classifyGenre: empty and too-short input name the minimum length (3 s)', async () => {
    expectError(() => classifyGenreSync(new Float32Array(0)), RangeError, ErrorCode.INVALID_AUDIO, /empty/)
    let message = ''
    try {
      classifyGenreSync(good.subarray(0, 48_000))
    } catch (e) {
      message = (e as Error).message
    }
    const min = Number(/at least (\d+) samples/.exec(message)?.[1])
    expect(min).toBeGreaterThan(2.99 * 48_000)
    expect(min).toBeLessThanOrEqual(3 * 48_000)
    // The stated minimum is exactly enough.
    expect(classifyGenreSync(good.subarray(0, min)).genre).not.toBeNull()
    expectError(() => classifyGenreSync(good.subarray(0, min - 1)), RangeError, ErrorCode.INVALID_AUDIO, new RegExp(`${min - 1} samples.*at least ${min} samples`))
    await expectRejection(classifyGenre(good.subarray(0, min - 1)), RangeError, ErrorCode.INVALID_AUDIO, /3 s analysis window/)
    // The same 3 s at 16 kHz.
    expectError(() => classifyGenreSync(good.subarray(0, 40_000), { sampleRate: 16_000 }), RangeError, ErrorCode.INVALID_AUDIO, /sampleRate = 16000/)
  })

  const badOptions: Array<[object, RegExp]> = [
    [{ sampleRate: 8000 }, /sampleRate = 8000 is out of range: allowed 16000 to 192000 Hz/],
    [{ sampleRate: 44_101 }, /sampleRate = 44101 is not supported/],
    [{ rate: 48_000 }, /unknown field `rate`/],
    [{ sampleRate: 'fast' }, /sampleRate/],
  ]
  for (const [options, message] of badOptions) {
    it(`classifyGenre(${JSON.stringify(options)}): RangeError ERR_INVALID_CONFIG`, async () => {
      expectError(() => classifyGenreSync(good, options), RangeError, ErrorCode.INVALID_CONFIG, message)
      await expectRejection(classifyGenre(good, options), RangeError, ErrorCode.INVALID_CONFIG, message)
      expectError(() => new GenreClassifier(options), RangeError, ErrorCode.INVALID_CONFIG, message)
    })
  }
  const badStreaming: Array<[object, RegExp]> = [
    [{ hopMs: 10 }, /hopMs = 10 is out of range: allowed 20 to 3000 ms/],
    [{ smoothingMs: -1 }, /smoothingMs = -1 is out of range/],
    [{ holdMs: 1e6 }, /holdMs = 1000000 is out of range/],
    [{ margin: 0.7 }, /margin = 0.7 is out of range: allowed 0 to 0.5/],
    [{ threshold: 2 }, /threshold = 2 is out of range: allowed 0 to 1/],
    [{ threshold: '0.5' }, /threshold/],
  ]
  for (const [options, message] of badStreaming) {
    it(`new GenreClassifier(${JSON.stringify(options)}): RangeError ERR_INVALID_CONFIG`, () => {
      expectError(() => new GenreClassifier(options), RangeError, ErrorCode.INVALID_CONFIG, message)
    })
  }
  it('options that are not an object: TypeError ERR_INVALID_ARG_TYPE', async () => {
    expectError(() => classifyGenreSync(good, 'x' as never), TypeError, ErrorCode.INVALID_ARG_TYPE, /options.*plain object/)
    await expectRejection(classifyGenre(good, 42 as never), TypeError, ErrorCode.INVALID_ARG_TYPE, /options.*plain object/)
    expectError(() => new GenreClassifier([] as never), TypeError, ErrorCode.INVALID_ARG_TYPE, /options.*plain object/)
  })
})
