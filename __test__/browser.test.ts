// End to end in headless Chromium (Debian's `chromium`, driven by playwright-core; no
// browser download): the page served at / renders a signal through mixer.wasm in an
// AudioWorklet, and its output must equal the native MixerChain's on the same input.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WaveFile } from 'wavefile'
import { MixerChain } from '../dist/index.js'
import type { MixerConfig } from '../dist/index.js'
import { maxAbsDiff, sine } from './helpers.js'
import { startServer } from './http-helpers.js'

const CHROMIUM = '/usr/bin/chromium'
const OUT = join(__dirname, 'out')

describe('browser demo (AudioWorklet + mixer.wasm)', async () => {
  const { url } = await startServer()
  let context: BrowserContext
  let page: Page
  const profile = mkdtempSync(join(tmpdir(), 'edgemix-chromium-'))
  const problems: string[] = []

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (npm test does: scripts/test-env.mjs)`)
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 900 },
    })
    page = await context.newPage()
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`))
    page.on('console', (msg) => msg.type() === 'error' && problems.push(`console: ${msg.text()}`))
    await page.goto(`${url}/`)
    await page.waitForFunction(() => document.getElementById('status')?.textContent !== 'loading…', null, { timeout: 30_000 })
  }, 60_000)

  afterAll(async () => {
    await context?.close()
    rmSync(profile, { recursive: true, force: true })
  })

  /** Clicks Process and returns the page's input, output and the configuration it used. */
  async function process(): Promise<{ input: Float32Array; output: Float32Array; config: MixerConfig }> {
    expect(await page.textContent('#status')).toMatch(/^(ready|done)$/)
    await page.click('#run')
    await page.waitForFunction(() => /^(done|failed)/.test(document.getElementById('status')?.textContent ?? ''), null, { timeout: 60_000 })
    expect(await page.textContent('#status')).toBe('done')
    const r = await page.evaluate(() => {
      const { input, output, config } = (window as any).edgemix.result
      return { input: Array.from(input as Float32Array), output: Array.from(output as Float32Array), config }
    })
    return { input: Float32Array.from(r.input), output: Float32Array.from(r.output), config: r.config }
  }

  it('renders the generated signal exactly as the native chain does (≤ 1e-6), and draws it', async () => {
    const { input, output, config } = await process()
    expect(config).toEqual(new MixerChain().config)
    expect(input.length).toBe(3 * 48_000)
    const native = new MixerChain(config).processSync(input)
    expect(maxAbsDiff(output, native)).toBeLessThanOrEqual(1e-6)
    // The chain did act on this signal (so equality is not a pass-through).
    expect(maxAbsDiff(output, input)).toBeGreaterThan(0.05)
    mkdirSync(OUT, { recursive: true })
    await page.screenshot({ path: join(OUT, 'browser.png'), fullPage: true })
    expect(await page.textContent('#summary')).toMatch(/latency 240 samples/)
    expect(problems).toEqual([])
  })

  it('processes an uploaded WAV file the same way', async () => {
    const x = sine(48_000, 220, 0.9)
    const wav = new WaveFile()
    wav.fromScratch(1, 48_000, '32f', x)
    await page.setInputFiles('#file', { name: 'tone.wav', mimeType: 'audio/wav', buffer: Buffer.from(wav.toBuffer()) })
    const { input, output, config } = await process()
    // The browser decoded the float WAV sample for sample.
    expect(maxAbsDiff(input, x)).toBe(0)
    expect(maxAbsDiff(output, new MixerChain(config).processSync(input))).toBeLessThanOrEqual(1e-6)
    expect(problems).toEqual([])
  })
})
