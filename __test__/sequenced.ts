// Sequence-numbered audio frames and their end-to-end check: frame `index` of stream
// `stream` is a tone whose pitch and level name both, so an answer can only be equal to
// the reference of the frame it was sent for. A lost, repeated, reordered or wrong
// answer fails the check.
import { MixerChain } from '../dist/index.js'
import { FRAME } from './helpers.js'

/** Frame `index` of stream `stream`: a tone whose pitch and level name both. */
export function frame(stream: number, index: number): Float32Array {
  const hz = 110 + 7 * stream + 3 * (index % 50)
  const level = 0.05 + 0.9 * (((stream * 31 + index * 17) % 23) / 23)
  const out = new Float32Array(FRAME)
  for (let i = 0; i < FRAME; i++) out[i] = level * Math.sin((2 * Math.PI * hz * (index * FRAME + i)) / 48000)
  return out
}

/** Equal to the bit (NaN equals NaN, -0 differs from 0). */
export function bitEqual(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]))
}

type Route = 'edge' | 'cloud'

/**
 * The answers of one stream through a mixer proxy (native MixerChain at the edge,
 * AudioMixer in the cloud), checked in order against the native chain. Each side keeps
 * its own state, fed only the frames that side answered (the proxy's documented rule
 * when the route changes). A cloud answer that differs must be what a fresh chain makes
 * of that frame: the cloud stream started over (replaced after a failure, or moved to
 * another replica); the reference then goes on from there. Anything else throws.
 */
export class StreamVerifier {
  readonly chains: Record<Route, MixerChain> = { edge: new MixerChain(), cloud: new MixerChain() }
  /** The next frame due. */
  next = 0
  /** Frames at which the cloud side started over. */
  readonly restarts: number[] = []
  readonly routes: Route[] = []

  constructor(readonly stream: number) {}

  check(route: Route, output: unknown): void {
    const input = frame(this.stream, this.next)
    if (!(output instanceof Float32Array)) throw new Error(`stream ${this.stream}: frame ${this.next} is not a Float32Array`)
    const expected = this.chains[route].processSync(Float32Array.from(input))
    if (!bitEqual(output, expected)) {
      const fresh = new MixerChain()
      if (route === 'edge' || !bitEqual(output, fresh.processSync(Float32Array.from(input)))) {
        throw new Error(`stream ${this.stream}: the ${route} answer to frame ${this.next} is neither the continued nor a restarted chain's answer to it`)
      }
      this.chains.cloud = fresh
      this.restarts.push(this.next)
    }
    this.routes.push(route)
    this.next++
  }
}
