/**
 * The stable `code`s carried by every error edgemix throws or rejects with. Compare
 * `err.code` against these rather than matching messages, which may be reworded.
 */
export const ErrorCode = {
  /** A fault of edgemix itself, not of the caller's input (a bug: please report it with the message). */
  INTERNAL: 'ERR_INTERNAL',
  /** An argument of the wrong type (TypeError). */
  INVALID_ARG_TYPE: 'ERR_INVALID_ARG_TYPE',
  /** Audio that cannot be processed: empty, NaN/±Infinity samples, a partial stereo frame (RangeError). */
  INVALID_AUDIO: 'ERR_INVALID_AUDIO',
  /** A configuration key that is unknown, of the wrong type or out of range (RangeError). */
  INVALID_CONFIG: 'ERR_INVALID_CONFIG',
  /** A WAV file that cannot be opened, read or written (the OS reason and the path are in the message). */
  WAV_IO: 'ERR_WAV_IO',
  /** Not a WAV file, or a damaged one: bad header, truncated data (the message says what was found). */
  WAV_INVALID: 'ERR_WAV_INVALID',
  /** A WAV file in an encoding or layout that is not read (the message names its format tag, bit depth, channels, rate). */
  WAV_UNSUPPORTED: 'ERR_WAV_UNSUPPORTED',
  /** A module file that does not exist or cannot be read. */
  WASM_NOT_FOUND: 'ERR_WASM_NOT_FOUND',
  /** A module file whose bytes do not hash to the SHA-256 a registry (or the sha256 load option) expects; it is not compiled. */
  WASM_INTEGRITY: 'ERR_WASM_INTEGRITY',
  /** A module registry (wasm-modules.yaml) that cannot be read, is not YAML, breaks its schema, names a file outside its folder, or declares formats its module does not have; one line per problem, each naming the file, the module and the field. */
  REGISTRY_INVALID: 'ERR_REGISTRY_INVALID',
  /** Bytes that are not a valid WebAssembly module (wasmtime's reason in the message). */
  WASM_COMPILE: 'ERR_WASM_COMPILE',
  /** A module that does not follow the ABI: missing export, wrong signature, unknown import. */
  WASM_ABI: 'ERR_WASM_ABI',
  /** The guest trapped; the session continues on a fresh instance. */
  WASM_TRAP: 'ERR_WASM_TRAP',
  /** A guest call (or its start function) ran past timeoutMs and was stopped; the session continues on a fresh instance. */
  WASM_TIMEOUT: 'ERR_WASM_TIMEOUT',
  /** The guest tried to grow its memory past maxMemoryMb; the session continues on a fresh instance. */
  WASM_MEMORY_LIMIT: 'ERR_WASM_MEMORY_LIMIT',
  /** The guest asked for an output larger than maxOutputBytes. */
  WASM_OUTPUT_TOO_LARGE: 'ERR_WASM_OUTPUT_TOO_LARGE',
  /** The guest returned a pointer or length outside its buffer or memory. */
  WASM_BAD_POINTER: 'ERR_WASM_BAD_POINTER',
  /** The guest's output does not match the format it declares. */
  WASM_BAD_OUTPUT: 'ERR_WASM_BAD_OUTPUT',
  /** The guest refused the input (INVALID_INPUT). */
  WASM_INVALID_INPUT: 'ERR_WASM_INVALID_INPUT',
  /** The guest returned another error code (named in the message). */
  WASM_GUEST: 'ERR_WASM_GUEST',
  /** Every instance slot is in use (see maxInstances), or the module holds as many as maxInstancesPerModule allows (the message names it). */
  WASM_CAPACITY: 'ERR_WASM_CAPACITY',
  /** A call on a closed session. */
  WASM_SESSION_CLOSED: 'ERR_WASM_SESSION_CLOSED',
  /** A guest call stopped because the request it served was abandoned (a cloud call whose client went away); the session continues on a fresh instance. */
  WASM_CANCELLED: 'ERR_WASM_CANCELLED',
  /** No cloud server reachable (refused, reset, TLS failure, shutting down). */
  CLOUD_UNAVAILABLE: 'ERR_CLOUD_UNAVAILABLE',
  /** The cloud did not answer within the deadline (timeoutMs). */
  CLOUD_TIMEOUT: 'ERR_CLOUD_TIMEOUT',
  /** The cloud refused the bearer token (or none was sent). */
  CLOUD_UNAUTHENTICATED: 'ERR_CLOUD_UNAUTHENTICATED',
  /** The cloud refused the request: unknown node, format or parameter, bad input, too large (the message lists what is allowed). */
  CLOUD_REJECTED: 'ERR_CLOUD_REJECTED',
  /** The cloud does not implement the method. */
  CLOUD_UNIMPLEMENTED: 'ERR_CLOUD_UNIMPLEMENTED',
  /** The cloud failed otherwise (a node failure, a protocol error). */
  CLOUD_INTERNAL: 'ERR_CLOUD_INTERNAL',
  /** A call on a closed CloudClient. */
  CLOUD_CLOSED: 'ERR_CLOUD_CLOSED',
  /** createHybridProxy without any side (edgeWasm, edgeNative or cloudRemote). */
  HYBRID_NO_SIDE: 'ERR_HYBRID_NO_SIDE',
  /** A cloudRemote.nodeType the cloud does not list (listNodes). */
  HYBRID_UNKNOWN_NODE: 'ERR_HYBRID_UNKNOWN_NODE',
  /** An edge module that imports call_remote_service without edgeWasm.allowRemote. */
  HYBRID_REMOTE_NOT_ALLOWED: 'ERR_HYBRID_REMOTE_NOT_ALLOWED',
  /** A call on a closed proxy, pipeline or client. */
  HYBRID_CLOSED: 'ERR_HYBRID_CLOSED',
  /** HTTP API: a request body larger than the route's limit (HTTP 413). */
  BODY_TOO_LARGE: 'ERR_BODY_TOO_LARGE',
  /** HTTP API: a body that is not valid JSON (HTTP 400). */
  INVALID_JSON: 'ERR_INVALID_JSON',
  /** HTTP API: a Content-Type the route does not accept (HTTP 415). */
  UNSUPPORTED_MEDIA_TYPE: 'ERR_UNSUPPORTED_MEDIA_TYPE',
  /** HTTP API: more requests from one client than the rate limit allows (HTTP 429, see Retry-After). */
  RATE_LIMITED: 'ERR_RATE_LIMITED',
  /** HTTP API: no such route (HTTP 404). */
  NOT_FOUND: 'ERR_NOT_FOUND',
  /** HTTP API: a request the server cannot read: a malformed URL or HTTP message (HTTP 400). */
  BAD_REQUEST: 'ERR_BAD_REQUEST',
  /** HTTP API: no credential, or one the server does not know (HTTP 401, see WWW-Authenticate). */
  UNAUTHORIZED: 'ERR_UNAUTHORIZED',
  /** HTTP API: a known credential that may not do this, such as server-wide settings without the admin token (HTTP 403). */
  FORBIDDEN: 'ERR_FORBIDDEN',
  /** HTTP API: no session with this id for this client: never created, ended, expired or another client's (HTTP 404). */
  SESSION_NOT_FOUND: 'ERR_SESSION_NOT_FOUND',
  /** HTTP API: this client already holds as many sessions as one client may (HTTP 429). */
  SESSION_LIMIT: 'ERR_SESSION_LIMIT',
  /** HTTP API: the work a request asks for (audio length × analysis options) exceeds the per-request budget (HTTP 413). */
  BUDGET_EXCEEDED: 'ERR_BUDGET_EXCEEDED',
  /** HTTP API: the server is at capacity for this kind of request (HTTP 503, see Retry-After). */
  SERVER_BUSY: 'ERR_SERVER_BUSY',
  /** HTTP API: the request's headers or body did not arrive within the time allowed (HTTP 408). */
  REQUEST_TIMEOUT: 'ERR_REQUEST_TIMEOUT',
  /** HTTP API: request headers larger than the server accepts (HTTP 431). */
  HEADERS_TOO_LARGE: 'ERR_HEADERS_TOO_LARGE',
} as const

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]
