// Timing helpers of the in-process sections (per-call and whole-call timings, rows).
import { stats } from '../stats.mjs'

export const now = process.hrtime.bigint

/** Times `fn(i)` per call: `warmup` untimed calls, then `n` timed ones; also a batched
 *  pass (no timer inside the loop) as a cross-check of the mean. */
export function timeSync(fn, { n, warmup }) {
  for (let i = 0; i < warmup; i++) fn(i)
  const times = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const t0 = now()
    fn(i)
    times[i] = Number(now() - t0)
  }
  const t0 = now()
  for (let i = 0; i < n; i++) fn(i)
  const batchedMean = Number(now() - t0) / n
  return { ...stats(times), batchedMean }
}

/** Median cost of one timer read pair (what every per-call time includes). */
export function timerOverheadNs(n = 200_000) {
  const times = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const t0 = now()
    times[i] = Number(now() - t0)
  }
  return stats(times).p50
}

/** Times whole calls of a batch function: `warmup` untimed, then `runs` timed (ns each). */
export function timeRuns(fn, { runs, warmup = 1 }) {
  let out
  for (let i = 0; i < warmup; i++) out = fn()
  const times = []
  for (let i = 0; i < runs; i++) {
    const t0 = now()
    out = fn()
    times.push(Number(now() - t0))
  }
  return { out, ...stats(times), runsNs: times }
}

/** A batch measurement as a row: per frame (amortised) when `frames` is given. */
export const batchRow = (r, frames = 1) => ({ p50: r.p50 / frames, mean: r.mean / frames })

/** The p50 / mean / p99 of a stats() result, as row fields. */
export const statRow = (s) => ({ p50: s.p50, mean: s.mean, p99: s.p99 })
