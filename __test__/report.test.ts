// The processing report in headless Chromium (Debian's `chromium` through playwright-core,
// no browser download): `edgemix process --report` on a signal with a known answer — 1 s
// of silence, 1 s of a 1 kHz sine at 0.5, 1 s of silence through a 4:1 hard-knee
// compressor at −20 dBFS with instant attack — must draw the waveform and the gain
// reduction where the analysis puts them (the sine's crest at −6.02 dBFS is reduced by
// (20 − 6.02)·(1 − 1/4) = 10.48 dB), a route strip for every frame, and a PNG of the same
// figure whose pixels show it. The demo's report is opened too.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { spawn } from 'node:child_process'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { edgemix, tempDir, writeWavFile } from './cli-helpers.js'

const CHROMIUM = '/usr/bin/chromium'
const SR = 48_000
const CREST = 0.5
const REDUCTION_DB = (20 + 20 * Math.log10(CREST)) * (1 - 1 / 4)

interface Panel {
  x: number
  y: number
  width: number
  height: number
  top: number
  bottom: number
  tMax: number
  series: Record<string, string>
  rects: Array<Record<string, string>>
}

/** Every panel of the page's figure: its plot box, axis range, series paths and rects. */
async function panels(page: Page): Promise<Record<string, Panel>> {
  return page.evaluate(() => {
    const out: Record<string, unknown> = {}
    for (const g of document.querySelectorAll('#edgemix-figure g.panel')) {
      const n = (k: string) => Number(g.getAttribute(`data-${k}`))
      const series: Record<string, string> = {}
      for (const p of g.querySelectorAll('path[data-series]')) series[p.getAttribute('data-series')!] = p.getAttribute('d')!
      const rects = [...g.querySelectorAll('rect[data-route], rect[data-genre], rect[data-vad]')].map((r) =>
        Object.fromEntries([...r.attributes].map((a) => [a.name, a.value])),
      )
      out[g.id.replace('panel-', '')] = { x: n('x'), y: n('y'), width: n('width'), height: n('height'), top: n('y-top'), bottom: n('y-bottom'), tMax: n('t-max'), series, rects }
    }
    return out as Record<string, Panel>
  })
}

/** The points of a path's d attribute, mapped back to (seconds, value) through the panel's axes. */
function points(panel: Panel, d: string): Array<[number, number]> {
  return [...d.matchAll(/[ML]([-\d.]+),([-\d.]+)/g)].map((m) => {
    const [px, py] = [Number(m[1]), Number(m[2])]
    return [((px - panel.x) / panel.width) * panel.tMax, panel.top - ((py - panel.y) / panel.height) * (panel.top - panel.bottom)]
  })
}

/** The values of a path's points whose time lies in [from, to]. */
const within = (pts: Array<[number, number]>, from: number, to: number) => pts.filter(([t]) => t >= from && t <= to).map(([, v]) => v)

