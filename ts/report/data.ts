/**
 * What a processing report shows: the input and output signals, per-frame gain
 * reductions, VAD decisions, the genre timeline and the route of every frame, and a
 * summary. `edgemix process --report` and the demo fill one in; ./figure.ts draws it.
 */

/** Where a frame ran, per stage: a run of frames with one value becomes one strip. */
export const ROUTE = { none: 0, edge: 1, cloud: 2, edgeFallback: 3, cloudFallback: 4, dropped: 5 } as const
export type RouteCode = (typeof ROUTE)[keyof typeof ROUTE]

/** The route code of a hybrid result (`route`, `fellBack`). */
export function routeCode(route: 'edge' | 'cloud', fellBack: boolean): RouteCode {
  if (route === 'edge') return fellBack ? ROUTE.edgeFallback : ROUTE.edge
  return fellBack ? ROUTE.cloudFallback : ROUTE.cloud
}

export interface GenreSpan {
  /** Seconds from the start. */
  start: number
  end: number
  /** null: no confident decision (the neutral preset). */
  genre: string | null
}

export interface ReportData {
  title: string
  /** One line under the title (the file, its format, the configuration's gist). */
  subtitle: string
  /** Rate of `input` and `output`, Hz. */
  sampleRate: number
  /** Interleaved channels of `input` and `output`. */
  channels: number
  /** The signal before and after processing, interleaved, aligned (same length). */
  input: Float32Array
  output: Float32Array
  /** Length of one frame of the per-frame series, s (0.02). */
  frameSeconds: number
  /** Gain reduction per frame and stage, dB ≥ 0; NaN where the stage reported nothing (a frame processed in the cloud). */
  gainReduction: Record<string, Float32Array>
  /** VAD per frame: speech probability 0..1 (NaN: not analysed) and the decision. */
  vad?: { probability: Float32Array; speech: Uint8Array }
  genre: GenreSpan[]
  /** Route per frame for each stage that can run at the edge or in the cloud (RouteCode values). */
  routes: Record<string, Uint8Array>
  /** Label and value rows of the summary table. */
  summary: Array<[string, string]>
  /** Events worth telling (fallbacks, outages), one line each. */
  notes: string[]
}

/** Per-column minimum and maximum of an interleaved signal over all channels. */
export function envelope(signal: Float32Array, channels: number, columns: number): { min: Float32Array; max: Float32Array } {
  const frames = Math.floor(signal.length / channels)
  const min = new Float32Array(columns)
  const max = new Float32Array(columns)
  for (let c = 0; c < columns; c++) {
    const from = Math.floor((c * frames) / columns) * channels
    const to = Math.max(from + channels, Math.floor(((c + 1) * frames) / columns) * channels)
    let lo = Infinity
    let hi = -Infinity
    for (let i = from; i < to && i < signal.length; i++) {
      const v = signal[i]
      if (v < lo) lo = v
      if (v > hi) hi = v
    }
    min[c] = lo === Infinity ? 0 : lo
    max[c] = hi === -Infinity ? 0 : hi
  }
  return { min, max }
}

/** A per-frame series reduced to `columns` values by taking each column's largest (NaN where all are NaN). */
export function columnMax(series: Float32Array, columns: number): Float32Array {
  if (series.length <= columns) return series
  const out = new Float32Array(columns)
  for (let c = 0; c < columns; c++) {
    const from = Math.floor((c * series.length) / columns)
    const to = Math.max(from + 1, Math.floor(((c + 1) * series.length) / columns))
    let m = NaN
    for (let i = from; i < to; i++) if (!(series[i] <= m)) m = Number.isNaN(series[i]) ? m : series[i]
    out[c] = m
  }
  return out
}

/** Consecutive equal values of a per-frame code series as [startFrame, endFrame, value] runs. */
export function runs(codes: ArrayLike<number>): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = []
  for (let i = 0; i < codes.length; ) {
    let j = i + 1
    while (j < codes.length && codes[j] === codes[i]) j++
    out.push([i, j, codes[i]])
    i = j
  }
  return out
}
