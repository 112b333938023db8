#!/usr/bin/env node
// Soak: live 48 kHz streams through every path at once for minutes, with the cloud tier
// killed and restarted every minute, checking end to end that nothing is lost,
// duplicated or reordered and that no process grows. `npm run soak` (not part of
// `npm test`); needs `npm run build` first.
//
//   SOAK_MINUTES=10 SOAK_STREAMS=200 node bench/soak.mjs
//
// Environment (defaults): SOAK_MINUTES (10), SOAK_STREAMS (200: hybrid proxy streams,
// half native mixer at the edge, a quarter vad.wasm at the edge, a quarter the cloud
// mixer), SOAK_HTTP (8 clients of POST /process-audio, each with a session),
// SOAK_WS (16 WebSocket /stream clients), SOAK_RESTART_SECONDS (60: the cloud's life),
// SOAK_WARMUP_SECONDS (min(60, a fifth of the run)), SOAK_OUT (bench/results/soak: the
// JSON record soak.json, the plot soak.svg and soak.png), SOAK_SERVER_BIN (an
// edgemix-server binary; default: built by cargo as the tests build it),
// SOAK_MAX_LAG_SECONDS (5: when more frames than that many seconds of every client's
// are outstanding, the process cannot keep up; the run stops there and fails rather
// than queueing without bound).
//
// Every client sends one 960-sample frame every 20 ms, staggered over the period as
// independent clients are. What runs where:
//  - this process: the hybrid proxies (HybridProcessingClient; edge work on the addon's
//    frame and WASM workers) and every client;
//  - an `edgemix-server` process on 127.0.0.1 (ephemeral port): the cloud mixer;
//    SIGKILLed every SOAK_RESTART_SECONDS and started again on the same port;
//  - an `edgemix serve` process (HTTP only, ephemeral port): /process-audio and /stream.
//
// How a frame is checked. Frame k of client c has samples level_k[n] · sign_{c,k}[n]:
// a speech-like level (|conversation()| of bench/signal.mjs, floored at 1e-4) shared by
// all clients and a pseudo-random sign per sample, seeded by (c, k). The mixer is
// configured with its EQ bypassed, so every stage left is a gain computed from |x| and
// the limiter's 240-sample delay: the output of client c's frame k is exactly
// ref_k[n] · sign[n − 240] (sign of frame k−1 for n < 240), where ref_k is one
// reference MixerChain's output for level_k. So at the consumer
//  - the sequence check: every output sample has the sign of the input frame it must
//    come from (960 signs: a lost, repeated or swapped frame cannot pass);
//  - the reference check: the output equals ref_k · sign bit for bit. It must hold on
//    every deterministic path (edge mixer, HTTP session, WebSocket); on the cloud mixer
//    it holds until a restart gives the stream fresh state (counted, not a failure);
//  - VAD (JSON out, no signs): every output equals a reference vad.wasm session's output
//    for the same frame, all VAD streams getting the conversation signal itself.
// Latency: from when a frame was due to when its result reached the consumer.
//
// Resources, sampled every 5 s from /proc: RSS, open file descriptors, threads, CPU.
// This process and `edgemix serve`: the median RSS of the last window (a minute, or
// less in short runs) against the median of the first window after warm-up, ≤ +5 %;
// fds and threads: the last window's maximum not above their maximum over the run
// before it (after warm-up). The cloud server, restarted every minute, is compared life
// against life: the last life's maxima against the first life after warm-up (RSS) and
// every life before it (fds, threads).
// Exits 1 when a check fails. `node bench/soak.mjs --plot DIR/soak.json` draws a record again.
import { spawn } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { createInterface } from 'node:readline'

import * as hdr from 'hdr-histogram-js'
import WebSocket from 'ws'

import { serverBinary } from '../scripts/release-binary.mjs'
import { feed } from './lib/feed.mjs'
import { ROOT, WASM_DIST } from './lib/paths.mjs'
import { conversation, FRAME_SAMPLES, toFrames } from './signal.mjs'

const require = createRequire(import.meta.url)
const addon = require('../dist/index.js')
const { HybridProcessingClient, MixerChain, WasmEdgeNode } = addon
const { FONT, LEFT, PLOT, WIDTH, esc, line, panel, timeTicks, yTicks } = require('../dist/report/figure.js')
const { svgToPng } = require('../dist/report/index.js')

