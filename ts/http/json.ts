/**
 * JSON from clients (HTTP bodies and WebSocket text messages) is refused when it nests
 * deeper than `MAX_JSON_DEPTH` before it is parsed, so no deep value ever reaches the
 * addon's conversion or costs a recursive walk. The check is one pass over the text:
 * linear in its length whatever its shape.
 */
import { ErrorCode } from '../errors.js'
import { HttpError } from './codes.js'

/** Deepest nesting of arrays and objects accepted (the top-level value is depth 1). A mixer
 *  configuration needs 2, a request body with one 3. */
export const MAX_JSON_DEPTH = 64

/** The characters the depth scan stops at: brackets, string quotes and escapes. */
const STRUCTURAL = /[[\]{}"\\]/g

/**
 * Whether `text` nests arrays/objects deeper than `max`. Exact for valid JSON (brackets
 * inside strings are skipped); for invalid JSON the parser reports the syntax error.
 */
export function nestsDeeperThan(text: string, max: number = MAX_JSON_DEPTH): boolean {
  let depth = 0
  let inString = false
  // A global regex finds the next structural character in native code; escapes skip the
  // character after them, so the scan never goes back: O(length).
  const scan = new RegExp(STRUCTURAL)
  for (let m = scan.exec(text); m !== null; m = scan.exec(text)) {
    const c = m[0]
    if (c === '\\') {
      scan.lastIndex++
    } else if (c === '"') {
      inString = !inString
    } else if (!inString) {
      if (c === '[' || c === '{') {
        if (++depth > max) return true
      } else {
        depth--
      }
    }
  }
  return false
}

/** The error for JSON nested deeper than `MAX_JSON_DEPTH`. */
export function tooDeep(): HttpError {
  return new HttpError(
    ErrorCode.INVALID_JSON,
    `the JSON nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels, the most accepted`,
  )
}
