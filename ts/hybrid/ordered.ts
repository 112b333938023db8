/**
 * Maps an (async) iterable through an async function with at most `limit` calls in
 * flight, handing out results in input order as soon as each is next in line. The source
 * is read no further ahead than `limit` results not yet taken by the consumer
 * (backpressure), and work goes on while the consumer handles a result or the source
 * waits for its next item. A failed call, or a source that throws, ends the iteration
 * with that error after every earlier result; `cleanup` runs once whatever ends the
 * iteration (the end of the source, an error, or the consumer's `return()` on `break`),
 * after the source is closed and every call started has settled.
 *
 * This runs once per audio frame for every live stream, so it is a hand-written async
 * iterator rather than an async generator: a result costs one promise for the consumer's
 * `next()`, one per call to watch it settle, and one per asynchronous read of the source.
 */
export function ordered<T, R>(
  source: AsyncIterable<T> | Iterable<T>,
  limit: number,
  run: (item: T, index: number) => Promise<R>,
  cleanup: () => Promise<void>,
): AsyncIterableIterator<R> {
  return new Ordered(source, limit, run, cleanup)
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true }) as IteratorReturnResult<undefined>

/** One call: its promise and, once settled, its outcome. */
class Slot<R> {
  settled = false
  ok = false
  value: unknown = undefined

  constructor(
    readonly promise: Promise<R>,
    changed: () => void,
  ) {
    promise.then(
      (value) => {
        this.settled = this.ok = true
        this.value = value
        changed()
      },
      (error) => {
        this.settled = true
        this.value = error
        changed()
      },
    )
  }
}

interface Waiter<R> {
  resolve: (result: IteratorResult<R>) => void
  reject: (error: unknown) => void
}

class Ordered<T, R> implements AsyncIterableIterator<R> {
  #it: AsyncIterator<T> | Iterator<T> | undefined
  readonly #slots: Slot<R>[] = []
  readonly #waiters: Waiter<R>[] = []
  #index = 0
  /** A read of the source is in progress. */
  #pulling = false
  /** The source will not be read again (done, failed, or closed). */
  #exhausted = false
  /** The source threw: the iteration ends with this once the earlier results are out. */
  #sourceFailure: { error: unknown } | undefined
  /** Set once the iteration ends: resolves after the source is closed, the calls settled and `cleanup` ran. */
  #ending: Promise<void> | undefined
  readonly #changed = () => this.#advance()

  constructor(
    private readonly source: AsyncIterable<T> | Iterable<T>,
    private readonly limit: number,
    private readonly run: (item: T, index: number) => Promise<R>,
    private readonly cleanup: () => Promise<void>,
  ) {}

  [Symbol.asyncIterator](): AsyncIterableIterator<R> {
    return this
  }

  next(): Promise<IteratorResult<R>> {
    if (this.#ending) return this.#ending.then(() => DONE)
    return new Promise<IteratorResult<R>>((resolve, reject) => {
      this.#waiters.push({ resolve, reject })
      this.#advance()
    })
  }

  return(): Promise<IteratorResult<R>> {
    if (!this.#ending) this.#end(undefined)
    return this.#ending!.then(() => DONE)
  }

  /** Reads ahead and hands settled results to waiting consumers, as far as it can now. */
  #advance(): void {
    while (!this.#ending) {
      if (!this.#exhausted && !this.#pulling && this.#slots.length < this.limit) {
        this.#pull()
        continue
      }
      if (this.#waiters.length === 0) return
      const head = this.#slots[0]
      if (head) {
        if (!head.settled) return
        if (!head.ok) return this.#end({ error: head.value })
        this.#slots.shift()
        this.#waiters.shift()!.resolve({ value: head.value as R, done: false })
      } else if (this.#exhausted) {
        return this.#end(this.#sourceFailure)
      } else {
        return
      }
    }
  }

  /** Asks the source for its next item; a sync answer is taken at once. */
  #pull(): void {
    let step: Promise<IteratorResult<T>> | IteratorResult<T>
    try {
      this.#it ??= Symbol.asyncIterator in this.source ? this.source[Symbol.asyncIterator]() : (this.source as Iterable<T>)[Symbol.iterator]()
      step = this.#it.next()
    } catch (error) {
      return this.#failed(error)
    }
    if (typeof (step as Promise<unknown>)?.then !== 'function') return this.#take(step as IteratorResult<T>)
    this.#pulling = true
    Promise.resolve(step).then(this.#pulled, this.#pullFailed)
  }

  readonly #pulled = (result: IteratorResult<T>) => {
    this.#pulling = false
    if (this.#ending) return
    this.#take(result)
    this.#advance()
  }

  readonly #pullFailed = (error: unknown) => {
    this.#pulling = false
    if (this.#ending) return
    this.#failed(error)
    this.#advance()
  }

  #take(result: IteratorResult<T>): void {
    if (result.done) {
      this.#exhausted = true
      return
    }
    let call: Promise<R>
    try {
      call = this.run(result.value, this.#index++)
    } catch (error) {
      call = Promise.reject(error)
    }
    this.#slots.push(new Slot(call, this.#changed))
  }

  /** The source threw: it is not asked again (nor closed). */
  #failed(error: unknown): void {
    this.#exhausted = true
    this.#sourceFailure = { error }
  }

  /** Ends the iteration: the first waiting consumer gets `failure` (or the end), the others the end. */
  #end(failure: { error: unknown } | undefined): void {
    const open = !this.#exhausted && this.#it !== undefined
    this.#exhausted = true
    const it = this.#it
    const calls = this.#slots.map((s) => s.promise)
    this.#slots.length = 0
    this.#ending = (async () => {
      if (open) await Promise.resolve(it!.return?.()).catch(() => {})
      await Promise.allSettled(calls)
      await this.cleanup()
    })()
    const waiters = this.#waiters.splice(0)
    const settle = (outcome: { error: unknown } | undefined) =>
      waiters.forEach((w, i) => (outcome && i === 0 ? w.reject(outcome.error) : w.resolve(DONE)))
    this.#ending.then(
      () => settle(failure),
      (error) => settle(failure ?? { error }),
    )
  }
}
