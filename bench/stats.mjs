// Summary statistics of per-call times, shared by every bench script.

/** n / p50 / mean / p99 / min / max of per-call times (ns). Percentiles are nearest-rank
 *  at index floor(q·n) of the sorted times: the rule the Rust examples use for their p50. */
export function stats(times) {
  const sorted = Float64Array.from(times).sort()
  const n = sorted.length
  const at = (q) => sorted[Math.min(n - 1, Math.floor(q * n))]
  let sum = 0
  for (const t of sorted) sum += t
  return { n, p50: at(0.5), mean: sum / n, p99: at(0.99), min: sorted[0], max: sorted[n - 1] }
}

/** `warmup` untimed awaits of `fn(i)`, then `n` timed one at a time; their stats (ns). */
export async function timeAsync(fn, warmup, n) {
  for (let i = 0; i < warmup; i++) await fn(i)
  const times = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint()
    await fn(warmup + i)
    times[i] = Number(process.hrtime.bigint() - t0)
  }
  return stats(times)
}
