/**
 * WAV files in and out of the 48 kHz chain: read (any rate the resampler takes, mono or
 * stereo), converted to 48 kHz, and back to the file's rate and encoding. Refusals keep
 * their code and name the file.
 */
import { readWav, resample, writeWav, type WavAudio, type WavFormat } from '../../index.js'
import { coded } from './args.js'
import { ErrorCode } from '../errors.js'

/** The chain's rate, Hz: files at other rates are converted to it and back. */
export const CHAIN_RATE = 48_000
/** Samples per channel in one 20 ms frame at CHAIN_RATE. */
export const FRAME = 960

/** `err` with the file named in its message (once), its code kept. */
function about(path: string, err: unknown): Error {
  const e = err as Error & { code?: string }
  if (typeof e?.message === 'string' && !e.message.includes(path)) e.message = `${path}: ${e.message}`
  return e
}

export interface ChainInput {
  /** The file as read. */
  file: WavAudio
  channels: 1 | 2
  /** Interleaved samples at CHAIN_RATE. */
  samples: Float32Array
}

/** Reads a mono or stereo WAV file and converts it to CHAIN_RATE. */
export async function readForChain(path: string): Promise<ChainInput> {
  let file: WavAudio
  try {
    file = await readWav(path)
  } catch (err) {
    throw about(path, err)
  }
  if (file.channels > 2) {
    throw coded(ErrorCode.WAV_UNSUPPORTED, `${path} has ${file.channels} channels: edgemix processes mono or stereo (1 or 2 channels)`)
  }
  if (file.samples.length === 0) throw coded(ErrorCode.INVALID_AUDIO, `${path} holds no audio (its data chunk is empty)`)
  return { file, channels: file.channels as 1 | 2, samples: await toRate(path, file.samples, file.channels, file.sampleRate, CHAIN_RATE) }
}

/** Converts interleaved samples between rates (a copy-free no-op when equal). */
export async function toRate(path: string, samples: Float32Array, channels: number, from: number, to: number): Promise<Float32Array> {
  if (from === to) return samples
  try {
    return await resample(samples, { sampleRate: from, targetSampleRate: to, channels })
  } catch (err) {
    // A rate the resampler does not take is a property of the file.
    const e = about(path, err) as Error & { code?: string }
    if (e.code === ErrorCode.INVALID_CONFIG) e.code = ErrorCode.WAV_UNSUPPORTED
    throw e
  }
}

/** Writes samples at CHAIN_RATE to `path` at `rate` in `format`; resolves to the clipped count. */
export async function writeFromChain(path: string, samples: Float32Array, channels: number, rate: number, format: WavFormat): Promise<number> {
  const out = await toRate(path, samples, channels, CHAIN_RATE, rate)
  try {
    return (await writeWav(path, { sampleRate: rate, channels, samples: out, format })).clippedSamples
  } catch (err) {
    throw about(path, err)
  }
}

/** The mono mixdown of interleaved samples (the mean of the channels). */
export function mixdown(samples: Float32Array, channels: number): Float32Array {
  if (channels === 1) return samples
  const out = new Float32Array(samples.length / channels)
  for (let i = 0; i < out.length; i++) {
    let sum = 0
    for (let c = 0; c < channels; c++) sum += samples[i * channels + c]
    out[i] = sum / channels
  }
  return out
}
