// The IntelligentRouter's parts as pure logic: the cost model against closed-form least
// squares, the circuit breaker's state machine on an injected clock, the thresholds.
import { describe, expect, it } from 'vitest'
import { CircuitBreaker } from '../dist/hybrid/breaker.js'
import { CostModel } from '../dist/hybrid/cost-model.js'
import { IntelligentRouter } from '../dist/hybrid/router.js'
import { Metrics } from '../dist/hybrid/metrics.js'

/** Deterministic uniform numbers in [0, 1) (xorshift32). */
function uniform(seed = 12345) {
  let s = seed >>> 0
  return () => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s / 2 ** 32
  }
}

/** Ordinary least squares of y = a + b·x (closed form). */
function ols(xs: number[], ys: number[]) {
  const n = xs.length
  const mx = xs.reduce((a, b) => a + b) / n
  const my = ys.reduce((a, b) => a + b) / n
  let sxy = 0, sxx = 0
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my)
    sxx += (xs[i] - mx) ** 2
  }
  const b = sxy / sxx
  return { a: my - b * mx, b }
}

describe('CostModel', () => {
  it('recovers base and per-KiB cost exactly from noise-free observations', () => {
    const m = new CostModel({ forgetting: 0.98 })
    const r = uniform()
    for (let i = 0; i < 200; i++) {
      const bytes = Math.floor(r() * 2_000_000)
      m.observe(bytes, 0.35 + 0.0042 * (bytes / 1024))
    }
    expect(m.baseMs).toBeCloseTo(0.35, 6)
    expect(m.perKiBMs).toBeCloseTo(0.0042, 9)
    expect(m.predict(512 * 1024)).toBeCloseTo(0.35 + 0.0042 * 512, 6)
  })

  it('without forgetting equals the least-squares fit of noisy observations', () => {
    const m = new CostModel({ forgetting: 1 })
    const r = uniform(99)
    const xs: number[] = [], ys: number[] = []
    for (let i = 0; i < 500; i++) {
      const kib = r() * 4000
      const y = 1.5 + 0.01 * kib + (r() - 0.5) * 0.8
      xs.push(kib)
      ys.push(y)
      m.observe(kib * 1024, y)
    }
    const fit = ols(xs, ys)
    // The prior's weight is 1/1e4 of one observation: far below these tolerances.
    expect(m.baseMs).toBeCloseTo(fit.a, 3)
    expect(m.perKiBMs).toBeCloseTo(fit.b, 6)
    expect(Math.abs(fit.a - 1.5)).toBeLessThan(0.1)
  })

  it('follows a side whose cost changes (forgetting)', () => {
    const m = new CostModel({ forgetting: 0.95 })
    const r = uniform(7)
    const feed = (base: number, per: number, n: number) => {
      for (let i = 0; i < n; i++) {
        const bytes = r() * 1e6
        m.observe(bytes, base + (per * bytes) / 1024)
      }
    }
    feed(1, 0.001, 300)
    feed(20, 0.05, 300)
    expect(m.baseMs).toBeCloseTo(20, 4)
    expect(m.perKiBMs).toBeCloseTo(0.05, 6)
  })

  it('stays finite and predicts the one size it sees (fixed frames, no wind-up)', () => {
    const m = new CostModel({ forgetting: 0.9 })
    for (let i = 0; i < 100_000; i++) m.observe(3840, 0.025)
    expect(Number.isFinite(m.baseMs) && Number.isFinite(m.perKiBMs)).toBe(true)
    expect(m.predict(3840)).toBeCloseTo(0.025, 6)
    expect(m.observations).toBe(100_000)
  })

  it('ignores non-finite or negative observations and refuses a bad forgetting factor', () => {
    const m = new CostModel()
    m.observe(100, NaN)
    m.observe(-1, 5)
    expect(m.observations).toBe(0)
    expect(() => new CostModel({ forgetting: 1.5 })).toThrow(RangeError)
  })
})

