/**
 * Circuit breaker on the cloud side: `closed` (calls flow) → `open` after
 * `failureThreshold` consecutive failures or an error rate above `errorRate` over the
 * last `window` calls (once `minCalls` were seen) → after `openMs` it is `half-open`:
 * up to `probes` calls go through; a success closes it, a failure opens it again with
 * the open time doubled (up to `maxOpenMs`).
 */
export type CircuitState = 'closed' | 'open' | 'half-open'

/** The circuit's permission for one cloud call: an ordinary call, or a half-open probe. */
export type Ticket = 'call' | 'probe'

export interface BreakerOptions {
  /** Consecutive failures that open the circuit, 1..1000. Default 5. */
  failureThreshold?: number
  /** Calls in the error-rate window, 1..10000. Default 20. */
  window?: number
  /** Error rate over the window that opens the circuit, 0 < rate <= 1. Default 0.5. */
  errorRate?: number
  /** Calls needed in the window before the error rate counts, 1..window. Default 10. */
  minCalls?: number
  /** Time open before the first probe, ms, 1..600000. Default 1000. */
  openMs?: number
  /** Longest open time after repeated failed probes, ms, openMs..3600000. Default max(30000, openMs). */
  maxOpenMs?: number
  /** Probes allowed at once while half-open, 1..100. Default 1. */
  probes?: number
  /** Clock, ms (tests inject one). Default performance.now. */
  now?: () => number
}

export class CircuitBreaker {
  readonly #opts: Required<BreakerOptions>
  #state: CircuitState = 'closed'
  #consecutive = 0
  #outcomes: boolean[] = []
  #failuresInWindow = 0
  #openUntil = 0
  #openFor: number
  #probing = 0
  #opened = 0

  constructor(options: BreakerOptions = {}) {
    const openMs = options.openMs ?? 1000
    this.#opts = {
      failureThreshold: options.failureThreshold ?? 5,
      window: options.window ?? 20,
      errorRate: options.errorRate ?? 0.5,
      minCalls: options.minCalls ?? 10,
      openMs,
      maxOpenMs: options.maxOpenMs ?? Math.max(30_000, openMs),
      probes: options.probes ?? 1,
      now: options.now ?? (() => performance.now()),
    }
    const o = this.#opts
    const check = (name: string, v: number, lo: number, hi: number) => {
      if (!(v >= lo && v <= hi)) throw new RangeError(`breaker.${name} must be in ${lo}..${hi}, received ${v}`)
    }
    check('failureThreshold', o.failureThreshold, 1, 1000)
    check('window', o.window, 1, 10_000)
    check('errorRate', o.errorRate, Number.MIN_VALUE, 1)
    check('minCalls', o.minCalls, 1, o.window)
    check('openMs', o.openMs, 1, 600_000)
    check('maxOpenMs', o.maxOpenMs, o.openMs, 3_600_000)
    check('probes', o.probes, 1, 100)
    this.#openFor = o.openMs
  }

  get state(): CircuitState {
    if (this.#state === 'open' && this.#opts.now() >= this.#openUntil) {
      this.#state = 'half-open'
      this.#probing = 0
    }
    return this.#state
  }

  /** Times the circuit opened. */
  get timesOpened(): number {
    return this.#opened
  }

  /**
   * Whether a call may go to the cloud now: `'call'` (closed), `'probe'` (half-open and a
   * probe slot was taken: report its outcome with `probe = true`) or `false`.
   */
  acquire(): Ticket | false {
    const state = this.state
    if (state === 'closed') return 'call'
    if (state === 'half-open' && this.#probing < this.#opts.probes) {
      this.#probing++
      return 'probe'
    }
    return false
  }

  /** Gives back a probe slot that was not used (the call never started). */
  release(ticket: Ticket): void {
    if (ticket === 'probe' && this.#probing > 0) this.#probing--
  }

  success(ticket: Ticket): void {
    this.#consecutive = 0
    if (ticket === 'probe' || this.#state === 'half-open') {
      this.#close()
      return
    }
    this.#record(true)
  }

  failure(ticket: Ticket): void {
    if (ticket === 'probe' || this.#state === 'half-open') {
      this.#openFor = Math.min(this.#opts.maxOpenMs, this.#openFor * 2)
      this.#open()
      return
    }
    if (this.#state === 'open') return
    this.#consecutive++
    this.#record(false)
    const calls = this.#outcomes.length
    if (
      this.#consecutive >= this.#opts.failureThreshold ||
      (calls >= this.#opts.minCalls && this.#failuresInWindow / calls > this.#opts.errorRate)
    ) {
      this.#open()
    }
  }

  #record(ok: boolean) {
    this.#outcomes.push(ok)
    if (!ok) this.#failuresInWindow++
    if (this.#outcomes.length > this.#opts.window && !this.#outcomes.shift()) this.#failuresInWindow--
  }

  #open() {
    this.#state = 'open'
    this.#opened++
    this.#openUntil = this.#opts.now() + this.#openFor
    this.#probing = 0
  }

  #close() {
    this.#state = 'closed'
    this.#openFor = this.#opts.openMs
    this.#consecutive = 0
    this.#outcomes = []
    this.#failuresInWindow = 0
    this.#probing = 0
  }
}
