import { describe, expect, it } from 'vitest'
import type { PoolEvents } from '../events/pool-events.js'
import { type Conn, type DriverHooks, rejectedWith, setup, track, warm } from './__fixtures__/driver.js'

const T0 = 1_000_000

/** A validate hook that records its calls and answers from `verdict`. */
function validator(verdict: (conn: Conn, call: number) => boolean | Promise<boolean>) {
  const calls: { id: number; at: number }[] = []
  let now = () => 0
  const hook: NonNullable<DriverHooks['validate']> = (conn) => {
    calls.push({ id: conn.id, at: now() - T0 })
    if (calls.length > 100) return new Promise<boolean>(() => {}) // break a runaway loop: hang
    return verdict(conn, calls.length)
  }
  return {
    calls,
    hook,
    bind(clock: { now(): number }) {
      now = () => clock.now()
    },
  }
}

describe('test on borrow', () => {
  it('validates an idle resource on borrow, unless it was used within validationBypassMs', async () => {
    const v = validator(() => true)
    const s = setup({ max: 1, validationBypassMs: 500 }, { validate: v.hook })
    v.bind(s.clock)
    await warm(s, 1)
    await s.clock.advance(499)
    await s.pool.use(async () => undefined)
    expect(v.calls).toHaveLength(0)
    await s.clock.advance(500)
    await s.pool.use(async () => undefined)
    expect(v.calls).toEqual([{ id: 1, at: 999 }])
    expect(s.pool.stats().counters.validations).toBe(1)
  })

  it('the bypass window is exact for untimed loans too (a borrow reads the clock when it may validate)', async () => {
    const v = validator(() => true)
    // no housekeeping pass in the way, and only the 1st of every 1000 loans timed
    const s = setup(
      { max: 1, validationBypassMs: 500, housekeepingIntervalMs: 3_600_000, timingSampleEvery: 1_000 },
      { validate: v.hook },
    )
    v.bind(s.clock)
    await warm(s, 1) // loan 1: timed
    await s.clock.advance(100)
    // loan 2: untimed, borrowed at 100 (an exact read: the borrow checked the window), released at 150,
    // stamped alive at 100: a stale stamp can only make validation come sooner, never skip it
    await s.pool.use(async () => s.clock.advance(50))
    await s.clock.advance(400)
    await s.pool.use(async () => undefined) // loan 3 at 550: inside the window, bypassed
    expect(v.calls).toHaveLength(0)
    await s.clock.advance(500)
    await s.pool.use(async () => undefined) // loan 4, 500 ms after loan 3 was released: validated
    expect(v.calls).toEqual([{ id: 1, at: 1_050 }])
  })

  it('validateOnBorrow false never validates on borrow', async () => {
    const v = validator(() => false)
    const s = setup({ max: 1, validateOnBorrow: false }, { validate: v.hook })
    await warm(s, 1)
    await s.clock.advance(60_000)
    await s.pool.use(async () => undefined)
    expect(v.calls).toHaveLength(0)
  })

  const invalid: [string, NonNullable<DriverHooks['validate']>][] = [
    ['returns false', () => false],
    ['resolves false', async () => false],
    [
      'throws',
      () => {
        throw new Error('socket closed')
      },
    ],
    ['rejects', async () => Promise.reject(new Error('socket closed'))],
  ]
  for (const [what, bad] of invalid) {
    it(`a validation that ${what} destroys the resource and the caller gets the next one`, async () => {
      const broken = new Set<number>()
      const s = setup(
        { max: 3, validationBypassMs: 100 },
        { validate: (c, sig) => (broken.has(c.id) ? bad(c, sig) : true) },
      )
      const failed: PoolEvents<Conn>['validationFailed'][] = []
      s.pool.on('validationFailed', (e) => failed.push(e))
      const [a, b] = await warm(s, 2)
      broken.add(b!.id) // b is on top of the idle stack
      await s.clock.advance(1_000)
      const got = await s.pool.acquire()
      expect(got).toBe(a)
      expect(b!.closed).toBe(true)
      expect(failed).toHaveLength(1)
      expect(failed[0]!.phase).toBe('borrow')
      expect(failed[0]!.resource).toBe(b)
      expect(failed[0]!.error).toBeInstanceOf(Error)
      const { counters } = s.pool.stats()
      expect(counters.validationFailures).toBe(1)
      expect(counters.destroyedBy['validation-failed']).toBe(1)
    })
  }

  it('a validation that hangs fails after validationTimeoutMs, its signal aborts, and a new resource serves the caller', async () => {
    const signals: AbortSignal[] = []
    let hang = true
    const s = setup(
      { max: 1, validationTimeoutMs: 1_000, acquireTimeoutMs: 5_000 },
      {
        validate: (_c, signal) => {
          signals.push(signal)
          return hang ? new Promise<boolean>(() => {}) : true
        },
      },
    )
    const [stale] = await warm(s, 1)
    await s.clock.advance(1_000)
    const waiter = track(s.pool.acquire(), s.clock)
    await s.clock.advance(999)
    expect(waiter.settled).toBe(false)
    hang = false
    await s.clock.advance(1)
    expect(signals[0]!.aborted).toBe(true)
    expect(stale!.closed).toBe(true)
    expect(waiter.value).toBeDefined()
    expect(waiter.value).not.toBe(stale)
    expect(waiter.at).toBe(T0 + 2_000)
  })

  it('the caller still times out at its own deadline while validations fail', async () => {
    const s = setup(
      { max: 1, validationTimeoutMs: 5_000, acquireTimeoutMs: 1_000 },
      { validate: () => new Promise<boolean>(() => {}) },
    )
    await warm(s, 1)
    await s.clock.advance(1_000)
    const waiter = track(s.pool.acquire(), s.clock)
    await s.clock.advance(1_000)
    rejectedWith(waiter, 'POOL_ACQUIRE_TIMEOUT')
    expect(waiter.at).toBe(T0 + 2_000)
  })

  it('validates only as many idle resources as there are callers', async () => {
    const v = validator(() => true)
    const s = setup({ max: 5 }, { validate: v.hook })
    await warm(s, 5)
    await s.clock.advance(1_000)
    await s.pool.use(async () => undefined)
    expect(v.calls).toHaveLength(1)
    expect(s.pool.idle).toBe(5)
  })

  it('with validationBypassMs 0 it validates every borrow exactly once (no revalidation loop)', async () => {
    const v = validator(async () => true)
    const s = setup({ max: 1, validationBypassMs: 0 }, { validate: v.hook })
    await warm(s, 1)
    await s.pool.use(async () => undefined)
    expect(v.calls).toHaveLength(1)
    await s.pool.use(async () => undefined)
    expect(v.calls).toHaveLength(2)
  })

  it('with validationBypassMs 0 a waiter served by a release is validated once', async () => {
    const v = validator(() => true)
    const s = setup({ max: 1, validationBypassMs: 0 }, { validate: v.hook })
    const conn = await s.pool.acquire()
    const waiter = track(s.pool.acquire())
    s.pool.release(conn)
    await s.clock.advance(0)
    expect(waiter.value).toBe(conn)
    expect(v.calls).toHaveLength(1)
  })

  it('does not validate a resource handed over straight from create (no create/validate/destroy loop)', async () => {
    const v = validator(() => false)
    const s = setup({ max: 1, validationBypassMs: 0 }, { validate: v.hook })
    const conn = await s.pool.acquire()
    expect(conn.closed).toBe(false)
    expect(v.calls).toHaveLength(0)
    expect(s.fake.createCalls).toHaveLength(1)
  })

  it('a stale idle resource that needs validation is lent even with maxPending 0', async () => {
    const s = setup({ min: 1, max: 1, maxPending: 0 }, { validate: () => true })
    await s.pool.ready()
    await s.clock.advance(1_000)
    const conn = await s.pool.acquire()
    expect(conn.id).toBe(1)
  })
})

