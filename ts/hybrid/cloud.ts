/**
 * The cloud side of a proxy, over the addon's CloudClient (gRPC in tokio): one-shot
 * calls through `execute` with a gRPC deadline; stream lanes through `openStream` (a
 * StreamNode session on the server keeps the node's state).
 */
import { CloudClient, type CloudClientOptions as NativeClientOptions } from '../../index.js'
import { codedError } from './errors.js'
import type { CloudFormat, Normalized } from './input.js'
import { ErrorCode } from '../errors.js'

/** The addon's CloudClient, as this layer uses it. */
export interface CloudClientLike {
  execute(nodeType: string, config: unknown, input: Float32Array | Uint8Array | string, options?: { format?: CloudFormat; timeoutMs?: number }): Promise<unknown>
  status(): Promise<unknown>
  listNodes(): Promise<unknown>
  openStream(nodeType: string, config: unknown, options?: { format?: CloudFormat }): CloudStreamLike | Promise<CloudStreamLike>
  replicas(): unknown[]
  close(): Promise<void> | void
}

export interface CloudStreamLike {
  send(input: Float32Array | Uint8Array | string): Promise<unknown>
  end(): Promise<void>
}

export interface CloudRemoteOptions {
  /** A node type the server lists (listNodes). */
  nodeType: string
  /** The node's configuration. */
  config?: unknown
  /** Wire format; default by input: f32le for Float32Array, json for JSON values, bytes otherwise. */
  serializationFormat?: CloudFormat
}

/** TLS settings of https endpoints. */
export interface CloudTlsOptions {
  /** CA certificate(s), PEM. */
  caPem?: string
  /** Name to verify the server certificate against (default: the endpoint's host). */
  tlsDomain?: string
}

export interface CloudClientOptions {
  endpoints: string[]
  timeoutMs?: number
  token?: string
  tls?: CloudTlsOptions
  resolveIntervalMs?: number
}

/** A CloudClient from the addon (lazy: it connects on first use). */
export function cloudClient(options: CloudClientOptions): CloudClientLike {
  const given = { endpoints: options.endpoints, timeoutMs: options.timeoutMs, token: options.token, resolveIntervalMs: options.resolveIntervalMs, ...options.tls }
  return new CloudClient(Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as unknown as NativeClientOptions)
}

const FORMATS: CloudFormat[] = ['f32le', 'bytes', 'json']

/** What an edge module declares it returns (its describe().output). */
export type EdgeOutput = 'f32' | 'json' | 'bytes'

export class CloudSide {
  readonly nodeType: string
  readonly #config: unknown
  readonly #format: CloudFormat | undefined
  #answers: EdgeOutput = 'bytes'

  constructor(readonly client: CloudClientLike, options: CloudRemoteOptions, readonly timeoutMs: number | undefined) {
    if (typeof options?.nodeType !== 'string' || options.nodeType === '') {
      throw codedError(ErrorCode.INVALID_ARG_TYPE, 'cloudRemote.nodeType must be a node type name (a non-empty string)', TypeError)
    }
    if (options.serializationFormat !== undefined && !FORMATS.includes(options.serializationFormat)) {
      throw codedError(ErrorCode.INVALID_CONFIG, `cloudRemote.serializationFormat must be one of ${FORMATS.join(', ')}, received ${String(options.serializationFormat)}`, RangeError)
    }
    this.nodeType = options.nodeType
    this.#config = options.config ?? {}
    this.#format = options.serializationFormat
  }

  format(input: Normalized): CloudFormat {
    return this.#format ?? input.format
  }

  /**
   * Decodes answers that arrive as bytes (format `bytes`) the way the proxy's edge module
   * declares its output, so that a proxy gives one type of output whichever side answered
   * (a Float32Array for `f32`, the parsed value for `json`).
   */
  decodeAs(output: EdgeOutput): void {
    this.#answers = output
  }

  #decode(answer: unknown): unknown {
    if (!(answer instanceof Uint8Array) || this.#answers === 'bytes') return answer
    if (this.#answers === 'json') {
      try {
        return JSON.parse(Buffer.from(answer.buffer, answer.byteOffset, answer.byteLength).toString('utf8'))
      } catch (e) {
        throw codedError(ErrorCode.CLOUD_INTERNAL, `the ${this.nodeType} answer is not the JSON the edge module declares: ${(e as Error).message}`, Error, e)
      }
    }
    if (answer.byteLength % 4 !== 0) {
      throw codedError(ErrorCode.CLOUD_INTERNAL, `the ${this.nodeType} answer has ${answer.byteLength} bytes, not the whole float32 samples the edge module declares`)
    }
    return new Float32Array(answer.buffer.slice(answer.byteOffset, answer.byteOffset + answer.byteLength))
  }

  execute(input: Normalized): Promise<unknown> {
    return this.client.execute(this.nodeType, this.#config, input.cloud, { format: this.format(input), timeoutMs: this.timeoutMs }).then((a) => this.#decode(a))
  }

  async openStream(format: CloudFormat): Promise<CloudStreamLike> {
    return this.client.openStream(this.nodeType, this.#config, { format })
  }

  /** Sends one input on a stream; past timeoutMs it rejects with ERR_CLOUD_TIMEOUT. */
  send(stream: CloudStreamLike, input: Normalized): Promise<unknown> {
    const sent = stream.send(input.cloud).then((a) => this.#decode(a))
    const limit = this.timeoutMs
    if (limit === undefined) return sent
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(codedError(ErrorCode.CLOUD_TIMEOUT, `the cloud did not answer within cloudTimeoutMs = ${limit} ms`)),
        limit,
      )
      sent.then(
        (v) => {
          clearTimeout(timer)
          resolve(v)
        },
        (e) => {
          clearTimeout(timer)
          reject(e)
        },
      )
    })
  }
}

/** Node type names from a listNodes() answer (strings or objects with a name). */
export function nodeNames(listed: unknown): string[] {
  const items = Array.isArray(listed) ? listed : ((listed as { nodes?: unknown[] } | null)?.nodes ?? [])
  return items
    .map((n) => (typeof n === 'string' ? n : ((n as { name?: string; nodeType?: string })?.name ?? (n as { nodeType?: string })?.nodeType)))
    .filter((n): n is string => typeof n === 'string')
}
