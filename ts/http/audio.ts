/**
 * Audio in request bodies: a JSON array of numbers (`{ audioBuffer: number[] }`) or a raw
 * `application/octet-stream` body of little-endian float32 samples. Samples are checked
 * here for shape and finiteness; the addon checks them again before any DSP runs.
 */
import { ErrorCode } from '../errors.js'
import { HttpError } from './codes.js'

/** Samples in one frame: 20 ms at 48 kHz. */
export const FRAME_SAMPLES = 960

/** Default largest body of the frame routes, bytes: a 960-number JSON frame is ~20 KB. */
export const FRAME_BODY_LIMIT = 64 * 1024

/** Default largest body of the analysis routes, bytes. */
export const ANALYSIS_BODY_LIMIT = 8 * 1024 * 1024

/** Where the samples came from, to word the messages. */
type Source = 'audioBuffer' | 'body'

/** Samples of a raw body: whole float32 values, little-endian (the byte order of every
 *  platform the addon is built for), copied out of the buffer. */
export function samplesFromBytes(bytes: Uint8Array, source: Source = 'body'): Float32Array {
  if (bytes.byteLength % 4 !== 0) {
    throw new HttpError(
      ErrorCode.INVALID_AUDIO,
      `${source} has ${bytes.byteLength} bytes, not a whole number of float32 samples (4 bytes each, little-endian)`,
    )
  }
  // A copy: Node's pooled Buffers are not 4-byte aligned and may share memory.
  const samples = new Float32Array(bytes.byteLength / 4)
  new Uint8Array(samples.buffer).set(bytes)
  assertFinite(samples, source)
  return samples
}

/** Samples of a JSON array: numbers only, each finite and within float32 range. */
export function samplesFromJson(value: unknown, source: Source = 'audioBuffer'): Float32Array {
  if (!Array.isArray(value)) {
    throw new HttpError(ErrorCode.INVALID_ARG_TYPE, `${source} must be an array of numbers, received ${describe(value)}`)
  }
  const samples = new Float32Array(value.length)
  for (let i = 0; i < value.length; i++) {
    const x = value[i]
    if (typeof x !== 'number') {
      throw new HttpError(ErrorCode.INVALID_AUDIO, `${source}[${i}] is ${describe(x)}; samples must be finite numbers`)
    }
    samples[i] = x
  }
  assertFinite(samples, source)
  return samples
}

/** Rejects NaN and ±Infinity, including numbers beyond the float32 range (which round to ±Infinity). */
function assertFinite(samples: Float32Array, source: Source): void {
  for (let i = 0; i < samples.length; i++) {
    if (!Number.isFinite(samples[i])) {
      throw new HttpError(
        ErrorCode.INVALID_AUDIO,
        `${source}[${i}] is not a finite float32 sample (NaN, ±Infinity or beyond ±3.4e38); samples must be finite`,
      )
    }
  }
}

/** Rejects anything but exactly one frame. */
export function assertFrame(samples: Float32Array, source: Source): Float32Array {
  if (samples.length !== FRAME_SAMPLES) {
    throw new HttpError(
      ErrorCode.INVALID_AUDIO,
      `${source} has ${samples.length} samples; a frame is exactly ${FRAME_SAMPLES} samples (20 ms at 48 kHz)`,
    )
  }
  return samples
}

/** Rejects fewer than `min` samples. */
export function assertAtLeast(samples: Float32Array, min: number, source: Source, what: string): Float32Array {
  if (samples.length < min) {
    throw new HttpError(ErrorCode.INVALID_AUDIO, `${source} has ${samples.length} samples; ${what} needs at least ${min}`)
  }
  return samples
}

/** The samples of a parsed body: a Buffer (octet-stream) or `{ audioBuffer }` (JSON). */
export function samplesOfBody(body: unknown): { samples: Float32Array; source: Source; json?: Record<string, unknown> } {
  if (body instanceof Uint8Array) return { samples: samplesFromBytes(body), source: 'body' }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(ErrorCode.INVALID_ARG_TYPE, `the body must be a JSON object { audioBuffer: number[] } or application/octet-stream float32 samples, received ${describe(body)}`)
  }
  const json = body as Record<string, unknown>
  if (!('audioBuffer' in json)) {
    throw new HttpError(ErrorCode.INVALID_ARG_TYPE, 'the body has no audioBuffer (an array of numbers)')
  }
  return { samples: samplesFromJson(json.audioBuffer), source: 'audioBuffer', json }
}

/** An optional plain-object field of a JSON body (`undefined` when absent or null). */
export function objectField(json: Record<string, unknown> | undefined, key: string): Record<string, unknown> | undefined {
  const value = json?.[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpError(ErrorCode.INVALID_ARG_TYPE, `${key} must be a plain object, received ${describe(value)}`)
  }
  return value as Record<string, unknown>
}

function describe(value: unknown): string {
  if (value === undefined) return 'no body'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return `a string`
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`
}
