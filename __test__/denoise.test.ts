// Noise suppression through the binding: the chain's `denoise` stage (latency, effect on
// speech in noise, block and channel behaviour, validation) and denoise.wasm beside it.
// Its agreement with RNNoise itself and its SI-SDR gain are tested in Rust
// (crates/dsp/tests/denoise.rs, denoise_quality.rs).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ErrorCode, MixerChain, WasmEdgeNode, readWav } from '../dist/index.js'
import { SR, expectError, inBlocks, maxAbsDiff, noise, only } from './helpers.js'

const SET = join(__dirname, '..', 'crates', 'dsp', 'tests', 'vad_set')
const DENOISE_LATENCY = 960

/** The VAD set's espeak-ng speech (48 kHz) and its per-960-sample labels (1 = speech). */
async function speechSet(): Promise<{ speech: Float32Array; labels: boolean[] }> {
  const wav = await readWav(join(SET, 'speech.wav'))
  expect(wav.sampleRate).toBe(SR)
  const { labels } = JSON.parse(readFileSync(join(SET, 'speech.json'), 'utf8')) as { labels: string }
  return { speech: wav.samples, labels: [...labels].map((c) => c === '1') }
}

const energy = (x: Float32Array, from: number, to: number) => {
  let e = 0
  for (let i = from; i < to; i++) e += x[i] * x[i]
  return e
}

/** Energy of `x` over the 960-sample frames whose label is `label`, shifted by `lag`. */
function labelledEnergy(x: Float32Array, labels: boolean[], label: boolean, lag = 0): number {
  let e = 0
  labels.forEach((l, k) => {
    if (l === label && (k + 1) * 960 + lag <= x.length) e += energy(x, k * 960 + lag, (k + 1) * 960 + lag)
  })
  return e
}

/** Only the denoiser: every other stage bypassed, the limiter transparent under its ceiling. */
const denoiseOnly = (denoise: object) => ({ ...only('limiter'), limiter: { ceilingDb: 0 }, denoise: { enabled: true, ...denoise } })

