/**
 * The error codes of the HTTP edge API as they leave it: `HttpError`, the HTTP status of
 * each code, and the gRPC status code name a reply counts as in `edgemix_requests_total`.
 * Free of Node and fastify, so the edge Worker (worker/) answers with the same table.
 */
import { ErrorCode } from '../errors.js'

/** An error the HTTP layer raises itself (the addon's errors carry `code` already). */
export class HttpError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Headers sent with the reply (Retry-After, WWW-Authenticate). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

/** The reply to a body over a route's limit of `limit` bytes. */
export function bodyTooLarge(limit: number): HttpError {
  return new HttpError(ErrorCode.BODY_TOO_LARGE, `the body is larger than this route's limit of ${limit} bytes`)
}

/** The reply to a body that is neither JSON nor float32 samples. */
export function unsupportedMediaType(contentType: string | undefined): HttpError {
  return new HttpError(
    ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    `Content-Type ${contentType ?? '(none)'} is not accepted; send application/json or application/octet-stream (float32le samples)`,
  )
}

/** HTTP status of each code a reply can carry; anything else is a 500. */
const STATUS: Partial<Record<string, number>> = {
  [ErrorCode.INVALID_ARG_TYPE]: 400,
  [ErrorCode.INVALID_AUDIO]: 400,
  [ErrorCode.INVALID_CONFIG]: 400,
  [ErrorCode.INVALID_JSON]: 400,
  [ErrorCode.BAD_REQUEST]: 400,
  [ErrorCode.UNAUTHORIZED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.SESSION_NOT_FOUND]: 404,
  [ErrorCode.REQUEST_TIMEOUT]: 408,
  [ErrorCode.BODY_TOO_LARGE]: 413,
  [ErrorCode.BUDGET_EXCEEDED]: 413,
  [ErrorCode.UNSUPPORTED_MEDIA_TYPE]: 415,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.SESSION_LIMIT]: 429,
  [ErrorCode.HEADERS_TOO_LARGE]: 431,
  [ErrorCode.SERVER_BUSY]: 503,
}

/** The HTTP status of a reply with `code`; undefined for a code no reply carries (a 500). */
export function statusOf(code: string): number | undefined {
  return STATUS[code]
}

/**
 * The gRPC status code name an HTTP reply counts as in `edgemix_requests_total`, the
 * metric the edge shares with the cloud tier (google.rpc.Code's meanings): client
 * mistakes are INVALID_ARGUMENT, a client that did not finish sending in time CANCELLED,
 * per-client quotas RESOURCE_EXHAUSTED, a full server UNAVAILABLE, any other failure
 * INTERNAL.
 */
export function grpcCodeOf(status: number): string {
  if (status < 400) return 'OK'
  switch (status) {
    case 401: return 'UNAUTHENTICATED'
    case 403: return 'PERMISSION_DENIED'
    case 404: return 'NOT_FOUND'
    case 408: return 'CANCELLED'
    case 429: return 'RESOURCE_EXHAUSTED'
    case 503: return 'UNAVAILABLE'
    default: return status < 500 ? 'INVALID_ARGUMENT' : 'INTERNAL'
  }
}
