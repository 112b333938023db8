/**
 * Pipeline: a chain of stages over a stream of frames, e.g.
 *   VAD router (gate: drops non-speech frames) → mixer router (map) → feature/genre router (tap)
 * A gate that drops a frame stops it before any later stage, so it never costs cloud
 * bandwidth there. Each stage keeps per-stream state (its own lane on each proxy), and
 * every stage receives the frames in input order, also when sides answer out of order.
 */
import { codedError, describeValue } from './errors.js'
import type { Lane } from './lane.js'
import { ordered } from './ordered.js'
import { HybridProxy, type HybridResult } from './proxy.js'
import { ErrorCode } from '../errors.js'

/** Anything with an async process(): a native node (e.g. a MixerChain) or a custom step. */
export interface PipelineNode {
  process(input: never): Promise<unknown>
}

export type StageKind = 'gate' | 'map' | 'tap'

interface Stage {
  name: string
  kind: StageKind
  target: HybridProxy | PipelineNode
  keep: (output: unknown) => boolean
}

export interface PipelineResult {
  index: number
  /** A gate dropped the frame; the stages after it did not see it. */
  dropped: boolean
  /** The gate that dropped it. */
  droppedBy?: string
  /** The frame after the last map stage (the input when none ran). */
  output: unknown
  /** Each stage's result by name: a HybridResult for proxies, the output for nodes. */
  stages: Record<string, unknown>
}

export interface PipelineStats {
  frames: number
  dropped: number
  /** Frames dropped by each gate. */
  droppedBy: Record<string, number>
}

/** A gate's default test: a VAD result `{ speech }`, or an array of them with any speech. */
export function isSpeech(output: unknown): boolean {
  if (Array.isArray(output)) return output.some(isSpeech)
  return !!(output as { speech?: unknown } | null)?.speech
}

export class Pipeline {
  readonly #stages: Stage[] = []
  readonly #stats: PipelineStats = { frames: 0, dropped: 0, droppedBy: {} }

  /** A stage whose result decides whether the frame goes on (unchanged). Default test: isSpeech. */
  gate(name: string, target: HybridProxy | PipelineNode, keep: (output: unknown) => boolean = isSpeech): this {
    return this.#add(name, 'gate', target, keep)
  }

  /** A stage whose output replaces the frame. */
  map(name: string, target: HybridProxy | PipelineNode): this {
    return this.#add(name, 'map', target, () => true)
  }

  /** A stage whose result is kept beside the frame, which goes on unchanged. */
  tap(name: string, target: HybridProxy | PipelineNode): this {
    return this.#add(name, 'tap', target, () => true)
  }

  stats(): PipelineStats {
    return { ...this.#stats, droppedBy: { ...this.#stats.droppedBy } }
  }

  /** Runs the frames through every stage; results in input order, at most `maxInFlight` frames in flight (default 16). */
  stream(frames: AsyncIterable<unknown> | Iterable<unknown>, options: { maxInFlight?: number } = {}): AsyncIterable<PipelineResult> {
    const limit = options.maxInFlight ?? 16
    if (!Number.isInteger(limit) || limit < 1 || limit > 1024) {
      throw codedError(ErrorCode.INVALID_CONFIG, `maxInFlight must be an integer in 1..1024, received ${describeValue(limit)}`, RangeError)
    }
    if (this.#stages.length === 0) throw codedError(ErrorCode.INVALID_CONFIG, 'the pipeline has no stages', RangeError)
    const lanes = this.#stages.map((s) => (s.target instanceof HybridProxy ? s.target.openLane() : undefined))
    // turns[k]: resolved once the previous frame has passed (or skipped) stage k.
    const turns: Promise<void>[] = this.#stages.map(() => Promise.resolve())
    const run = (frame: unknown, index: number) => this.#frame(frame, index, lanes, turns)
    const close = async () => {
      await Promise.allSettled(this.#stages.map((s, k) => (s.target instanceof HybridProxy && lanes[k] ? s.target.closeLane(lanes[k]!) : undefined)))
    }
    return ordered(frames, limit, run, close)
  }

  async #frame(frame: unknown, index: number, lanes: Array<Lane | undefined>, turns: Promise<void>[]): Promise<PipelineResult> {
    this.#stats.frames++
    // Called in input order (ordered() starts frames in order), so the turns chain up in order.
    const previous = turns.slice()
    const passes = turns.map((_, k) => {
      let pass!: () => void
      turns[k] = new Promise<void>((r) => (pass = r))
      return pass
    })
    const result: PipelineResult = { index, dropped: false, output: frame, stages: {} }
    let current = frame
    try {
      for (let k = 0; k < this.#stages.length; k++) {
        const stage = this.#stages[k]
        await previous[k]
        let call: Promise<unknown>
        try {
          call = stage.target instanceof HybridProxy ? stage.target.processOn(lanes[k]!, current) : stage.target.process(current as never)
        } finally {
          passes[k]()
        }
        const answer = await call
        result.stages[stage.name] = answer
        const output = stage.target instanceof HybridProxy ? (answer as HybridResult).output : answer
        if (stage.kind === 'map') current = output
        if (stage.kind === 'gate' && !stage.keep(output)) {
          result.dropped = true
          result.droppedBy = stage.name
          this.#stats.dropped++
          this.#stats.droppedBy[stage.name] = (this.#stats.droppedBy[stage.name] ?? 0) + 1
          break
        }
      }
    } finally {
      // A frame that left early (dropped, failed) lets the next one into each later stage
      // only once the frame before it has entered that stage: the order holds across gaps.
      passes.forEach((pass, k) => previous[k].then(pass))
    }
    result.output = current
    return result
  }

  #add(name: string, kind: StageKind, target: HybridProxy | PipelineNode, keep: (output: unknown) => boolean): this {
    if (typeof name !== 'string' || name === '' || this.#stages.some((s) => s.name === name)) {
      throw codedError(ErrorCode.INVALID_CONFIG, `a stage needs a unique non-empty name, received ${describeValue(name)}`, RangeError)
    }
    if (!(target instanceof HybridProxy) && typeof (target as PipelineNode | null)?.process !== 'function') {
      throw codedError(ErrorCode.INVALID_ARG_TYPE, `stage "${name}" must be a HybridProxy or an object with process(), received ${describeValue(target)}`, TypeError)
    }
    if (typeof keep !== 'function') throw codedError(ErrorCode.INVALID_ARG_TYPE, `the keep test of gate "${name}" must be a function`, TypeError)
    this.#stages.push({ name, kind, target, keep })
    return this
  }
}