describe('MixerChain denoise stage', () => {
  it('is off by default and then absent from the configuration', () => {
    const chain = new MixerChain()
    expect(chain.config.denoise).toBeUndefined()
    expect(chain.latencySamples).toBe(240)
    chain.processSync(noise(960, 0.1))
    expect(chain.meters().denoiseSpeechProbability).toBeUndefined()
  })

  it('adds 960 samples of latency: with no reduction allowed it is a pure delay of latencySamples', () => {
    const chain = new MixerChain(denoiseOnly({ attenuationLimitDb: 0 }))
    expect(chain.config.denoise).toEqual({ enabled: true, attenuationLimitDb: 0 })
    expect(chain.latencySamples).toBe(240 + DENOISE_LATENCY)
    const x = noise(10 * 960, 0.5)
    const y = chain.processSync(x)
    const L = chain.latencySamples
    for (let n = 0; n < x.length; n++) expect(y[n]).toBe(n < L ? 0 : x[n - L])
  })

  it('takes the noise out of the pauses and keeps the speech (speech + white noise at 10 dB)', async () => {
    const { speech, labels } = await speechSet()
    const n = 20 * SR
    const noisy = new Float32Array(n)
    // White noise 10 dB under the speech-active level (−26 dBFS RMS): −36 dBFS RMS.
    const w = noise(n, 10 ** (-36 / 20) * Math.sqrt(3))
    for (let i = 0; i < n; i++) noisy[i] = speech[i] + w[i]
    const chain = new MixerChain(denoiseOnly({}))
    const out = chain.processSync(noisy)
    const L = chain.latencySamples
    const set = labels.slice(0, n / 960)
    const pauseDb = 10 * Math.log10(labelledEnergy(out, set, false, L) / labelledEnergy(noisy, set, false))
    const speechDb = 10 * Math.log10(labelledEnergy(out, set, true, L) / labelledEnergy(speech, set, true))
    // Measured: −13.2 dB (the pause frames next to speech keep some of its tail and the
    // noise RNNoise lets through with it); a floor of 10 dB, well clear of no effect.
    expect(pauseDb, 'noise in the pauses').toBeLessThan(-10)
    expect(Math.abs(speechDb), 'level of the speech frames').toBeLessThan(3)
  })

  it('gives the same output at any block length, and identical stereo channels the mono result', async () => {
    const { speech } = await speechSet()
    const x = speech.subarray(0, 3 * SR).map((s, i) => s + 0.01 * Math.sin(i))
    const whole = new MixerChain({ denoise: { enabled: true } }).processSync(x)
    expect(maxAbsDiff(inBlocks(new MixerChain({ denoise: { enabled: true } }), x, 960), whole)).toBe(0)
    expect(maxAbsDiff(inBlocks(new MixerChain({ denoise: { enabled: true } }), x, 37), whole)).toBe(0)
    const stereo = new MixerChain({ channels: 2, denoise: { enabled: true } })
    const interleaved = new Float32Array(2 * x.length)
    x.forEach((s, i) => interleaved.set([s, s], 2 * i))
    const y = inBlocks(stereo, interleaved, 2 * 333)
    expect(maxAbsDiff(y.filter((_, i) => i % 2 === 0), whole)).toBe(0)
    expect(maxAbsDiff(y.filter((_, i) => i % 2 === 1), whole)).toBe(0)
  })

  it('turns on and off between blocks, moving the latency and the meter with it', async () => {
    const { speech, labels } = await speechSet()
    const chain = new MixerChain()
    chain.updateConfig({ denoise: { enabled: true } })
    expect(chain.latencySamples).toBe(1200)
    // 20 frames from inside the first utterance that lasts that long.
    const start = labels.findIndex((_, k) => labels.slice(k, k + 20).length === 20 && labels.slice(k, k + 20).every(Boolean))
    const probabilities = Array.from({ length: 20 }, (_, k) => {
      chain.processSync(speech.subarray((start + k) * 960, (start + k + 1) * 960))
      return chain.meters().denoiseSpeechProbability!
    })
    expect(Math.max(...probabilities), 'speech frames').toBeGreaterThan(0.5)
    for (let k = 0; k < 50; k++) chain.processSync(noise(960, 0.003, 17 + k))
    expect(chain.meters().denoiseSpeechProbability!, 'white noise').toBeLessThan(0.2)
    chain.updateConfig({ denoise: { enabled: false } })
    expect(chain.latencySamples).toBe(240)
    chain.processSync(noise(960, 0.01))
    expect(chain.meters().denoiseSpeechProbability).toBeUndefined()
  })

  const bad: Array<[string, object, RegExp]> = [
    ['an attenuation limit over 100 dB', { denoise: { attenuationLimitDb: 150 } }, /denoise\.attenuationLimitDb = 150 is out of range: allowed 0 to 100 dB/],
    ['a negative attenuation limit', { denoise: { attenuationLimitDb: -1 } }, /denoise\.attenuationLimitDb = -1 is out of range: allowed 0 to 100 dB/],
    ['another sample rate', { sampleRate: 44100, denoise: { enabled: true } }, /denoise\.enabled needs sampleRate 48000.*allowed sample rates: 48000.*44100/],
    ['an unknown key', { denoise: { enabled: true, strength: 3 } }, /denoise\.strength: unknown field `strength`.*`enabled`.*`attenuationLimitDb`/],
    ['a string for enabled', { denoise: { enabled: 'yes' } }, /denoise\.enabled: invalid type: string "yes", expected a boolean/],
    ['a stage that is not an object', { denoise: 1 }, /denoise: invalid type: integer `1`/],
    ['NaN', { denoise: { attenuationLimitDb: NaN } }, /denoise\.attenuationLimitDb/],
  ]
  for (const [what, config, message] of bad) {
    it(`refuses ${what} with RangeError ERR_INVALID_CONFIG, changing nothing`, () => {
      expectError(() => new MixerChain(config), RangeError, ErrorCode.INVALID_CONFIG, message)
      const chain = new MixerChain()
      expectError(() => chain.updateConfig(config), RangeError, ErrorCode.INVALID_CONFIG, message)
      expect(chain.config).toEqual(new MixerChain().config)
    })
  }

  it('refuses a new sample rate while the stage is on', () => {
    const chain = new MixerChain({ denoise: { enabled: true } })
    expectError(() => chain.updateConfig({ sampleRate: 16000 }), RangeError, ErrorCode.INVALID_CONFIG, /needs sampleRate 48000.*16000/)
    expect(chain.config.sampleRate).toBe(SR)
  })
})

describe('denoise.wasm', () => {
  it('matches the native stage (to 1e-4 of full scale) on speech in noise, mono and stereo', async () => {
    const { speech } = await speechSet()
    const x = speech.subarray(0, 2 * SR).map((s, i) => s + 0.02 * Math.sin(0.7 * i * i))
    const native = new MixerChain(denoiseOnly({})).processSync(x).subarray(240)
    const node = await WasmEdgeNode.load(join(__dirname, '..', 'wasm-modules', 'dist', 'denoise.wasm'))
    const session = await node.createSession()
    const parts: Float32Array[] = []
    for (let i = 0; i < x.length; i += 960) parts.push((await session.process(x.subarray(i, i + 960))) as Float32Array)
    await session.close()
    const wasm = new Float32Array(x.length)
    parts.forEach((p, k) => wasm.set(p, 960 * k))
    expect(maxAbsDiff(wasm.subarray(0, native.length), native)).toBeLessThan(1e-4)
    expect(energy(wasm, DENOISE_LATENCY, x.length)).toBeGreaterThan(0)
  })

  it('refuses a bad configuration with ERR_INVALID_CONFIG', async () => {
    const path = join(__dirname, '..', 'wasm-modules', 'dist', 'denoise.wasm')
    for (const config of [{ attenuationLimitDb: 101 }, { channels: 3 }, { strength: 1 }]) {
      const err = await WasmEdgeNode.load(path, { config }).then((n) => n.createSession()).then(() => null, (e: unknown) => e)
      expect(err, JSON.stringify(config)).toMatchObject({ code: ErrorCode.INVALID_CONFIG })
    }
  })
})