const int = (name, fallback, least = Number.MIN_VALUE) => {
  const v = process.env[name]
  if (v === undefined || v === '') return fallback
  const n = Number(v)
  if (!Number.isFinite(n) || n < least) throw new Error(`${name} must be a number ≥ ${least === Number.MIN_VALUE ? '> 0' : least}, received ${v}`)
  return n
}
const MINUTES = int('SOAK_MINUTES', 10)
const STREAMS = Math.round(int('SOAK_STREAMS', 200))
const HTTP_CLIENTS = Math.round(int('SOAK_HTTP', 8, 0))
const WS_CLIENTS = Math.round(int('SOAK_WS', 16, 0))
/** How far behind real time the clients may fall in all (frames in flight or queued, in seconds of every client's frames) before the run stops. */
const MAX_LAG_S = int('SOAK_MAX_LAG_SECONDS', 5)
const RESTART_S = int('SOAK_RESTART_SECONDS', 60)
const DURATION_S = MINUTES * 60
const WARMUP_S = int('SOAK_WARMUP_SECONDS', Math.min(60, DURATION_S / 5))
/** The windows compared for growth: the first after warm-up and the last. */
const WINDOW_S = Math.min(60, (DURATION_S - WARMUP_S) / 2)
const SAMPLE_S = 5
/** Latency windows of the plot. */
const PLOT_WINDOW_S = 10
const OUT = path.resolve(process.env.SOAK_OUT ?? path.join(ROOT, 'bench', 'results', 'soak'))
// Sessions are capped at 16 per client address (the server's default), and all clients here share one.
if (HTTP_CLIENTS > 16) throw new Error(`SOAK_HTTP must be at most 16 (sessions per client address), received ${HTTP_CLIENTS}`)

/** The mixer everywhere: the default chain with the EQ bypassed (the only stage that is not a gain). */
const MIXER = { eq: { bypass: true } }
const PERIOD_MS = 20
const SLOTS = 20
const RING = 4096 // frames of reference kept (82 s): a client further behind fails its check

// ---------------------------------------------------------------- signal and references

const conv = toFrames(conversation(120).signal)
const levelOf = (k) => {
  const x = conv[k % conv.length]
  const out = new Float32Array(FRAME_SAMPLES)
  for (let n = 0; n < FRAME_SAMPLES; n++) out[n] = Math.max(Math.abs(x[n]), 1e-4)
  return out
}

/** 960 sign bits of client `c`'s frame `k` (xorshift32 seeded by both). */
function signs(c, k) {
  const words = new Uint32Array(FRAME_SAMPLES / 32)
  let x = (Math.imul(c + 1, 0x9e3779b1) ^ Math.imul(k + 1, 0x85ebca77) ^ 0x2545f491) >>> 0 || 1
  for (let w = 0; w < words.length; w++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    words[w] = x >>> 0
  }
  return words
}
const negative = (words, n) => (words[n >>> 5] >>> (n & 31)) & 1

function signed(level, words) {
  const out = new Float32Array(FRAME_SAMPLES)
  for (let n = 0; n < FRAME_SAMPLES; n++) out[n] = negative(words, n) ? -level[n] : level[n]
  return out
}

const refChain = new MixerChain(MIXER)
const DELAY = refChain.latencySamples
const refMixer = new Array(RING)
const refVad = new Array(RING)
let refVadSession
/** Computes frame k's references (once, before any client sends frame k). */
async function references(k) {
  const level = levelOf(k)
  refMixer[k % RING] = { k, level, out: refChain.processSync(level) }
  refVad[k % RING] = { k, text: JSON.stringify(await refVadSession.process(conv[k % conv.length])) }
}

/**
 * Checks client output `out` against frame k: `order` (every sample's sign is its
 * source's) and `exact` (bit for bit the reference). `prev`: the signs of the frame
 * before it on the same side (the chain's delay line holds its tail), if any.
 */
function checkMixer(out, k, cur, prev) {
  const ref = refMixer[k % RING]
  if (!(out instanceof Float32Array) || out.length !== FRAME_SAMPLES || ref?.k !== k) return { order: false, exact: false }
  let order = true
  let exact = true
  for (let n = 0; n < FRAME_SAMPLES; n++) {
    const current = n >= DELAY
    const neg = current ? negative(cur, n - DELAY) : prev !== undefined && negative(prev, n + FRAME_SAMPLES - DELAY)
    const want = neg ? -ref.out[n] : ref.out[n]
    if (out[n] !== want) exact = false
    const s = neg ? -out[n] : out[n]
    // The head is the delay line's zeros in a fresh chain (a restarted cloud's).
    if (current ? !(s > 0) : s < 0) order = false
  }
  return { order, exact }
}

/** Counts a frame out of place under what it was: the neighbour it matches, if any. */
function misplaced(kind, out, c, k) {
  let what = 'wrong'
  for (const d of [-1, 1, -2, 2]) {
    if (k + d >= 0 && checkMixer(out, k + d, signs(c, k + d), k + d > 0 ? signs(c, k + d - 1) : undefined).order) {
      what = d < 0 ? 'duplicate' : 'skipped'
      break
    }
  }
  kinds[kind].misplaced[what] = (kinds[kind].misplaced[what] ?? 0) + 1
}

// ---------------------------------------------------------------- accounting

