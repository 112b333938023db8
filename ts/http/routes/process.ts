/**
 * POST /process-audio: one 960-sample frame through the mixer chain. JSON
 * `{ audioBuffer, config?, session? }` or a raw `application/octet-stream` float32le body
 * (session in the `x-edgemix-session` header). The reply is JSON
 * `{ samples, meters, genre, latencySamples }`, or with `Accept: application/octet-stream`
 * the processed float32le samples, with the meters as JSON in `x-edgemix-meters` and the
 * genre decision in `x-edgemix-genre`.
 *
 * Without a session a request is stateless (chains.ts): `config` applies to it alone and
 * `genre` is null. With a session (an id from POST /sessions, sessions.ts) its chain
 * carries state from request to request, `config` updates the session's chain from this
 * frame on, and `genre` is its streaming classifier's decision (null for the first
 * seconds and below its threshold). A session's requests are applied in arrival order:
 * send them one at a time. Another client's session id is answered 404.
 */
import type { FastifyInstance } from 'fastify'
import type { GenreResult, MixerConfigInput } from '../../../index.js'
import { assertFrame, objectField, samplesOfBody } from '../audio.js'
import type { RouteContext } from '../context.js'
import type { ProcessedFrame } from '../chains.js'
import { principalOf } from '../auth.js'
import { sessionIdOf } from '../request.js'
import type { Session } from '../sessions.js'

export function processRoutes(app: FastifyInstance, ctx: RouteContext): void {
  async function inSession(session: Session, samples: Float32Array, override?: MixerConfigInput): Promise<ProcessedFrame & { genre: GenreResult | null }> {
    const { chain, genre } = session
    if (override) chain.updateConfig(override)
    const [out, decision] = await Promise.all([chain.process(samples), genre ? genre.push(samples) : null])
    return { samples: out, meters: chain.meters(), latencySamples: chain.latencySamples, genre: decision }
  }

  app.post('/process-audio', { bodyLimit: ctx.options.frameBodyLimit }, async (request, reply) => {
    const { samples, source, json } = samplesOfBody(request.body)
    assertFrame(samples, source)
    const override = objectField(json, 'config') as MixerConfigInput | undefined
    const id = sessionIdOf(json, request.headers['x-edgemix-session'])
    const session = id === undefined ? undefined : ctx.sessions.take(id, principalOf(request))
    const result = session ? await inSession(session, samples, override) : { ...(await ctx.chains.process(samples, override)), genre: null }
    ctx.stats.frames.http++
    if (request.headers.accept === 'application/octet-stream') {
      reply.header('x-edgemix-meters', JSON.stringify(result.meters)).header('x-edgemix-genre', JSON.stringify(result.genre))
      return reply.type('application/octet-stream').send(bytesOfSamples(result.samples))
    }
    return {
      samples: Array.from(result.samples),
      // Levels of silence are -Infinity dBFS, which JSON carries as null.
      meters: result.meters,
      genre: result.genre,
      latencySamples: result.latencySamples,
    }
  })
}

/** Float32 samples as the bytes of an octet-stream reply (a view, no copy). */
function bytesOfSamples(samples: Float32Array): Buffer {
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)
}
