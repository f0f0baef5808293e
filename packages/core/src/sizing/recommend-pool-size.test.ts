import { describe, expect, it } from 'vitest'
import { isPoolError, PoolError } from '../errors/pool-error.js'
import {
  DEFAULT_BURST_FACTOR,
  DEFAULT_EFFECTIVE_SPINDLES,
  DEFAULT_RESERVED_CONNECTIONS,
  type RecommendPoolSizeInput,
  recommendPoolSize,
} from './index.js'

/** The PoolError thrown for `input`; fails the test when nothing (or something else) is thrown. */
function errorFor(input: unknown): PoolError {
  try {
    recommendPoolSize(input as RecommendPoolSizeInput)
  } catch (err) {
    expect(isPoolError(err, 'POOL_CONFIG_INVALID')).toBe(true)
    return err as PoolError
  }
  throw new Error(`expected recommendPoolSize(${JSON.stringify(input)}) to throw`)
}

const reasoningText = (input: RecommendPoolSizeInput) => recommendPoolSize(input).reasoning.join('\n')

describe('defaults', () => {
  it('are the documented values', () => {
    expect(DEFAULT_BURST_FACTOR).toBe(1.5)
    expect(DEFAULT_EFFECTIVE_SPINDLES).toBe(1)
    expect(DEFAULT_RESERVED_CONNECTIONS).toBe(3)
  })
})

describe("Little's Law alone", () => {
  it('200 req/s × 50 ms = 10 in use on average; × 1.5 headroom = 15', () => {
    const r = recommendPoolSize({ arrivalRatePerSecond: 200, holdTimeMs: 50 })
    expect(r.rules.littlesLaw).toEqual({ meanInUse: 10, burstFactor: 1.5, connections: 15 })
    expect(r.rules.cores).toBeUndefined()
    expect(r.rules.budget).toBeUndefined()
    expect(r.max).toBe(15)
    expect(r.min).toBe(10)
    expect(r.warnings).toEqual([])
  })

  it('uses the given burstFactor', () => {
    expect(recommendPoolSize({ arrivalRatePerSecond: 200, holdTimeMs: 50, burstFactor: 1.2 }).max).toBe(12)
    expect(recommendPoolSize({ arrivalRatePerSecond: 200, holdTimeMs: 50, burstFactor: 1 }).max).toBe(10)
  })

  it('ignores floating-point dust when rounding up (100 × 1.1 is 110.00000000000001 in binary)', () => {
    const r = recommendPoolSize({ arrivalRatePerSecond: 1000, holdTimeMs: 100, burstFactor: 1.1 })
    expect(r.rules.littlesLaw?.meanInUse).toBe(100)
    expect(r.max).toBe(110)
  })

  it('rounds up fractional demand: 1000 req/s × 3 ms = 3 in use, × 1.5 = 4.5 → 5', () => {
    const r = recommendPoolSize({ arrivalRatePerSecond: 1000, holdTimeMs: 3 })
    expect(r.rules.littlesLaw?.meanInUse).toBe(3)
    expect(r.max).toBe(5)
    expect(r.min).toBe(3)
  })

  it('a trickle of traffic still gets one connection', () => {
    const r = recommendPoolSize({ arrivalRatePerSecond: 0.5, holdTimeMs: 20 })
    expect(r.rules.littlesLaw?.meanInUse).toBeCloseTo(0.01)
    expect(r.max).toBe(1)
    expect(r.min).toBe(1)
  })

  it('zero traffic gives max 1 (never 0) and min 0', () => {
    const r = recommendPoolSize({ arrivalRatePerSecond: 0, holdTimeMs: 50 })
    expect(r.rules.littlesLaw?.connections).toBe(0)
    expect(Object.is(r.rules.littlesLaw?.connections, -0)).toBe(false)
    expect(r.max).toBe(1)
    expect(r.min).toBe(0)
    expect(r.reasoning.join('\n')).toMatch(/at least one connection/)
  })

  it('long transactions need many connections: 50 req/s × 400 ms = 20 → 30', () => {
    expect(recommendPoolSize({ arrivalRatePerSecond: 50, holdTimeMs: 400 })).toMatchObject({ max: 30, min: 20 })
  })

  it('treats the rate as per instance: instances do not change the per-pool demand', () => {
    const r = recommendPoolSize({ arrivalRatePerSecond: 200, holdTimeMs: 50, instances: 4 })
    expect(r.max).toBe(15)
    expect(r.reasoning.join('\n')).toMatch(/across 4 instances about 40 connections are in use/)
  })
})

