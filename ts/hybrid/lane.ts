/**
 * A lane: one line of state on each side. The proxy's shared lane (process()) has one
 * edge session and calls the cloud one-shot; every stream has a lane of its own with
 * its own edge session and cloud stream, both opened on first use.
 *
 * In an ordered lane, inputs are submitted to their side in input order even when an
 * async decisionFunction answers out of order (`turn`). A cloud stream that failed is
 * dropped and the next cloud input opens a new one (its state starts over).
 */
import type { CloudSide, CloudStreamLike } from './cloud.js'
import type { EdgeSession, EdgeSide } from './edge.js'
import type { CloudFormat } from './input.js'

/** An input's place in its lane's submission order (see Lane.take). */
export interface Turn {
  ready: Promise<void>
  done: () => void
}

export class Lane {
  #edge: Promise<EdgeSession> | undefined
  /** The edge session once open: calls are then submitted without waiting a microtask. */
  #openEdge: EdgeSession | undefined
  #cloud: { format: CloudFormat; stream: Promise<CloudStreamLike> } | undefined
  #turn: Promise<void> = Promise.resolve()
  #holders = 0

  constructor(
    readonly ordered: boolean,
    readonly streams: boolean,
  ) {}

  /**
   * Submits `input` to this lane's edge session: at once when it is open, else once
   * `side` has opened it (the first call opens it).
   */
  processAtEdge(side: EdgeSide, input: Float32Array | Uint8Array): Promise<unknown> {
    if (this.#openEdge) return this.#openEdge.process(input)
    return this.#edgeSession(side).then((session) => session.process(input))
  }

  #edgeSession(side: EdgeSide): Promise<EdgeSession> {
    if (!this.#edge) {
      const opening = side.open()
      this.#edge = opening
      // Registered before any caller's reaction, so the session is known synchronously
      // before the first input waiting for it is submitted: later inputs that submit at
      // once cannot overtake it.
      opening.then(
        (session) => {
          if (this.#edge === opening) this.#openEdge = session
        },
        () => {},
      )
    }
    return this.#edge
  }

  cloudStream(side: CloudSide, format: CloudFormat): Promise<CloudStreamLike> {
    if (this.#cloud && this.#cloud.format !== format) this.dropCloud()
    this.#cloud ??= { format, stream: side.openStream(format) }
    return this.#cloud.stream
  }

  /** Forgets the cloud stream after a failure; the next cloud input opens a new one. */
  dropCloud(stream?: Promise<CloudStreamLike>): void {
    const current = this.#cloud
    if (!current || (stream && current.stream !== stream)) return
    this.#cloud = undefined
    current.stream.then((s) => s.end()).catch(() => {})
  }

  /** Whether an earlier input holds a turn (it has not been submitted yet). */
  get waiting(): boolean {
    return this.#holders > 0
  }

  /**
   * Waits for the previous input's submission; call `done` once submitted (more calls
   * are ignored). Needed only while another input holds a turn or when the input itself
   * must wait (an async decision): otherwise an input is submitted at once, in order.
   */
  take(): Turn {
    let release!: () => void
    const ready = this.#turn
    this.#turn = new Promise<void>((r) => (release = r))
    this.#holders++
    let held = true
    const done = () => {
      if (!held) return
      held = false
      this.#holders--
      release()
    }
    return { ready, done }
  }

  async close(): Promise<void> {
    const edge = this.#edge
    const cloud = this.#cloud
    this.#edge = undefined
    this.#openEdge = undefined
    this.#cloud = undefined
    await Promise.allSettled([edge?.then((s) => s.close()), cloud?.stream.then((s) => s.end())])
  }
}