const newHist = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false })
const KINDS = ['mixer-edge', 'vad-edge', 'mixer-cloud', 'http', 'ws']
const kinds = Object.fromEntries(KINDS.map((k) => [k, { clients: 0, sent: 0, received: 0, orderFailures: 0, exactMismatches: 0, errors: [], misplaced: {}, routes: {} }]))
let windowHist = Object.fromEntries(KINDS.map((k) => [k, newHist()]))
let minuteHist = Object.fromEntries(KINDS.map((k) => [k, newHist()]))
const windows = []
const minutes = []
let start = 0
const dueAt = (k, slot) => start + (k * SLOTS + slot) * (PERIOD_MS / SLOTS)

function received(kind, k, slot, verdict, deterministic) {
  const a = kinds[kind]
  a.received++
  const us = Math.max(1, Math.round((performance.now() - dueAt(k, slot)) * 1000))
  windowHist[kind].recordValue(us)
  minuteHist[kind].recordValue(us)
  if (!verdict.order) a.orderFailures++
  if (!verdict.exact) {
    a.exactMismatches++
    if (deterministic && a.errors.length < 20) a.errors.push(`frame ${k}: output differs from the reference`)
  }
}
const failed = (kind, what) => kinds[kind].errors.length < 20 && kinds[kind].errors.push(what)

function summarize(hists) {
  const out = {}
  for (const [kind, h] of Object.entries(hists)) {
    out[kind] = h.totalCount ? { frames: h.totalCount, p50Ms: h.getValueAtPercentile(50) / 1000, p99Ms: h.getValueAtPercentile(99) / 1000, maxMs: h.maxValue / 1000 } : { frames: 0 }
    h.destroy()
  }
  return out
}

// ---------------------------------------------------------------- processes

/** Reads lines of `child`'s stdout until one starts with `prefix`; resolves to the rest. */
function announced(child, prefix, what) {
  const lines = createInterface({ input: child.stdout })
  return new Promise((resolve, reject) => {
    const onExit = (code, signal) => reject(new Error(`${what} exited (${code ?? signal}) before announcing "${prefix}"`))
    child.once('exit', onExit)
    lines.on('line', (l) => {
      if (!l.startsWith(prefix)) return
      child.off('exit', onExit)
      lines.close()
      child.stdout.resume()
      resolve(l.slice(prefix.length).trim())
    })
  })
}

/** The child processes, ended with this one however it ends. */
const children = new Set()
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')))
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130))
const track = (child) => {
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}
const exited = (child) => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r)))

