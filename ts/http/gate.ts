/**
 * A bounded admission gate: at most `concurrency` holders at once and at most `queue`
 * waiting in arrival order; past that, entry is refused at once. Keeps whole-clip
 * analysis from crowding out real-time frames (see routes/analysis.ts).
 */
export class Gate {
  private running = 0
  private readonly waiting: Array<() => void> = []

  constructor(
    readonly concurrency: number,
    readonly queue: number,
  ) {}

  /** Holders now and waiters now. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length }
  }

  /**
   * A slot: resolves to a release function (call it once) when one is free, or `null` at
   * once when the queue is full. `abandoned` removes the wait when the caller gives up
   * before its turn (then nothing is held).
   */
  enter(abandoned: (leave: () => void) => void): Promise<(() => void) | null> {
    if (this.running < this.concurrency) {
      this.running++
      return Promise.resolve(this.releaser())
    }
    if (this.waiting.length >= this.queue) return Promise.resolve(null)
    return new Promise((resolve) => {
      const turn = () => resolve(this.releaser())
      this.waiting.push(turn)
      abandoned(() => {
        const i = this.waiting.indexOf(turn)
        if (i >= 0) {
          this.waiting.splice(i, 1)
          resolve(null)
        }
      })
    })
  }

  /** Hands the slot to the next waiter, or frees it; idempotent. */
  private releaser(): () => void {
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.waiting.shift()
      if (next) next()
      else this.running--
    }
  }
}
