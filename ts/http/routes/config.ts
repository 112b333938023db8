/**
 * GET /config: the server's full mixer configuration. POST /config: a partial
 * configuration merged over it, validated whole by the chain itself (all or nothing;
 * `ERR_INVALID_CONFIG` names the parameter and its range). It applies to later
 * POST /process-audio requests, sessions and streams opened afterwards, so it needs the
 * admin token (checked before the body is read; auth.ts). GET /config also sends the
 * chain latency in samples as `x-edgemix-latency-samples`.
 */
import type { FastifyInstance } from 'fastify'
import type { MixerConfigInput } from '../../../index.js'
import { requireAdmin } from '../auth.js'
import type { RouteContext } from '../context.js'

export function configRoutes(app: FastifyInstance, ctx: RouteContext): void {
  // The latency (limiter lookahead, samples) rides along for clients aligning input and output.
  app.get('/config', async (_request, reply) => {
    reply.header('x-edgemix-latency-samples', String(ctx.chains.latencySamples))
    return ctx.chains.config
  })
  app.post('/config', { bodyLimit: ctx.options.frameBodyLimit, onRequest: requireAdmin(ctx.credentials) }, async (request) => ctx.chains.update(request.body as MixerConfigInput))
}
