/**
 * Online latency model of one side: `latency = base + perKiB · KiB`, fitted by recursive
 * least squares with exponential forgetting, so it tracks a side whose speed drifts.
 *
 * Update (θ = [base, perKiB], φ = [1, KiB]):
 *   k = P φ / (λ + φᵀ P φ);  θ ← θ + k (y − φᵀ θ);  P ← (P − k φᵀ P) / λ
 * When every input has the same size (fixed frames) only `base + perKiB · KiB` at that
 * size is identifiable; forgetting would then inflate P without bound along the
 * unexcited direction ("covariance wind-up"), so the trace of P is capped.
 */
export interface CostModelOptions {
  /** Forgetting factor λ, 0.9..1 (1 = never forget). Default 0.98 (≈ the last 50 observations). */
  forgetting?: number
  /** Initial guess of the fixed cost, ms. Default 1. */
  priorBaseMs?: number
  /** Initial guess of the cost per KiB, ms. Default 0.01. */
  priorPerKiBMs?: number
}

const INITIAL_COVARIANCE = 1e4
const MAX_TRACE = 1e6

export class CostModel {
  #base: number
  #perKiB: number
  // P = [[p00, p01], [p01, p11]] (symmetric)
  #p00 = INITIAL_COVARIANCE
  #p01 = 0
  #p11 = INITIAL_COVARIANCE
  readonly #lambda: number
  #observations = 0

  constructor(options: CostModelOptions = {}) {
    const lambda = options.forgetting ?? 0.98
    if (!(lambda >= 0.9 && lambda <= 1)) throw new RangeError(`forgetting must be in 0.9..1, received ${lambda}`)
    this.#lambda = lambda
    this.#base = options.priorBaseMs ?? 1
    this.#perKiB = options.priorPerKiBMs ?? 0.01
  }

  /** Adds one observation: `bytes` of input took `latencyMs`. */
  observe(bytes: number, latencyMs: number): void {
    if (!Number.isFinite(latencyMs) || latencyMs < 0 || !Number.isFinite(bytes) || bytes < 0) return
    const x = bytes / 1024
    // P φ
    const pf0 = this.#p00 + this.#p01 * x
    const pf1 = this.#p01 + this.#p11 * x
    const denom = this.#lambda + pf0 + x * pf1
    const k0 = pf0 / denom
    const k1 = pf1 / denom
    const error = latencyMs - (this.#base + this.#perKiB * x)
    this.#base += k0 * error
    this.#perKiB += k1 * error
    // P ← (P − k (Pφ)ᵀ) / λ
    let p00 = (this.#p00 - k0 * pf0) / this.#lambda
    let p01 = (this.#p01 - k0 * pf1) / this.#lambda
    let p11 = (this.#p11 - k1 * pf1) / this.#lambda
    const trace = p00 + p11
    if (trace > MAX_TRACE) {
      const s = MAX_TRACE / trace
      p00 *= s
      p01 *= s
      p11 *= s
    }
    this.#p00 = p00
    this.#p01 = p01
    this.#p11 = p11
    this.#observations++
  }

  /** Predicted latency of `bytes` of input, ms (never negative). */
  predict(bytes: number): number {
    return Math.max(0, this.#base + (this.#perKiB * bytes) / 1024)
  }

  /** The fitted fixed cost, ms. */
  get baseMs(): number {
    return this.#base
  }

  /** The fitted cost per KiB, ms. */
  get perKiBMs(): number {
    return this.#perKiB
  }

  get observations(): number {
    return this.#observations
  }
}
