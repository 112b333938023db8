// `edgemix analyze` and `edgemix inspect` end to end on generated inputs, against
// analytic expectations: the BS.1770 loudness of a sine, the MFCC frame count of the
// framing rule, the VAD's verdict on speech-free material; the modules of wasm-modules/.
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { edgemix, tempDir, writeWavFile } from './cli-helpers.js'
import { noise, sine } from './helpers.js'

const dir = tempDir()
const DIST = join(__dirname, '../wasm-modules/dist')

describe('edgemix analyze', () => {
  it('--json: loudness of a stereo sine, MFCC summary over 20 ms frames, speech ratio, genre timeline', async () => {
    // 997 Hz at peak 0.1 on both channels of 44.1 kHz stereo: each channel reads
    // 20·log10(0.1) − 3.01 = −23.01 LUFS, the two add their powers: −20.0 LUFS.
    const x = sine(4 * 44_100, 997, 0.1, 44_100)
    const path = join(dir, 'stereo.wav')
    writeWavFile(path, [x, x], 44_100, '24')
    const run = await edgemix(['analyze', path, '--json'])
    expect(run.code, run.stderr).toBe(0)
    const r = JSON.parse(run.stdout)
    expect(r).toMatchObject({ sampleRate: 44_100, channels: 2, format: 'int24' })
    expect(r.durationS).toBeCloseTo(4, 6)
    expect(r.loudness.integratedLufs).toBeCloseTo(-20.0, 1)
    expect(r.loudness.truePeakDbtp).toBeCloseTo(-20.0, 1)
    // 4 s at 48 kHz (after conversion) in frames of 1024 every 960 samples.
    expect(r.mfcc.frames).toBe(Math.floor((4 * 48_000 - 1024) / 960) + 1)
    expect(r.mfcc.mean).toHaveLength(13)
    expect(r.speech.of).toBe(200)
    expect(r.speech.ratio).toBeLessThan(0.1)
    expect(r.genre.timeline.length).toBeGreaterThan(0)
    expect(r.genre.timeline[0].start).toBe(0)
    expect(r.genre.timeline.at(-1).end).toBeCloseTo(4, 6)
    expect(r.genre.whole.genre).toMatch(/^(speech|rock|jazz|electronic|classical)$/)
  })

  it('MFCC: ten times the amplitude adds 20·√40 to c0 and nothing to c1..c12 (orthonormal DCT of 40 log-mel bands)', async () => {
    const quiet = noise(2 * 48_000, 0.05, 17)
    const summaries = []
    for (const [name, gain] of [
      ['quiet', 1],
      ['loud', 10],
    ] as const) {
      const path = join(dir, `${name}.wav`)
      writeWavFile(path, [quiet.map((v) => v * gain)], 48_000, '32f')
      const run = await edgemix(['analyze', path, '--json'])
      expect(run.code, run.stderr).toBe(0)
      summaries.push(JSON.parse(run.stdout).mfcc)
    }
    const [a, b] = summaries
    expect(b.mean[0] - a.mean[0]).toBeCloseTo(20 * Math.sqrt(40), 2)
    for (let c = 1; c < 13; c++) {
      expect(b.mean[c] - a.mean[c]).toBeCloseTo(0, 2)
      expect(b.std[c]).toBeCloseTo(a.std[c], 2)
    }
  })

  it('prints tables without --json', async () => {
    const path = join(dir, 'mono.wav')
    writeWavFile(path, [sine(48_000, 997, 0.1)], 48_000, '16')
    const run = await edgemix(['analyze', path])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/integrated\s+-23\.0 LUFS/)
    expect(run.stdout).toMatch(/MFCC over 49 frames/)
    expect(run.stdout).toMatch(/shorter than 3 s: no decision/)
  })

  it('refuses a file that is not WAV in one coded line', async () => {
    const path = join(dir, 'song.mp3')
    writeFileSync(path, Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00'))
    const run = await edgemix(['analyze', path])
    expect(run.code).toBe(1)
    expect(run.stderr.trim()).toMatch(/^edgemix analyze: ERR_WAV_INVALID: .*song\.mp3: not a WAV file: it starts with "ID3\\x04" instead of "RIFF"$/)
  })
})

describe('edgemix inspect', () => {
  it('checks mixer.wasm against the ABI, prints its describe() and runs a session', async () => {
    const run = await edgemix(['inspect', join(DIST, 'mixer.wasm'), '--json'])
    expect(run.code, run.stderr).toBe(0)
    const r = JSON.parse(run.stdout)
    expect(r.abi).toBe('ok')
    expect(r.description).toMatchObject({ name: 'mixer', input: 'f32', output: 'f32', wasi: false, remote: false })
    expect(r.description.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(r.session.ok).toBe(true)
    const text = await edgemix(['inspect', join(DIST, 'hybrid_vad.wasm')])
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toMatch(/ABI ok/)
    expect(text.stdout).toMatch(/imports\s+env\.call_remote_service/)
  })

  it('hands --config to configure(), and reports a refused one', async () => {
    const ok = await edgemix(['inspect', join(DIST, 'mixer.wasm'), '--config', '{"compressor":{"ratio":4}}'])
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toMatch(/initialize \+ configure \+ cleanup ok/)
    const refused = await edgemix(['inspect', join(DIST, 'mixer.wasm'), '--config', '{"compressor":{"ratio":400}}'])
    expect(refused.code).toBe(1)
    expect(refused.stderr.trim().split('\n')).toHaveLength(1)
    expect(refused.stderr).toMatch(/^edgemix inspect: ERR_/)
  })

  it.each([
    ['a module missing ABI exports', () => join(DIST, 'badabi.wasm'), /^edgemix inspect: ERR_WASM_ABI: .*badabi\.wasm: /],
    ['bytes that are not WebAssembly', () => {
      const p = join(dir, 'fake.wasm')
      writeFileSync(p, 'not a module')
      return p
    }, /^edgemix inspect: ERR_WASM_COMPILE: .*fake\.wasm: /],
    ['a missing file', () => join(dir, 'none.wasm'), /^edgemix inspect: ERR_WASM_NOT_FOUND: .*none\.wasm: /],
  ])('refuses %s in one coded line', async (_what, path, pattern) => {
    const run = await edgemix(['inspect', path()])
    expect(run.code).toBe(1)
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
    expect(run.stderr).toMatch(pattern)
  })
})
