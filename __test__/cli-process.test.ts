// `edgemix process` end to end, as a user runs it (node dist/cli.js, and the bin through
// a PATH link as npm makes it), on WAV files written and read by wavefile (an independent
// implementation): exact expectations where the arithmetic allows them — a bypassed chain
// returns the input, delayed by the lookahead only with --keep-latency; stereo gets one
// gain on both channels; the cloud route gives the edge's bits — and analytic ones
// elsewhere (a 44.1 kHz sine round trip, BS.1770 loudness of a sine).
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type CloudServer } from '../dist/index.js'
import { CLI, edgemix, readWavFile, tempDir, writeWavFile, type Depth } from './cli-helpers.js'
import { noise, sine } from './helpers.js'

const dir = tempDir()
const BYPASSED = { gate: { bypass: true }, compressor: { bypass: true }, eq: { bypass: true }, limiter: { bypass: true } }
const bypassed = join(dir, 'bypassed.json')
writeFileSync(bypassed, JSON.stringify(BYPASSED))

/** A test programme: a sine, noise bursts loud enough for every stage to act, silence. */
function programme(length: number, seed: number): Float32Array {
  const n = noise(length, 0.9, seed)
  const s = sine(length, 440, 0.3)
  return s.map((v, i) => (i < length / 3 ? v : i < (2 * length) / 3 ? n[i] * (i % 4800 < 2400 ? 1 : 0.01) : 0))
}

/** Exit code 1 and, besides progress lines, exactly one line on stderr: the error. */
function expectOneLineError(run: { code: number | null; stderr: string; stdout: string }, pattern: RegExp) {
  expect(run.code).toBe(1)
  const lines = run.stderr
    .trimEnd()
    .split('\n')
    .filter((l) => !/: \d+% \(\d+\/\d+ frames\)$/.test(l))
  expect(lines, run.stderr).toHaveLength(1)
  expect(lines[0]).toMatch(pattern)
  expect(run.stderr).not.toMatch(/\n\s+at /)
}

