// Live sources of the stream benchmarks (bench/hybrid.mjs, bench/soak.mjs).

/**
 * A push-driven async iterable: one live stream's frames, as a server receives them from
 * a socket. A plain async iterator (an async generator would cost the harness more per
 * frame than some of what it measures).
 */
export function feed() {
  const items = []
  let head = 0
  let ended = false
  let waiting
  return {
    push(x) {
      if (waiting) {
        const w = waiting
        waiting = undefined
        w({ value: x, done: false })
      } else items.push(x)
    },
    end() {
      ended = true
      if (waiting) waiting({ value: undefined, done: true })
    },
    next() {
      if (head < items.length) {
        const value = items[head++]
        if (head === items.length) items.length = head = 0
        return Promise.resolve({ value, done: false })
      }
      if (ended) return Promise.resolve({ value: undefined, done: true })
      return new Promise((resolve) => (waiting = resolve))
    },
    [Symbol.asyncIterator]() {
      return this
    },
  }
}