/** Starts the cloud tier on `port` (0: any); a port just freed can take a moment. */
let server
async function startCloud(port) {
  server ??= process.env.SOAK_SERVER_BIN || serverBinary()
  for (let attempt = 0; ; attempt++) {
    const child = track(spawn(server, ['--host', '127.0.0.1', '--port', String(port)], { stdio: ['ignore', 'pipe', 'ignore'] }))
    try {
      const addr = await announced(child, 'edgemix-server listening on ', 'edgemix-server')
      return { child, port: Number(addr.split(':').pop()) }
    } catch (err) {
      if (attempt >= 50) throw err
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

/** /proc figures of one process: RSS (bytes), fds, threads, CPU time (s). */
function procStats(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return {
      rss: Number(/VmRSS:\s+(\d+)/.exec(status)[1]) * 1024,
      threads: Number(/Threads:\s+(\d+)/.exec(status)[1]),
      fds: readdirSync(`/proc/${pid}/fd`).length,
      // utime + stime (fields 14 and 15), in clock ticks of 1/100 s on Linux.
      cpuS: (Number(fields[11]) + Number(fields[12])) / 100,
    }
  } catch {
    return null // the process went away between the samples
  }
}

// ---------------------------------------------------------------- clients

/** The hybrid proxy streams: each a consumer of its own proxy.stream(), one frame in flight. */
function proxyStreams(proxies, counts) {
  const list = []
  let c = 0
  for (const [kind, count] of Object.entries(counts)) {
    kinds[kind].clients = count
    for (let i = 0; i < count; i++, c++) {
      const client = c
      const source = feed()
      const stream = { kind, client, source, sent: 0 }
      stream.done = (async () => {
        let k = 0
        // The last frame's signs on each side: when a stream changes side, each side's
        // chain goes on from the last frame it saw.
        const tail = {}
        try {
          for await (const r of proxies[kind].stream(source, { maxInFlight: 1 })) {
            const a = kinds[kind]
            const route = r.fellBack ? `${r.route} (fell back)` : r.route
            a.routes[route] = (a.routes[route] ?? 0) + 1
            if (kind === 'vad-edge') {
              const ok = JSON.stringify(r.output) === refVad[k % RING]?.text && refVad[k % RING].k === k
              received(kind, k, stream.slot, { order: ok, exact: ok }, true)
            } else {
              const cur = signs(client, k)
              const verdict = checkMixer(r.output, k, cur, tail[r.route])
              received(kind, k, stream.slot, verdict, kind === 'mixer-edge')
              if (!verdict.order) misplaced(kind, r.output, client, k)
              tail[r.route] = cur
            }
            k++
          }
        } catch (err) {
          failed(kind, `stream ${client} ended at frame ${k}: ${err.code ?? ''} ${err.message}`)
        }
      })()
      stream.send = (k) => {
        stream.sent++
        kinds[kind].sent++
        source.push(kind === 'vad-edge' ? conv[k % conv.length] : signed(refMixer[k % RING].level, signs(client, k)))
      }
      stream.end = () => source.end()
      list.push(stream)
    }
  }
  return list
}

/** POST /process-audio clients, each with a session of the soak's mixer; one request at a time. */
async function httpClients(url, count, first) {
  kinds.http.clients = count
  const list = []
  for (let i = 0; i < count; i++) {
    const client = first + i
    const res = await fetch(`${url}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ config: MIXER }) })
    if (res.status !== 201) throw new Error(`POST /sessions: ${res.status} ${await res.text()}`)
    const { id } = await res.json()
    const backlog = []
    let busy = false
    let ended = false
    let prev
    let finished
    const c = { kind: 'http', client, sent: 0 }
    c.done = new Promise((resolve) => (finished = resolve))
    const pump = async () => {
      busy = true
      while (backlog.length) {
        const k = backlog.shift()
        const cur = signs(client, k)
        const input = signed(refMixer[k % RING].level, cur)
        try {
          const reply = await fetch(`${url}/process-audio`, {
            method: 'POST',
            headers: { 'content-type': 'application/octet-stream', accept: 'application/octet-stream', 'x-edgemix-session': id },
            body: new Uint8Array(input.buffer),
          })
          const body = new Uint8Array(await reply.arrayBuffer())
          if (reply.status !== 200) throw new Error(`status ${reply.status}: ${Buffer.from(body).toString().slice(0, 200)}`)
          const out = new Float32Array(body.byteLength / 4)
          new Uint8Array(out.buffer).set(body)
          const verdict = checkMixer(out, k, cur, prev)
          received('http', k, c.slot, verdict, true)
          if (!verdict.order) misplaced('http', out, client, k)
        } catch (err) {
          failed('http', `client ${client}, frame ${k}: ${err.message}`)
        }
        prev = cur
      }
      busy = false
      if (ended) finished()
    }
    c.send = (k) => {
      c.sent++
      kinds.http.sent++
      backlog.push(k)
      if (!busy) pump()
    }
    c.end = () => {
      ended = true
      if (!busy) finished()
    }
    list.push(c)
  }
  return list
}

/** WebSocket /stream clients: their chain reconfigured to the soak's mixer, frames sent as they fall due. */
async function wsClients(url, count, first) {
  kinds.ws.clients = count
  const list = []
  for (let i = 0; i < count; i++) {
    const client = first + i
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/stream`)
    await new Promise((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    ws.send(JSON.stringify({ config: MIXER }))
    await new Promise((resolve) => ws.once('message', resolve))
    const c = { kind: 'ws', client, sent: 0 }
    let k = 0
    let prev
    let closed
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return failed('ws', `client ${client}, frame ${k}: ${String(data).slice(0, 200)}`)
      const out = new Float32Array(data.byteLength / 4)
      new Uint8Array(out.buffer).set(data)
      const cur = signs(client, k)
      const verdict = checkMixer(out, k, cur, prev)
      received('ws', k, c.slot, verdict, true)
      if (!verdict.order) misplaced('ws', out, client, k)
      prev = cur
      k++
      if (k === c.sent && c.ending) ws.close(1000)
    })
    ws.on('close', (code) => {
      if (code !== 1000) failed('ws', `client ${client} closed with ${code} at frame ${k}`)
      closed?.()
    })
    c.done = new Promise((resolve) => (closed = resolve))
    c.send = (frame) => {
      c.sent++
      kinds.ws.sent++
      ws.send(signed(refMixer[frame % RING].level, signs(client, frame)))
    }
    c.end = () => {
      c.ending = true
      if (k === c.sent) ws.close(1000)
    }
    list.push(c)
  }
  return list
}

// ---------------------------------------------------------------- resources

function windowStats(samples, proc, from, to) {
  const s = samples.filter((x) => x.t >= from && x.t < to && x[proc]).map((x) => x[proc])
  if (!s.length) return null
  const rss = s.map((x) => x.rss).sort((a, b) => a - b)
  return { samples: s.length, rssMedian: rss[Math.floor(rss.length / 2)], rssMax: rss[rss.length - 1], fdsMax: Math.max(...s.map((x) => x.fds)), threadsMax: Math.max(...s.map((x) => x.threads)) }
}

/**
 * RSS (`rss`: median or maximum) of the last window against the first, ≤ +5 %; fds and
 * threads of the last window not above their maximum in every earlier window after
 * warm-up (pools that grow and shrink with demand are not growth; a leak is).
 */
function growthCheck(name, base, earlier, last, rss) {
  if (!base || !last) return { name, ok: false, reason: 'no samples in a window' }
  const rssGrowth = last[rss] / base[rss] - 1
  const before = { fdsMax: Math.max(...earlier.map((w) => w.fdsMax)), threadsMax: Math.max(...earlier.map((w) => w.threadsMax)) }
  const ok = rssGrowth <= 0.05 && last.fdsMax <= before.fdsMax && last.threadsMax <= before.threadsMax
  return { name, ok, rssGrowthPct: Math.round(rssGrowth * 1e4) / 100, base, before, last }
}

// ---------------------------------------------------------------- plot

/** An axis top of 1, 2 or 5 × 10^n steps covering `peak`, with its ticks (at most 5 steps). */
function axis(peak) {
  const unit = 10 ** Math.floor(Math.log10(peak / 5))
  const step = [1, 2, 5, 10].map((m) => m * unit).find((x) => peak / x <= 5)
  const top = Math.ceil(peak / step) * step
  return { top, ticks: Array.from({ length: Math.round(top / step) + 1 }, (_, i) => Math.round(i * step * 1e6) / 1e6) }
}

/**
 * Values in time columns of `columnS` over the whole run (a column without a value is
 * NaN: a line stops where the run stopped).
 */
function columns(durationS, columnS, items, at, value) {
  const out = new Float32Array(Math.ceil(durationS / columnS)).fill(NaN)
  for (const item of items) {
    const i = at(item)
    if (i >= 0 && i < out.length) out[i] = value(item)
  }
  return out
}

function plot(record) {
  const d = record.durationS
  const mib = (proc) => columns(d, SAMPLE_S, record.samples, (s) => Math.floor(s.t / SAMPLE_S), (s) => (s[proc] ? s[proc].rss / 2 ** 20 : NaN))
  const rss = { 'node (proxies, clients)': mib('node'), 'edgemix serve': mib('serve'), 'edgemix-server (cloud)': mib('cloud') }
  const rssAxis = axis(Math.max(...Object.values(rss).flatMap((a) => Array.from(a).filter((v) => !Number.isNaN(v)))))
  const colors = ['#1f6feb', '#1a7f37', '#8250df', '#cf222e', '#9a6700']
  // Each panel's title on a line of its own, above its legend.
  const heading = (box, text) => `<text x="${LEFT}" y="${box.y - 26}" font-size="13" font-weight="bold" ${FONT} fill="#222">${esc(text)}</text>`
  const boxRss = { key: 'rss', y: 112, height: 180, top: rssAxis.top, bottom: 0 }
  const rssPanel = heading(boxRss, `Resident memory (MiB), every ${SAMPLE_S} s; the cloud tier killed and restarted every ${RESTART_S} s`) + panel(
    boxRss,
    d,
    '',
    yTicks(boxRss, rssAxis.ticks, '') + Object.entries(rss).map(([n, v], i) => line(boxRss, v, n, colors[i])).join(''),
    Object.keys(rss).map((n, i) => [n, colors[i]]),
  )
  const p99 = Object.fromEntries(KINDS.map((kind) => [kind, columns(d, PLOT_WINDOW_S, record.latency.windows, (w) => Math.ceil(w.t / PLOT_WINDOW_S) - 1, (w) => w[kind]?.p99Ms ?? NaN)]))
  const latAxis = axis(Math.max(PERIOD_MS, ...Object.values(p99).flatMap((a) => Array.from(a).filter((v) => !Number.isNaN(v)))))
  const boxLat = { key: 'p99', y: boxRss.y + boxRss.height + 70, height: 180, top: latAxis.top, bottom: 0 }
  const budgetY = boxLat.y + (1 - PERIOD_MS / latAxis.top) * boxLat.height
  const budget = `<line x1="${LEFT}" x2="${LEFT + PLOT}" y1="${budgetY}" y2="${budgetY}" stroke="#cf222e" stroke-dasharray="4 3"/>`
  const latPanel = heading(boxLat, `p99 latency per ${PLOT_WINDOW_S} s (ms, from when the frame was due); dashed: the ${PERIOD_MS} ms period`) + panel(
    boxLat,
    d,
    '',
    yTicks(boxLat, latAxis.ticks, '') + budget + KINDS.map((kind, i) => line(boxLat, p99[kind], kind, colors[i])).join(''),
    KINDS.map((kind, i) => [kind, colors[i]]),
  )
  const axisY = boxLat.y + boxLat.height + 2
  const height = axisY + 30
  const ran = record.runS < d - 1 ? `stopped at ${Math.round(record.runS)} s of ${record.minutes} min (fell behind)` : `${record.minutes} min`
  const title = `Soak: ${record.streams.total} live streams, ${ran}`
  const sub = `${record.frames.sent.toLocaleString('en-US')} frames, ${record.frames.lost} lost; ${record.streams.proxies} hybrid proxy streams, ${record.streams.http} HTTP, ${record.streams.ws} WebSocket; load average ${record.loadAverage.start.map((x) => x.toFixed(2)).join(' ')} → ${record.loadAverage.end.map((x) => x.toFixed(2)).join(' ')} on ${record.cpus} cores`
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" data-duration="${d}" data-samples="${record.samples.length}">` +
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>` +
    `<text x="${LEFT}" y="28" font-size="20" font-weight="bold" ${FONT} fill="#1f2328">${esc(title)}</text>` +
    `<text x="${LEFT}" y="50" font-size="12" ${FONT} fill="#57606a">${esc(sub)}</text>` +
    rssPanel +
    latPanel +
    `<g class="time-axis">${timeTicks(axisY, d)}</g></svg>`
  return svg
}

// ---------------------------------------------------------------- main

/** Writes the plot of a record (`soak.json`) beside it, as soak.svg and soak.png. */
async function writePlot(record, dir) {
  const svg = plot(record)
  writeFileSync(path.join(dir, 'soak.svg'), svg)
  writeFileSync(path.join(dir, 'soak.png'), await svgToPng(svg, 1))
}

async function main() {
  // `node bench/soak.mjs --plot DIR/soak.json`: only draws that record again.
  if (process.argv[2] === '--plot') {
    const file = path.resolve(process.argv[3])
    return writePlot(JSON.parse(readFileSync(file, 'utf8')), path.dirname(file))
  }
  const loadStart = os.loadavg()

  let cloud = await startCloud(0)
  const port = cloud.port
  const cloudLives = [{ pid: cloud.child.pid, startedAt: 0 }]
  const serve = track(spawn(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'serve', '--http', '0', '--no-grpc', '--rate-limit', '0', '--max-connections-per-client', '0', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] }))
  const url = await announced(serve, 'edgemix http: ', 'edgemix serve')

  const client = new HybridProcessingClient({ host: '127.0.0.1', port, timeoutMs: 1000 })
  await client.initializeWasmEdge({ maxInstances: STREAMS + 50, maxInstancesPerModule: STREAMS + 50 })
  refVadSession = await (await WasmEdgeNode.load(path.join(WASM_DIST, 'vad.wasm'))).createSession()
  const mixerEdge = { edgeNative: { node: 'mixer', config: MIXER } }
  const mixerCloud = { nodeType: 'AudioMixer', config: MIXER }
  const proxies = {
    'mixer-edge': await client.createHybridProxy({ ...mixerEdge, cloudRemote: mixerCloud, decisionFunction: () => 'edge', fallback: 'cloud', name: 'soak-mixer-edge' }),
    'vad-edge': await client.createHybridProxy({ edgeWasm: { wasmPath: path.join(WASM_DIST, 'vad.wasm') }, decisionFunction: () => 'edge', fallback: 'none', name: 'soak-vad' }),
    'mixer-cloud': await client.createHybridProxy({ ...mixerEdge, cloudRemote: mixerCloud, decisionFunction: () => 'cloud', fallback: 'edge', cloudTimeoutMs: 200, name: 'soak-mixer-cloud' }),
  }
  const vadCount = Math.floor(STREAMS / 4)
  const cloudCount = Math.floor(STREAMS / 4)
  const participants = [
    ...proxyStreams(proxies, { 'mixer-edge': STREAMS - vadCount - cloudCount, 'vad-edge': vadCount, 'mixer-cloud': cloudCount }),
    ...(await httpClients(url, HTTP_CLIENTS, STREAMS)),
    ...(await wsClients(url, WS_CLIENTS, STREAMS + HTTP_CLIENTS)),
  ]
  // Client i sends at phase slot(i) / SLOTS of every period.
  participants.forEach((p, i) => (p.slot = Math.floor((i * SLOTS) / participants.length)))
  const bySlot = Array.from({ length: SLOTS }, (_, s) => participants.filter((p) => p.slot === s))
  console.error(`soak: ${participants.length} clients (${STREAMS} proxy streams, ${HTTP_CLIENTS} HTTP, ${WS_CLIENTS} WebSocket) for ${MINUTES} min; cloud on 127.0.0.1:${port}, HTTP on ${url}; writing ${OUT}`)

  const samples = []
  const loopDelay = monitorEventLoopDelay({ resolution: 10 })
  loopDelay.enable()
  let elu = performance.eventLoopUtilization()
  const restarts = []
  let stopping = false
  start = performance.now()
  const elapsed = () => (performance.now() - start) / 1000

  // Sampled half a period off the restarts (which fall on whole periods).
  let sampler
  const sample = () => {
    const t = Math.round(elapsed() * 10) / 10
    const e = performance.eventLoopUtilization(elu)
    elu = performance.eventLoopUtilization()
    samples.push({ t, node: procStats(process.pid), serve: procStats(serve.pid), cloud: procStats(cloud.child.pid), cloudLife: cloudLives.length - 1, load1: os.loadavg()[0], loopBusy: Math.round(e.utilization * 1000) / 1000 })
  }
  const firstSample = setTimeout(() => {
    sample()
    sampler = setInterval(sample, SAMPLE_S * 1000)
  }, (SAMPLE_S / 2) * 1000)

  let nextWindow = PLOT_WINDOW_S
  let nextMinute = 60
  const roll = () => {
    const t = elapsed()
    if (t >= nextWindow) {
      windows.push({ t: nextWindow, ...summarize(windowHist) })
      windowHist = Object.fromEntries(KINDS.map((k) => [k, newHist()]))
      nextWindow += PLOT_WINDOW_S
    }
    if (t >= nextMinute) {
      minutes.push({ minute: minutes.length + 1, ...summarize(minuteHist), loopDelayP99Ms: loopDelay.percentile(99) / 1e6, load1: os.loadavg()[0] })
      loopDelay.reset()
      minuteHist = Object.fromEntries(KINDS.map((k) => [k, newHist()]))
      const m = minutes.at(-1)
      console.error(`minute ${m.minute}: p99 ${KINDS.map((k) => `${k} ${m[k].p99Ms?.toFixed(1)} ms`).join(', ')}; load ${m.load1.toFixed(2)}; ${Object.values(kinds).reduce((a, b) => a + b.orderFailures + b.errors.length, 0)} failures`)
      nextMinute += 60
    }
  }

  // The cloud's lives: killed (SIGKILL: no goodbye to its clients) and started on the same port.
  const restarter = (async () => {
    for (let n = 1; !stopping; n++) {
      const wait = start + n * RESTART_S * 1000 - performance.now()
      await new Promise((r) => setTimeout(r, Math.max(0, wait)))
      if (stopping || elapsed() >= DURATION_S - 1) break
      const t0 = performance.now()
      cloud.child.kill('SIGKILL')
      await exited(cloud.child)
      cloud = await startCloud(port)
      restarts.push({ at: Math.round(elapsed() * 10) / 10, downMs: Math.round(performance.now() - t0) })
      cloudLives.push({ pid: cloud.child.pid, startedAt: elapsed() })
    }
  })()

  // The pacer: slot by slot, every client sends its frame k as it falls due.
  const ticks = Math.round((DURATION_S * 1000) / PERIOD_MS)
  const maxOutstanding = participants.length * (MAX_LAG_S * 1000) / PERIOD_MS
  const cpu0 = { node: procStats(process.pid), serve: procStats(serve.pid) }
  let fellBehind = null
  for (let t = 0; t < ticks * SLOTS; t++) {
    const k = Math.floor(t / SLOTS)
    const slot = t % SLOTS
    if (slot === 0) {
      const outstanding = Object.values(kinds).reduce((a, x) => a + x.sent - x.received, 0)
      if (outstanding > maxOutstanding) {
        fellBehind = { atS: Math.round(elapsed() * 10) / 10, outstanding }
        console.error(`soak: ${outstanding} frames outstanding after ${fellBehind.atS} s (more than ${MAX_LAG_S} s of every client's): this machine cannot keep up; stopping`)
        break
      }
      await references(k)
    }
    const wait = start + t * (PERIOD_MS / SLOTS) - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    for (const p of bySlot[slot]) p.send(k)
    if (slot === 0) roll()
  }
  stopping = true
  const runS = elapsed()
  const cpu1 = { node: procStats(process.pid), serve: procStats(serve.pid) }
  const sentAll = participants.reduce((a, p) => a + p.sent, 0)
  participants.forEach((p) => p.end())
  const drained = await Promise.race([Promise.all(participants.map((p) => p.done)).then(() => true), new Promise((r) => setTimeout(() => r(false), 30_000))])
  clearTimeout(firstSample)
  clearInterval(sampler)
  roll()
  if (elapsed() - (nextWindow - PLOT_WINDOW_S) > 1) windows.push({ t: Math.round(elapsed()), ...summarize(windowHist) })
  if (minutes.length < MINUTES) minutes.push({ minute: minutes.length + 1, ...summarize(minuteHist), loopDelayP99Ms: loopDelay.percentile(99) / 1e6, load1: os.loadavg()[0] })
  const proxyStats = Object.fromEntries(Object.entries(proxies).map(([k, p]) => [k, p.stats()]))
  await restarter
  await client.close()
  await refVadSession.close()
  cloud.child.kill('SIGTERM')
  serve.kill('SIGTERM')
  await Promise.all([exited(cloud.child), exited(serve)])

  // ------------------------------------------------------------ checks
  const lost = Object.values(kinds).reduce((a, k) => a + (k.sent - k.received), 0)
  const checks = []
  checks.push({ name: `kept up: never more than ${MAX_LAG_S} s of frames outstanding`, ok: !fellBehind, ...fellBehind })
  checks.push({ name: 'every client drained within 30 s of the end', ok: drained })
  for (const [kind, a] of Object.entries(kinds)) {
    const deterministic = kind !== 'mixer-cloud'
    checks.push({
      name: `${kind}: every frame received once, in order${deterministic ? ', equal to the reference' : ''}`,
      ok: a.sent === a.received && a.orderFailures === 0 && a.errors.length === 0 && (!deterministic || a.exactMismatches === 0),
      sent: a.sent,
      received: a.received,
      orderFailures: a.orderFailures,
      ...(deterministic ? { exactMismatches: a.exactMismatches } : {}),
    })
  }
  const from = WARMUP_S
  const last = DURATION_S - WINDOW_S
  for (const proc of ['node', 'serve']) {
    checks.push(growthCheck(proc, windowStats(samples, proc, from, from + WINDOW_S), [windowStats(samples, proc, from, last)].filter(Boolean), windowStats(samples, proc, last, Infinity), 'rssMedian'))
  }
  // The cloud, life against life (maxima of each life).
  const lives = cloudLives.map((life, i) => ({ life: i, startedAt: Math.round(life.startedAt), ...windowStats(samples.filter((s) => s.cloudLife === i), 'cloud', 0, Infinity) }))
  const firstLife = lives.find((l) => l.startedAt >= WARMUP_S && l.samples) ?? lives.find((l) => l.samples)
  const lastLife = lives.findLast((l) => l.samples)
  if (firstLife && lastLife && firstLife !== lastLife) {
    checks.push(growthCheck('cloud (life against life)', firstLife, lives.filter((l) => l.samples && l.life >= firstLife.life && l.life < lastLife.life), lastLife, 'rssMax'))
  }

  const record = {
    when: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    minutes: MINUTES,
    durationS: DURATION_S,
    warmupS: WARMUP_S,
    windowS: WINDOW_S,
    restartS: RESTART_S,
    loadAverage: { start: loadStart, end: os.loadavg(), perSample: samples.map((s) => s.load1) },
    streams: { total: participants.length, proxies: STREAMS, http: HTTP_CLIENTS, ws: WS_CLIENTS, byKind: Object.fromEntries(KINDS.map((k) => [k, kinds[k].clients])) },
    frames: { sent: sentAll, received: Object.values(kinds).reduce((a, k) => a + k.received, 0), lost },
    kinds,
    restarts,
    latency: { minutes, windows },
    runS: Math.round(runS * 10) / 10,
    // CPU time per frame (all threads), from the start of sending to its end: what real time costs.
    cpuUsPerFrame: {
      node: Math.round(((cpu1.node.cpuS - cpu0.node.cpuS) * 1e6) / sentAll),
      serve: HTTP_CLIENTS + WS_CLIENTS ? Math.round(((cpu1.serve.cpuS - cpu0.serve.cpuS) * 1e6) / (kinds.http.sent + kinds.ws.sent)) : null,
    },
    cpuCoresUsed: { node: Math.round(((cpu1.node.cpuS - cpu0.node.cpuS) / runS) * 100) / 100, serve: Math.round(((cpu1.serve.cpuS - cpu0.serve.cpuS) / runS) * 100) / 100 },
    holdsRealTime: !fellBehind && minutes.every((m) => KINDS.every((k) => !m[k].frames || m[k].p99Ms <= PERIOD_MS)),
    proxyStats,
    checks,
    ok: checks.every((c) => c.ok),
    samples,
  }
  mkdirSync(OUT, { recursive: true })
  writeFileSync(path.join(OUT, 'soak.json'), JSON.stringify(record, null, 1))
  await writePlot(record, OUT)

  for (const c of checks) console.log(`${c.ok ? 'PASS' : 'FAIL'} ${c.name}${c.rssGrowthPct !== undefined ? `: RSS ${c.rssGrowthPct >= 0 ? '+' : ''}${c.rssGrowthPct} %, fds ≤ ${c.before?.fdsMax} → ${c.last?.fdsMax}, threads ≤ ${c.before?.threadsMax} → ${c.last?.threadsMax}` : ''}${c.sent !== undefined ? `: ${c.received}/${c.sent} frames, ${c.orderFailures} out of place${c.exactMismatches !== undefined ? `, ${c.exactMismatches} off the reference` : ''}` : ''}`)
  for (const [kind, a] of Object.entries(kinds)) {
    if (a.errors.length) console.log(`  ${kind}: ${a.errors.slice(0, 5).join('; ')}`)
    if (kind === 'mixer-cloud') console.log(`  mixer-cloud: ${a.exactMismatches} of ${a.received} frames off the uninterrupted reference (fresh state after restarts, edge fallbacks); routes ${JSON.stringify(a.routes)}`)
  }
  console.log(`CPU per frame: node ${record.cpuUsPerFrame.node} µs (${record.cpuCoresUsed.node} cores used), edgemix serve ${record.cpuUsPerFrame.serve ?? '—'} µs per HTTP/WebSocket frame (${record.cpuCoresUsed.serve} cores)`)
  console.log(`p99 per minute (ms): ${minutes.map((m) => Math.max(...KINDS.map((k) => m[k].p99Ms ?? 0)).toFixed(1)).join(' ')}; real time held: ${record.holdsRealTime}; load ${loadStart.map((x) => x.toFixed(2)).join(' ')} → ${record.loadAverage.end.map((x) => x.toFixed(2)).join(' ')}`)
  console.log(`wrote ${path.join(OUT, 'soak.json')} and soak.svg, soak.png`)
  process.exitCode = record.ok ? 0 : 1
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