describe('cores rule alone', () => {
  it('4-core database → 4 × 2 + 1 = 9', () => {
    const r = recommendPoolSize({ dbCores: 4 })
    expect(r.rules.cores).toEqual({ serverConnections: 9, connections: 9 })
    expect(r.max).toBe(9)
    expect(r.min).toBe(0)
    expect(r.warnings).toEqual([])
  })

  it('uses effectiveSpindles: 0 for a cached data set, fractions round up', () => {
    expect(recommendPoolSize({ dbCores: 4, effectiveSpindles: 0 }).max).toBe(8)
    expect(recommendPoolSize({ dbCores: 4, effectiveSpindles: 0.5 }).max).toBe(9)
    expect(recommendPoolSize({ dbCores: 16, effectiveSpindles: 2 }).max).toBe(34)
  })

  it('shares the database between instances, rounding up', () => {
    const r = recommendPoolSize({ dbCores: 4, instances: 6 })
    expect(r.rules.cores).toEqual({ serverConnections: 9, connections: 2 })
    expect(r.max).toBe(2)
    expect(recommendPoolSize({ dbCores: 8, instances: 3 }).max).toBe(6) // 17 ÷ 3 = 5.67 → 6
    expect(recommendPoolSize({ dbCores: 2, instances: 20 }).max).toBe(1) // 5 ÷ 20 → 1
  })
})

describe('budget rule alone', () => {
  it('6 instances, max_connections 100, 3 reserved → 16 each', () => {
    const r = recommendPoolSize({ instances: 6, serverMaxConnections: 100 })
    expect(r.rules.budget).toEqual({ availableConnections: 97, connections: 16 })
    expect(r.max).toBe(16)
    expect(r.min).toBe(0)
    expect(r.warnings).toEqual([])
    expect(r.reasoning.join('\n')).toMatch(/not necessarily what it needs/)
  })

  it('honours reservedConnections, including 0 (MySQL default max_connections 151)', () => {
    expect(recommendPoolSize({ instances: 10, serverMaxConnections: 151, reservedConnections: 1 }).max).toBe(15)
    expect(recommendPoolSize({ serverMaxConnections: 100, reservedConnections: 0 }).max).toBe(100)
    expect(recommendPoolSize({ serverMaxConnections: 100 }).max).toBe(97)
  })

  it('oversubscribed: more instances than connections → max 1, min 0 and a warning', () => {
    const r = recommendPoolSize({ instances: 120, serverMaxConnections: 100 })
    expect(r.rules.budget).toEqual({ availableConnections: 97, connections: 0 })
    expect(r.max).toBe(1)
    expect(r.min).toBe(0)
    expect(r.warnings).toHaveLength(1)
    expect(r.warnings[0]).toMatch(/oversubscribed/)
    expect(r.warnings[0]).toMatch(/PgBouncer/)
    expect(r.warnings[0]).toMatch(/reduce instances/)
  })
})

