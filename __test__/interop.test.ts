// Interop: RemoteMedia's own Python client (remotemedia-client 0.2.0, unchanged, in a
// pinned venv) against our server. Its results are compared with edgemix's native
// MixerChain and extractMfcc on the same float32 input.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FeatureExtractor, MixerChain, startServer } from '../dist/index.js'
import type { CloudServer } from '../dist/index.js'
import { ensureInteropVenv } from '../scripts/interop-venv.mjs'
import { FRAME, speechLike } from './helpers.js'

type PeerResult = {
  status: { status: number; version: string; uptime_seconds: number; metrics: { total_requests: number } }
  nodes: Array<{ node_type: string; category: string; parameters: Array<{ name: string; type: string; default_value: string; description: string }> }>
  analysisNodes: Array<{ node_type: string }>
  mixer: number[]
  mixerDict: { audio_data: number[]; sample_rate: number }
  mfcc: number[][]
  stream: number[][]
  unknownNode: string
  pickle: string
  badParameter: string
}

let server: CloudServer
let peer: PeerResult
const audio = speechLike(FRAME * 8)
const mixerConfig = { compressor: { ratio: 4, thresholdDb: -24 }, limiter: { ceilingDb: -2 }, gate: { bypass: true } }

beforeAll(async () => {
  const python = ensureInteropVenv({ quiet: true })
  server = await startServer({ port: 0 })
  const job = {
    port: server.port,
    audio: Array.from(audio),
    frames: Array.from({ length: 8 }, (_, k) => Array.from(audio.subarray(k * FRAME, (k + 1) * FRAME))),
    mixerConfig,
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
    expect(peer.pickle).toMatch(/"pickle" is not supported.*json, f32le, bytes/)
    expect(peer.badParameter).toMatch(/compressor\.ratio = 0 is out of range/)
  })
})
