/**
 * What a request names, read without Node or fastify (the edge Worker, worker/, reads
 * requests with the same rules): the session id of POST /process-audio and the
 * If-None-Match validator of GET /wasm.
 */
import { ErrorCode } from '../errors.js'
import { HttpError } from './codes.js'

/** Ids a client may name: 1..128 characters of A-Z a-z 0-9 . _ : - (issued ids are 22 of base64url). */
const SESSION_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** The session id of a request, if it names one (body field first, then the header). */
export function sessionIdOf(json: Record<string, unknown> | undefined, header: string | string[] | undefined): string | undefined {
  const value = json?.session ?? header
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string' || !SESSION_ID.test(value)) {
    throw new HttpError(ErrorCode.INVALID_ARG_TYPE, 'session must be 1 to 128 characters of A-Z, a-z, 0-9, ".", "_", ":" or "-"')
  }
  return value
}

/** Whether an If-None-Match header value matches `etag` (weak comparison, RFC 9110 §13.1.2). */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false
  const strip = (t: string) => t.trim().replace(/^W\//, '')
  return header.split(',').some((t) => t.trim() === '*' || strip(t) === strip(etag))
}
