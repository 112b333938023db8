/**
 * Maps an (async) iterable through an async function with at most `limit` calls in
 * flight, yielding results in input order as soon as each is next in line. The source is
 * read no further ahead than `limit` (backpressure), and a result is yielded while the
 * source is still waiting for its next item. A failed call ends the iteration with its
 * error after every earlier result; `cleanup` runs once whatever ends the iteration.
 */
export async function* ordered<T, R>(
  source: AsyncIterable<T> | Iterable<T>,
  limit: number,
  run: (item: T, index: number) => Promise<R>,
  cleanup: () => Promise<void>,
): AsyncGenerator<R> {
  const it: AsyncIterator<T> | Iterator<T> =
    Symbol.asyncIterator in source ? (source as AsyncIterable<T>)[Symbol.asyncIterator]() : (source as Iterable<T>)[Symbol.iterator]()
  const queue: Promise<R>[] = []
  let next: Promise<IteratorResult<T>> | undefined
  let exhausted = false
  let index = 0
  const settledHead = () => 'head' as const
  try {
    for (;;) {
      if (!exhausted && !next && queue.length < limit) next = Promise.resolve(it.next())
      if (next && (queue.length === 0 || (await Promise.race([queue[0].then(settledHead, settledHead), next.then(() => 'source' as const)])) === 'source')) {
        const item = await next
        next = undefined
        if (item.done) {
          exhausted = true
        } else {
          const p = run(item.value, index++)
          p.catch(() => {}) // awaited below, in order
          queue.push(p)
        }
        continue
      }
      if (queue.length === 0) return
      yield await queue.shift()!
    }
  } finally {
    if (!exhausted) await Promise.resolve(it.return?.()).catch(() => {})
    await Promise.allSettled(queue)
    await cleanup()
  }
}
