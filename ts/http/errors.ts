/**
 * HTTP error replies: every failure is `{ code, message }` with one of the stable codes of
 * `ErrorCode` and the HTTP status that code maps to.
 */
import type { FastifyError, FastifyInstance } from 'fastify'
import { ErrorCode } from '../errors.js'

/** An error the HTTP layer raises itself (the addon's errors carry `code` already). */
export class HttpError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message)
  }
}

/** HTTP status of each code a reply can carry; anything else is a 500. */
const STATUS: Partial<Record<string, number>> = {
  [ErrorCode.INVALID_ARG_TYPE]: 400,
  [ErrorCode.INVALID_AUDIO]: 400,
  [ErrorCode.INVALID_CONFIG]: 400,
  [ErrorCode.INVALID_JSON]: 400,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.BODY_TOO_LARGE]: 413,
  [ErrorCode.UNSUPPORTED_MEDIA_TYPE]: 415,
  [ErrorCode.RATE_LIMITED]: 429,
}

/** Fastify's own request errors, mapped onto our codes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ErrorCode.BODY_TOO_LARGE,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ErrorCode.INVALID_ARG_TYPE,
  FST_ERR_CTP_EMPTY_JSON_BODY: ErrorCode.INVALID_JSON,
  FST_ERR_CTP_INVALID_JSON_BODY: ErrorCode.INVALID_JSON,
}

export interface ErrorBody {
  code: string
  message: string
}

/** The status and `{ code, message }` body of any error a handler threw. */
export function describeError(err: unknown): { status: number; body: ErrorBody } {
  const e = err as Partial<FastifyError> & { code?: string }
  let code = typeof e?.code === 'string' ? (FASTIFY_CODES[e.code] ?? e.code) : undefined
  // A JSON syntax error from the body parser has no FST_ code but a 400 status.
  if (e instanceof SyntaxError && (e as { statusCode?: number }).statusCode === 400) code = ErrorCode.INVALID_JSON
  const status = code ? STATUS[code] : undefined
  if (code && status) return { status, body: { code, message: String(e.message) } }
  return { status: 500, body: { code: 'ERR_INTERNAL', message: 'internal server error' } }
}

/** Installs the `{ code, message }` error and not-found handlers on `app`; `count` sees every code sent. */
export function installErrorHandlers(app: FastifyInstance, count: (code: string) => void): void {
  app.setErrorHandler((err, request, reply) => {
    const { status, body } = describeError(err)
    count(body.code)
    if (body.code === ErrorCode.BODY_TOO_LARGE) {
      body.message = `the body is larger than this route's limit of ${request.routeOptions.bodyLimit} bytes`
    } else if (body.code === ErrorCode.UNSUPPORTED_MEDIA_TYPE) {
      body.message = `Content-Type ${request.headers['content-type'] ?? '(none)'} is not accepted; send application/json or application/octet-stream (float32le samples)`
    }
    // Server faults are logged (without the request body); client errors are not.
    if (status >= 500) request.log.error({ err }, 'request failed')
    reply.code(status).send(body)
  })
  app.setNotFoundHandler((request, reply) => {
    count(ErrorCode.NOT_FOUND)
    reply.code(404).send({ code: ErrorCode.NOT_FOUND, message: `no route ${request.method} ${request.url.split('?')[0]}` })
  })
}
