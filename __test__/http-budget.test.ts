// Bounded work per request on the whole-clip analysis routes: the work budget (refused
// before any work, with the cost model documented in the README, Security) and the
// admission gate (at most `concurrency` running, `queue` waiting, the rest 503).
import { connect, type Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { ErrorCode, classifyGenreSync } from '../dist/index.js'
import { FRAME, SR, speechLike } from './helpers.js'
import { bytesOf, expectErrorReply, postBytes, postJson, startServer } from './http-helpers.js'

/** The documented cost of one frame of /extract-features: FFT, mel+DCT, fixed, JSON reply. */
const perFrame = (nFft: number, nMels: number, nMfcc: number) => nFft * Math.log2(nFft) + nMels * nMfcc + 100 + 300 * (nMfcc + 6)

describe('the analysis work budget', async () => {
  const { url } = await startServer()

  it('refuses { nFft: 65536, hop: 1 } on 1 KB with 413 ERR_BUDGET_EXCEEDED naming the budget', async () => {
    const res = await postJson(`${url}/extract-features`, { audioBuffer: new Array(256).fill(0.1), options: { nFft: 65536, hop: 1 } })
    await expectErrorReply(res, 413, ErrorCode.BUDGET_EXCEEDED, /256 frames .* over the budget of 100000000 per request/)
  })

  it('admits the default options on the largest raw body (8 MiB)', async () => {
    const x = speechLike(2 * 1024 * 1024)
    const res = await postBytes(`${url}/extract-features`, bytesOf(x))
    expect(res.status).toBe(200)
    expect((await res.json()).frames).toBe(Math.floor(x.length / 960))
  })

  it('draws the line where the cost model puts it', async () => {
    // Default options: 16,560 units a frame; a budget of exactly three frames.
    const { url: tight } = await startServer({ analysis: { budget: 3 * perFrame(1024, 40, 13) } })
    const ok = await postJson(`${tight}/extract-features`, { audioBuffer: new Array(3 * FRAME + 959).fill(0) })
    expect((await ok.json()).frames).toBe(3)
    await expectErrorReply(await postJson(`${tight}/extract-features`, { audioBuffer: new Array(4 * FRAME).fill(0) }), 413, ErrorCode.BUDGET_EXCEEDED, /4 frames/)
    // Options count: the same three frames with nMfcc 20 cost more.
    await expectErrorReply(
      await postJson(`${tight}/extract-features`, { audioBuffer: new Array(3 * FRAME).fill(0), options: { nMfcc: 20 } }),
      413,
      ErrorCode.BUDGET_EXCEEDED,
      /nMfcc 20/,
    )
    // Genre: 40 units a sample.
    const { url: genre } = await startServer({ analysis: { budget: 40 * 3 * SR } })
    const clip = speechLike(3 * SR)
    expect(await (await postBytes(`${genre}/classify-genre`, bytesOf(clip))).json()).toEqual(classifyGenreSync(clip))
    await expectErrorReply(await postBytes(`${genre}/classify-genre`, bytesOf(speechLike(3 * SR + 1))), 413, ErrorCode.BUDGET_EXCEEDED, /144001 samples/)
  })
})

/** Starts a POST whose body never comes: it holds an analysis slot (taken before the body is read). */
function holdSlot(url: string, path: string): Promise<Socket> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), hostname, () => {
      s.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: ${FRAME * 4}\r\n\r\n`)
      resolve(s)
    })
    s.on('error', reject)
  })
}

/** Polls until `done` holds (the server sees sockets asynchronously). */
async function until(done: () => Promise<boolean>) {
  for (let i = 0; i < 500 && !(await done()); i++) await new Promise((r) => setTimeout(r, 10))
}

/** Waits until /stats shows this many analyses running and waiting. */
async function load(url: string, running: number, waiting: number) {
  const now = async () => (await (await fetch(`${url}/stats`)).json()).analysis
  await until(async () => {
    const a = await now()
    return a.running === running && a.waiting === waiting
  })
  expect(await now()).toEqual({ running, waiting })
}

describe('the analysis admission gate', async () => {
  const { url } = await startServer({ analysis: { concurrency: 1, queue: 1 } })
  const frame = bytesOf(speechLike(FRAME))

  it('runs one, queues one, refuses the next with 503 and Retry-After; the queued one runs when the slot frees', async () => {
    const holder = await holdSlot(url, '/extract-features')
    await load(url, 1, 0)
    const queued = postBytes(`${url}/extract-features`, frame)
    await load(url, 1, 1)
    const refused = await postBytes(`${url}/classify-genre`, frame)
    expect(refused.headers.get('retry-after')).toBe('1')
    await expectErrorReply(refused, 503, ErrorCode.SERVER_BUSY, /1 whole-clip analyses are running and 1 waiting/)
    // Real-time frames are not gated.
    expect((await postBytes(`${url}/process-audio`, frame)).status).toBe(200)
    // The held request completes; the queued one follows.
    const reply = new Promise<string>((resolve) => {
      let text = ''
      holder.on('data', (d) => {
        text += d
        if (text.includes('\r\n\r\n')) resolve(text)
      })
      holder.write(Buffer.from(frame))
    })
    expect((await queued).status).toBe(200)
    expect(await reply).toMatch(/^HTTP\/1\.1 200 /)
    holder.destroy()
    await load(url, 0, 0)
  })

  it('frees the slot of a client that goes away while holding or waiting', async () => {
    const holder = await holdSlot(url, '/extract-features')
    await load(url, 1, 0)
    const waiter = await holdSlot(url, '/classify-genre')
    await load(url, 1, 1)
    waiter.destroy()
    await load(url, 1, 0)
    holder.destroy()
    await load(url, 0, 0)
    expect((await postBytes(`${url}/extract-features`, frame)).status).toBe(200)
  })
})
