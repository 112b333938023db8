// Per-block calls run on the addon's frame workers, not on libuv's thread pool: a block
// never waits behind file, DNS, crypto or zlib work queued there.
import { pbkdf2 } from 'node:crypto'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FeatureExtractor, GenreClassifier, MixerChain, WasmEdgeNode, WasmSession } from '../dist/index.js'
import { FRAME, maxAbsDiff, speechLike } from './helpers.js'

const DIST = join(__dirname, '..', 'wasm-modules', 'dist')

/**
 * Fills libuv's pool (4 threads unless UV_THREADPOOL_SIZE says otherwise) with 8 jobs of
 * ~0.3 s of CPU each; `finished()` tells how many have completed.
 */
function saturateLibuvPool() {
  let done = 0
  const all = Array.from(
    { length: 8 },
    () => new Promise<void>((resolve) => pbkdf2('password', 'salt', 1_000_000, 32, 'sha256', () => (done++, resolve()))),
  )
  return { finished: () => done, all: Promise.all(all) }
}

describe('frame workers', () => {
  it('process(), push() and the batch calls complete while the libuv pool is saturated', async () => {
    const x = speechLike(FRAME * 10)
    const blocks = Array.from({ length: 10 }, (_, i) => x.subarray(i * FRAME, (i + 1) * FRAME))
    const mixer = new MixerChain()
    const mixerRef = new MixerChain()
    const features = new FeatureExtractor()
    const featuresRef = new FeatureExtractor()
    const genre = new GenreClassifier()
    const genreRef = new GenreClassifier()
    // Loaded before the pool is filled: loading is a one-shot job that stays on libuv.
    const node = await WasmEdgeNode.load(join(DIST, 'mixer.wasm'))
    const [session, sessionB] = [await node.createSession(), await node.createSession()]
    const wasmRef = new MixerChain()

    const pool = saturateLibuvPool()
    for (const block of blocks) {
      expect(maxAbsDiff(await mixer.process(block), mixerRef.processSync(block))).toBe(0)
      expect(await features.push(block)).toEqual(featuresRef.pushSync(block))
      expect(await genre.push(block)).toEqual(genreRef.pushSync(block))
      // mixer.wasm is the same chain compiled to WASM: bit-identical to the native one.
      const expected = wasmRef.processSync(block)
      expect(maxAbsDiff((await session.process(block)) as Float32Array, expected)).toBe(0)
      const [a, b] = (await WasmSession.processBatch([sessionB], [block])).concat(await MixerChain.processBatch([new MixerChain()], [block]))
      expect(maxAbsDiff(a as Float32Array, expected)).toBe(0)
      expect(maxAbsDiff(b as Float32Array, new MixerChain().processSync(block))).toBe(0)
    }
    // Every block above was processed while all 8 libuv jobs were still queued or running.
    expect(pool.finished()).toBe(0)
    await pool.all
    await Promise.all([session.close(), sessionB.close()])
  })
})
