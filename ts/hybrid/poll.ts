/**
 * Event-loop polling for proxies with `latencyHint: 'interactive'`.
 *
 * A call's result reaches JavaScript through the event loop. When the loop has nothing
 * else to do it sleeps, and the thread that finishes the call must wake it: on a virtual
 * machine without halt polling that costs tens of µs, more than a 960-sample block's DSP.
 * While an interactive call is in flight the loop instead keeps turning (a chain of
 * setImmediate callbacks, each letting I/O and timers run), so the result is taken up at
 * once. The price is CPU: the JS thread stays busy for as long as such a call is in
 * flight, at most {@link POLL_MS} per call.
 */

/** Longest the loop polls for one call, ms: longer calls let it sleep after this. */
export const POLL_MS = 1

let inFlight = 0
let until = 0
let polling = false

function tick(): void {
  if (inFlight > 0 && performance.now() < until) setImmediate(tick)
  else polling = false
}

/** Keeps the loop polling while the call now starting is in flight; call {@link ended} when it settles. */
export function started(): void {
  inFlight++
  until = performance.now() + POLL_MS
  if (!polling) {
    polling = true
    setImmediate(tick)
  }
}

/** The call counted by {@link started} has settled. */
export function ended(): void {
  inFlight--
}
