/**
 * GET /wasm: mixer.wasm (wasm32-unknown-unknown) for browsers, as `application/wasm` with
 * a content-hash ETag and `Cache-Control: public, max-age=86400`; `If-None-Match` with
 * the current ETag gets 304. The file is read once when the server is created.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { FastifyInstance } from 'fastify'
import { ErrorCode } from '../../errors.js'
import { HttpError } from '../errors.js'
import { matchesEtag } from '../request.js'

export async function wasmRoute(app: FastifyInstance, wasmPath: string): Promise<void> {
  const bytes = await readFile(wasmPath).catch(() => null)
  const etag = bytes && `"${createHash('sha256').update(bytes).digest('base64url')}"`
  app.get('/wasm', async (request, reply) => {
    if (!bytes || !etag) {
      throw new HttpError(ErrorCode.NOT_FOUND, `mixer.wasm is not built (${wasmPath}); run \`npm run build:wasm\``)
    }
    reply.header('etag', etag).header('cache-control', 'public, max-age=86400')
    if (matchesEtag(request.headers['if-none-match'], etag)) return reply.code(304).send()
    return reply.type('application/wasm').send(bytes)
  })
}
