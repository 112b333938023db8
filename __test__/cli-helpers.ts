/**
 * Running the `edgemix` command as a user does (a child process of dist/cli.js) and WAV
 * files made and read by an independent library (wavefile), for the CLI suites.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WaveFile } from 'wavefile'

export const CLI = join(__dirname, '../dist/cli.js')

export interface Ran {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `node dist/cli.js ...args` (or `command` itself) to completion. */
export function edgemix(args: string[], options: { command?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Ran> {
  const [cmd, argv] = options.command ? [options.command, args] : [process.execPath, [CLI, ...args]]
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => (stdout += d))
  child.stderr!.on('data', (d) => (stderr += d))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'edgemix-cli-'))
}

/** wavefile's bit-depth names. */
export type Depth = '8' | '16' | '24' | '32' | '32f'

/** Full-scale value of an integer depth (2^(bits-1)). */
export const fullScale = (depth: Depth) => 2 ** (Number(depth.replace('f', '')) - 1)

/**
 * Writes planar channels of nominal ±1.0 samples as a WAV file with wavefile. Integer
 * depths get round(x · 2^(bits−1)) (8-bit as offset binary, as the format defines).
 */
export function writeWavFile(path: string, channels: Float32Array[], rate: number, depth: Depth): void {
  const data = channels.map((ch) =>
    depth === '32f'
      ? Array.from(ch)
      : Array.from(ch, (x) => {
          const full = fullScale(depth)
          const v = Math.max(-full, Math.min(full - 1, Math.round(x * full)))
          return depth === '8' ? v + 128 : v
        }),
  )
  const wav = new WaveFile()
  wav.fromScratch(channels.length, rate, depth, channels.length === 1 ? data[0] : data)
  writeFileSync(path, wav.toBuffer())
}

/**
 * Reads a WAV file with wavefile: planar channels at nominal ±1.0, its rate and depth.
 * wavefile takes WAVE_FORMAT_EXTENSIBLE with the IEEE-float sub-format for integers (as
 * ffmpeg and hound write float above 16 bits), so those samples are read here from the
 * data chunk's bytes as the little-endian float32 they are.
 */
export function readWavFile(path: string): { channels: Float64Array[]; rate: number; depth: string } {
  const wav = new WaveFile(readFileSync(path))
  const fmt = wav.fmt as { sampleRate: number; audioFormat: number; numChannels: number; subformat: number[] }
  if (fmt.audioFormat === 0xfffe && fmt.subformat[0] === 3) {
    const bytes = (wav.data as { samples: Uint8Array }).samples
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const n = bytes.byteLength / 4 / fmt.numChannels
    const channels = Array.from({ length: fmt.numChannels }, (_, c) => Float64Array.from({ length: n }, (_, i) => view.getFloat32((i * fmt.numChannels + c) * 4, true)))
    return { channels, rate: fmt.sampleRate, depth: '32f' }
  }
  const depth = wav.bitDepth as Depth
  let samples = wav.getSamples(false, Float64Array) as unknown as Float64Array | Float64Array[]
  if (!Array.isArray(samples)) samples = [samples]
  const full = depth === '32f' ? 1 : fullScale(depth)
  const channels = samples.map((ch) => ch.map((v) => (depth === '8' ? v - 128 : v) / full))
  return { channels, rate: (wav.fmt as { sampleRate: number }).sampleRate, depth }
}
