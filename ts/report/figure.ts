/**
 * The report's figure as one SVG document: stacked panels on a shared time axis —
 * waveform (input vs output), gain reduction per stage, VAD, genre timeline, route per
 * frame. Every panel is a `<g class="panel">` whose data attributes give its plot box
 * and axis ranges, and every series a `<path data-series>` or `<rect data-route>`, so a
 * reader (or a test) can map what is drawn back to values.
 */
import { columnMax, envelope, ROUTE, runs, type ReportData } from './data.js'

export const WIDTH = 1000
export const LEFT = 96
const RIGHT = 24
export const PLOT = WIDTH - LEFT - RIGHT
export const FONT = "font-family=\"DejaVu Sans, Liberation Sans, Arial, sans-serif\""

export const COLORS = {
  input: '#b1b8c0',
  output: '#1f6feb',
  stages: ['#8250df', '#bf3989', '#cf222e', '#1a7f37', '#9a6700'],
  vad: '#0969da',
  speech: '#ddf4ff',
  genre: { speech: '#0969da', rock: '#cf222e', jazz: '#9a6700', electronic: '#8250df', classical: '#1a7f37', unsure: '#d0d7de' } as Record<string, string>,
  route: { [ROUTE.edge]: '#2da44e', [ROUTE.cloud]: '#0969da', [ROUTE.edgeFallback]: '#fb8500', [ROUTE.cloudFallback]: '#e85aad', [ROUTE.dropped]: '#d0d7de' } as Record<number, string>,
}

export const ROUTE_LABELS: Record<number, string> = {
  [ROUTE.edge]: 'edge',
  [ROUTE.cloud]: 'cloud',
  [ROUTE.edgeFallback]: 'edge (fell back)',
  [ROUTE.cloudFallback]: 'cloud (fell back)',
  [ROUTE.dropped]: 'dropped by a gate',
}

export function esc(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!)
}

const r1 = (v: number) => Math.round(v * 10) / 10

/** A panel's box and the value range of its y axis (top value first). */
export interface Box {
  key: string
  y: number
  height: number
  top: number
  bottom: number
}

export function panel(box: Box, tMax: number, title: string, body: string, legend: Array<[string, string]> = []): string {
  const keys = legend
    .map(([label, color], i) => {
      const x = WIDTH - RIGHT - (legend.length - i) * 150
      return `<rect x="${x}" y="${box.y - 15}" width="10" height="10" fill="${color}"/><text x="${x + 14}" y="${box.y - 6}" font-size="11" ${FONT} fill="#444">${esc(label)}</text>`
    })
    .join('')
  return (
    `<g class="panel" id="panel-${box.key}" data-x="${LEFT}" data-y="${box.y}" data-width="${PLOT}" data-height="${box.height}" ` +
    `data-y-top="${box.top}" data-y-bottom="${box.bottom}" data-t-max="${tMax}">` +
    `<text x="${LEFT}" y="${box.y - 6}" font-size="13" font-weight="bold" ${FONT} fill="#222">${esc(title)}</text>${keys}` +
    `<rect x="${LEFT}" y="${box.y}" width="${PLOT}" height="${box.height}" fill="#fafbfc" stroke="#d0d7de"/>${body}</g>`
  )
}

/** y ticks with labels at the panel's left edge. */
export function yTicks(box: Box, values: number[], unit: string): string {
  return values
    .map((v) => {
      const y = r1(yOf(box, v))
      return `<line x1="${LEFT - 4}" x2="${LEFT + PLOT}" y1="${y}" y2="${y}" stroke="#eaeef2"/><text x="${LEFT - 8}" y="${y + 4}" font-size="11" text-anchor="end" ${FONT} fill="#57606a">${v}${unit}</text>`
    })
    .join('')
}

/** The y coordinate of value `v`, clamped to the panel. */
function yOf(box: Box, v: number): number {
  const clamped = Math.min(Math.max(v, Math.min(box.top, box.bottom)), Math.max(box.top, box.bottom))
  return box.y + ((box.top - clamped) / (box.top - box.bottom)) * box.height
}

/** A polyline through (column, value) points, broken where a value is NaN. */
export function line(box: Box, values: Float32Array, name: string, color: string): string {
  const step = PLOT / values.length
  let d = ''
  let pen = false
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (Number.isNaN(v)) {
      pen = false
      continue
    }
    d += `${pen ? 'L' : 'M'}${r1(LEFT + (i + 0.5) * step)},${r1(yOf(box, v))}`
    pen = true
  }
  return `<path class="series" data-series="${esc(name)}" d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/>`
}