describe('combined rules', () => {
  it('a 4-core database caps a demand of 15 at 9 and warns that 10 in use exceeds it', () => {
    const r = recommendPoolSize({ arrivalRatePerSecond: 200, holdTimeMs: 50, dbCores: 4 })
    expect(r.max).toBe(9)
    expect(r.min).toBe(9) // the average (10) capped at max
    expect(r.reasoning.join('\n')).toMatch(/Capped at 9 by the cores rule/)
    expect(r.reasoning.join('\n')).toMatch(/queue inside the database/)
    expect(r.warnings).toHaveLength(1)
    expect(r.warnings[0]).toMatch(/On average 10 connections are in use, more than the ~9/)
  })

  it('the cores cap alone (headroom above capacity, average below) is explained but not a warning', () => {
    // 160 × 50 ms = 8 in use, × 1.5 = 12 > 9; the average 8 fits.
    const r = recommendPoolSize({ arrivalRatePerSecond: 160, holdTimeMs: 50, dbCores: 4 })
    expect(r.max).toBe(9)
    expect(r.min).toBe(8)
    expect(r.warnings).toEqual([])
  })

  it('an 8-core database leaves a demand of 15 untouched (the JSDoc example)', () => {
    const r = recommendPoolSize({ arrivalRatePerSecond: 200, holdTimeMs: 50, dbCores: 8, serverMaxConnections: 100 })
    expect(r).toMatchObject({ max: 15, min: 10, warnings: [] })
    expect(r.rules.cores).toEqual({ serverConnections: 17, connections: 17 })
    expect(r.rules.budget).toEqual({ availableConnections: 97, connections: 97 })
    expect(r.reasoning.join('\n')).toMatch(/within what the database can run in parallel \(17\)/)
    expect(r.reasoning.join('\n')).toMatch(/Fits the budget: 1 × 15 = 15 of 97/)
  })

  it('6 instances × 15 fit a budget of 16 each', () => {
    const r = recommendPoolSize({ arrivalRatePerSecond: 200, holdTimeMs: 50, instances: 6, serverMaxConnections: 100 })
    expect(r).toMatchObject({ max: 15, min: 10, warnings: [] })
    expect(r.reasoning.join('\n')).toMatch(/6 × 15 = 90 of 97/)
  })

  it('the budget cuts the demand and warns when it does not cover even the average load', () => {
    const r = recommendPoolSize({
      arrivalRatePerSecond: 200,
      holdTimeMs: 50,
      instances: 40,
      serverMaxConnections: 100,
    })
    expect(r.max).toBe(2) // 97 ÷ 40
    expect(r.min).toBe(2)
    expect(r.warnings).toHaveLength(1)
    expect(r.warnings[0]).toMatch(/budget \(2 per instance\) is smaller than the demand \(15\)/)
    expect(r.warnings[0]).toMatch(/does not even cover the average load/)
    expect(r.warnings[0]).toMatch(/PgBouncer/)
  })

  it('the budget cuts only the headroom: warns that bursts are not covered', () => {
    // (39 − 3) ÷ 3 = 12 per instance; 10 in use on average, 15 wanted.
    const r = recommendPoolSize({ arrivalRatePerSecond: 200, holdTimeMs: 50, instances: 3, serverMaxConnections: 39 })
    expect(r.max).toBe(12)
    expect(r.min).toBe(10)
    expect(r.warnings).toHaveLength(1)
    expect(r.warnings[0]).toMatch(/covers the average load \(10 in use\) but not the burst headroom/)
  })

  it('all three: the cores cap is below the budget, so the budget is not the limit', () => {
    // 16-core DB: 33 for the server, ÷ 6 instances = 6 each; budget 16 each; demand 15.
    const r = recommendPoolSize({
      arrivalRatePerSecond: 200,
      holdTimeMs: 50,
      dbCores: 16,
      instances: 6,
      serverMaxConnections: 100,
    })
    expect(r.rules.cores).toEqual({ serverConnections: 33, connections: 6 })
    expect(r.rules.budget?.connections).toBe(16)
    expect(r.max).toBe(6)
    expect(r.min).toBe(6)
    // 60 in use across the fleet on a database that usefully runs 33: that is the real problem.
    expect(r.warnings).toHaveLength(1)
    expect(r.warnings[0]).toMatch(/On average 60 connections \(10 × 6 instances\) are in use, more than the ~33/)
  })

  it('all three: the budget is below the cores cap and cuts the demand', () => {
    // 64-core DB: 129 for the server, ÷ 2 = 65 each; budget (100 − 3) ÷ 2 = 48 each; demand 50 × 1.5 = 75.
    const r = recommendPoolSize({
      arrivalRatePerSecond: 500,
      holdTimeMs: 100,
      dbCores: 64,
      instances: 2,
      serverMaxConnections: 100,
    })
    expect(r.max).toBe(48)
    expect(r.min).toBe(48)
    expect(r.warnings).toHaveLength(1)
    expect(r.warnings[0]).toMatch(/does not even cover the average load \(50 in use\)/)
  })

  it('cores and budget without load: the smaller wins and nothing is a warning', () => {
    expect(recommendPoolSize({ dbCores: 64, serverMaxConnections: 100 })).toMatchObject({ max: 97, warnings: [] })
    expect(recommendPoolSize({ dbCores: 4, serverMaxConnections: 100 })).toMatchObject({ max: 9, min: 0 })
  })

  it('never returns max < 1 or min > max', () => {
    for (const rate of [0, 1, 50, 5000])
      for (const hold of [0, 1, 50, 2000])
        for (const instances of [1, 7, 200])
          for (const dbCores of [undefined, 1, 32])
            for (const serverMaxConnections of [undefined, 10, 500]) {
              const r = recommendPoolSize({
                arrivalRatePerSecond: rate,
                holdTimeMs: hold,
                instances,
                dbCores,
                serverMaxConnections,
              })
              expect(r.max).toBeGreaterThanOrEqual(1)
              expect(Number.isInteger(r.max)).toBe(true)
              expect(r.min).toBeGreaterThanOrEqual(0)
              expect(r.min).toBeLessThanOrEqual(r.max)
            }
  })
})