describe('CircuitBreaker', () => {
  function clocked(options = {}) {
    const clock = { t: 0 }
    return { clock, b: new CircuitBreaker({ now: () => clock.t, ...options }) }
  }

  it('opens after failureThreshold consecutive failures, not before', () => {
    const { b } = clocked({ failureThreshold: 3, minCalls: 100, window: 100 })
    b.failure('call')
    b.failure('call')
    b.success('call') // resets the run
    b.failure('call')
    b.failure('call')
    expect(b.state).toBe('closed')
    b.failure('call')
    expect(b.state).toBe('open')
    expect(b.acquire()).toBe(false)
    expect(b.timesOpened).toBe(1)
  })

  it('opens on an error rate above the limit over the window', () => {
    const feed = (b: CircuitBreaker, pattern: string) => {
      for (const c of pattern) c === 'F' ? b.failure('call') : b.success('call')
    }
    const at = clocked({ failureThreshold: 100, window: 10, minCalls: 10, errorRate: 0.5 }).b
    feed(at, 'FSFSFSFSFS') // 5 of 10: at the limit, not above
    expect(at.state).toBe('closed')
    const above = clocked({ failureThreshold: 100, window: 10, minCalls: 10, errorRate: 0.5 }).b
    feed(above, 'FFSFFSFFS') // 6 of 9, but fewer than minCalls
    expect(above.state).toBe('closed')
    feed(above, 'F') // 7 of 10, never more than 2 in a row
    expect(above.state).toBe('open')
    // Only the last `window` calls count: the 11th call pushes out the first failure
    // (5 of the last 10 failed, where 6 of all 11 did).
    const windowed = clocked({ failureThreshold: 100, window: 10, minCalls: 10, errorRate: 0.5 }).b
    feed(windowed, 'FFFFFSSSSSF')
    expect(windowed.state).toBe('closed')
  })

  it('half-opens after openMs, lets one probe through, closes on its success', () => {
    const { clock, b } = clocked({ failureThreshold: 1, openMs: 100 })
    b.failure('call')
    clock.t = 99
    expect(b.state).toBe('open')
    clock.t = 100
    expect(b.state).toBe('half-open')
    expect(b.acquire()).toBe('probe')
    expect(b.acquire()).toBe(false) // one probe at a time
    b.success('probe')
    expect(b.state).toBe('closed')
    expect(b.acquire()).toBe('call')
  })

  it('re-opens on a failed probe with the open time doubled, up to maxOpenMs', () => {
    const { clock, b } = clocked({ failureThreshold: 1, openMs: 100, maxOpenMs: 300 })
    b.failure('call')
    const reopen = (expectedOpenMs: number) => {
      clock.t += 1e6
      expect(b.acquire()).toBe('probe')
      b.failure('probe')
      const start = clock.t
      clock.t = start + expectedOpenMs - 1
      expect(b.state).toBe('open')
      clock.t = start + expectedOpenMs
      expect(b.state).toBe('half-open')
    }
    reopen(200)
    reopen(300)
    reopen(300)
    b.acquire()
    b.success('probe')
    // Closed again: the open time is back to openMs.
    b.failure('call')
    const start = clock.t
    clock.t = start + 100
    expect(b.state).toBe('half-open')
  })

  it('gives back an unused probe slot', () => {
    const { clock, b } = clocked({ failureThreshold: 1, openMs: 1 })
    b.failure('call')
    clock.t = 5
    const t = b.acquire()
    expect(t).toBe('probe')
    b.release(t as 'probe')
    expect(b.acquire()).toBe('probe')
  })

  it('refuses out-of-range settings', () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0 })).toThrow(/failureThreshold/)
    expect(() => new CircuitBreaker({ window: 5, minCalls: 6 })).toThrow(/minCalls/)
    expect(() => new CircuitBreaker({ errorRate: 0 })).toThrow(/errorRate/)
  })
})

