// ordered(): the in-order, bounded map under proxy.stream() and pipeline.stream(), as pure
// logic with calls the test settles by hand (out of order, failing, pending at a break).
import { describe, expect, it } from 'vitest'
import { ordered } from '../dist/hybrid/ordered.js'

/** A call the test resolves or rejects later. */
function deferred<T>() {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)))
  return { promise, resolve, reject }
}

const ticks = async (n = 10) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r))
}

/** An async source of `items` that counts its reads and whether it was closed. */
function source<T>(items: T[], failAt = -1) {
  const log = { reads: 0, closed: false }
  const iterable = {
    async *[Symbol.asyncIterator]() {
      try {
        for (let i = 0; i < items.length; i++) {
          if (i === failAt) throw new Error(`source failed at ${i}`)
          log.reads++
          yield items[i]
        }
      } finally {
        log.closed = true
      }
    },
  }
  return { iterable, log }
}

describe('ordered()', () => {
  it('hands out results in input order whatever order the calls settle in, reading at most `limit` ahead', async () => {
    const calls: Array<ReturnType<typeof deferred<number>>> = []
    const { iterable, log } = source([0, 1, 2, 3, 4, 5, 6, 7])
    let cleanups = 0
    const it = ordered(iterable, 3, (x: number) => {
      const d = deferred<number>()
      calls[x] = d
      return d.promise
    }, async () => void cleanups++)
    const first = it.next()
    await ticks()
    // Three calls started, nothing more read while none has been handed out.
    expect(calls.length).toBe(3)
    expect(log.reads).toBe(3)
    calls[2].resolve(20)
    calls[1].resolve(10)
    await ticks()
    expect(calls.length).toBe(3)
    calls[0].resolve(0)
    expect(await first).toEqual({ value: 0, done: false })
    await ticks()
    // Taking one result frees one place.
    expect(calls.length).toBe(4)
    const rest: number[] = []
    const drain = (async () => {
      for await (const v of { [Symbol.asyncIterator]: () => it }) rest.push(v)
    })()
    for (let i = 3; i < 8; i++) {
      await ticks()
      // Never more than three calls unfinished or unread.
      expect(calls.length).toBeLessThanOrEqual(i + 3)
      calls[i].resolve(i * 10)
    }
    await drain
    expect(rest).toEqual([10, 20, 30, 40, 50, 60, 70])
    expect(cleanups).toBe(1)
  })

  it('a failing call ends the iteration after every earlier result; later calls settle before cleanup', async () => {
    const late = deferred<string>()
    let cleaned = false
    const run = (x: string) => (x === 'bad' ? Promise.reject(Object.assign(new Error('bad input'), { code: 'E_BAD' })) : x === 'late' ? late.promise : Promise.resolve(x.toUpperCase()))
    const it = ordered(['a', 'b', 'bad', 'late'], 4, run, async () => {
      expect(lateSettled).toBe(true)
      cleaned = true
    })
    let lateSettled = false
    const got: string[] = []
    const done = (async () => {
      for await (const v of { [Symbol.asyncIterator]: () => it }) got.push(v)
    })()
    await ticks()
    expect(got).toEqual(['A', 'B'])
    expect(cleaned).toBe(false)
    lateSettled = true
    late.resolve('L')
    await expect(done).rejects.toMatchObject({ code: 'E_BAD' })
    expect(cleaned).toBe(true)
    expect(await it.next()).toEqual({ value: undefined, done: true })
  })

  it('a source that throws ends the iteration with its error after the results before it', async () => {
    const { iterable } = source([1, 2, 3, 4], 3)
    let cleanups = 0
    const got: number[] = []
    await expect(
      (async () => {
        for await (const v of ordered(iterable, 2, async (x: number) => x * 2, async () => void cleanups++)) got.push(v)
      })(),
    ).rejects.toThrow('source failed at 3')
    expect(got).toEqual([2, 4, 6])
    expect(cleanups).toBe(1)
  })

  it('break closes the source, waits for the calls in flight, then cleans up once', async () => {
    // A sync source: the first `limit` items start at once, so 3 is in flight at the break.
    const log = { reads: 0, closed: false }
    function* iterable() {
      try {
        for (let x = 1; x <= 6; x++) {
          log.reads++
          yield x
        }
      } finally {
        log.closed = true
      }
    }
    const pending = deferred<number>()
    let cleanups = 0
    const run = (x: number) => (x === 3 ? pending.promise : Promise.resolve(x))
    const it = ordered(iterable(), 3, run, async () => void cleanups++)
    const got: number[] = []
    const loop = (async () => {
      for await (const v of { [Symbol.asyncIterator]: () => it }) {
        got.push(v)
        if (v === 2) break
      }
    })()
    await ticks()
    expect(got).toEqual([1, 2])
    // The loop is stuck in return() until the call in flight settles.
    expect(cleanups).toBe(0)
    pending.resolve(3)
    await loop
    expect(cleanups).toBe(1)
    expect(log.closed).toBe(true)
    expect(log.reads).toBeLessThan(6)
  })

  it('takes sync iterables and an empty source', async () => {
    const got: number[] = []
    for await (const v of ordered([1, 2, 3], 2, async (x: number, i: number) => x * 10 + i, async () => {})) got.push(v)
    expect(got).toEqual([10, 21, 32])
    let cleaned = 0
    for await (const _ of ordered([], 2, async (x: never) => x, async () => void cleaned++)) throw new Error('no items expected')
    expect(cleaned).toBe(1)
  })
})
