/**
 * What a signal holds over time, per 20 ms frame at 48 kHz: voice activity (vad.wasm at
 * the edge, the same detector as the native one) and the streaming genre decision.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { GenreClassifier, WasmEdgeNode } from '../../index.js'
import { DEFAULT_MODULES_DIR } from '../hybrid/wasm-edge.js'
import type { GenreSpan } from '../report/index.js'
import { coded } from './args.js'
import { CHAIN_RATE, FRAME } from './audio.js'
import { ErrorCode } from '../errors.js'

export interface Timeline {
  vad: { probability: Float32Array; speech: Uint8Array }
  genre: GenreSpan[]
}

/** Frames handed to the VAD module per call (one second). */
const VAD_BATCH = 50
/** The genre decision is read every 500 ms (its default hop). */
const GENRE_HOP = 25 * FRAME

/** VAD decisions and genre spans of a mono signal at 48 kHz. */
export async function timeline(mono: Float32Array): Promise<Timeline> {
  const frames = Math.ceil(mono.length / FRAME)
  const path = join(DEFAULT_MODULES_DIR, 'vad.wasm')
  if (!existsSync(path)) throw coded(ErrorCode.WASM_NOT_FOUND, `${path} is missing: build the modules (npm run build:wasm)`)
  const node = await WasmEdgeNode.load(path, { config: { sampleRate: CHAIN_RATE } })
  const session = await node.createSession('timeline')
  const probability = new Float32Array(frames)
  const speech = new Uint8Array(frames)
  try {
    for (let f = 0; f < frames; f += VAD_BATCH) {
      const block = mono.subarray(f * FRAME, Math.min(mono.length, (f + VAD_BATCH) * FRAME))
      const answer = (await session.process(block)) as { speech: boolean; probability: number } | Array<{ speech: boolean; probability: number }>
      const results = Array.isArray(answer) ? answer : [answer]
      results.forEach((r, k) => {
        probability[f + k] = r.probability
        speech[f + k] = r.speech ? 1 : 0
      })
    }
  } finally {
    await session.close()
  }

  const classifier = new GenreClassifier({ sampleRate: CHAIN_RATE })
  const genre: GenreSpan[] = []
  for (let at = 0; at < mono.length; at += GENRE_HOP) {
    const end = Math.min(mono.length, at + GENRE_HOP)
    const decision = await classifier.push(mono.subarray(at, end))
    const [start, stop] = [at / CHAIN_RATE, end / CHAIN_RATE]
    const last = genre.at(-1)
    if (last && last.genre === decision.genre) last.end = stop
    else genre.push({ start, end: stop, genre: decision.genre })
  }
  return { vad: { probability, speech }, genre }
}
