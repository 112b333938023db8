/** Errors raised by the hybrid layer: standard classes carrying a stable `code`. */
export type CodedError = Error & { code: string }

export function codedError(code: string, message: string, cls: ErrorConstructor = Error, cause?: unknown): CodedError {
  const err = new cls(message, cause === undefined ? undefined : { cause }) as CodedError
  err.code = code
  return err
}

/** The `code` of a thrown value, or ERR_UNKNOWN. */
export function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : 'ERR_UNKNOWN'
}

/** A short description of a value for messages. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`
  if (typeof v === 'object') return `an instance of ${v.constructor?.name ?? 'Object'}`
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`
  return `${typeof v} ${String(v)}`
}