/** A filled band between per-column minima and maxima. */
function band(box: Box, min: Float32Array, max: Float32Array, name: string, color: string, opacity: number): string {
  const step = PLOT / min.length
  let d = ''
  for (let i = 0; i < max.length; i++) d += `${i ? 'L' : 'M'}${r1(LEFT + (i + 0.5) * step)},${r1(yOf(box, max[i]))}`
  for (let i = min.length - 1; i >= 0; i--) d += `L${r1(LEFT + (i + 0.5) * step)},${r1(yOf(box, min[i]))}`
  return `<path class="series" data-series="${esc(name)}" d="${d}Z" fill="${color}" fill-opacity="${opacity}" stroke="${color}" stroke-width="0.6"/>`
}

/** Rectangles for runs of frames (x from frame indices). */
function strips(box: Box, frames: number, items: Array<[number, number, string, string]>, attr: string): string {
  return items
    .map(([from, to, color, value]) => {
      const x = LEFT + (from / frames) * PLOT
      const w = ((to - from) / frames) * PLOT
      return `<rect ${attr}="${esc(value)}" data-from="${from}" data-to="${to}" x="${r1(x)}" y="${box.y + 2}" width="${Math.max(0.3, r1(w))}" height="${box.height - 4}" fill="${color}"/>`
    })
    .join('')
}

export function niceStep(range: number, most: number): number {
  for (const s of [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600]) if (range / s <= most) return s
  return Math.ceil(range / most)
}

/** Tick marks and labels (seconds) of a time axis from 0 to `durationS` at height `axisY`. */
export function timeTicks(axisY: number, durationS: number): string {
  const step = niceStep(durationS, 12)
  let ticks = ''
  for (let t = 0; t <= durationS + 1e-9; t += step) {
    const x = r1(LEFT + (t / durationS) * PLOT)
    ticks += `<line x1="${x}" x2="${x}" y1="${axisY}" y2="${axisY + 5}" stroke="#57606a"/><text x="${x}" y="${axisY + 18}" font-size="11" text-anchor="middle" ${FONT} fill="#57606a">${Math.round(t * 10) / 10} s</text>`
  }
  return ticks
}

/** What the figure plots, decimated to its columns (embedded beside it in the HTML). */
export interface Plotted {
  columns: number
  durationS: number
  waveform: { input: { min: number[]; max: number[] }; output: { min: number[]; max: number[] } }
  gainReduction: Record<string, Array<number | null>>
  gainReductionMaxDb: number
  vad?: Array<number | null>
  routes: Record<string, Array<[number, number, number]>>
  frames: number
}

const list = (a: Float32Array) => Array.from(a, (v) => (Number.isNaN(v) ? null : Math.round(v * 1e4) / 1e4))