describe('validate on return', () => {
  it('validates on release; an invalid resource is destroyed before anyone else borrows it', async () => {
    let ok = false
    const s = setup({ max: 1, validateOnRelease: true, validateOnBorrow: false }, { validate: async () => ok })
    const failed: PoolEvents<Conn>['validationFailed'][] = []
    s.pool.on('validationFailed', (e) => failed.push(e))
    const conn = await s.pool.acquire()
    const waiter = track(s.pool.acquire())
    s.pool.release(conn)
    expect(s.pool.used).toBe(1) // being validated
    expect(s.pool.idle).toBe(0)
    await s.clock.advance(0)
    expect(conn.closed).toBe(true)
    expect(failed.map((e) => e.phase)).toEqual(['release'])
    expect(waiter.value).toBeDefined()
    expect(waiter.value).not.toBe(conn)
    ok = true
    s.pool.release(waiter.value!)
    await s.clock.advance(0)
    expect(s.pool.idle).toBe(1)
    expect(s.pool.stats().counters.validations).toBe(2)
  })
})

describe('keepalive', () => {
  it('validates idle resources unused for keepaliveIntervalMs, destroys failures and refills min', async () => {
    const bad = new Set<number>()
    const v = validator((c) => !bad.has(c.id))
    const s = setup(
      { min: 2, max: 2, keepaliveIntervalMs: 10_000, idleTimeoutMs: 0, maxLifetimeMs: 0 },
      { validate: v.hook },
    )
    v.bind(s.clock)
    await s.clock.advance(0)
    bad.add(1)
    await s.clock.advance(9_999)
    expect(v.calls).toHaveLength(0)
    await s.clock.advance(1)
    expect(v.calls.map((c) => c.at)).toEqual([10_000, 10_000])
    expect(s.fake.made[0]!.closed).toBe(true)
    expect(s.pool.total).toBe(2)
    expect(s.pool.idle).toBe(2)
    expect(s.pool.stats().counters.destroyedBy['validation-failed']).toBe(1)
    // the survivor is checked again one interval later, not on every pass
    await s.clock.advance(9_000)
    expect(v.calls).toHaveLength(2)
    await s.clock.advance(1_000)
    // 3 replaced 1 at 10000: both are due now
    expect(v.calls.map((c) => c.id)).toEqual([1, 2, 2, 3])
  })

  it('a keepalive that hangs fails after validationTimeoutMs', async () => {
    const s = setup(
      { min: 1, max: 1, keepaliveIntervalMs: 1_000, validationTimeoutMs: 500, idleTimeoutMs: 0 },
      { validate: () => new Promise<boolean>(() => {}) },
    )
    await s.clock.advance(1_000)
    expect(s.pool.used).toBe(1) // being checked
    await s.clock.advance(500)
    expect(s.fake.made[0]!.closed).toBe(true)
  })
})

