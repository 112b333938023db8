/**
 * `edgemix analyze in.wav`: BS.1770 loudness of the file as it is, an MFCC summary (mean
 * and standard deviation of each coefficient over its 20 ms frames at 48 kHz), voice
 * activity and the streaming genre decisions over time. `--json` prints one JSON object.
 */
import { classifyGenre, extractMfcc, measureLoudness } from '../../index.js'
import { parse } from './args.js'
import { CHAIN_RATE, mixdown, readForChain } from './audio.js'
import { db, table } from './table.js'
import { timeline } from './timeline.js'

const USAGE = `usage: edgemix analyze IN.wav [--json]

Measures a WAV file (PCM 8/16/24/32-bit or 32-bit float, mono or stereo, 8-192 kHz):
  loudness   integrated, short-term max and momentary max loudness (BS.1770-4 / EBU R128),
             true peak and sample peak, at the file's own rate and channels
  MFCC       mean and standard deviation of the 13 coefficients over 20 ms frames (48 kHz)
  activity   the share of 20 ms frames the voice activity detector calls speech
  genre      the streaming classifier's decisions over time and the whole file's genre

  --json        one JSON object on stdout instead of tables
  -h, --help    this text`

const NMFCC = 13

export async function analyzeCommand(argv: string[]): Promise<void> {
  const parsed = parse(argv, { json: { type: 'boolean' } }, USAGE, { min: 1, max: 1 })
  if (!parsed) return
  const path = parsed.positionals[0]
  const source = await readForChain(path)
  const { file, channels } = source
  const mono = mixdown(source.samples, channels)
  const [loudness, mfcc, analysed, whole] = await Promise.all([
    measureLoudness(file.samples, { sampleRate: file.sampleRate, channels }),
    extractMfcc(mono, { sampleRate: CHAIN_RATE, nMfcc: NMFCC }),
    timeline(mono),
    mono.length >= 3 * CHAIN_RATE ? classifyGenre(mono, { sampleRate: CHAIN_RATE }) : Promise.resolve(null),
  ])
  const frames = mfcc.length / NMFCC
  const mean = new Array<number>(NMFCC).fill(0)
  const std = new Array<number>(NMFCC).fill(0)
  for (let f = 0; f < frames; f++) for (let c = 0; c < NMFCC; c++) mean[c] += mfcc[f * NMFCC + c] / frames
  for (let f = 0; f < frames; f++) for (let c = 0; c < NMFCC; c++) std[c] += (mfcc[f * NMFCC + c] - mean[c]) ** 2 / frames
  for (let c = 0; c < NMFCC; c++) std[c] = Math.sqrt(std[c])
  const speechFrames = analysed.vad.speech.reduce((n, s) => n + s, 0)
  const finite = (v: number) => (Number.isFinite(v) ? v : null)

  const report = {
    file: path,
    sampleRate: file.sampleRate,
    channels,
    format: file.format,
    durationS: file.samples.length / channels / file.sampleRate,
    loudness: {
      integratedLufs: finite(loudness.integratedLufs),
      shortTermMaxLufs: finite(loudness.shortTermMaxLufs),
      momentaryMaxLufs: finite(loudness.momentaryMaxLufs),
      truePeakDbtp: finite(loudness.truePeakDbtp),
      samplePeakDbfs: finite(loudness.samplePeakDbfs),
    },
    mfcc: { frames, mean, std },
    speech: { frames: speechFrames, of: analysed.vad.speech.length, ratio: speechFrames / analysed.vad.speech.length },
    genre: { whole: whole && { genre: whole.genre, confidence: whole.confidence, probabilities: whole.probabilities }, timeline: analysed.genre },
  }
  if (parsed.values.json) {
    console.log(JSON.stringify(report, null, 2))
    return
  }
  const r = report
  console.log(`${path}: ${r.sampleRate} Hz, ${channels === 1 ? 'mono' : 'stereo'}, ${r.format}, ${r.durationS.toFixed(2)} s\n`)
  console.log('loudness')
  console.log(
    table([
      ['integrated', db(loudness.integratedLufs, 'LUFS')],
      ['short-term max', db(loudness.shortTermMaxLufs, 'LUFS')],
      ['momentary max', db(loudness.momentaryMaxLufs, 'LUFS')],
      ['true peak', db(loudness.truePeakDbtp, 'dBTP')],
      ['sample peak', db(loudness.samplePeakDbfs, 'dBFS')],
    ]),
  )
  console.log(`\nMFCC over ${frames} frames (mean ± std)`)
  console.log(table([mean.map((_, c) => `c${c}`), mean.map((m, c) => `${m.toFixed(1)}±${std[c].toFixed(1)}`)]))
  console.log(`\nspeech in ${speechFrames} of ${r.speech.of} frames (${(r.speech.ratio * 100).toFixed(1)} %)`)
  console.log(`\ngenre${whole ? `: ${whole.genre} (${(whole.confidence * 100).toFixed(0)} % over the whole file)` : ' (the file is shorter than 3 s: no decision)'}`)
  console.log(table(analysed.genre.map((s) => [`${s.start.toFixed(1)}-${s.end.toFixed(1)} s`, s.genre ?? 'unsure'])))
}
