/**
 * `edgemix process in.wav -o out.wav`: a WAV file through the mixer chain — mono, or
 * stereo with linked gain — at 48 kHz (other rates converted there and back), written in
 * the input's rate and encoding, aligned with the input (the limiter's lookahead is
 * removed unless --keep-latency). Progress on stderr, a summary table on stdout, and with
 * --report an HTML page and a PNG of what happened to every frame.
 */
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { measureLoudness, MixerChain, type MixerConfigInput, type WavFormat } from '../../index.js'
import { ROUTE, writeReport, type ReportData } from '../report/index.js'
import { choiceFlag, coded, numberFlag, parse, UsageError } from './args.js'
import { CHAIN_RATE, mixdown, readForChain, writeFromChain } from './audio.js'
import { progress } from './progress.js'
import { runChain, splitHostPort, type FrameRecord, type Route } from './run.js'
import { db, table } from './table.js'
import { timeline } from './timeline.js'
import { ErrorCode } from '../errors.js'

const PRESETS = ['podcast', 'music', 'speech', 'auto'] as const
type PresetName = (typeof PRESETS)[number]
const ROUTES = ['edge', 'cloud', 'auto'] as const
const FORMATS = ['int8', 'int16', 'int24', 'int32', 'float32'] as const

const USAGE = `usage: edgemix process IN.wav -o OUT.wav [options]

Runs a WAV file (PCM 8/16/24/32-bit or 32-bit float, mono or stereo, 8-192 kHz) through
the mixer chain at 48 kHz and writes it at its own rate and encoding, aligned with the
input. Stereo is processed with linked gain (one gain for both channels).

  -o, --output FILE     the processed WAV file (required)
  --config FILE         mixer configuration, JSON (a MixerConfigInput), merged over the preset
  --preset NAME         podcast  the default voice chain, loudness -16 LUFS
                        music    the neutral preset (no gate, gentle), loudness -14 LUFS
                        speech   the speech preset, loudness -16 LUFS
                        auto     genre-adaptive presets, loudness -16 LUFS
  --loudness LUFS       loudness normalisation target, -70..0, or 'off'
  --route SIDE          edge (default): this process; cloud: the AudioMixer node of a
                        cloud tier; auto: per frame by the router, falling back either way
  --cloud HOST:PORT     the cloud tier for --route cloud|auto (default 127.0.0.1:50052)
  --report FILE.html    an HTML report with plots, and FILE.png beside it
  --format FORMAT       output encoding: int8|int16|int24|int32|float32 (default: the input's)
  --keep-latency        keep the limiter's lookahead delay (default: removed)
  -q, --quiet           no progress and no summary
  -h, --help            this text`

/** Objects merged key by key (`patch` wins); anything else replaced. */
function merge(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(patch)) {
    const old = out[key]
    const plain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
    out[key] = plain(old) && plain(value) ? merge(old, value) : value
  }
  return out
}

/** The preset's configuration (before the file's and the flags'). */
function presetConfig(name: PresetName | undefined): Record<string, unknown> {
  const loudness = (targetLufs: number) => ({ loudness: { enabled: true, targetLufs } })
  switch (name) {
    case undefined:
      return {}
    case 'podcast':
      return loudness(-16)
    case 'music':
      return { ...MixerChain.presetConfig('neutral'), ...loudness(-14) }
    case 'speech':
      return { ...MixerChain.presetConfig('speech'), ...loudness(-16) }
    case 'auto':
      return { adaptive: { enabled: true }, ...loudness(-16) }
  }
}

