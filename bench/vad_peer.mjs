#!/usr/bin/env node
// The VAD peer: WebRTC VAD (libfvad compiled to WASM, npm @echogarden/fvad-wasm) on the
// same conditions as our Vad (crates/dsp/examples/bench_vad.rs): the committed labelled
// speech (crates/dsp/tests/vad_set) + pink noise / music bed at 20 and 5 dB SNR, or with
// --set=heldout the held-out speech in pink noise and five band beds at 20 and 5 dB.
//
//   node bench/vad_peer.mjs [--set=heldout] [--dir=DIR] [--mode=0..3]
//
// The mixed signals come from `cargo run --release -p edgemix-dsp --example
// vad_conditions -- DIR [heldout]` (run here into a temporary folder unless --dir names
// one that already holds them), so both VADs see identical samples. fvad takes 16-bit PCM: each
// f32 sample is scaled by 32768, rounded and clipped. It runs at 48 kHz on 20 ms frames
// (960 samples; libfvad accepts 8/16/32/48 kHz and 10/20/30 ms frames and resamples to
// 8 kHz itself), a fresh instance per condition and mode.
//
// Prints JSON { "<condition>": { "accuracy", "tpRate", "fpRate", "tnRate", "fnRate",
// "usPerFrame", "mode", "accuracyByMode" } } (tp/fn rates: fractions of the speech
// frames; fp/tn rates: of the others).
// `mode` is the aggressiveness used for accuracy and usPerFrame: --mode, or else the mode
// with the best mean accuracy over the four conditions (one mode for all conditions);
// accuracyByMode lists all four. usPerFrame: wall time of the fvad_process calls
// (including the copy of the frame into WASM memory) over the whole condition, best of 5
// runs, per 20 ms frame.

import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import createFvad from '@echogarden/fvad-wasm'
import { releaseBinary } from '../scripts/release-binary.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const RUNS = 5

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, '').split('=')
    return [key, value ?? true]
  }),
)

function conditionsDir() {
  if (args.dir && existsSync(path.join(args.dir, 'labels.json'))) return { dir: args.dir, temporary: false }
  const dir = args.dir ?? mkdtempSync(path.join(os.tmpdir(), 'edgemix-vad-'))
  const result = spawnSync(
    releaseBinary('example', 'vad_conditions'),
    [dir, ...(args.set === 'heldout' ? ['heldout'] : [])],
    { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] },
  )
  if (result.status !== 0) throw new Error(`vad_conditions exited with ${result.status ?? result.signal}`)
  return { dir, temporary: !args.dir }
}

function toInt16(f32) {
  const out = new Int16Array(f32.length)
  for (let i = 0; i < f32.length; i++) {
    out[i] = Math.max(-32768, Math.min(32767, Math.round(f32[i] * 32768)))
  }
  return out
}

/** Decisions (0/1 per frame) of one fresh fvad instance and the best-of-RUNS time. */
function runFvad(fvad, pcm, frameSamples, frames, sampleRate, mode) {
  const ptr = fvad._malloc(frameSamples * 2)
  let best = Infinity
  let decisions
  for (let run = 0; run < RUNS; run++) {
    const inst = fvad._fvad_new()
    if (fvad._fvad_set_mode(inst, mode) !== 0) throw new Error(`fvad_set_mode(${mode}) failed`)
    if (fvad._fvad_set_sample_rate(inst, sampleRate) !== 0) throw new Error(`fvad_set_sample_rate(${sampleRate}) failed`)
    decisions = new Uint8Array(frames)
    const start = process.hrtime.bigint()
    for (let f = 0; f < frames; f++) {
      // The heap view is taken per frame: memory growth would detach an older one.
      new Int16Array(fvad.HEAP16.buffer, ptr, frameSamples).set(pcm.subarray(f * frameSamples, (f + 1) * frameSamples))
      const r = fvad._fvad_process(inst, ptr, frameSamples)
      if (r < 0) throw new Error('fvad_process refused the frame')
      decisions[f] = r
    }
    const ns = Number(process.hrtime.bigint() - start)
    best = Math.min(best, ns)
    fvad._fvad_free(inst)
  }
  fvad._free(ptr)
  return { decisions, usPerFrame: best / frames / 1e3 }
}

const { dir, temporary } = conditionsDir()
try {
  const meta = JSON.parse(readFileSync(path.join(dir, 'labels.json'), 'utf8'))
  const labels = Uint8Array.from(meta.labels, (c) => (c === '1' ? 1 : 0))
  const frames = labels.length
  const fvad = await createFvad()
  const results = {}
  for (const name of meta.conditions) {
    const bytes = readFileSync(path.join(dir, `${name}.f32`))
    const f32 = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
    const pcm = toInt16(f32)
    const byMode = {}
    for (const mode of [0, 1, 2, 3]) {
      const { decisions, usPerFrame } = runFvad(fvad, pcm, meta.frameSamples, frames, meta.sampleRate, mode)
      const count = { tp: 0, fp: 0, tn: 0, fn: 0 }
      for (let f = 0; f < frames; f++) count[decisions[f] ? (labels[f] ? 'tp' : 'fp') : labels[f] ? 'fn' : 'tn'] += 1
      const speech = count.tp + count.fn
      const other = count.fp + count.tn
      byMode[mode] = {
        accuracy: (count.tp + count.tn) / frames,
        tpRate: count.tp / speech,
        fpRate: count.fp / other,
        tnRate: count.tn / other,
        fnRate: count.fn / speech,
        usPerFrame,
      }
    }
    results[name] = byMode
  }
  const modes = [0, 1, 2, 3]
  const meanAccuracy = (mode) => meta.conditions.reduce((s, c) => s + results[c][mode].accuracy, 0) / meta.conditions.length
  const mode = args.mode !== undefined ? Number(args.mode) : modes.reduce((a, b) => (meanAccuracy(b) > meanAccuracy(a) ? b : a))
  const out = {}
  for (const name of meta.conditions) {
    const rate = (key) => Number(results[name][mode][key].toFixed(4))
    out[name] = {
      accuracy: rate('accuracy'),
      tpRate: rate('tpRate'),
      fpRate: rate('fpRate'),
      tnRate: rate('tnRate'),
      fnRate: rate('fnRate'),
      usPerFrame: Number(results[name][mode].usPerFrame.toFixed(2)),
      mode,
      accuracyByMode: Object.fromEntries(modes.map((m) => [m, Number(results[name][m].accuracy.toFixed(4))])),
    }
  }
  console.log(JSON.stringify(out, null, 2))
} finally {
  if (temporary) rmSync(dir, { recursive: true, force: true })
}
