/**
 * Maps an (async) iterable through an async function with at most `limit` calls in
 * flight, yielding results in input order as soon as each is next in line. The source is
 * read no further ahead than `limit` (backpressure), and a result is yielded while the
 * source is still waiting for its next item. A failed call ends the iteration with its
 * error after every earlier result; `cleanup` runs once whatever ends the iteration.
 *
 * One callback per source item and per call tells the loop that something changed; the
 * loop waits on a single wake-up promise only when nothing is ready (this runs once per
 * audio frame for every live stream, so it allocates as little as it can).
 */
interface Slot<R> {
  settled: boolean
  ok: boolean
  value: R | unknown
}

export async function* ordered<T, R>(
  source: AsyncIterable<T> | Iterable<T>,
  limit: number,
  run: (item: T, index: number) => Promise<R>,
  cleanup: () => Promise<void>,
): AsyncGenerator<R> {
  const it: AsyncIterator<T> | Iterator<T> =
    Symbol.asyncIterator in source ? (source as AsyncIterable<T>)[Symbol.asyncIterator]() : (source as Iterable<T>)[Symbol.iterator]()
  const queue: Slot<R>[] = []
  const running: Promise<unknown>[] = []
  let wake: (() => void) | undefined
  const notify = () => {
    const w = wake
    wake = undefined
    w?.()
  }
  // The source's pending next(): undefined when none is asked for.
  let pulling = false
  let pulled: { ok: true; result: IteratorResult<T> } | { ok: false; error: unknown } | undefined
  let exhausted = false
  let index = 0
  const pull = () => {
    pulling = true
    let step: Promise<IteratorResult<T>> | IteratorResult<T>
    try {
      step = it.next()
    } catch (error) {
      step = Promise.reject(error)
    }
    Promise.resolve(step).then(
      (result) => {
        pulled = { ok: true, result }
        notify()
      },
      (error) => {
        pulled = { ok: false, error }
        notify()
      },
    )
  }
  try {
    for (;;) {
      if (!exhausted && !pulling && queue.length < limit) pull()
      if (pulled) {
        const step = pulled
        pulled = undefined
        pulling = false
        if (!step.ok) {
          exhausted = true // a source that threw is not asked again
          throw step.error
        }
        if (step.result.done) {
          exhausted = true
        } else {
          const slot: Slot<R> = { settled: false, ok: false, value: undefined }
          const p = run(step.result.value, index++)
          running.push(p)
          p.then(
            (value) => {
              slot.settled = slot.ok = true
              slot.value = value
              notify()
            },
            (error) => {
              slot.settled = true
              slot.value = error
              notify()
            },
          )
          queue.push(slot)
        }
        continue
      }
      const head = queue[0]
      if (head?.settled) {
        queue.shift()
        running.shift()
        if (!head.ok) throw head.value
        yield head.value as R
        continue
      }
      if (!head && exhausted) return
      await new Promise<void>((resolve) => (wake = resolve))
    }
  } finally {
    if (!exhausted) await Promise.resolve(it.return?.()).catch(() => {})
    await Promise.allSettled(running)
    await cleanup()
  }
}
