/**
 * The stable `code`s carried by every error edgemix throws or rejects with. Compare
 * `err.code` against these rather than matching messages, which may be reworded.
 */
export const ErrorCode = {
  /** An argument of the wrong type (TypeError). */
  INVALID_ARG_TYPE: 'ERR_INVALID_ARG_TYPE',
  /** Audio that cannot be processed: empty, or NaN/±Infinity samples (RangeError). */
  INVALID_AUDIO: 'ERR_INVALID_AUDIO',
  /** A configuration key that is unknown, of the wrong type or out of range (RangeError). */
  INVALID_CONFIG: 'ERR_INVALID_CONFIG',
} as const

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]
