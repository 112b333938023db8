// Interop: RemoteMedia's own Python client (remotemedia-client 0.2.0, unchanged, in a
// pinned venv) against our server. Its results are compared with edgemix's native
// MixerChain and extractMfcc on the same float32 input, and its numpy calls in its default
// format (pickle) with the same node called over f32le by edgemix's own client.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CloudClient, FeatureExtractor, MixerChain, startServer } from '../dist/index.js'
import type { CloudServer } from '../dist/index.js'
import { ensureInteropVenv } from '../scripts/interop-venv.mjs'
import { FRAME, speechLike } from './helpers.js'

type NdArray = { ndarray: number[] | number[][]; dtype: string; shape: number[] }

type PeerResult = {
  status: { status: number; version: string; uptime_seconds: number; metrics: { total_requests: number } }
  nodes: Array<{ node_type: string; category: string; parameters: Array<{ name: string; type: string; default_value: string; description: string }> }>
  analysisNodes: Array<{ node_type: string }>
  mixer: number[]
  mixerDict: { audio_data: number[]; sample_rate: number }
  mfcc: number[][]
  stream: number[][]
  unknownNode: string
  badParameter: string
  bothSpellings: string
  shell: string
  transform: { tuple: [NdArray, number] }
  transformDict: { audio_data: NdArray; sample_rate: number }
  pcm16: NdArray
  numpyStream: NdArray[]
  mfccSnake: number[][]
}

let server: CloudServer
let peer: PeerResult
const audio = speechLike(FRAME * 8)
const mixerConfig = { compressor: { ratio: 4, thresholdDb: -24 }, limiter: { ceilingDb: -2 }, gate: { bypass: true } }
// RemoteMedia's parameter names: -6 dB, mono to stereo.
const transformConfig = { gain_db: -6, output_channels: 2 }
const pcm16 = [-32768, -16384, -1, 0, 1, 12345, 32767]

beforeAll(async () => {
  const python = ensureInteropVenv({ quiet: true })
  server = await startServer({ port: 0 })
  const job = {
    port: server.port,
    audio: Array.from(audio),
    frames: Array.from({ length: 8 }, (_, k) => Array.from(audio.subarray(k * FRAME, (k + 1) * FRAME))),
    mixerConfig,
    transformConfig,
    pcm16,
  }
  const run = spawnSync(python, [join(__dirname, 'interop', 'remotemedia_peer.py')], { input: JSON.stringify(job), encoding: 'utf8', maxBuffer: 64 << 20 })
  if (run.status !== 0) throw new Error(`the Python peer failed (${run.status}): ${run.stderr}`)
  peer = JSON.parse(run.stdout)
}, 600_000)

afterAll(async () => {
  await server?.close()
})