describe('IntelligentRouter', () => {
  it('applies the thresholds as the prior', () => {
    const r = new IntelligentRouter()
    const cases: Array<[number, number, 'edge' | 'cloud', RegExp]> = [
      [50_000, 0.1, 'edge', /< 100000 B/],
      [99_999, 0.29, 'edge', /< 100000 B/],
      [100_000, 0.1, 'edge', /middle band/], // not below 100 KB
      [50_000, 0.3, 'edge', /middle band/], // not below 0.3
      [5_000_000, 0.5, 'edge', /middle band/],
      [10_000_000, 0.8, 'edge', /middle band/], // the upper limits are exclusive too
      [10_000_001, 0.1, 'cloud', /> 10000000 B/],
      [1_000, 0.81, 'cloud', /complexity 0.81 > 0.8/],
    ]
    for (const [bytes, c, route, reason] of cases) {
      const d = r.decide(bytes, c)
      expect(d.route, `${bytes} B, ${c}`).toBe(route)
      expect(d.reason).toMatch(reason)
    }
  })

  it('picks the side its cost models predict faster once both are trained', () => {
    const r = new IntelligentRouter({ minObservations: 10 })
    for (let i = 0; i < 10; i++) {
      const bytes = (i + 1) * 50_000
      r.observe('edge', bytes, 0.1 + (0.02 * bytes) / 1024) // slow per byte
      if (i < 9) r.observe('cloud', bytes, 5 + (0.001 * bytes) / 1024) // fast per byte, high base
    }
    expect(r.decide(1_000, 0.1).reason).toMatch(/prior/) // cloud has 9 observations: untrained
    r.observe('cloud', 500_000, 5 + (0.001 * 500_000) / 1024)
    // Break-even: 0.1 + 0.02 k = 5 + 0.001 k → k = 257.9 KiB.
    expect(r.decide(200 * 1024, 0.1)).toMatchObject({ route: 'edge', reason: expect.stringMatching(/cost model/) })
    expect(r.decide(300 * 1024, 0.1)).toMatchObject({ route: 'cloud', reason: expect.stringMatching(/cost model/) })
    expect(r.predict('edge', 1024)).toBeCloseTo(0.12, 3) // 10 observations far from 0 B: the prior still weighs a little
  })

  it('routes to the edge offline, without a cloud, or with the circuit open; probes when half-open', () => {
    let t = 0
    const r = new IntelligentRouter({ breaker: { failureThreshold: 1, openMs: 50, now: () => t } })
    r.setOffline(true)
    expect(r.decide(20e6, 0.9)).toMatchObject({ route: 'edge', reason: 'offline mode' })
    r.setOffline(false)
    r.report('cloud', r.permit(), 10, 1, 'ERR_CLOUD_UNAVAILABLE')
    expect(r.decide(20e6, 0.9)).toMatchObject({ route: 'edge', reason: 'cloud circuit open' })
    expect(r.cloudUsable).toBe(false)
    t = 50
    expect(r.decide(10, 0)).toMatchObject({ route: 'cloud', probe: true })
    expect(new IntelligentRouter({ sides: { cloud: false } }).decide(20e6, 1).route).toBe('edge')
    expect(new IntelligentRouter({ sides: { edge: false } }).decide(10, 0).route).toBe('cloud')
    expect(() => new IntelligentRouter({ sides: { edge: false, cloud: false } })).toThrow(/at least one side/)
  })

  describe('the half-open probe, decided by the router alone', () => {
    /** A router whose circuit opened at t = 0 (openMs 100) after one failed cloud call. */
    function opened(breaker = {}) {
      const clock = { t: 0 }
      const r = new IntelligentRouter({ breaker: { failureThreshold: 1, openMs: 100, now: () => clock.t, ...breaker } })
      const first = r.decide(20e6, 0.9) // > 10 MB: the prior's cloud, on a closed circuit
      expect(first).toMatchObject({ route: 'cloud', probe: false, ticket: 'call' })
      r.report('cloud', first.ticket, 20e6, 0, 'ERR_CLOUD_TIMEOUT')
      expect(r.circuit).toBe('open')
      return { clock, r }
    }

    it('sends one call to the cloud as the probe and the others decided meanwhile to the edge', () => {
      const { clock, r } = opened()
      clock.t = 99
      expect(r.decide(20e6, 0.9)).toEqual({ route: 'edge', reason: 'cloud circuit open', probe: false, ticket: null })
      expect(r.permit()).toBe(null)
      clock.t = 100
      expect(r.circuit).toBe('half-open')
      // Any input probes, also one the prior would keep at the edge.
      const probe = r.decide(10, 0)
      expect(probe).toEqual({ route: 'cloud', reason: 'half-open circuit: probing the cloud', probe: true, ticket: 'probe' })
      for (const [bytes, c] of [[20e6, 0.9], [10, 0]]) {
        expect(r.decide(bytes, c)).toEqual({ route: 'edge', reason: 'half-open circuit: a probe is in flight', probe: false, ticket: null })
      }
      expect(r.permit()).toBe(null) // a decisionFunction's cloud call waits for the probe too
      expect(r.explain().map((d) => [d.route, d.probe, d.circuit])).toEqual([
        ['cloud', false, 'closed'],
        ['edge', false, 'open'],
        ['cloud', true, 'half-open'],
        ['edge', false, 'half-open'],
        ['edge', false, 'half-open'],
      ])
      // The probe succeeds: closed, and the decisions are on the merits again.
      r.report('cloud', probe.ticket, 10, 2)
      expect(r.circuit).toBe('closed')
      expect(r.decide(20e6, 0.9)).toMatchObject({ route: 'cloud', probe: false, ticket: 'call', reason: expect.stringMatching(/prior/) })
      expect(r.decide(10, 0)).toMatchObject({ route: 'edge', ticket: null, reason: expect.stringMatching(/prior/) })
      expect(r.timesOpened).toBe(1)
    })

    it('a failed probe opens the circuit again for twice as long', () => {
      const { clock, r } = opened()
      clock.t = 100
      const probe = r.decide(10, 0)
      expect(probe.ticket).toBe('probe')
      clock.t = 150
      r.report('cloud', probe.ticket, 10, 50, 'ERR_CLOUD_UNAVAILABLE')
      expect(r.circuit).toBe('open')
      expect(r.timesOpened).toBe(2)
      clock.t = 349
      expect(r.decide(10, 0)).toMatchObject({ route: 'edge', reason: 'cloud circuit open' })
      clock.t = 350
      expect(r.decide(10, 0)).toMatchObject({ route: 'cloud', probe: true })
    })

    it('a probe whose input the cloud refused (ERR_CLOUD_REJECTED) closes the circuit: the cloud answered', () => {
      const { clock, r } = opened()
      clock.t = 100
      r.report('cloud', r.decide(10, 0).ticket, 10, 1, 'ERR_CLOUD_REJECTED')
      expect(r.circuit).toBe('closed')
      // On a closed circuit refusals do not count either; other failures do.
      for (let i = 0; i < 3; i++) r.report('cloud', r.permit(), 10, 1, 'ERR_CLOUD_REJECTED')
      expect(r.circuit).toBe('closed')
      r.report('cloud', r.permit(), 10, 1, 'ERR_CLOUD_INTERNAL')
      expect(r.circuit).toBe('open')
    })

    it('a permit taken while half-open is the probe: the router then sends the others to the edge', () => {
      const { clock, r } = opened({ probes: 2 })
      clock.t = 100
      expect(r.permit()).toBe('probe')
      expect(r.decide(10, 0)).toMatchObject({ route: 'cloud', probe: true, ticket: 'probe' }) // the second of 2 slots
      expect(r.decide(10, 0)).toMatchObject({ route: 'edge', reason: 'half-open circuit: a probe is in flight' })
    })

    it('without an edge side the cloud is decided without a permit while the circuit is open', () => {
      const clock = { t: 0 }
      const r = new IntelligentRouter({ sides: { edge: false }, breaker: { failureThreshold: 1, openMs: 100, now: () => clock.t } })
      r.report('cloud', r.decide(10, 0).ticket, 10, 1, 'ERR_CLOUD_UNAVAILABLE')
      expect(r.decide(10, 0)).toEqual({ route: 'cloud', reason: 'no edge side', probe: false, ticket: null })
      clock.t = 100
      expect(r.decide(10, 0)).toEqual({ route: 'cloud', reason: 'no edge side', probe: true, ticket: 'probe' })
      r.setOffline(true)
      expect(r.decide(10, 0).ticket).toBe(null)
    })

    it('learns latency only from successes, whatever their side', () => {
      const r = new IntelligentRouter({ minObservations: 1 })
      r.report('edge', null, 1000, 5, 'ERR_WASM_TIMEOUT')
      expect(r.models.edge.observations).toBe(0)
      r.report('edge', null, 1000, 5)
      expect(r.models.edge.observations).toBe(1)
      r.report('cloud', r.permit(), 1000, 7)
      expect(r.models.cloud.observations).toBe(1)
    })
  })

  it('explains its most recent decisions, oldest first, in a ring of explainSize', () => {
    const r = new IntelligentRouter({ explainSize: 3 })
    for (let i = 1; i <= 5; i++) r.decide(i * 1000, 0.1)
    const e = r.explain()
    expect(e.map((d) => d.bytes)).toEqual([3000, 4000, 5000])
    expect(e[0]).toMatchObject({ route: 'edge', circuit: 'closed', complexity: 0.1, predictedMs: { edge: null, cloud: null } })
  })
})

describe('Metrics latency (HDR histogram)', () => {
  it('percentiles match the exact order statistics within 3 significant digits', () => {
    const m = new Metrics()
    const r = uniform(3)
    const values: number[] = []
    for (let i = 0; i < 10_000; i++) {
      const ms = 0.01 + r() * r() * 200 // skewed, 10 µs .. 200 ms
      values.push(ms)
      m.latency.edge.record(ms)
    }
    values.sort((a, b) => a - b)
    const exact = (p: number) => values[Math.ceil((p / 100) * values.length) - 1]
    const s = m.snapshot().latency.edge
    for (const [p, got] of [[50, s.p50Ms], [95, s.p95Ms], [99, s.p99Ms], [100, s.maxMs]] as const) {
      // Recorded in whole microseconds, bucketed to 3 significant digits.
      expect(Math.abs(got - exact(p)), `p${p}`).toBeLessThanOrEqual(exact(p) * 1e-3 + 1e-3)
    }
    expect(s.count).toBe(10_000)
    expect(s.meanMs).toBeCloseTo(values.reduce((a, b) => a + b) / values.length, 9)
    expect(m.snapshot().latency.cloud).toEqual({ count: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, maxMs: 0, meanMs: 0 })
  })
})