/** The figure of `data`: an SVG document and what it plots. */
export function figure(data: ReportData): { svg: string; height: number; plotted: Plotted } {
  const frames = Math.floor(data.input.length / data.channels)
  const durationS = frames / data.sampleRate
  const seriesFrames = Math.max(0, ...Object.values(data.gainReduction).map((s) => s.length), data.vad?.probability.length ?? 0, ...Object.values(data.routes).map((r) => r.length))
  const columns = PLOT
  const parts: string[] = []
  let y = 70
  const next = (key: string, height: number, top: number, bottom: number): Box => {
    const box = { key, y: y + 22, height, top, bottom }
    y += height + 40
    return box
  }

  // Waveform.
  const inEnv = envelope(data.input, data.channels, columns)
  const outEnv = envelope(data.output, data.channels, columns)
  const wave = next('waveform', 160, 1, -1)
  parts.push(
    panel(
      wave,
      durationS,
      'Waveform: input and output',
      yTicks(wave, [1, 0.5, 0, -0.5, -1], '') +
        band(wave, inEnv.min, inEnv.max, 'input', COLORS.input, 0.9) +
        band(wave, outEnv.min, outEnv.max, 'output', COLORS.output, 0.55),
      [
        ['input', COLORS.input],
        ['output', COLORS.output],
      ],
    ),
  )

  // Gain reduction per stage.
  const stageNames = Object.keys(data.gainReduction)
  const reduced = Object.fromEntries(stageNames.map((s) => [s, columnMax(data.gainReduction[s], columns)]))
  const peak = Math.max(0, ...stageNames.flatMap((s) => Array.from(reduced[s]).filter((v) => !Number.isNaN(v))))
  const maxDb = Math.max(6, Math.ceil(peak / 6) * 6)
  const gr = next('gain-reduction', 140, 0, maxDb)
  const grTicks = Array.from({ length: 4 }, (_, i) => (i * maxDb) / 3).map((v) => Math.round(v * 10) / 10)
  parts.push(
    panel(
      gr,
      durationS,
      'Gain reduction per stage (dB, per 20 ms frame)',
      yTicks(gr, grTicks, ' dB') + stageNames.map((s, i) => line(gr, reduced[s], s, COLORS.stages[i % COLORS.stages.length])).join(''),
      stageNames.map((s, i) => [s, COLORS.stages[i % COLORS.stages.length]]),
    ),
  )

  // VAD.
  let vadPlotted: Float32Array | undefined
  if (data.vad) {
    const vad = next('vad', 70, 1, 0)
    vadPlotted = columnMax(data.vad.probability, columns)
    const speech = runs(data.vad.speech)
      .filter(([, , v]) => v === 1)
      .map(([a, b]) => [a, b, COLORS.speech, 'speech'] as [number, number, string, string])
    parts.push(
      panel(
        vad,
        durationS,
        'Voice activity: speech probability, speech frames shaded',
        strips(vad, data.vad.speech.length, speech, 'data-vad') + yTicks(vad, [1, 0.5, 0], '') + line(vad, vadPlotted, 'speech-probability', COLORS.vad),
        [
          ['speech frames', COLORS.speech],
          ['probability', COLORS.vad],
        ],
      ),
    )
  }

  // Genre timeline.
  const genreBox = next('genre', 34, 1, 0)
  const genreRects = data.genre
    .map((span) => {
      const x = LEFT + (span.start / durationS) * PLOT
      const w = Math.max(0.3, ((span.end - span.start) / durationS) * PLOT)
      const name = span.genre ?? 'unsure'
      const ink = span.genre ? '#ffffff' : '#57606a'
      const label = w > 60 ? `<text x="${r1(x + 6)}" y="${genreBox.y + 21}" font-size="12" ${FONT} fill="${ink}">${esc(name)}</text>` : ''
      return `<rect data-genre="${esc(name)}" data-start="${span.start}" data-end="${span.end}" x="${r1(x)}" y="${genreBox.y + 2}" width="${r1(w)}" height="${genreBox.height - 4}" fill="${COLORS.genre[name] ?? '#6e7781'}"/>${label}`
    })
    .join('')
  parts.push(panel(genreBox, durationS, 'Genre (streaming classifier decision)', genreRects))

  // Route per frame, one row per stage.
  const stages = Object.keys(data.routes)
  if (stages.length > 0) {
    const rowHeight = 20
    const routesBox = next('routes', stages.length * rowHeight, 0, stages.length)
    const rows = stages
      .map((stage, k) => {
        const codes = data.routes[stage]
        const row = { ...routesBox, y: routesBox.y + k * rowHeight, height: rowHeight }
        const items = runs(codes)
          .filter(([, , v]) => v !== ROUTE.none)
          .map(([a, b, v]) => [a, b, COLORS.route[v], ROUTE_LABELS[v]] as [number, number, string, string])
        return (
          `<g class="route-row" data-stage="${esc(stage)}"><text x="${LEFT - 8}" y="${row.y + 14}" font-size="11" text-anchor="end" ${FONT} fill="#57606a">${esc(stage)}</text>` +
          strips(row, codes.length, items, 'data-route') +
          '</g>'
        )
      })
      .join('')
    const used = [...new Set(stages.flatMap((s) => Array.from(data.routes[s])))].filter((v) => v !== ROUTE.none).sort()
    parts.push(panel(routesBox, durationS, 'Route per frame', rows, used.map((v) => [ROUTE_LABELS[v], COLORS.route[v]])))
  }

  // Time axis under the last panel.
  const axisY = y - 40 + 22 + 2
  const ticks = timeTicks(axisY, durationS)
  const height = axisY + 30
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" data-duration="${durationS}">` +
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>` +
    `<text x="${LEFT}" y="28" font-size="20" font-weight="bold" ${FONT} fill="#1f2328">${esc(data.title)}</text>` +
    `<text x="${LEFT}" y="50" font-size="12" ${FONT} fill="#57606a">${esc(data.subtitle)}</text>` +
    parts.join('') +
    `<g class="time-axis">${ticks}</g></svg>`
  return {
    svg,
    height,
    plotted: {
      columns,
      durationS,
      frames: seriesFrames,
      waveform: {
        input: { min: list(inEnv.min) as number[], max: list(inEnv.max) as number[] },
        output: { min: list(outEnv.min) as number[], max: list(outEnv.max) as number[] },
      },
      gainReduction: Object.fromEntries(stageNames.map((s) => [s, list(reduced[s])])),
      gainReductionMaxDb: maxDb,
      vad: vadPlotted && list(vadPlotted),
      routes: Object.fromEntries(stages.map((s) => [s, runs(data.routes[s])])),
    },
  }
}
