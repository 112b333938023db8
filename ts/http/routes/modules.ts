/**
 * GET /modules and GET /modules/:name: the modules of the server's registry (the
 * `modules` option, `edgemix serve --modules wasm-modules.yaml`) for clients that run them
 * themselves (a browser's WebAssembly, another edge): the list as JSON — name, version,
 * description, sha256, formats, limits, allowRemote, never the server's file paths — and
 * each module's bytes as `application/wasm` with its SHA-256 as the ETag (304 on
 * `If-None-Match`). Every module is loaded and checked (SHA-256, ABI, formats) when the
 * server is created, and the bytes served are the bytes checked: a registry with a bad
 * module does not start.
 */
import { readFile } from 'node:fs/promises'
import type { FastifyInstance } from 'fastify'
import { WasmEdgeNode, type ModuleRegistryEntry } from '../../../index.js'
import { ErrorCode } from '../../errors.js'
import { loadVerifiedRegistry } from '../../hybrid/wasm-edge.js'
import { HttpError } from '../errors.js'
import { matchesEtag } from '../request.js'

export async function modulesRoutes(app: FastifyInstance, registryPath: string): Promise<void> {
  const registry = await loadVerifiedRegistry(registryPath)
  const listed: Array<Omit<ModuleRegistryEntry, 'path' | 'file'>> = []
  const served = new Map<string, { bytes: Buffer; etag: string }>()
  for (const entry of Object.values(registry.modules)) {
    const bytes = await readFile(entry.path)
    // The bytes read now must be the bytes checked: the runtime refuses others (ERR_WASM_INTEGRITY).
    await WasmEdgeNode.load(bytes, { sha256: entry.sha256 })
    served.set(entry.name, { bytes, etag: `"${entry.sha256}"` })
    const { path: _path, file: _file, ...visible } = entry
    listed.push(visible)
  }
  app.get('/modules', async () => ({ modules: listed }))
  app.get<{ Params: { name: string } }>('/modules/:name', async (request, reply) => {
    const name = request.params.name.replace(/\.wasm$/, '')
    const module = served.get(name)
    if (!module) {
      throw new HttpError(ErrorCode.NOT_FOUND, `no module ${JSON.stringify(name.slice(0, 64))}; this server has: ${[...served.keys()].join(', ')}`)
    }
    reply.header('etag', module.etag).header('cache-control', 'public, max-age=86400')
    if (matchesEtag(request.headers['if-none-match'], module.etag)) return reply.code(304).send()
    return reply.type('application/wasm').send(module.bytes)
  })
}
