// The analysis sections (group `analysis`).
//
// MFCC (streaming per 960-sample frame, and batch over 60 s) and integrated loudness over
// 60 s, against Meyda (npm, in this process), librosa and pyloudnorm (bench/.venv, one
// child process). Every contender gets the same 60 s of the test signal (ctx.signal60():
// the first 500 frames are the mixer sections' input); the Rust example generates the
// same recipe itself. MFCC configuration everywhere: 48 kHz, 1024-sample window
// (periodic Hann), hop 960, 40 mel bands, 13 coefficients (edgemix's defaults).
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

import { FRAME_SAMPLES, SAMPLE_RATE } from '../signal.mjs'
import { lastJson, run } from '../lib/child.mjs'
import { batchRow, timeRuns, timeSync } from '../lib/measure.mjs'
import { BENCH_DIR } from '../lib/paths.mjs'
import { ms } from '../lib/table.mjs'
import { ensureVenv, VENV_PYTHON } from '../lib/venv.mjs'

const MEYDA = 'Meyda'
const LIBROSA = 'librosa'
const PYLOUDNORM = 'pyloudnorm'
const MFCC_OPTS = { nFft: 1024, hop: 960, nMels: 40, nMfcc: 13 }

/** Our analysis timed in Rust (crates/dsp/examples/bench_mfcc.rs). */
async function analysisRust(ctx) {
  const frames = ctx.n(20_000)
  const out = await run('cargo', ['run', '--release', '-q', '--example', 'bench_mfcc', '-p', 'edgemix-dsp', '--', String(frames)])
  const r = lastJson(out)
  const msToNs = (x) => x * 1e6 // the example reports ms; rows hold ns
  return {
    rows: [
      {
        id: 'rust.mfcc',
        label: 'Rust MFCC streaming, FeatureExtractor::push',
        ...r.mfcc.nsPerFrame,
        compareTo: 'meyda.mfcc',
        peerName: MEYDA,
        note: `cargo example bench_mfcc; ${r.mfcc.frames} frames of 960, one push each (13 MFCCs); own copy of the 60 s signal`,
      },
      {
        id: 'rust.mfcc.spectral',
        label: 'Rust MFCC + spectral features, streaming',
        ...r.mfccAndSpectral.nsPerFrame,
        note: 'diagnostic: spectral: true adds RMS, ZCR, centroid, rolloff, flatness, flux',
      },
      {
        id: 'rust.loudness.integrated',
        label: 'Rust loudness 60 s, integrated only',
        p50: msToNs(r.loudness60s.integratedMs),
        mean: msToNs(r.loudness60s.integratedMs),
        display: 'ms',
        compareTo: 'pyloudnorm.integrated',
        peerName: PYLOUDNORM,
        note: 'best of 5; K-weighting + gating, what pyloudnorm computes (LoudnessMeter without true peak)',
      },
      {
        id: 'rust.loudness.full',
        label: 'Rust loudness 60 s, full report',
        p50: msToNs(r.loudness60s.fullMs),
        mean: msToNs(r.loudness60s.fullMs),
        display: 'ms',
        compareTo: 'pyloudnorm.integrated',
        peerName: PYLOUDNORM,
        note: 'best of 5; adds the 4× true-peak oversampler and the short-term series',
      },
    ],
    info: r,
  }
}

/** Our analysis through the addon, on the JS thread. */
async function analysisAddon(ctx) {
  const { addon } = ctx
  const { samples, frames } = ctx.signal60()
  const k = frames.length
  const runs = ctx.quick ? 3 : 7

  // Streaming: one 960-sample frame per pushSync, each completing one frame of 13 MFCCs.
  const extractor = new addon.FeatureExtractor()
  const first = extractor.pushSync(frames[0])
  if (first.frames !== 1 || first.mfcc.length !== 13 || !first.mfcc.every(Number.isFinite)) {
    throw new Error('FeatureExtractor.pushSync: expected one finite frame of 13 MFCCs per 960 samples')
  }
  extractor.reset()
  const push = timeSync((i) => extractor.pushSync(frames[i % k]), { n: ctx.n(20_000), warmup: ctx.n(2_000) })

  // Batch over the 60 s: center=false framing, 1 + (len − 1024) / 960 frames.
  const batch = timeRuns(() => addon.extractMfccSync(samples, MFCC_OPTS), { runs })
  const mfccFrames = batch.out.length / 13
  if (!Number.isInteger(mfccFrames) || !batch.out.every(Number.isFinite)) throw new Error('extractMfccSync: malformed output')

  // Loudness over the 60 s: the full report (integrated, short-term series, momentary max,
  // true peak, sample peak).
  const loud = timeRuns(() => addon.measureLoudnessSync(samples, { sampleRate: SAMPLE_RATE }), { runs })
  const lufs = loud.out.integratedLufs
  if (!Number.isFinite(lufs)) throw new Error(`measureLoudnessSync: integrated loudness ${lufs}`)

  return {
    rows: [
      {
        id: 'addon.mfcc.pushSync',
        label: 'FeatureExtractor.pushSync(frame), 13 MFCCs',
        ...push,
        compareTo: 'meyda.mfcc',
        peerName: MEYDA,
        note: `per call = per frame; ${k} frames of the 60 s signal cycled; includes copying the frame in and the result object out`,
      },
      {
        id: 'addon.mfcc.batch',
        label: 'extractMfccSync(60 s), per frame',
        ...batchRow(batch, mfccFrames),
        compareTo: 'librosa.mfcc',
        peerName: LIBROSA,
        note: `${mfccFrames} frames; ${ms(batch.p50)} per call (median of ${runs} after 1 warm-up), amortised per frame`,
      },
      {
        id: 'addon.loudness',
        label: 'measureLoudnessSync(60 s)',
        ...batchRow(loud),
        display: 'ms',
        compareTo: 'pyloudnorm.integrated',
        peerName: PYLOUDNORM,
        note: `${lufs.toFixed(2)} LUFS, true peak ${loud.out.truePeakDbtp.toFixed(2)} dBTP; median of ${runs}; the whole report (adds true peak and the short-term series to what pyloudnorm computes)`,
      },
    ],
    info: {
      pushSync: push,
      batch: { frames: mfccFrames, runsNs: batch.runsNs },
      loudness: { runsNs: loud.runsNs, integratedLufs: lufs, truePeakDbtp: loud.out.truePeakDbtp },
    },
  }
}

