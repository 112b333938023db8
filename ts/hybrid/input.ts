/**
 * Inputs of `process()` and `stream()`, normalised once: what each side receives and the
 * sizes the router and the decisionFunction see.
 *
 * | input | edge receives | cloud receives (format) |
 * | --- | --- | --- |
 * | Float32Array | the samples | the samples (`f32le`) |
 * | Buffer / Uint8Array | the bytes | the bytes (`bytes`) |
 * | string | its UTF-8 bytes | its UTF-8 bytes (`bytes`) |
 * | other JSON value | UTF-8 bytes of its JSON text | the JSON text (`json`) |
 *
 * The cloud column is the one rule of `InputKind::default_format` (crates/wire), which
 * the addon's CloudClient applies too; __test__/wire-rule.test.ts checks they agree.
 */
import { codedError, describeValue } from './errors.js'
import { ErrorCode } from '../errors.js'

export type InputKind = 'f32' | 'bytes' | 'text' | 'json'
export type CloudFormat = 'f32le' | 'bytes' | 'json'

export interface Normalized {
  kind: InputKind
  /** What the edge session receives. */
  edge: Float32Array | Uint8Array
  /** What the cloud client receives. */
  cloud: Float32Array | Uint8Array | string
  format: CloudFormat
  bytes: number
  /** Samples for Float32Array input, else 0. */
  samples: number
}

export function normalize(input: unknown): Normalized {
  if (input instanceof Float32Array) {
    return { kind: 'f32', edge: input, cloud: input, format: 'f32le', bytes: input.byteLength, samples: input.length }
  }
  if (input instanceof Uint8Array) {
    return { kind: 'bytes', edge: input, cloud: input, format: 'bytes', bytes: input.byteLength, samples: 0 }
  }
  if (typeof input === 'string') {
    const bytes = Buffer.from(input, 'utf8')
    return { kind: 'text', edge: bytes, cloud: bytes, format: 'bytes', bytes: bytes.byteLength, samples: 0 }
  }
  if (input !== undefined && typeof input !== 'function' && typeof input !== 'symbol' && typeof input !== 'bigint' && !ArrayBuffer.isView(input)) {
    const text = JSON.stringify(input)
    if (text !== undefined) {
      const bytes = Buffer.from(text, 'utf8')
      return { kind: 'json', edge: bytes, cloud: text, format: 'json', bytes: bytes.byteLength, samples: 0 }
    }
  }
  throw codedError(
    ErrorCode.INVALID_ARG_TYPE,
    `The "input" argument must be a Float32Array, Uint8Array, Buffer, string or JSON value, received ${describeValue(input)}`,
    TypeError,
  )
}
