/**
 * A whole signal through the mixer chain in 20 ms frames — at the edge (a MixerChain off
 * the JS thread), in the cloud (the AudioMixer node of a cloud tier) or routed frame by
 * frame between the two by a hybrid proxy — recording per frame the route, the latency
 * and the stage meters (edge frames only: the cloud answers with audio alone).
 */
import { MixerChain, type MixerConfigInput, type MixerMeters } from '../../index.js'
import { HybridProcessingClient, type HybridProxyStats } from '../hybrid/index.js'
import { routeCode, type RouteCode } from '../report/index.js'
import { coded, UsageError } from './args.js'
import { FRAME } from './audio.js'
import { ErrorCode } from '../errors.js'

export type Route = 'edge' | 'cloud' | 'auto'

export interface FrameRecord {
  route: RouteCode
  latencyMs: number
  /** Meters of the frame when it ran at the edge. */
  meters?: MixerMeters
}

export interface RunOptions {
  /** The chain's configuration (validated by the caller). */
  config: MixerConfigInput
  route: Route
  /** host:port of the cloud tier (route cloud or auto). */
  cloud?: string
  /** Called after every frame with the frames done so far. */
  progress?: (done: number, total: number) => void
}

export interface RunResult {
  /** Interleaved output, as long as the input, delayed by `latencySamples` per channel. */
  output: Float32Array
  latencySamples: number
  frames: FrameRecord[]
  /** Hybrid proxy statistics (route cloud or auto). */
  stats?: HybridProxyStats
}

/** The frames of an interleaved signal, each FRAME samples per channel (the last may be shorter). */
function* framesOf(samples: Float32Array, channels: number): Generator<Float32Array> {
  const size = FRAME * channels
  for (let at = 0; at < samples.length; at += size) yield samples.subarray(at, Math.min(samples.length, at + size))
}

export async function runChain(samples: Float32Array, options: RunOptions): Promise<RunResult> {
  const channels = options.config.channels ?? 1
  const total = Math.ceil(samples.length / (FRAME * channels))
  const output = new Float32Array(samples.length)
  const records: FrameRecord[] = []
  let at = 0
  const keep = (out: Float32Array, record: FrameRecord) => {
    output.set(out, at)
    at += out.length
    records.push(record)
    options.progress?.(records.length, total)
  }

  if (options.route === 'edge') {
    const chain = new MixerChain(options.config)
    for (const frame of framesOf(samples, channels)) {
      const t = performance.now()
      const out = await chain.process(frame)
      keep(out, { route: routeCode('edge', false), latencyMs: performance.now() - t, meters: chain.meters() })
    }
    return { output, latencySamples: chain.latencySamples, frames: records }
  }

  const [host, port] = splitHostPort(options.cloud ?? '127.0.0.1:50052')
  const client = new HybridProcessingClient({ endpoints: [`http://${host}:${port}`], timeoutMs: 2000 })
  // The edge side: a chain per stream whose meters are read after each frame (one frame
  // in flight at a time, so they belong to that frame).
  const edgeMeters = new WeakMap<Float32Array, MixerMeters>()
  const latency = new MixerChain(options.config).latencySamples
  try {
    const proxy = await client.createHybridProxy({
      name: 'mixer',
      edgeNative: {
        node: () => {
          const chain = new MixerChain(options.config)
          return {
            async process(input: Float32Array | Uint8Array) {
              const out = await chain.process(input as Float32Array)
              edgeMeters.set(input as Float32Array, chain.meters())
              return out
            },
          }
        },
      },
      cloudRemote: { nodeType: 'AudioMixer', config: options.config },
      decisionFunction: () => options.route,
      // `cloud` means the cloud: an unreachable cloud is an error, not a silent edge run.
      fallback: options.route === 'cloud' ? 'none' : 'both',
    })
    const frames = [...framesOf(samples, channels)]
    let i = 0
    for await (const r of proxy.stream<Float32Array>(frames, { maxInFlight: 1 })) {
      const frame = frames[i++]
      keep(r.output, { route: routeCode(r.route, r.fellBack), latencyMs: r.latencyMs, meters: r.route === 'edge' ? edgeMeters.get(frame) : undefined })
    }
    if (at !== output.length) throw coded(ErrorCode.INTERNAL, `the chain returned ${at} of ${output.length} samples`)
    return { output, latencySamples: latency, frames: records, stats: proxy.stats() }
  } catch (err) {
    const e = err as Error & { code?: string }
    if (e.code === ErrorCode.CLOUD_UNAVAILABLE || e.code === ErrorCode.CLOUD_TIMEOUT) {
      e.message = `the cloud tier at ${host}:${port} did not answer (${e.message}); start one with \`edgemix serve\` or use --route edge`
    }
    throw e
  } finally {
    await client.close()
  }
}

/** `host:port` → [host, port]. */
export function splitHostPort(value: string): [string, number] {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value)
  const port = m ? Number(m[2]) : NaN
  if (!m || port < 1 || port > 65535) throw new UsageError(`--cloud must be host:port (e.g. 127.0.0.1:50052), received ${JSON.stringify(value)}`)
  return [m[1], port]
}
