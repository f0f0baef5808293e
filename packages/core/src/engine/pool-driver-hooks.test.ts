import { describe, expect, it } from 'vitest'
import { type Conn, rejectedWith, rejection, setup, track } from './__fixtures__/driver.js'

const authError = Object.assign(new Error('password authentication failed for user "app"'), { code: '28P01' })
const isFatalCreateError = (error: unknown) => (error as { code?: string }).code === '28P01'

describe('isFatalCreateError', () => {
  it('fails waiting callers at once when nothing is open, instead of at their timeout', async () => {
    const s = setup({ max: 2, acquireTimeoutMs: 30_000 }, { isFatalCreateError })
    s.fake.failWith = authError
    const waiting = track(s.pool.acquire(), s.clock)
    await s.clock.advance(0)
    const error = rejectedWith(waiting, 'POOL_CREATE_FAILED')
    expect(error.cause).toBe(authError)
    expect(error.message).toContain('password authentication failed')
  })

  it('callers arriving while it backs off wait for the next attempt and share its outcome: one create per step', async () => {
    const s = setup({ max: 4, retry: { initialDelayMs: 1_000, jitterRatio: 0 } }, { isFatalCreateError })
    s.fake.failWith = authError
    await rejection(s.pool.acquire(), 'POOL_CREATE_FAILED')
    expect(s.fake.createCalls).toHaveLength(1)
    const callers = Array.from({ length: 50 }, () => track(s.pool.acquire(), s.clock))
    await s.clock.advance(999)
    expect(s.fake.createCalls).toHaveLength(1) // no create per caller
    expect(callers.every((c) => !c.settled)).toBe(true)
    await s.clock.advance(1)
    expect(s.fake.createCalls).toHaveLength(2) // one attempt for the step
    for (const c of callers) rejectedWith(c, 'POOL_CREATE_FAILED')
  })

  it('a caller arriving after the password is fixed is served by the next attempt, not refused', async () => {
    const s = setup({ max: 2, retry: { initialDelayMs: 1_000, jitterRatio: 0 } }, { isFatalCreateError })
    s.fake.failWith = authError
    await rejection(s.pool.acquire(), 'POOL_CREATE_FAILED')
    s.fake.failWith = undefined
    const waiting = track(s.pool.acquire(), s.clock)
    await s.clock.advance(1_000)
    expect(waiting.value).toBeDefined()
  })

  it('recovers once the cause is fixed: the backoff retry succeeds and callers are served again', async () => {
    const s = setup({ max: 2, retry: { initialDelayMs: 1_000, jitterRatio: 0 } }, { isFatalCreateError })
    s.fake.failWith = authError
    await rejection(s.pool.acquire(), 'POOL_CREATE_FAILED')
    s.fake.failWith = undefined
    await s.clock.advance(1_000)
    const conn = await s.pool.acquire()
    expect(conn.closed).toBe(false)
    s.pool.release(conn)
  })

  it('lets callers keep waiting when open resources can still serve them', async () => {
    const s = setup({ max: 2, acquireTimeoutMs: 5_000 }, { isFatalCreateError })
    const held = await s.pool.acquire()
    s.fake.failWith = authError
    // needs a create (max 2, one open and borrowed): it fails as fatal, but `held` can still come back
    const waiting = track(s.pool.acquire(), s.clock)
    await s.clock.advance(100)
    // one create per backoff step (100 ms base with jitter), never one per caller or a loop
    expect(s.fake.createCalls.length).toBeLessThanOrEqual(3)
    expect(waiting.settled).toBe(false)
    s.pool.release(held)
    await s.clock.advance(0)
    expect(waiting.value).toBe(held)
  })

  it('a throwing isFatalCreateError counts as not fatal', async () => {
    const s = setup(
      { max: 1, acquireTimeoutMs: 1_000 },
      {
        isFatalCreateError: () => {
          throw new Error('judge broke')
        },
      },
    )
    s.fake.failWith = authError
    const waiting = track(s.pool.acquire(), s.clock)
    await s.clock.advance(999)
    expect(waiting.settled).toBe(false)
    await s.clock.advance(1)
    rejectedWith(waiting, 'POOL_ACQUIRE_TIMEOUT')
  })
})