describe('edgemix process', () => {
  it.each<[Depth, number]>([
    ['8', 1],
    ['16', 1],
    ['16', 2],
    ['24', 2],
    ['32', 1],
    ['32f', 2],
  ])('returns a %s-bit %i-channel file unchanged through a bypassed chain, in its own format', async (depth, channels) => {
    // 32-bit integers pass through f32, which holds 24 significant bits: use values it holds.
    const quantum = depth === '32' ? 2 ** -23 : 0
    const chans = Array.from({ length: channels }, (_, c) => programme(9600, 11 + c).map((v) => (quantum ? Math.round(v / quantum) * quantum : v)))
    const input = join(dir, `in-${depth}-${channels}.wav`)
    const output = join(dir, `out-${depth}-${channels}.wav`)
    writeWavFile(input, chans, 48_000, depth)
    const run = await edgemix(['process', input, '-o', output, '--config', bypassed])
    expect(run.code, run.stderr).toBe(0)
    const a = readWavFile(input)
    const b = readWavFile(output)
    expect(b.depth).toBe(a.depth)
    expect(b.rate).toBe(48_000)
    expect(b.channels).toHaveLength(channels)
    for (let c = 0; c < channels; c++) expect(Array.from(b.channels[c])).toEqual(Array.from(a.channels[c]))
  })

  it('keeps the limiter lookahead as an exact delay with --keep-latency', async () => {
    const x = programme(4800, 3)
    const input = join(dir, 'latency.wav')
    writeWavFile(input, [x], 48_000, '32f')
    const output = join(dir, 'latency-out.wav')
    const run = await edgemix(['process', input, '-o', output, '--config', bypassed, '--keep-latency', '-q'])
    expect(run.code, run.stderr).toBe(0)
    const y = readWavFile(output).channels[0]
    // 5 ms at 48 kHz.
    const delay = 240
    expect(y.length).toBe(x.length)
    expect(Array.from(y.subarray(0, delay))).toEqual(new Array(delay).fill(0))
    expect(Array.from(y.subarray(delay))).toEqual(Array.from(x.subarray(0, x.length - delay), (v) => v))
  })

  it('processes stereo with one gain on both channels (a quarter-level right channel stays a quarter of the left)', async () => {
    const left = programme(48_000, 5)
    const quarter = left.map((v) => v / 4)
    const stereoIn = join(dir, 'stereo.wav')
    const monoIn = join(dir, 'left.wav')
    writeWavFile(stereoIn, [left, quarter], 48_000, '32f')
    writeWavFile(monoIn, [left], 48_000, '32f')
    const stereoOut = join(dir, 'stereo-out.wav')
    const monoOut = join(dir, 'left-out.wav')
    for (const [i, o] of [
      [stereoIn, stereoOut],
      [monoIn, monoOut],
    ]) {
      const run = await edgemix(['process', i, '-o', o, '-q'])
      expect(run.code, run.stderr).toBe(0)
    }
    const [l, r] = readWavFile(stereoOut).channels
    const mono = readWavFile(monoOut).channels[0]
    // The louder side is processed exactly as that signal in mono ...
    expect(Array.from(l)).toEqual(Array.from(mono))
    // ... and the other side gets the same gains (×1/4 is exact in binary floating point,
    // except for subnormal numbers and where the limiter's final clamp rounds the loud side
    // to the ceiling).
    const ceiling = 10 ** (-1 / 20)
    const smallestNormal = 2 ** -126
    let acted = 0
    for (let n = 0; n < l.length; n++) {
      if (Math.abs(l[n] / 4) < smallestNormal) expect(Math.abs(r[n] - l[n] / 4)).toBeLessThan(smallestNormal)
      else if (Math.abs(l[n]) < Math.fround(ceiling)) expect(r[n]).toBe(Math.fround(l[n] / 4))
      else expect(Math.abs(r[n] - l[n] / 4)).toBeLessThan(1e-7)
      if (Math.abs(l[n] - left[n]) > 1e-3) acted++
    }
    expect(acted).toBeGreaterThan(1000) // the chain did change the signal
  })

  it('converts a 44.1 kHz file to 48 kHz and back: a sine comes back within 1e-5 of the analytic sine', async () => {
    const n = 44_100
    const x = Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 1000 * i) / 44_100))
    const input = join(dir, 'sine441.wav')
    writeWavFile(input, [x], 44_100, '32f')
    const output = join(dir, 'sine441-out.wav')
    const run = await edgemix(['process', input, '-o', output, '--config', bypassed, '-q'])
    expect(run.code, run.stderr).toBe(0)
    const y = readWavFile(output)
    expect(y.rate).toBe(44_100)
    expect(y.channels[0].length).toBe(n)
    // Away from the first and last 50 ms, where the resampler's filter sees the signal's ends.
    let worst = 0
    for (let i = 2205; i < n - 2205; i++) worst = Math.max(worst, Math.abs(y.channels[0][i] - 0.5 * Math.sin((2 * Math.PI * 1000 * i) / 44_100)))
    expect(worst).toBeLessThan(1e-5)
  })

  it('prints a summary: duration, real-time factor, BS.1770 loudness before and after, true peak, gain reduction', async () => {
    // A 997 Hz sine of peak A measures 20·log10(A) − 3.01 LUFS (EBU Tech 3341).
    const x = sine(5 * 48_000, 997, 0.1)
    const input = join(dir, 'summary.wav')
    writeWavFile(input, [x], 48_000, '32f')
    const run = await edgemix(['process', input, '-o', join(dir, 'summary-out.wav'), '--preset', 'podcast'])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/duration\s+5\.00 s \(251 frames of 20 ms\)/)
    expect(run.stdout).toMatch(/real-time factor\s+0\.\d+ \(/)
    const loud = /integrated loudness\s+(-?\d+\.\d) LUFS -> (-?\d+\.\d) LUFS \(target -16 LUFS\)/.exec(run.stdout)
    expect(loud, run.stdout).not.toBeNull()
    expect(Number(loud![1])).toBeCloseTo(-23.0, 1)
    expect(Number(loud![2])).toBeGreaterThan(Number(loud![1]))
    expect(run.stdout).toMatch(/true peak\s+-2\d\.\d dBTP -> -?\d+\.\d dBTP \(ceiling -1 dBFS\)/)
    expect(run.stdout).toMatch(/gain reduction\s+gate max \d+\.\d dB, compressor max \d+\.\d dB \(mean \d+\.\d\), limiter max \d+\.\d dB/)
    expect(run.stdout).toMatch(/route\s+edge 251, cloud 0, fell back 0/)
    // Not a terminal: progress as plain lines on stderr.
    expect(run.stderr).toMatch(/edgemix process summary\.wav: 100% \(251\/251 frames\)/)
  })

  it('draws a progress bar in place on a terminal (a pseudo-terminal from script(1)) and clears it', async () => {
    const input = join(dir, 'tty.wav')
    writeWavFile(input, [sine(20 * 48_000, 440, 0.3)], 48_000, '16')
    const command = [process.execPath, CLI, 'process', input, '-o', join(dir, 'tty-out.wav')].map((a) => `'${a}'`).join(' ')
    const run = await edgemix(['-qec', command, '/dev/null'], { command: 'script' })
    expect(run.code, run.stdout).toBe(0)
    // Redrawn with a carriage return, never a new line, then erased before the summary.
    expect(run.stdout).toMatch(/\redgemix process tty\.wav \[#*\.*\] \d+% \(\d+\/1001 frames\)/)
    expect(run.stdout).not.toMatch(/frames\)\r?\n/)
    expect(run.stdout).toMatch(/\r\x1b\[2K\r?\n\s+input\s+/)
  })

  describe('through the cloud tier', () => {
    let server: CloudServer
    beforeAll(async () => {
      server = await startServer({ port: 0 })
    })
    afterAll(async () => {
      await server?.close()
    })

    it.each([1, 2])('--route cloud gives the edge chain\'s output bit for bit (%i channels)', async (channels) => {
      const chans = Array.from({ length: channels }, (_, c) => programme(24_000, 21 + c))
      const input = join(dir, `cloud-${channels}.wav`)
      writeWavFile(input, chans, 48_000, '32f')
      const edge = join(dir, `cloud-${channels}-edge.wav`)
      const cloud = join(dir, `cloud-${channels}-cloud.wav`)
      expect((await edgemix(['process', input, '-o', edge, '-q', '--preset', 'speech'])).code).toBe(0)
      const run = await edgemix(['process', input, '-o', cloud, '--route', 'cloud', '--cloud', `127.0.0.1:${server.port}`, '--preset', 'speech'])
      expect(run.code, run.stderr).toBe(0)
      expect(run.stdout).toMatch(/route\s+edge 0, cloud 26, fell back 0/)
      expect(run.stdout).toMatch(/not reported \(every frame ran in the cloud\)/)
      const a = readWavFile(edge).channels
      const b = readWavFile(cloud).channels
      for (let c = 0; c < channels; c++) expect(Array.from(b[c])).toEqual(Array.from(a[c]))
    })

    it('--route auto splits frames between the sides and still returns every sample', async () => {
      const input = join(dir, 'auto.wav')
      writeWavFile(input, [programme(96_000, 31)], 48_000, '16')
      const output = join(dir, 'auto-out.wav')
      const run = await edgemix(['process', input, '-o', output, '--route', 'auto', '--cloud', `127.0.0.1:${server.port}`])
      expect(run.code, run.stderr).toBe(0)
      const m = /route\s+edge (\d+), cloud (\d+), fell back (\d+)/.exec(run.stdout)
      expect(Number(m![1]) + Number(m![2])).toBe(101)
      expect(readWavFile(output).channels[0].length).toBe(96_000)
    })
  })

  it('--route cloud without a cloud tier fails with ERR_CLOUD_UNAVAILABLE, in one line', async () => {
    const input = join(dir, 'nocloud.wav')
    writeWavFile(input, [sine(4800, 440, 0.3)], 48_000, '16')
    // Port 9 (discard) on loopback: nothing listens there.
    const run = await edgemix(['process', input, '-o', join(dir, 'nocloud-out.wav'), '--route', 'cloud', '--cloud', '127.0.0.1:9', '-q'])
    expectOneLineError(run, /^edgemix process: ERR_CLOUD_UNAVAILABLE: the cloud tier at 127\.0\.0\.1:9 did not answer/)
    expect(existsSync(join(dir, 'nocloud-out.wav'))).toBe(false)
  })

  describe('refuses bad files and arguments with one coded line and exit code 1', () => {
    const bad = join(dir, 'bad')
    mkdirSync(bad, { recursive: true })
    /** A RIFF/WAVE header with the given fmt fields and some data. */
    const header = (tag: number, channels: number, rate: number, bits: number, data = Buffer.alloc(64)) => {
      const fmt = Buffer.alloc(16)
      const align = channels * Math.ceil(bits / 8)
      fmt.writeUInt16LE(tag, 0)
      fmt.writeUInt16LE(channels, 2)
      fmt.writeUInt32LE(rate, 4)
      fmt.writeUInt32LE(rate * align, 8)
      fmt.writeUInt16LE(align, 12)
      fmt.writeUInt16LE(bits, 14)
      const riff = Buffer.alloc(12)
      riff.write('RIFF', 0)
      riff.writeUInt32LE(4 + 8 + 16 + 8 + data.length, 4)
      riff.write('WAVE', 8)
      const chunk = (id: string, body: Buffer) => Buffer.concat([Buffer.from(id), Buffer.from(Uint32Array.of(body.length).buffer), body])
      return Buffer.concat([riff, chunk('fmt ', fmt), chunk('data', data)])
    }
    const file = (name: string, bytes: Buffer | string) => {
      const path = join(bad, name)
      writeFileSync(path, bytes)
      return path
    }
    const good = join(bad, 'good.wav')
    writeWavFile(good, [sine(4800, 440, 0.3)], 48_000, '16')
    const six = join(bad, 'six.wav')
    writeWavFile(six, Array.from({ length: 6 }, () => sine(480, 440, 0.1)), 48_000, '16')
    const slow = join(bad, 'slow.wav')
    writeWavFile(slow, [sine(400, 100, 0.1, 4000)], 4000, '16')
    const nan = file('nan.wav', header(3, 1, 48_000, 32, Buffer.from(Float32Array.of(0, 0.5, NaN, 0).buffer)))
    const goodBytes = readFileSync(good)

    it.each<[string, () => string[], RegExp]>([
      ['a text file', () => ['process', file('notes.wav', 'these are my notes'), '-o', join(bad, 'o.wav')], /ERR_WAV_INVALID: .*notes\.wav: not a WAV file: it starts with "thes" instead of "RIFF"/],
      ['a truncated file', () => ['process', file('cut.wav', goodBytes.subarray(0, 2000)), '-o', join(bad, 'o.wav')], /ERR_WAV_INVALID: .*cut\.wav: truncated WAV: its data chunk declares 4800 samples/],
      ['ADPCM', () => ['process', file('adpcm.wav', header(2, 2, 44_100, 4)), '-o', join(bad, 'o.wav')], /ERR_WAV_UNSUPPORTED: .*format tag 0x0002 \(Microsoft ADPCM\), 2 channels, 44100 Hz, 4 bits per sample/],
      ['64-bit float', () => ['process', file('f64.wav', header(3, 1, 48_000, 64)), '-o', join(bad, 'o.wav')], /ERR_WAV_UNSUPPORTED: .*0x0003 \(IEEE float\), 1 channel, 48000 Hz, 64 bits/],
      ['six channels', () => ['process', six, '-o', join(bad, 'o.wav')], /ERR_WAV_UNSUPPORTED: .*six\.wav has 6 channels: edgemix processes mono or stereo/],
      ['a 4 kHz file', () => ['process', slow, '-o', join(bad, 'o.wav')], /ERR_WAV_UNSUPPORTED: .*slow\.wav: sample rate 4000 Hz cannot be converted: allowed whole numbers of Hz from 8000 to 192000/],
      ['a NaN sample', () => ['process', nan, '-o', join(bad, 'o.wav')], /ERR_INVALID_AUDIO: .*sample 2 \(frame 2, channel 0\) is NaN/],
      ['a missing file', () => ['process', join(bad, 'missing.wav'), '-o', join(bad, 'o.wav')], /ERR_WAV_IO: .*missing\.wav: No such file or directory/],
      ['an unwritable output', () => ['process', good, '-o', join(bad, 'no', 'such', 'dir.wav')], /ERR_WAV_IO: .*dir\.wav: No such file or directory/],
      ['a config that is not JSON', () => ['process', good, '-o', join(bad, 'o.wav'), '--config', file('c1.json', '{ ratio: 4 ')], /ERR_INVALID_CONFIG: .*c1\.json is not valid JSON/],
      ['an out-of-range config', () => ['process', good, '-o', join(bad, 'o.wav'), '--config', file('c2.json', '{"compressor":{"ratio":500}}')], /ERR_INVALID_CONFIG: .*c2\.json: compressor\.ratio = 500 is out of range: allowed 1 to 100/],
      ['an unknown config key', () => ['process', good, '-o', join(bad, 'o.wav'), '--config', file('c3.json', '{"compresor":{}}')], /ERR_INVALID_CONFIG: .*compresor/],
      ['an unknown option', () => ['process', good, '-o', join(bad, 'o.wav'), '--louder'], /^edgemix process: Unknown option '--louder'.*\(see edgemix process --help\)$/],
      ['no output', () => ['process', good], /^edgemix process: missing -o OUT\.wav \(see edgemix process --help\)$/],
      ['a bad preset', () => ['process', good, '-o', 'x.wav', '--preset', 'loud'], /--preset must be one of podcast, music, speech, auto, received "loud"/],
      ['a bad loudness', () => ['process', good, '-o', 'x.wav', '--loudness', '-90'], /--loudness must be a number from -70 to 0, received "-90"/],
      ['a loudness that is not a number', () => ['process', good, '-o', 'x.wav', '--loudness=loud'], /--loudness must be a number from -70 to 0, received "loud"/],
      ['a bad --cloud', () => ['process', good, '-o', 'x.wav', '--route', 'cloud', '--cloud', 'localhost'], /--cloud must be host:port/],
      ['an unknown command', () => ['mix', good], /^edgemix: unknown command mix; the commands are process, analyze, inspect, serve, bench \(see edgemix --help\)$/],
    ])('%s', async (_what, args, pattern) => {
      expectOneLineError(await edgemix(args()), pattern)
    })
  })

  it('answers --help for every command, and --version', async () => {
    const top = await edgemix(['--help'])
    expect(top.code).toBe(0)
    for (const command of ['process', 'analyze', 'inspect', 'serve', 'bench']) {
      expect(top.stdout).toContain(`  ${command} `)
      const run = await edgemix([command, '--help'])
      expect(run.code, command).toBe(0)
      expect(run.stdout).toMatch(new RegExp(`^usage: edgemix ${command}`))
    }
    const version = await edgemix(['--version'])
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(__dirname, '../package.json'), 'utf8')).version)
  })

  it('runs through the package bin as npm links it (a PATH entry named edgemix)', async () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '../package.json'), 'utf8'))
    const target = join(__dirname, '..', pkg.bin.edgemix)
    expect(target).toBe(CLI)
    expect(readFileSync(target, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node')
    const bin = join(tempDir(), 'bin')
    mkdirSync(bin)
    symlinkSync(target, join(bin, 'edgemix'))
    chmodSync(target, 0o755) // npm sets the mode when it links a bin
    const input = join(dir, 'bin.wav')
    writeWavFile(input, [sine(9600, 440, 0.3)], 48_000, '16')
    const run = await edgemix(['process', input, '-o', join(dir, 'bin-out.wav'), '--config', bypassed, '-q'], {
      command: 'edgemix',
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    })
    expect(run.code, run.stderr).toBe(0)
    expect(Array.from(readWavFile(join(dir, 'bin-out.wav')).channels[0])).toEqual(Array.from(readWavFile(input).channels[0]))
  })
})