async function configFile(path: string): Promise<Record<string, unknown>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw coded(ErrorCode.INVALID_CONFIG, `${path}: cannot read the configuration: ${(err as Error).message}`)
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw coded(ErrorCode.INVALID_CONFIG, `${path} is not valid JSON: ${(err as Error).message}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw coded(ErrorCode.INVALID_CONFIG, `${path} must hold a JSON object such as { "compressor": { "ratio": 4 } }`)
  }
  return value as Record<string, unknown>
}

/** Largest and mean of a per-frame meter over the edge frames. */
function stat(frames: FrameRecord[], pick: (m: NonNullable<FrameRecord['meters']>) => number): { max: number; mean: number; n: number } {
  let max = 0
  let sum = 0
  let n = 0
  for (const f of frames) {
    if (!f.meters) continue
    const v = pick(f.meters)
    max = Math.max(max, v)
    sum += v
    n++
  }
  return { max, mean: n ? sum / n : 0, n }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

export async function processCommand(argv: string[]): Promise<void> {
  const parsed = parse(
    argv,
    {
      output: { type: 'string', short: 'o' },
      config: { type: 'string' },
      preset: { type: 'string' },
      loudness: { type: 'string' },
      route: { type: 'string' },
      cloud: { type: 'string' },
      report: { type: 'string' },
      format: { type: 'string' },
      'keep-latency': { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
    },
    USAGE,
    { min: 1, max: 1 },
  )
  if (!parsed) return
  const v = parsed.values
  const input = parsed.positionals[0]
  if (!v.output) throw new UsageError('missing -o OUT.wav')
  const preset = v.preset === undefined ? undefined : choiceFlag('preset', v.preset, PRESETS)
  const route: Route = v.route === undefined ? 'edge' : choiceFlag('route', v.route, ROUTES)
  const format: WavFormat | undefined = v.format === undefined ? undefined : choiceFlag('format', v.format, FORMATS)
  const loudness = v.loudness === undefined ? undefined : v.loudness === 'off' ? null : numberFlag('loudness', v.loudness, -70, 0)
  if (v.cloud !== undefined && route === 'edge') throw new UsageError('--cloud needs --route cloud or --route auto')
  const cloud = v.cloud ?? '127.0.0.1:50052'
  if (route !== 'edge') splitHostPort(cloud)

  // The configuration: preset, then the file, then the flags; rate and channels come from the audio.
  let layered = presetConfig(preset)
  if (v.config) layered = merge(layered, await configFile(v.config))
  if (loudness !== undefined) layered = merge(layered, { loudness: loudness === null ? { enabled: false } : { enabled: true, targetLufs: loudness } })
  const source = await readForChain(input)
  const config = merge(layered, { sampleRate: CHAIN_RATE, channels: source.channels }) as MixerConfigInput
  let chain: MixerChain
  try {
    chain = new MixerChain(config)
  } catch (err) {
    throw Object.assign(err as Error, { message: `${v.config ? `${v.config}: ` : ''}${(err as Error).message}` })
  }
  const latency = chain.latencySamples
  const ch = source.channels

  // Lookahead compensation: latency frames of silence flush the limiter's delay line.
  const padded = v['keep-latency'] ? source.samples : new Float32Array(source.samples.length + latency * ch)
  if (!v['keep-latency']) padded.set(source.samples)
  const bar = progress(`edgemix process ${basename(input)}`, !!v.quiet)
  const started = performance.now()
  const run = await runChain(padded, { config, route, cloud, progress: (d, t) => bar.update(d, t) }).finally(() => bar.done())
  const elapsedS = (performance.now() - started) / 1000
  const output = v['keep-latency'] ? run.output : run.output.subarray(latency * ch)

  const file = source.file
  const clipped = await writeFromChain(v.output, output, ch, file.sampleRate, format ?? file.format ?? 'float32')
  const [before, after] = await Promise.all([
    measureLoudness(file.samples, { sampleRate: file.sampleRate, channels: ch }),
    // Measured at 48 kHz on what the chain produced (the written file is that, converted).
    measureLoudness(output, { sampleRate: CHAIN_RATE, channels: ch }),
  ])

  const durationS = file.samples.length / ch / file.sampleRate
  const counts = { edge: 0, cloud: 0, fellBack: 0 }
  for (const f of run.frames) {
    if (f.route === ROUTE.edge || f.route === ROUTE.edgeFallback) counts.edge++
    else counts.cloud++
    if (f.route === ROUTE.edgeFallback || f.route === ROUTE.cloudFallback) counts.fellBack++
  }
  const lat = run.frames.map((f) => f.latencyMs)
  const gate = stat(run.frames, (m) => m.gateReductionDb)
  const comp = stat(run.frames, (m) => m.compressorReductionDb)
  const lim = stat(run.frames, (m) => m.limiterReductionDb)
  const finalConfig = chain.config
  const summary: Array<[string, string]> = [
    ['input', `${input}: ${file.sampleRate} Hz, ${ch === 1 ? 'mono' : 'stereo'}, ${file.format}${file.sampleRate !== CHAIN_RATE ? ' (processed at 48 kHz)' : ''}`],
    ['output', `${v.output}: ${format ?? file.format}${clipped ? `, ${clipped} samples clipped` : ''}`],
    ['duration', `${durationS.toFixed(2)} s (${run.frames.length} frames of 20 ms)`],
    ['real-time factor', `${(elapsedS / durationS).toFixed(4)} (${elapsedS.toFixed(2)} s, ${(durationS / elapsedS).toFixed(0)}x faster than real time)`],
    ['route', `edge ${counts.edge}, cloud ${counts.cloud}, fell back ${counts.fellBack}; latency p50 ${percentile(lat, 50).toFixed(3)} ms, p99 ${percentile(lat, 99).toFixed(3)} ms per frame`],
    ['integrated loudness', `${db(before.integratedLufs, 'LUFS')} -> ${db(after.integratedLufs, 'LUFS')}${finalConfig.loudness?.enabled ? ` (target ${finalConfig.loudness.targetLufs} LUFS)` : ''}`],
    ['true peak', `${db(before.truePeakDbtp, 'dBTP')} -> ${db(after.truePeakDbtp, 'dBTP')} (ceiling ${finalConfig.limiter.ceilingDb} dBFS)`],
    [
      'gain reduction',
      gate.n === 0
        ? 'not reported (every frame ran in the cloud)'
        : `gate max ${gate.max.toFixed(1)} dB, compressor max ${comp.max.toFixed(1)} dB (mean ${comp.mean.toFixed(1)}), limiter max ${lim.max.toFixed(1)} dB`,
    ],
    ['latency', v['keep-latency'] ? `kept: output delayed by ${latency} samples (at 48 kHz)` : `${latency} samples of lookahead removed: output aligned with the input`],
  ]
  if (!v.quiet) console.log(`\n${table(summary)}`)

  if (v.report) {
    const notes: string[] = []
    if (counts.fellBack) notes.push(`${counts.fellBack} frames fell back to the other side (see the route row)`)
    if (clipped) notes.push(`${clipped} samples were clipped writing ${format ?? file.format}`)
    if (file.sampleRate !== CHAIN_RATE) notes.push(`converted ${file.sampleRate} Hz -> 48 kHz -> ${file.sampleRate} Hz (rubato FFT resampler)`)
    const frames = run.frames
    const series = (pick: (m: NonNullable<FrameRecord['meters']>) => number) => Float32Array.from(frames, (f) => (f.meters ? pick(f.meters) : NaN))
    const analysed = await timeline(mixdown(source.samples, ch))
    const data: ReportData = {
      title: `edgemix process: ${basename(input)}`,
      subtitle: `${file.sampleRate} Hz ${ch === 1 ? 'mono' : 'stereo'} ${file.format}; preset ${preset ?? 'none'}; route ${route}; ${finalConfig.loudness?.enabled ? `loudness ${finalConfig.loudness.targetLufs} LUFS` : 'no loudness normalisation'}`,
      sampleRate: CHAIN_RATE,
      channels: ch,
      input: source.samples,
      output,
      frameSeconds: 0.02,
      gainReduction: {
        gate: series((m) => m.gateReductionDb),
        compressor: series((m) => m.compressorReductionDb),
        limiter: series((m) => m.limiterReductionDb),
      },
      vad: analysed.vad,
      genre: analysed.genre,
      routes: { mixer: Uint8Array.from(frames, (f) => f.route) },
      summary,
      notes,
    }
    const { html, png } = await writeReport(v.report, data)
    if (!v.quiet) console.log(`\n  report: ${html}\n          ${png}`)
  }
}