describe('reset()', () => {
  it('a synchronous reset keeps release synchronous: the next acquire gets the same resource at once', async () => {
    const resets: number[] = []
    const s = setup({ max: 2 }, { reset: (conn) => void resets.push(conn.id) })
    const conn = await s.pool.acquire()
    s.pool.release(conn)
    expect(resets).toEqual([conn.id])
    expect(s.pool.idle).toBe(1)
    expect(s.clock.pendingTimers().ref).toBe(0)
    expect(await s.pool.acquire()).toBe(conn)
    expect(s.fake.made).toHaveLength(1)
  })

  it('an asynchronous reset is awaited before reuse, bounded by validationTimeoutMs', async () => {
    const s = setup(
      { max: 1, validationTimeoutMs: 500 },
      { reset: () => new Promise<void>((resolve) => s.clock.setTimeout(resolve, 1_000)) },
    )
    const conn = await s.pool.acquire()
    s.pool.release(conn)
    expect(s.pool.idle).toBe(0)
    await s.clock.advance(500)
    expect(s.fake.destroyed).toContain(conn)
    expect(s.pool.stats().counters.destroyedBy['reset-failed']).toBe(1)
  })

  it('a reset that throws synchronously destroys the resource', async () => {
    const s = setup(
      { max: 1 },
      {
        reset: () => {
          throw new Error('rollback failed')
        },
      },
    )
    const conn = await s.pool.acquire()
    s.pool.release(conn)
    expect(s.pool.stats().counters.destroyedBy['reset-failed']).toBe(1)
    const next = await s.pool.acquire()
    expect(next).not.toBe(conn)
  })
})

describe('failWaiterOnCreateError', () => {
  it("with nothing open, each waiting caller gets its own attempt's error at once (no backoff wait)", async () => {
    const s = setup({ max: 1, acquireTimeoutMs: 30_000, failWaiterOnCreateError: true })
    s.fake.failWith = new Error('connect ECONNREFUSED 127.0.0.1:5432')
    const first = track(s.pool.acquire(), s.clock)
    const second = track(s.pool.acquire(), s.clock)
    await s.clock.advance(0)
    const error = rejectedWith(first, 'POOL_CREATE_FAILED')
    expect(error.cause).toBe(s.fake.failWith)
    rejectedWith(second, 'POOL_CREATE_FAILED')
    // pg.Pool semantics: one attempt per caller, the second right after the first failed
    expect(s.fake.createCalls).toEqual([1_000_000, 1_000_000])
  })

  it('with resources open, each failed create rejects only the caller it was for', async () => {
    const s = setup({ max: 2, acquireTimeoutMs: 30_000, failWaiterOnCreateError: true })
    const held = await s.pool.acquire()
    s.fake.failWith = new Error('connect ECONNREFUSED 127.0.0.1:5432')
    const first = track(s.pool.acquire(), s.clock)
    const second = track(s.pool.acquire(), s.clock)
    s.fake.createImpl = () => new Promise<Conn>(() => {}) // the second caller's attempt hangs
    await s.clock.advance(0)
    rejectedWith(first, 'POOL_CREATE_FAILED')
    expect(second.settled).toBe(false) // its own attempt is still in flight, and `held` may come back
    s.pool.release(held)
    await s.clock.advance(0)
    expect(second.value).toBe(held)
  })

  it('is off by default: callers wait for a later create that succeeds', async () => {
    const s = setup({ max: 1, acquireTimeoutMs: 30_000, retry: { initialDelayMs: 100, jitterRatio: 0 } })
    s.fake.failWith = new Error('connect ECONNREFUSED 127.0.0.1:5432')
    const waiting = track(s.pool.acquire(), s.clock)
    await s.clock.advance(50)
    expect(waiting.settled).toBe(false)
    s.fake.failWith = undefined
    await s.clock.advance(50)
    expect(waiting.value).toBeDefined()
  })
})

describe('hand-off to a waiter with isBroken', () => {
  it('a resource found broken right after its release (same synchronous run) never reaches the waiter', async () => {
    const broken = new Set<number>()
    const s = setup({ max: 1 }, { isBroken: (c) => broken.has(c.id) })
    const conn = await s.pool.acquire()
    const waiting = track(s.pool.acquire(), s.clock)
    // like a driver callback that releases, then reads the FATAL that came in the same packet
    s.pool.release(conn)
    broken.add(conn.id)
    await s.clock.advance(0)
    expect(waiting.value).toBeDefined()
    expect(waiting.value).not.toBe(conn)
    expect(conn.closed).toBe(true)
    expect(s.pool.stats().counters.destroyedBy.broken).toBe(1)
  })

  it('without isBroken the hand-off stays synchronous', async () => {
    const s = setup({ max: 1 })
    const conn = await s.pool.acquire()
    const waiting = track(s.pool.acquire(), s.clock)
    s.pool.release(conn)
    expect(s.pool.borrowed).toBe(1) // lent to the waiter inside release()
    await s.clock.advance(0)
    expect(waiting.value).toBe(conn)
  })
})

describe('hand-off with isBroken and validation on every borrow', () => {
  it('a just-validated resource goes straight to the waiter (no validation loop)', async () => {
    let validations = 0
    const s = setup(
      { max: 1, validationBypassMs: 0 },
      {
        isBroken: () => false,
        validate: () => {
          validations++
          return true
        },
      },
    )
    const conn = await s.pool.acquire()
    const waiting = track(s.pool.acquire(), s.clock)
    s.pool.release(conn)
    await s.clock.advance(0)
    expect(waiting.value).toBe(conn)
    expect(validations).toBe(1)
  })
})
