/**
 * POST /process-audio: one 960-sample frame through the server's mixer chain, from the
 * fresh state (stateless; see chains.ts). JSON `{ audioBuffer, config? }` or a raw
 * `application/octet-stream` float32le body. The reply is JSON
 * `{ samples, meters, genre, latencySamples }`, or with `Accept: application/octet-stream`
 * the processed float32le samples, with the meters as JSON in the `x-edgemix-meters` header.
 */
import type { FastifyInstance } from 'fastify'
import type { MixerConfigInput } from '../../../index.js'
import { assertFrame, bytesOfSamples, objectField, samplesOfBody } from '../audio.js'
import type { RouteContext } from '../context.js'

export function processRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.post('/process-audio', { bodyLimit: ctx.options.frameBodyLimit }, async (request, reply) => {
    const { samples, source, json } = samplesOfBody(request.body)
    assertFrame(samples, source)
    const override = objectField(json, 'config') as MixerConfigInput | undefined
    const result = await ctx.chains.process(samples, override)
    ctx.stats.frames.http++
    if (request.headers.accept === 'application/octet-stream') {
      reply.header('x-edgemix-meters', JSON.stringify(result.meters))
      return reply.type('application/octet-stream').send(bytesOfSamples(result.samples))
    }
    return {
      samples: Array.from(result.samples),
      // Levels of silence are -Infinity dBFS, which JSON carries as null.
      meters: result.meters,
      // Genre needs seconds of context: a stateless 20 ms frame has none (see POST /classify-genre).
      genre: null,
      latencySamples: ctx.chains.latencySamples,
    }
  })
}
