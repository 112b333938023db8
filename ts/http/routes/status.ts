/** GET /health, GET /stats (JSON counters) and GET /metrics (Prometheus text). */
import type { FastifyInstance } from 'fastify'
import type { RouteContext } from '../context.js'

export function statusRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get('/health', async () => ({ status: 'ok', uptimeSeconds: (Date.now() - ctx.stats.startedAt) / 1000 }))
  app.get('/stats', async () => ctx.stats.snapshot())
  app.get('/metrics', async (_request, reply) =>
    reply.type('text/plain; version=0.0.4; charset=utf-8').send(ctx.stats.prometheus()),
  )
}
