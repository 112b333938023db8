/**
 * Processing reports: an HTML page (the figure inline as SVG, a summary table, notes and
 * the plotted data as JSON) and the same figure as a PNG, rendered by resvg (no browser).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import { figure, type Plotted } from './figure.js'
import type { ReportData } from './data.js'

export { envelope, ROUTE, routeCode, type GenreSpan, type ReportData, type RouteCode } from './data.js'
export type { Plotted } from './figure.js'

function esc(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!)
}

/** The report page: self-contained (no scripts or resources fetched). */
export function reportHtml(data: ReportData, svg: string, plotted: Plotted, pngName: string): string {
  const rows = data.summary.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('\n')
  const notes = data.notes.length ? `<h2>Events</h2>\n<ul>\n${data.notes.map((n) => `<li>${esc(n)}</li>`).join('\n')}\n</ul>` : ''
  // JSON inside <script> must not close the element early.
  const json = JSON.stringify(plotted).replace(/</g, '\\u003c')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(data.title)}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 1040px; color: #1f2328; padding: 0 16px; }
figure { margin: 0; } figure svg { width: 100%; height: auto; border: 1px solid #d0d7de; border-radius: 6px; }
table { border-collapse: collapse; margin: 16px 0; } th, td { text-align: left; padding: 4px 12px; border-bottom: 1px solid #eaeef2; } th { color: #57606a; font-weight: 600; }
</style>
</head>
<body>
<figure id="edgemix-figure">${svg}</figure>
<h2>Summary</h2>
<table id="edgemix-summary">
${rows}
</table>
${notes}
<p>The same figure as a picture: <a href="${esc(pngName)}">${esc(pngName)}</a>.</p>
<script type="application/json" id="edgemix-plotted">${json}</script>
</body>
</html>
`
}

/** Renders an SVG document to PNG at `scale` × its size (resvg, system fonts). */
export async function svgToPng(svg: string, scale = 2): Promise<Buffer> {
  // Loaded on first use: only reports need it.
  const { Resvg } = await import('@resvg/resvg-js')
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  })
  return resvg.render().asPng()
}

/** Writes `htmlPath` and, beside it, the PNG (`report.html` → `report.png`); resolves to both paths. */
export async function writeReport(htmlPath: string, data: ReportData): Promise<{ html: string; png: string }> {
  const png = htmlPath.replace(/(\.html?)?$/i, '.png')
  const { svg, plotted } = figure(data)
  await mkdir(dirname(htmlPath), { recursive: true })
  await writeFile(png, await svgToPng(svg))
  await writeFile(htmlPath, reportHtml(data, svg, plotted, basename(png)))
  return { html: htmlPath, png }
}