/** The streaming peer: Meyda's MFCC in this process. */
async function analysisMeyda(ctx) {
  const { default: Meyda } = await import('meyda')
  const meydaVersion = createRequire(import.meta.url)('meyda/package.json').version
  const { samples } = ctx.signal60()
  // A 1024-sample buffer sliding by 960 (the 64 samples of overlap our extractor keeps as
  // history), cut beforehand into separate Float32Arrays so the timing holds only
  // Meyda.extract: its Hann window, FFT (fftjs), power spectrum, mel bank, log and DCT.
  const buffers = ctx.meydaBuffers ??= Array.from({ length: 1 + Math.floor((samples.length - 1024) / FRAME_SAMPLES) }, (_, i) =>
    samples.slice(i * FRAME_SAMPLES, i * FRAME_SAMPLES + 1024),
  )
  const k = buffers.length
  const measure = (melBands) => {
    Meyda.bufferSize = 1024
    Meyda.sampleRate = SAMPLE_RATE
    Meyda.numberOfMFCCCoefficients = 13
    Meyda.melBands = melBands // the mel bank is rebuilt on the next extract
    const check = Meyda.extract('mfcc', buffers[0])
    if (check?.length !== 13 || !check.every(Number.isFinite)) throw new Error('Meyda.extract: expected 13 finite MFCCs')
    return timeSync((i) => Meyda.extract('mfcc', buffers[i % k]), { n: ctx.n(k), warmup: ctx.n(300) })
  }
  const same = measure(MFCC_OPTS.nMels)
  const defaults = measure(26)
  return {
    rows: [
      {
        id: 'meyda.mfcc',
        label: `Meyda ${meydaVersion}: extract('mfcc'), 40 mel bands`,
        ...same,
        note: `bufferSize 1024, 48 kHz, 13 coefficients, our 40 bands; ${k} buffers sliding by 960; Meyda's own MFCC definition (log(mel + 1), unnormalised DCT), so values differ`,
      },
      {
        id: 'meyda.mfcc.26',
        label: "Meyda: extract('mfcc'), default 26 mel bands",
        ...defaults,
        note: "diagnostic: Meyda's default melBands",
      },
    ],
    info: { version: meydaVersion, buffers: k, melBands40: same, melBands26: defaults },
  }
}

