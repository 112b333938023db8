/**
 * The server's mixer configuration and the chains that POST /process-audio runs on.
 *
 * POST /process-audio is stateless: every request is processed as if by a fresh
 * `new MixerChain(config).process(frame)`, so a reply never depends on other requests
 * (no audio of one client can leak into another's reply through the limiter's delay line
 * or the detectors). Chains are reused from a pool after `reset()`, which restores exactly
 * that fresh state at a fraction of the construction cost. Continuous audio, where the
 * state should carry from frame to frame, goes over WebSocket /stream.
 */
import { MixerChain } from '../../index.js'
import type { MixerConfig, MixerConfigInput, MixerMeters } from '../../index.js'

export interface ProcessedFrame {
  samples: Float32Array
  meters: MixerMeters
  /** The chain's latency, samples (the limiter lookahead). */
  latencySamples: number
}

export class ChainPool {
  /** Validates updates: its configuration is the server's. */
  private readonly holder: MixerChain
  private current: MixerConfig
  private latency: number
  /** Chains in the fresh state, configured with `current`. */
  private free: MixerChain[] = []

  /** @param maxIdle chains kept for reuse, 0..; more in flight are created and dropped. */
  constructor(
    config: MixerConfigInput | undefined,
    private readonly maxIdle = 64,
  ) {
    this.holder = new MixerChain(config)
    this.current = this.holder.config
    this.latency = this.holder.latencySamples
  }

  /** The full server configuration. */
  get config(): MixerConfig {
    return this.current
  }

  /** The latency of the server configuration, samples (the limiter lookahead). */
  get latencySamples(): number {
    return this.latency
  }

  /**
   * Merges `partial` over the server configuration, validated whole by the chain
   * (`ERR_INVALID_CONFIG`, nothing changed, on any bad key). Requests already running
   * finish with the configuration they started with.
   */
  update(partial: MixerConfigInput): MixerConfig {
    this.holder.updateConfig(partial)
    this.current = this.holder.config
    this.latency = this.holder.latencySamples
    this.free = []
    return this.current
  }

  /** A new chain with the server configuration and `override` merged over it (validated whole). */
  create(override?: MixerConfigInput): MixerChain {
    const chain = new MixerChain(this.current)
    if (override) chain.updateConfig(override)
    return chain
  }

  /** Processes one block from the fresh state, off the JS thread. */
  async process(samples: Float32Array, override?: MixerConfigInput): Promise<ProcessedFrame> {
    if (override) {
      const chain = this.create(override)
      return { samples: await chain.process(samples), meters: chain.meters(), latencySamples: chain.latencySamples }
    }
    const free = this.free
    const chain = free.pop() ?? this.create()
    try {
      const out = await chain.process(samples)
      return { samples: out, meters: chain.meters(), latencySamples: this.latencySamples }
    } finally {
      chain.reset()
      // A chain made before a configuration update is dropped with its old pool.
      if (free === this.free && free.length < this.maxIdle) free.push(chain)
    }
  }
}
