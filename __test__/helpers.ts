/** Signal generators, analytic references and assertions shared by the test suites. */
import { expect } from 'vitest'

export const SR = 48_000
export const FRAME = 960

/** Deterministic white noise in [-amp, amp) (xorshift32). */
export function noise(length: number, amp = 1, seed = 0x9e3779b9): Float32Array {
  let s = seed >>> 0 || 1
  const out = new Float32Array(length)
  for (let i = 0; i < length; i++) {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    out[i] = amp * (s / 2 ** 32 * 2 - 1)
  }
  return out
}

export function sine(length: number, freqHz: number, amp: number, sampleRate = SR): Float32Array {
  const out = new Float32Array(length)
  for (let i = 0; i < length; i++) out[i] = amp * Math.sin((2 * Math.PI * freqHz * i) / sampleRate)
  return out
}

/** Speech-like material: a 150 Hz harmonic buzz with 4 Hz syllables, pauses and a loud shout. */
export function speechLike(length: number): Float32Array {
  const hiss = noise(length, 0.003, 7)
  const out = new Float32Array(length)
  for (let i = 0; i < length; i++) {
    const t = i / SR
    const syllable = Math.max(0, Math.sin(2 * Math.PI * 4 * t))
    let voiced = 0
    for (let h = 1; h < 8; h++) voiced += Math.sin(2 * Math.PI * 150 * h * t) / h
    const shout = t > 1.5 && t < 2 ? 3 : 1
    const pause = Math.floor(t * 2) % 3 === 2 ? 0 : 1
    out[i] = 0.3 * shout * pause * syllable * voiced + hiss[i]
  }
  return out
}

export const db = (x: number) => 20 * Math.log10(x)

/** Amplitude of the `freqHz` component of `x[start..]` by least squares over whole samples. */
export function sineAmplitude(x: Float32Array, freqHz: number, start: number, sampleRate = SR): number {
  let ss = 0, cc = 0, sc = 0, xs = 0, xc = 0
  for (let n = start; n < x.length; n++) {
    const w = (2 * Math.PI * freqHz * n) / sampleRate
    const s = Math.sin(w), c = Math.cos(w)
    ss += s * s; cc += c * c; sc += s * c; xs += x[n] * s; xc += x[n] * c
  }
  const det = ss * cc - sc * sc
  const a = (xs * cc - xc * sc) / det
  const b = (xc * ss - xs * sc) / det
  return Math.hypot(a, b)
}

type Complex = [number, number]
const cmul = (a: Complex, b: Complex): Complex => [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]]
const cabs = (a: Complex) => Math.hypot(a[0], a[1])

/**
 * RBJ cookbook magnitude (dB) of a band at `freqHz`: the analog prototype evaluated at
 * s = j·tan(w/2)/tan(w0/2) (the bilinear transform prewarped at w0). Shelves use S = 1.
 */
export function rbjMagnitudeDb(
  kind: 'lowShelf' | 'peak' | 'highShelf',
  f0: number,
  gainDb: number,
  freqHz: number,
  q = Math.SQRT1_2,
  sampleRate = SR,
): number {
  const A = 10 ** (gainDb / 40)
  const w = Math.tan((Math.PI * freqHz) / sampleRate) / Math.tan((Math.PI * f0) / sampleRate)
  const s: Complex = [0, w]
  const s2 = cmul(s, s)
  const poly = (c2: number, c1: number, c0: number): Complex => [c2 * s2[0] + c1 * s[0] + c0, c2 * s2[1] + c1 * s[1]]
  let num: Complex, den: Complex, k = 1
  const r = Math.sqrt(A) / q
  if (kind === 'peak') {
    num = poly(1, A / q, 1)
    den = poly(1, 1 / (A * q), 1)
  } else if (kind === 'lowShelf') {
    k = A
    num = poly(1, r, A)
    den = poly(A, r, 1)
  } else {
    k = A
    num = poly(A, r, 1)
    den = poly(1, r, A)
  }
  return db((k * cabs(num)) / cabs(den))
}

/** Giannoulis et al. (2012) soft-knee static gain reduction in dB (>= 0). */
export function compressorReductionDb(levelDb: number, thresholdDb: number, ratio: number, kneeDb: number): number {
  const over = levelDb - thresholdDb
  if (2 * over < -kneeDb) return 0
  if (2 * over > kneeDb) return (1 - 1 / ratio) * over
  return ((1 - 1 / ratio) * (over + kneeDb / 2) ** 2) / (2 * kneeDb)
}

/** A config with every stage bypassed except those named. */
export function only(...stages: Array<'gate' | 'compressor' | 'eq' | 'limiter'>) {
  const all = ['gate', 'compressor', 'eq', 'limiter'] as const
  return Object.fromEntries(all.map((s) => [s, { bypass: !stages.includes(s) }]))
}

/** Processes `x` with `processSync` in blocks of `block` samples. */
export function inBlocks(chain: { processSync(x: Float32Array): Float32Array }, x: Float32Array, block: number) {
  const out = new Float32Array(x.length)
  for (let i = 0; i < x.length; i += block) out.set(chain.processSync(x.subarray(i, i + block)), i)
  return out
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`)
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}

/** Asserts that `fn` throws an instance of `cls` with `code` and a message matching `message`. */
export function expectError(fn: () => unknown, cls: ErrorConstructor, code: string, message: RegExp) {
  let caught: unknown
  try {
    fn()
  } catch (e) {
    caught = e
  }
  expect(caught, 'expected a throw').toBeInstanceOf(cls)
  expect((caught as { code: string }).code).toBe(code)
  expect((caught as Error).message).toMatch(message)
}

/** Asserts that `promise` rejects with an instance of `cls` with `code` and a message matching `message`. */
export async function expectRejection(promise: Promise<unknown>, cls: ErrorConstructor, code: string, message: RegExp) {
  const err = await promise.then(() => null, (e: unknown) => e)
  expect(err, 'expected a rejection').toBeInstanceOf(cls)
  expect(err).toMatchObject({ code })
  expect((err as Error).message).toMatch(message)
}
