/**
 * GET /config: the server's full mixer configuration. POST /config: a partial
 * configuration merged over it, validated whole by the chain itself (all or nothing;
 * `ERR_INVALID_CONFIG` names the parameter and its range). It applies to later
 * POST /process-audio requests and to streams opened afterwards. GET /config also sends
 * the chain latency in samples as `x-edgemix-latency-samples`.
 */
import type { FastifyInstance } from 'fastify'
import type { MixerConfigInput } from '../../../index.js'
import type { RouteContext } from '../context.js'

export function configRoutes(app: FastifyInstance, ctx: RouteContext): void {
  // The latency (limiter lookahead, samples) rides along for clients aligning input and output.
  app.get('/config', async (_request, reply) => {
    reply.header('x-edgemix-latency-samples', String(ctx.chains.latencySamples))
    return ctx.chains.config
  })
  app.post('/config', { bodyLimit: ctx.options.frameBodyLimit }, async (request) => ctx.chains.update(request.body as MixerConfigInput))
}
