/**
 * Group commit for edge calls: calls made on many sessions of one edge side go to the
 * addon as batch calls (`MixerChain.processBatch`, `WasmSession.processBatch`), so many
 * live streams pay the hand-off to the worker threads once per batch, not once per frame.
 *
 * A call made while nothing waits and fewer than `concurrency` calls or batches are
 * running goes out at once on its own (`single`: an idle proxy adds no latency);
 * otherwise it waits for the next free slot, together with every call made meanwhile
 * (up to `maxBatch` per batch). Calls reach the addon in the order they were made, so
 * each session keeps its call order.
 */
export type BatchRun<S, I> = (sessions: S[], inputs: I[]) => Promise<unknown[]>
export type SingleRun<S, I> = (session: S, input: I) => Promise<unknown>

interface Call<S, I> {
  session: S
  input: I
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
}

export class Batcher<S, I> {
  #queue: Call<S, I>[] = []
  #running = 0
  #scheduled = false

  /**
   * @param run the batch call of the addon
   * @param single the addon's call for one input
   * @param concurrency batches running at once, 1..64 (default: 2, the worker threads one batch keeps busy each)
   * @param maxBatch calls per batch, 1..65536 (default 64: about 1 ms of mixer work)
   */
  constructor(
    private readonly run: BatchRun<S, I>,
    private readonly single: SingleRun<S, I>,
    private readonly concurrency = 2,
    private readonly maxBatch = 64,
  ) {}

  /** Sends or queues `input` for `session`; settles with its own outcome. */
  submit(session: S, input: I): Promise<unknown> {
    if (this.#queue.length === 0 && this.#running < this.concurrency) {
      this.#running++
      const result = this.single(session, input)
      result.then(this.#finished, this.#finished)
      return result
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ session, input, resolve, reject })
      if (!this.#scheduled) {
        // Calls made in the same run of the event loop's microtasks join one batch.
        this.#scheduled = true
        queueMicrotask(() => {
          this.#scheduled = false
          this.#flush()
        })
      }
    })
  }

  #flush(): void {
    while (this.#queue.length && this.#running < this.concurrency) {
      const calls = this.#queue.splice(0, this.maxBatch)
      this.#running++
      this.run(
        calls.map((c) => c.session),
        calls.map((c) => c.input),
      ).then(
        (outcomes) => {
          for (let i = 0; i < calls.length; i++) {
            const outcome = outcomes[i]
            if (outcome instanceof Error) calls[i].reject(outcome)
            else calls[i].resolve(outcome)
          }
          this.#done()
        },
        (error) => {
          for (const c of calls) c.reject(error)
          this.#done()
        },
      )
    }
  }

  #done(): void {
    this.#running--
    this.#flush()
  }

  readonly #finished = () => this.#done()
}
