/**
 * POST /sessions: a new session of POST /process-audio for the caller; optional JSON body
 * `{ config? }` (merged over the server configuration for this session, validated whole).
 * Replies 201 `{ id, idleMs }`. DELETE /sessions/:id ends one of the caller's sessions (the
 * admin may end any): 204, or 404 `ERR_SESSION_NOT_FOUND`. See sessions.ts.
 */
import type { FastifyInstance } from 'fastify'
import type { MixerConfigInput } from '../../../index.js'
import { ErrorCode } from '../../errors.js'
import { objectField } from '../audio.js'
import { principalOf } from '../auth.js'
import type { RouteContext } from '../context.js'
import { HttpError } from '../errors.js'
import { sessionIdOf } from '../request.js'

export function sessionRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.post('/sessions', { bodyLimit: ctx.options.frameBodyLimit }, async (request, reply) => {
    const body = request.body
    if (body !== undefined && (body === null || typeof body !== 'object' || Array.isArray(body) || body instanceof Uint8Array)) {
      throw new HttpError(ErrorCode.INVALID_ARG_TYPE, 'the body of POST /sessions is empty or a JSON object { config? }')
    }
    const config = objectField(body as Record<string, unknown> | undefined, 'config') as MixerConfigInput | undefined
    const id = ctx.sessions.create(principalOf(request), request.ip, config)
    return reply.code(201).send({ id, idleMs: ctx.options.sessions.idleMs })
  })

  app.delete<{ Params: { id: string } }>('/sessions/:id', async (request, reply) => {
    ctx.sessions.delete(sessionIdOf(undefined, request.params.id)!, principalOf(request))
    return reply.code(204).send()
  })
}