describe('reports in Chromium', () => {
  let context: BrowserContext
  let page: Page
  const profile = mkdtempSync(join(tmpdir(), 'edgemix-chromium-'))
  const dir = tempDir()

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`)
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1200, height: 900 },
    })
    page = await context.newPage()
  }, 60_000)

  afterAll(async () => {
    await context?.close()
    rmSync(profile, { recursive: true, force: true })
  })

  it('edgemix process --report draws the signal, the gain reduction, VAD, genre and routes where they are', async () => {
    const x = new Float32Array(3 * SR)
    for (let i = SR; i < 2 * SR; i++) x[i] = CREST * Math.sin((2 * Math.PI * 1000 * i) / SR)
    const input = join(dir, 'burst.wav')
    writeWavFile(input, [x], SR, '32f')
    const config = join(dir, 'comp.json')
    writeFileSync(
      config,
      JSON.stringify({
        gate: { bypass: true },
        eq: { bypass: true },
        compressor: { thresholdDb: -20, ratio: 4, kneeDb: 0, attackMs: 0, releaseMs: 100, makeupDb: 0 },
        limiter: { ceilingDb: 0 },
      }),
    )
    const html = join(dir, 'report.html')
    const run = await edgemix(['process', input, '-o', join(dir, 'burst-out.wav'), '--config', config, '--report', html])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain(html)

    const problems: string[] = []
    page.on('pageerror', (e) => problems.push(e.message))
    await page.goto(pathToFileURL(html).href)
    const p = await panels(page)
    expect(Object.keys(p).sort()).toEqual(['gain-reduction', 'genre', 'routes', 'vad', 'waveform'])

    // Waveform: the upper edge of each band (the first half of its points) is the column maximum.
    const wave = p.waveform
    expect(wave.tMax).toBeCloseTo(3, 6)
    const upper = (name: string) => {
      const pts = points(wave, wave.series[name])
      return pts.slice(0, pts.length / 2)
    }
    const inMax = upper('input')
    const outMax = upper('output')
    expect(inMax.length).toBe(wave.width)
    for (const v of within(inMax, 1.02, 1.98)) expect(v).toBeCloseTo(CREST, 2)
    for (const v of within(outMax, 1.02, 1.98)) expect(v).toBeCloseTo(CREST * 10 ** (-REDUCTION_DB / 20), 2)
    for (const v of [...within(inMax, 0, 0.98), ...within(outMax, 0, 0.98), ...within(outMax, 2.05, 3)]) expect(Math.abs(v)).toBeLessThan(0.01)

    // Gain reduction: the compressor's line at the analytic reduction during the sine, 0 in silence; gate bypassed reads 0.
    const gr = p['gain-reduction']
    expect(Object.keys(gr.series)).toEqual(['gate', 'compressor', 'limiter'])
    const comp = points(gr, gr.series.compressor)
    for (const v of within(comp, 1.05, 1.95)) expect(v).toBeCloseTo(REDUCTION_DB, 1)
    for (const v of within(comp, 0, 0.95)) expect(v).toBeCloseTo(0, 6)
    expect(within(points(gr, gr.series.gate), 0, 3).every((v) => v === 0)).toBe(true)
    expect(within(points(gr, gr.series.limiter), 0, 3).every((v) => v === 0)).toBe(true)

    // VAD: a probability line over every frame, inside 0..1; a pure tone is not speech.
    const vadPts = points(p.vad, p.vad.series['speech-probability'])
    expect(vadPts.length).toBeGreaterThan(100)
    expect(vadPts.every(([, v]) => v >= -1e-9 && v <= 1 + 1e-9)).toBe(true)

    // Genre: spans covering the whole file, in order.
    const spans = p.genre.rects.map((r) => [Number(r['data-start']), Number(r['data-end'])])
    expect(spans[0][0]).toBe(0)
    expect(spans.at(-1)![1]).toBeCloseTo(3, 6)

    // Route: one edge strip over all 151 frames (3 s plus the 5 ms lookahead flush).
    expect(p.routes.rects).toHaveLength(1)
    expect(p.routes.rects[0]).toMatchObject({ 'data-route': 'edge', 'data-from': '0', 'data-to': '151' })

    // The summary table and the plotted data are on the page too.
    expect(await page.textContent('#edgemix-summary')).toMatch(/gain reduction.*compressor max 10\.5 dB/s)
    const plotted = JSON.parse((await page.textContent('#edgemix-plotted'))!)
    expect(plotted.gainReductionMaxDb).toBe(12)

    // The PNG: the same figure at twice the size, and its pixels show the bands.
    const png = readFileSync(html.replace(/\.html$/, '.png'))
    const svgSize = await page.evaluate(() => {
      const svg = document.querySelector('#edgemix-figure svg')!
      return [Number(svg.getAttribute('width')), Number(svg.getAttribute('height'))]
    })
    const pixels = await page.evaluate(async ({ src, probes }) => {
      const img = new Image()
      img.src = src
      await img.decode()
      const canvas = document.createElement('canvas')
      canvas.width = img.width
      canvas.height = img.height
      const ctx = canvas.getContext('2d')!
      ctx.drawImage(img, 0, 0)
      return { width: img.width, height: img.height, probes: probes.map(([x, y]) => Array.from(ctx.getImageData(x, y, 1, 1).data)) }
    }, {
      src: `data:image/png;base64,${png.toString('base64')}`,
      // Inside the output band at 1.5 s, the same height at 0.5 s (silence), scaled ×2.
      probes: [1.5, 0.5].map((t) => [Math.round(2 * (wave.x + (t / 3) * wave.width)), Math.round(2 * (wave.y + wave.height / 2 - 0.05 * (wave.height / 2)))]),
    })
    expect([pixels.width, pixels.height]).toEqual([2 * svgSize[0], 2 * svgSize[1]])
    const [band, silence] = pixels.probes
    expect(band[2] - band[0]).toBeGreaterThan(60) // blue output over grey input
    expect(Math.min(...silence.slice(0, 3))).toBeGreaterThan(240) // the panel's near-white background
    expect(problems).toEqual([])
  })

  it('the demo writes its clip, the processed clip and a report with every stage\'s route, fallbacks included', async () => {
    const out = join(dir, 'demo')
    const child = spawn(process.execPath, [join(__dirname, '../examples/demo.mjs'), out], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const code = await new Promise((resolve) => child.on('close', resolve))
    expect(code, stderr).toBe(0)
    expect(stdout).toMatch(/^cloud tier: (embedded \(startServer\) in process \d+, on 127\.0\.0\.1:50052|port 50052 is taken \(.*\); embedded \(startServer\) in process \d+, on 127\.0\.0\.1:\d+ instead)$/m)
    expect(stdout).toMatch(/-- 10\.0 s: cloud tier killed \(SIGKILL\) --/)
    expect(stdout).toMatch(/^ {2}genre {5}edge \d+ .* cloud \d+ .* fell back [1-9]\d*; errors .*ERR_CLOUD_UNAVAILABLE/m)
    for (const f of ['input.wav', 'processed.wav', 'report.html', 'report.png']) expect(existsSync(join(out, f)), f).toBe(true)
    await page.goto(pathToFileURL(join(out, 'report.html')).href)
    const p = await panels(page)
    const rows = await page.evaluate(() => [...document.querySelectorAll('g.route-row')].map((g) => g.getAttribute('data-stage')))
    expect(rows).toEqual(['vad', 'mixer', 'features', 'genre'])
    const genreRoutes = new Set(p.routes.rects.map((r) => r['data-route']))
    // The genre stage asks for the cloud; while the cloud tier is down it falls back to the edge.
    expect(genreRoutes.has('cloud')).toBe(true)
    expect(genreRoutes.has('edge (fell back)')).toBe(true)
    expect(genreRoutes.has('dropped by a gate')).toBe(true)
    expect(points(p.waveform, p.waveform.series.output).length).toBe(2 * p.waveform.width)
    expect(readFileSync(join(out, 'report.png')).subarray(1, 4).toString()).toBe('PNG')
  }, 120_000)
})