describe('reasoning', () => {
  it('mentions each rule that was used, and only those', () => {
    const all = reasoningText({ arrivalRatePerSecond: 200, holdTimeMs: 50, dbCores: 4, serverMaxConnections: 100 })
    expect(all).toMatch(/Little's Law: 200 borrows\/s × 0\.05 s held each = 10 connections in use on average/)
    expect(all).toMatch(/Cores rule: 4 database cores × 2 \+ 1 effective spindle = 9/)
    expect(all).toMatch(/Budget rule: \(100 max_connections − 3 reserved\) ÷ 1 instance, rounded down = 97/)
    expect(all).toMatch(/min = 9/)

    const littleOnly = reasoningText({ arrivalRatePerSecond: 200, holdTimeMs: 50 })
    expect(littleOnly).toMatch(/Little's Law/)
    expect(littleOnly).not.toMatch(/Cores rule|Budget rule/)

    const coresOnly = reasoningText({ dbCores: 4 })
    expect(coresOnly).toMatch(/Cores rule/)
    expect(coresOnly).not.toMatch(/Little's Law|Budget rule/)

    const budgetOnly = reasoningText({ serverMaxConnections: 100, instances: 6 })
    expect(budgetOnly).toMatch(/Budget rule: \(100 max_connections − 3 reserved\) ÷ 6 instances, rounded down = 16/)
    expect(budgetOnly).not.toMatch(/Little's Law|Cores rule/)
  })
})

describe('ignored inputs', () => {
  it('warns when an input only feeds a rule that did not run', () => {
    const r = recommendPoolSize({ serverMaxConnections: 100, burstFactor: 2, effectiveSpindles: 0 })
    expect(r.max).toBe(97)
    expect(r.warnings).toEqual([
      "burstFactor was ignored: it only applies to Little's Law (arrivalRatePerSecond and holdTimeMs).",
      'effectiveSpindles was ignored: the cores rule also needs dbCores.',
    ])
    expect(recommendPoolSize({ dbCores: 4, reservedConnections: 5 }).warnings).toEqual([
      'reservedConnections was ignored: the budget rule also needs serverMaxConnections.',
    ])
  })
})

describe('validation', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['negative rate', { arrivalRatePerSecond: -1, holdTimeMs: 50 }, /arrivalRatePerSecond must be at least 0, got -1/],
    ['NaN hold time', { arrivalRatePerSecond: 1, holdTimeMs: Number.NaN }, /holdTimeMs must be a finite number/],
    [
      'infinite rate',
      { arrivalRatePerSecond: Number.POSITIVE_INFINITY, holdTimeMs: 5 },
      /arrivalRatePerSecond .*Infinity/,
    ],
    ['string hold time', { arrivalRatePerSecond: 1, holdTimeMs: '50' }, /holdTimeMs .* got string "50"/],
    [
      'burstFactor below 1',
      { arrivalRatePerSecond: 1, holdTimeMs: 5, burstFactor: 0.8 },
      /burstFactor must be at least 1/,
    ],
    ['fractional cores', { dbCores: 2.5 }, /dbCores must be a whole number of at least 1, got 2.5/],
    ['zero cores', { dbCores: 0 }, /dbCores must be at least 1, got 0/],
    ['negative spindles', { dbCores: 4, effectiveSpindles: -1 }, /effectiveSpindles must be at least 0/],
    ['zero instances', { dbCores: 4, instances: 0 }, /instances must be at least 1, got 0/],
    ['fractional instances', { dbCores: 4, instances: 1.5 }, /instances must be a whole number/],
    ['null max_connections', { serverMaxConnections: null }, /serverMaxConnections .* got null/],
    [
      'fractional reserved',
      { serverMaxConnections: 100, reservedConnections: 2.5 },
      /reservedConnections must be a whole number/,
    ],
    [
      'reserved ≥ max_connections',
      { serverMaxConnections: 10, reservedConnections: 10 },
      /reservedConnections \(10\) must be less than serverMaxConnections \(10\)/,
    ],
    [
      'default reserved ≥ max_connections',
      { serverMaxConnections: 3 },
      /reservedConnections \(3, the default\) must be less than serverMaxConnections \(3\)/,
    ],
    ['rate without hold time', { arrivalRatePerSecond: 200 }, /arrivalRatePerSecond was given without holdTimeMs/],
    ['hold time without rate', { holdTimeMs: 50, dbCores: 4 }, /holdTimeMs was given without arrivalRatePerSecond/],
    ['unknown key with a hint', { cores: 4 }, /unknown option "cores" \(did you mean "dbCores"\?\)/],
    ['unknown key with a hint', { maxConnections: 100 }, /did you mean "serverMaxConnections"/],
    ['inherited property names are not options', { dbCores: 4, toString: 1 }, /unknown option "toString"/],
    ['nothing to size from', {}, /nothing to size from/],
    ['only modifiers', { instances: 3, burstFactor: 1.2 }, /nothing to size from/],
  ])('%s', (_name, input, message) => {
    const err = errorFor(input)
    expect(err).toBeInstanceOf(PoolError)
    expect(err.code).toBe('POOL_CONFIG_INVALID')
    expect(err.message).toMatch(/^Invalid recommendPoolSize input: /)
    expect(err.message).toMatch(message)
  })

  it('rejects non-objects', () => {
    expect(errorFor(null).message).toMatch(/expected an object, got null/)
    expect(errorFor([]).message).toMatch(/expected an object, got an array/)
    expect(errorFor(undefined).message).toMatch(/expected an object, got undefined/)
  })

  it('reports every problem at once, without a misleading follow-up', () => {
    const err = errorFor({ dbCores: -2, instances: 'six', serverMaxConnections: 2, reservedConnections: -1 })
    expect(err.message).toMatch(/dbCores must be at least 1, got -2/)
    expect(err.message).toMatch(/instances .* got string "six"/)
    expect(err.message).toMatch(/reservedConnections must be at least 0, got -1/)
    // The invalid reservedConnections is not replaced by the default and compared again.
    expect(err.message).not.toMatch(/must be less than serverMaxConnections/)
  })
})