/** The batch peers: librosa MFCC and pyloudnorm, in the bench venv (one process). */
async function analysisPython(ctx) {
  await ensureVenv()
  const { samples, path: inputPath } = ctx.signal60()
  // Our MFCCs of the same signal (untimed), for a parity line: are the peers computing the
  // same numbers? Ours integrated loudness likewise.
  const reference = ctx.signal60Reference ??= (() => {
    const file = inputPath.replace(/\.f32$/, '-mfcc.f32')
    writeFileSync(file, new Uint8Array(ctx.addon.extractMfccSync(samples, MFCC_OPTS).buffer))
    ctx.tempFiles.push(file)
    return { file, lufs: ctx.addon.measureLoudnessSync(samples, { sampleRate: SAMPLE_RATE }).integratedLufs }
  })()
  const out = await run(VENV_PYTHON, [
    path.join(BENCH_DIR, 'peer_analysis.py'),
    '--input', inputPath,
    '--runs', String(ctx.quick ? 3 : 7),
    '--sample-rate', String(SAMPLE_RATE),
    '--reference', reference.file,
  ])
  const r = lastJson(out)
  const { mfcc: m, loudness: l, versions: v } = r
  if (!m.finite) throw new Error('librosa produced non-finite MFCCs')
  const parity = m.parity?.error ?? `vs ours: max |Δ| c1–c12 ${m.parity.maxAbsDiffC1to12.toExponential(1)}, c0 relative ${m.parity.maxRelDiffC0.toExponential(1)}`
  return {
    rows: [
      {
        id: 'librosa.mfcc',
        label: `librosa ${v.librosa}: mfcc(60 s), per frame`,
        p50: m.p50NsPerFrame,
        mean: m.meanNsPerFrame,
        note: `${m.frames} frames, ${ms(m.p50Ns)} per call (median of ${r.runs} after a warm-up); melspectrogram(center=False) → power_to_db(top_db=None) → mfcc; ${m.dtype}; ${parity}`,
      },
      {
        id: 'pyloudnorm.integrated',
        label: `pyloudnorm ${v.pyloudnorm}: integrated_loudness(60 s)`,
        p50: l.p50Ns,
        mean: l.meanNs,
        display: 'ms',
        note: `${l.integratedLufs.toFixed(2)} LUFS (ours ${reference.lufs.toFixed(2)}); median of ${r.runs} after a warm-up; float64 input; scipy ${v.scipy}, numpy ${v.numpy}`,
      },
    ],
    info: r,
  }
}

export const sections = [
  { id: 'analysis-rust', group: 'analysis', title: 'Analysis: Rust, direct (cargo example bench_mfcc)', run: analysisRust },
  { id: 'analysis-addon', group: 'analysis', title: 'Analysis through the addon (JS thread)', run: analysisAddon },
  { id: 'analysis-meyda', group: 'analysis', title: 'Analysis peer: Meyda (npm, in this process)', run: analysisMeyda },
  { id: 'analysis-python', group: 'analysis', title: 'Analysis peers: librosa, pyloudnorm (Python, bench/.venv)', run: analysisPython },
]

export const derived = [
  (r) => r('addon.mfcc.pushSync') && r('rust.mfcc') && {
    id: 'addon.mfcc.bindingOverhead',
    label: 'FeatureExtractor.pushSync binding overhead (pushSync p50 − Rust p50)',
    ns: r('addon.mfcc.pushSync').p50 - r('rust.mfcc').p50,
  },
]

export const ratios = [
  { id: 'mfcc.rust/meyda', label: 'MFCC streaming per frame: Rust / Meyda (40 bands)', of: 'rust.mfcc', to: 'meyda.mfcc' },
  { id: 'mfcc.pushSync/meyda', label: 'MFCC streaming per frame from JS: pushSync / Meyda (40 bands)', of: 'addon.mfcc.pushSync', to: 'meyda.mfcc' },
  { id: 'mfcc.pushSync/meyda26', label: "MFCC streaming per frame from JS: pushSync / Meyda's default 26 bands", of: 'addon.mfcc.pushSync', to: 'meyda.mfcc.26' },
  { id: 'mfcc.batch/librosa', label: 'MFCC batch 60 s per frame: extractMfccSync / librosa', of: 'addon.mfcc.batch', to: 'librosa.mfcc' },
  { id: 'mfcc.rust/librosa', label: 'MFCC per frame: Rust streaming / librosa batch (amortised)', of: 'rust.mfcc', to: 'librosa.mfcc' },
  { id: 'loudness/pyloudnorm', label: 'loudness 60 s: measureLoudnessSync (full report) / pyloudnorm integrated', of: 'addon.loudness', to: 'pyloudnorm.integrated' },
  { id: 'loudness.rust/pyloudnorm', label: 'loudness 60 s: Rust integrated only / pyloudnorm integrated', of: 'rust.loudness.integrated', to: 'pyloudnorm.integrated' },
]

export const targets = [
  { label: 'MFCC ≤ 5 µs per frame: Rust streaming p50', limitNs: 5_000, value: (r) => r('rust.mfcc')?.p50 },
  { label: 'MFCC ≤ 5 µs per frame: FeatureExtractor.pushSync p50 (from JS)', limitNs: 5_000, value: (r) => r('addon.mfcc.pushSync')?.p50 },
  { label: 'MFCC ≤ 5 µs per frame: extractMfccSync over 60 s, amortised', limitNs: 5_000, value: (r) => r('addon.mfcc.batch')?.p50 },
  {
    label: 'loudness 60 s ≥ 10× faster than pyloudnorm (measureLoudnessSync / pyloudnorm ≤ 0.1)',
    limit: 0.1,
    unit: 'ratio',
    format: (x) => `${x.toFixed(3)}× (${(1 / x).toFixed(1)}× faster)`,
    value: (_, __, q) => q('loudness/pyloudnorm')?.ratio,
  },
]