describe('remotemedia-client 0.2.0 against edgemix-server', () => {
  it('GetStatus', () => {
    expect(peer.status.status).toBe(1) // SERVICE_STATUS_HEALTHY
    expect(peer.status.version).toMatch(/^edgemix \d+\.\d+\.\d+$/)
    expect(peer.status.metrics.total_requests).toBeGreaterThan(0)
  })

  it('ListNodes, with and without a category', () => {
    const names = peer.nodes.map((n) => n.node_type)
    expect(names).toEqual(expect.arrayContaining(['AudioMixer', 'MFCC', 'PassThrough', 'AudioTransform', 'AudioResampler', 'WasmModule']))
    const rate = peer.nodes.find((n) => n.node_type === 'AudioMixer')!.parameters.find((p) => p.name === 'sampleRate')!
    expect(rate).toMatchObject({ type: 'number', default_value: '48000' })
    expect(peer.analysisNodes.map((n) => n.node_type)).toEqual(['GenreClassifier', 'MFCC', 'VAD'])
  })

  it('ExecuteNode AudioMixer (json, config sent as Python str(dict)) equals the native chain', () => {
    const expected = new MixerChain(mixerConfig).processSync(audio)
    expect(Float32Array.from(peer.mixer)).toEqual(expected)
    expect(peer.mixerDict.sample_rate).toBe(48000)
    expect(Float32Array.from(peer.mixerDict.audio_data)).toEqual(expected)
  })

  it('ExecuteNode MFCC equals the streaming extractor', () => {
    const expected = new FeatureExtractor().pushSync(audio)
    expect(peer.mfcc.length).toBe(8)
    expect(Float32Array.from(peer.mfcc.flat())).toEqual(expected.mfcc)
  })

  it('StreamNode: frames answered in order by one continuous mixer, then the flushed tail', () => {
    const reference = new MixerChain(mixerConfig)
    expect(peer.stream.length).toBe(9)
    for (let k = 0; k < 8; k++) {
      expect(Float32Array.from(peer.stream[k])).toEqual(reference.processSync(audio.subarray(k * FRAME, (k + 1) * FRAME)))
    }
    expect(Float32Array.from(peer.stream[8])).toEqual(reference.processSync(new Float32Array(reference.latencySamples)))
  })

  it('refusals reach the Python client with what is allowed', () => {
    expect(peer.unknownNode).toMatch(/unknown node type "Reverb"; available node types: .*AudioMixer/)
    expect(peer.badParameter).toMatch(/compressor\.ratio = 0 is out of range/)
    expect(peer.bothSpellings).toMatch(/MFCC: parameter "sampleRate" is given twice, in camelCase and in snake_case/)
  })

  it('snake_case parameters (n_mfcc, sample_rate) configure the camelCase ones', () => {
    expect(peer.mfccSnake).toEqual(peer.mfcc)
  })

  it('a pickle that would run os.system is refused by name, and the calls after it are served', () => {
    // os.system pickles as posix.system (its module on Linux).
    expect(peer.shell).toMatch(/INVALID_ARGUMENT|InvalidArgument|invalid/i)
    expect(peer.shell).toMatch(/global "posix\.system" \(STACK_GLOBAL at byte \d+\) is not accepted.*nothing is ever called/)
    expect(peer.transform.tuple[1]).toBe(48000)
  })

  it('ExecuteNode AudioTransform with (numpy array, 48000) in the default format equals the node over f32le', async () => {
    const client = new CloudClient({ endpoints: [`127.0.0.1:${server.port}`], timeoutMs: 10_000 })
    const interleaved = (await client.execute('AudioTransform', transformConfig, audio)) as Float32Array
    await client.close()
    const channels = [0, 1].map((c) => Float32Array.from({ length: audio.length }, (_, i) => interleaved[2 * i + c]))
    // And against the analytic result: each sample times 10^(-6/20) in float32, on both channels.
    const gain = Math.fround(10 ** (-6 / 20))
    expect(channels[0]).toEqual(Float32Array.from(audio, (x) => Math.fround(x * gain)))
    for (const reply of [peer.transform.tuple[0], peer.transformDict.audio_data]) {
      expect(reply.dtype).toBe('float32')
      expect(reply.shape).toEqual([2, audio.length])
      const rows = reply.ndarray as number[][]
      expect(Float32Array.from(rows[0])).toEqual(channels[0])
      expect(Float32Array.from(rows[1])).toEqual(channels[1])
    }
    expect(peer.transformDict.sample_rate).toBe(48000)
  })

  it('int16 numpy PCM arrives as float32 samples at full scale ±1.0', () => {
    expect(peer.pcm16.dtype).toBe('float32')
    expect(peer.pcm16.shape).toEqual([pcm16.length])
    expect(peer.pcm16.ndarray).toEqual(pcm16.map((x) => Math.fround(x / 32768)))
  })

  it('StreamNode with numpy frames in the default format: numpy frames back, equal to the native chain', () => {
    const reference = new MixerChain(mixerConfig)
    expect(peer.numpyStream.length).toBe(9)
    for (let k = 0; k < 8; k++) {
      expect(peer.numpyStream[k]).toMatchObject({ dtype: 'float32', shape: [FRAME] })
      expect(Float32Array.from(peer.numpyStream[k].ndarray as number[])).toEqual(reference.processSync(audio.subarray(k * FRAME, (k + 1) * FRAME)))
    }
    expect(Float32Array.from(peer.numpyStream[8].ndarray as number[])).toEqual(reference.processSync(new Float32Array(reference.latencySamples)))
  })
})
