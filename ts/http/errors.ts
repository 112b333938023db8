/**
 * HTTP error replies: every failure is `{ code, message }` with one of the stable codes of
 * `ErrorCode` and the HTTP status that code maps to. No client input gets a 500: fastify's
 * and its plugins' client errors keep their 4xx status under a code of ours, and
 * malformed HTTP (bad URLs, slow or oversized requests) is answered the same way.
 */
import http from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ErrorCode } from '../errors.js'
import { bodyTooLarge, HttpError, statusOf, unsupportedMediaType } from './codes.js'

export { HttpError }

/** Fastify's own request errors, mapped onto our codes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ErrorCode.BODY_TOO_LARGE,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ErrorCode.INVALID_ARG_TYPE,
  FST_ERR_CTP_EMPTY_JSON_BODY: ErrorCode.INVALID_JSON,
  FST_ERR_CTP_INVALID_JSON_BODY: ErrorCode.INVALID_JSON,
  FST_ERR_BAD_URL: ErrorCode.BAD_REQUEST,
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
  const status = code ? statusOf(code) : undefined
  if (code && status) return { status, body: { code, message: String(e.message) } }
  // Another client error of fastify or a plugin (a static file path it refuses, a URL
  // parameter too long): its 4xx status under our code for it.
  const clientStatus = (err as { statusCode?: unknown } | null)?.statusCode
  if (typeof clientStatus === 'number' && clientStatus >= 400 && clientStatus < 500) {
    if (clientStatus === 403 || clientStatus === 404) {
      return { status: 404, body: { code: ErrorCode.NOT_FOUND, message: 'no such file' } }
    }
    return { status: clientStatus, body: { code: ErrorCode.BAD_REQUEST, message: String(e.message) } }
  }
  return { status: 500, body: { code: ErrorCode.INTERNAL, message: 'internal server error' } }
}

/** Sends the `{ code, message }` reply of `err` (with its headers) and counts its code. */
function sendError(err: unknown, request: FastifyRequest, reply: FastifyReply, count: (code: string) => void): void {
  const { status, body } = describeError(err)
  count(body.code)
  if (body.code === ErrorCode.BODY_TOO_LARGE) {
    body.message = bodyTooLarge(request.routeOptions.bodyLimit).message
  } else if (body.code === ErrorCode.UNSUPPORTED_MEDIA_TYPE) {
    body.message = unsupportedMediaType(request.headers['content-type']).message
  } else if (body.code === ErrorCode.BAD_REQUEST && (err as { code?: string }).code === 'FST_ERR_BAD_URL') {
    body.message = 'the URL is not valid: a percent-encoding that does not decode'
  }
  if (err instanceof HttpError) reply.headers(err.headers)
  // Server faults are logged (without the request body); client errors at debug only.
  if (status >= 500) request.log.error({ err }, 'request failed')
  else request.log.debug({ code: body.code }, 'request refused')
  reply.code(status).send(body)
}

/** The reply to malformed HTTP that never became a request (node's `clientError`). */
function clientErrorReply(err: NodeJS.ErrnoException): [number, ErrorBody] {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return [408, { code: ErrorCode.REQUEST_TIMEOUT, message: 'the request headers or body did not arrive in time' }]
  }
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    return [431, { code: ErrorCode.HEADERS_TOO_LARGE, message: 'the request headers are larger than the server accepts' }]
  }
  return [400, { code: ErrorCode.BAD_REQUEST, message: 'the request is not valid HTTP/1.1' }]
}

/** Fastify options routing its framework errors and malformed HTTP through the replies above. */
export function errorServerOptions(count: (code: string) => void) {
  return {
    frameworkErrors: (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => sendError(err, request, reply, count),
    clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket) {
      // A reset connection has nobody to answer.
      if (err.code === 'ECONNRESET' || socket.destroyed) return
      const [status, body] = clientErrorReply(err)
      count(body.code)
      this.log.debug({ code: body.code }, 'client error')
      if (socket.writable) {
        const text = JSON.stringify(body)
        socket.write(
          `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
        )
      }
      socket.destroy()
    },
  }
}

/** Installs the `{ code, message }` error and not-found handlers on `app`; `count` sees every code sent. */
export function installErrorHandlers(app: FastifyInstance, count: (code: string) => void): void {
  app.setErrorHandler((err, request, reply) => sendError(err, request, reply, count))
  app.setNotFoundHandler((request, reply) => {
    count(ErrorCode.NOT_FOUND)
    reply.code(404).send({ code: ErrorCode.NOT_FOUND, message: `no route ${request.method} ${request.url.split('?')[0]}` })
  })
}