describe('reset and isBroken on release', () => {
  it('resets every released resource before the next borrower gets it', async () => {
    const order: string[] = []
    let finishReset: (() => void) | undefined
    const s = setup(
      { max: 1 },
      {
        reset: (c) =>
          new Promise<void>((resolve) => {
            order.push(`reset ${c.id}`)
            finishReset = resolve
          }),
      },
    )
    const conn = await s.pool.acquire()
    const waiter = s.pool.acquire().then((c) => {
      order.push(`lent ${c.id}`)
      return c
    })
    s.pool.release(conn)
    await s.clock.advance(0)
    expect(order).toEqual(['reset 1'])
    finishReset!()
    await s.clock.advance(0)
    expect(order).toEqual(['reset 1', 'lent 1'])
    expect(await waiter).toBe(conn)
  })

  const failures: [string, NonNullable<DriverHooks['reset']>][] = [
    [
      'throws',
      () => {
        throw new Error('ROLLBACK failed')
      },
    ],
    ['rejects', async () => Promise.reject(new Error('ROLLBACK failed'))],
    ['hangs', () => new Promise<void>(() => {})],
  ]
  for (const [what, reset] of failures) {
    it(`a reset that ${what} destroys the resource (reset-failed); the next borrower never sees it`, async () => {
      const s = setup({ max: 1, validationTimeoutMs: 1_000 }, { reset })
      const errors: PoolEvents<Conn>['error'][] = []
      s.pool.on('error', (e) => errors.push(e))
      const conn = await s.pool.acquire()
      const waiter = track(s.pool.acquire())
      s.pool.release(conn)
      await s.clock.advance(1_000)
      expect(conn.closed).toBe(true)
      expect(waiter.value).toBeDefined()
      expect(waiter.value).not.toBe(conn)
      expect(s.pool.stats().counters.destroyedBy['reset-failed']).toBe(1)
      expect(errors).toHaveLength(1)
      expect((errors[0]!.error as { code?: string }).code).toBe('POOL_RESET_FAILED')
      expect(errors[0]!.resource).toBe(conn)
    })
  }

  it('destroys a released resource that isBroken() reports (or that throws in isBroken)', async () => {
    const broken = new Set<number>()
    const unsure = new Set<number>()
    const s = setup(
      { max: 2 },
      {
        isBroken: (c) => {
          if (unsure.has(c.id)) throw new Error('cannot tell')
          return broken.has(c.id)
        },
      },
    )
    const a = await s.pool.acquire()
    const b = await s.pool.acquire()
    unsure.add(b.id)
    broken.add(a.id)
    s.pool.release(a)
    s.pool.release(b)
    expect(a.closed && b.closed).toBe(true)
    expect(s.pool.stats().counters.destroyedBy.broken).toBe(2)
    expect(s.pool.total).toBe(0)
  })

  it('skips an idle resource that isBroken() reports on borrow', async () => {
    const broken = new Set<number>()
    const s = setup({ max: 2 }, { isBroken: (c) => broken.has(c.id) })
    const [a, b] = await warm(s, 2)
    broken.add(b!.id)
    expect(await s.pool.acquire()).toBe(a)
    expect(b!.closed).toBe(true)
  })
})

describe('invalidate()', () => {
  it('destroys an idle resource now and a borrowed one on release', async () => {
    const s = setup({ max: 2 })
    const [a, b] = await warm(s, 2)
    expect(s.pool.invalidate(a!)).toBe(true)
    expect(a!.closed).toBe(true)
    const borrowed = await s.pool.acquire()
    expect(borrowed).toBe(b)
    expect(s.pool.invalidate(borrowed)).toBe(true)
    expect(borrowed.closed).toBe(false)
    s.pool.release(borrowed)
    expect(borrowed.closed).toBe(true)
    expect(s.pool.invalidate(borrowed)).toBe(false)
    expect(s.pool.invalidate({ id: 99, closed: false })).toBe(false)
    expect(s.pool.stats().counters.destroyedBy.broken).toBe(2)
  })
})
