import { describe, expect, it } from 'vitest'
import type { PoolEventName, PoolEvents } from '../events/pool-events.js'
import { type Conn, setup, track, warm } from './__fixtures__/driver.js'

type Logged = { event: PoolEventName; id?: number }

/** `count` sequential loans, each held `holdMs` of fake time. */
async function loans(s: ReturnType<typeof setup>, count: number, holdMs: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const c = await s.pool.acquire()
    await s.clock.advance(holdMs)
    s.pool.release(c)
  }
}

function record(pool: ReturnType<typeof setup>['pool'], events: PoolEventName[]): Logged[] {
  const log: Logged[] = []
  for (const event of events) {
    pool.on(event, (payload: unknown) => log.push({ event, id: (payload as { id?: number }).id }))
  }
  return log
}

describe('correlation ids', () => {
  it('enqueue, acquire, release share the id of one acquire; timeout carries its own', async () => {
    const { pool, clock } = setup({ max: 1, acquireTimeoutMs: 1_000 })
    const log = record(pool, ['enqueue', 'acquire', 'release', 'timeout'])
    const conn = await pool.acquire() // waits for its create
    const timedOut = track(pool.acquire())
    const served = track(pool.acquire({ timeoutMs: 5_000 }))
    await clock.advance(1_000)
    pool.release(conn)
    await clock.advance(0)
    pool.release(served.value!)
    expect(timedOut.error).toBeDefined()
    const ids = [...new Set(log.map((e) => e.id))]
    expect(ids).toHaveLength(3)
    const [first, second, third] = ids
    expect(log).toEqual([
      { event: 'enqueue', id: first },
      { event: 'acquire', id: first },
      { event: 'enqueue', id: second },
      { event: 'enqueue', id: third },
      { event: 'timeout', id: second },
      { event: 'release', id: first },
      { event: 'acquire', id: third },
      { event: 'release', id: third },
    ])
  })

  it('the fast path emits acquire and release with one id; abort carries the id too', async () => {
    const s = setup({ max: 1 })
    await warm(s, 1)
    const log = record(s.pool, ['enqueue', 'acquire', 'release', 'abort'])
    const conn = await s.pool.acquire()
    const controller = new AbortController()
    const aborted = track(s.pool.acquire({ signal: controller.signal }))
    controller.abort()
    s.pool.release(conn)
    await s.clock.advance(0)
    expect(aborted.error).toBeDefined()
    expect(log.map((e) => e.event)).toEqual(['acquire', 'enqueue', 'abort', 'release'])
    expect(log[0]!.id).toBe(log[3]!.id)
    expect(log[1]!.id).toBe(log[2]!.id)
    expect(log[0]!.id).not.toBe(log[1]!.id)
  })

  it('payloads carry the numbers', async () => {
    const { pool, clock, fake } = setup({ max: 1 })
    fake.createDelayMs = 30
    const seen: Partial<PoolEvents<Conn>> = {}
    pool.on('enqueue', (e) => (seen.enqueue = e))
    pool.on('acquire', (e) => (seen.acquire = e))
    pool.on('release', (e) => (seen.release = e))
    pool.on('create', (e) => (seen.create = e))
    const pending = pool.acquire({ priority: 'high' })
    await clock.advance(30)
    const conn = await pending
    await clock.advance(70)
    pool.release(conn)
    expect(seen.enqueue).toMatchObject({ priority: 'high', pending: 1 })
    expect(seen.create).toEqual({ resource: conn, createMs: 30 })
    expect(seen.acquire).toMatchObject({ resource: conn, waitMs: 30 })
    expect(seen.release).toMatchObject({ resource: conn, heldMs: 70 })
  })
})

describe('listeners', () => {
  it('a throwing listener never breaks the pool and is reported as an error event', async () => {
    const s = setup({ max: 2 })
    const errors: PoolEvents<Conn>['error'][] = []
    const boom = new Error('listener bug')
    for (const event of ['enqueue', 'acquire', 'release', 'create', 'destroy'] as const) {
      s.pool.on(event, () => {
        throw boom
      })
    }
    s.pool.on('error', (e) => errors.push(e))
    const conn = await s.pool.acquire()
    s.pool.release(conn)
    const again = await s.pool.acquire()
    s.pool.destroy(again)
    expect(again.closed).toBe(true)
    expect(errors.length).toBeGreaterThanOrEqual(6)
    expect(errors.every((e) => e.error === boom)).toBe(true)
    await s.pool.use(async () => undefined)
    expect(s.pool.stats().counters.acquired).toBe(3)
  })

  it('a non-Error throw is wrapped; a throwing error listener is swallowed', async () => {
    const s = setup({ max: 1 })
    const errors: unknown[] = []
    s.pool.on('acquire', () => {
      throw 'a string'
    })
    s.pool.on('error', (e) => {
      errors.push(e.error)
      throw new Error('error listener bug')
    })
    await expect(s.pool.use(async () => 'ok')).resolves.toBe('ok')
    expect(errors).toHaveLength(1)
    expect((errors[0] as Error).message).toBe('a string')
  })

  it('a throwing listener with no error listener is logged, never thrown', async () => {
    const s = setup({ max: 1 })
    s.pool.on('acquire', () => {
      throw new Error('listener bug')
    })
    await expect(s.pool.use(async () => 'ok')).resolves.toBe('ok')
    expect(s.logger.warns).toEqual(["[pools:pool] a 'acquire' listener threw: listener bug"])
  })

  it('an error with no listener is never thrown: it goes to the logger', async () => {
    const s = setup(
      { max: 1 },
      {
        destroy: () => {
          throw new Error('destroy failed')
        },
      },
    )
    const conn = await s.pool.acquire()
    expect(() => s.pool.destroy(conn)).not.toThrow()
    await s.clock.advance(0)
    expect(s.logger.warns.some((l) => /destroy\(\) failed: destroy failed/.test(l))).toBe(true)
    expect(s.pool.stats().counters.destroyErrors).toBe(1)
  })

  it('a destroy failure is an error event with POOL_DESTROY_FAILED when someone listens', async () => {
    const s = setup({ max: 1 }, { destroy: async () => Promise.reject(new Error('EPIPE')) })
    const errors: PoolEvents<Conn>['error'][] = []
    s.pool.on('error', (e) => errors.push(e))
    const conn = await s.pool.acquire()
    s.pool.destroy(conn)
    await s.clock.advance(0)
    expect(errors).toHaveLength(1)
    expect((errors[0]!.error as { code?: string }).code).toBe('POOL_DESTROY_FAILED')
    expect(errors[0]!.resource).toBe(conn)
    expect(s.logger.warns).toEqual([])
  })

  it('a destroy that hangs is abandoned after destroyTimeoutMs', async () => {
    const s = setup({ min: 1, max: 1, destroyTimeoutMs: 2_000 }, { destroy: () => new Promise<void>(() => {}) })
    const errors: PoolEvents<Conn>['error'][] = []
    s.pool.on('error', (e) => errors.push(e))
    await s.pool.ready()
    const closed = track(s.pool.close())
    await s.clock.advance(1_999)
    expect(closed.settled).toBe(false)
    await s.clock.advance(1)
    expect(closed.settled).toBe(true)
    expect(errors[0]!.error.message).toMatch(/did not finish within 2000 ms/)
  })

  it('on/off/once', async () => {
    const s = setup({ max: 1 })
    const calls: string[] = []
    const onAcquire = () => calls.push('on')
    const onceAcquire = () => calls.push('once')
    expect(s.pool.on('acquire', onAcquire)).toBe(s.pool)
    expect(s.pool.once('acquire', onceAcquire)).toBe(s.pool)
    await s.pool.use(async () => undefined)
    await s.pool.use(async () => undefined)
    expect(calls).toEqual(['on', 'once', 'on'])
    expect(s.pool.off('acquire', onAcquire)).toBe(s.pool)
    await s.pool.use(async () => undefined)
    expect(calls).toEqual(['on', 'once', 'on'])
  })

  it('off() removes a once() listener before it fires', async () => {
    const s = setup({ max: 1 })
    const calls: string[] = []
    const listener = () => calls.push('once')
    s.pool.once('acquire', listener)
    s.pool.off('acquire', listener)
    await s.pool.use(async () => undefined)
    expect(calls).toEqual([])
  })
})

describe('stats()', () => {
  it('gauges: total, idle, used, borrowed, pending, creating', async () => {
    const s = setup({ min: 1, max: 3 }, {}, {}, (fake) => {
      fake.createDelayMs = 10
    })
    await s.clock.advance(0)
    expect(s.pool.stats()).toMatchObject({ total: 0, creating: 1, idle: 0, used: 0, pending: 0 })
    await s.clock.advance(10)
    const a = await s.pool.acquire()
    const b = track(s.pool.acquire())
    const c = track(s.pool.acquire())
    const d = track(s.pool.acquire())
    expect(s.pool.stats()).toMatchObject({ total: 1, idle: 0, used: 1, borrowed: 1, pending: 3, creating: 2 })
    await s.clock.advance(10)
    expect(s.pool.stats()).toMatchObject({ total: 3, idle: 0, used: 3, borrowed: 3, pending: 1, creating: 0 })
    s.pool.release(a)
    await s.clock.advance(0)
    expect(d.value).toBe(a)
    s.pool.release(b.value!)
    s.pool.release(c.value!)
    s.pool.release(d.value!)
    const stats = s.pool.stats()
    expect(stats).toMatchObject({ name: 'pool', state: 'running', min: 1, max: 3, total: 3, idle: 3, used: 0 })
    expect([s.pool.total, s.pool.idle, s.pool.used, s.pool.pending, s.pool.creating]).toEqual([3, 3, 0, 0, 0])
  })

  it('counters', async () => {
    const s = setup({ max: 1, acquireTimeoutMs: 100, maxPending: 1 })
    const conn = await s.pool.acquire()
    const timedOut = track(s.pool.acquire())
    await s.pool.acquire().catch(() => undefined) // queue full
    await s.clock.advance(100)
    expect(timedOut.error).toBeDefined()
    s.pool.release(conn)
    await s.pool.use(async (c) => s.pool.destroy(c))
    const { counters } = s.pool.stats()
    expect(counters).toMatchObject({
      created: 1,
      destroyed: 1,
      acquired: 2,
      released: 2,
      timeouts: 1,
      queueFull: 1,
      createErrors: 0,
      validationFailures: 0,
      leaks: 0,
    })
    expect(counters.destroyedBy.broken).toBe(1)
  })

  it('percentiles of acquire wait, use time and create time (timingSampleEvery: 1 times every loan)', async () => {
    const s = setup({ max: 1, timingSampleEvery: 1 })
    s.fake.createDelayMs = 40
    const first = s.pool.acquire()
    await s.clock.advance(40)
    const conn = await first
    const waiters = Array.from({ length: 9 }, () => track(s.pool.acquire()))
    for (let i = 0; i < 10; i++) {
      await s.clock.advance(100)
      s.pool.release(conn)
      await s.clock.advance(0)
    }
    expect(waiters.every((w) => w.value === conn)).toBe(true)
    const { acquireWaitMs, useTimeMs, createTimeMs } = s.pool.stats()
    expect(createTimeMs).toMatchObject({ count: 1, max: 40 })
    expect(createTimeMs.p50).toBeCloseTo(40, -1)
    expect(useTimeMs.count).toBe(10)
    expect(useTimeMs.p50).toBeGreaterThan(95)
    expect(useTimeMs.p50).toBeLessThan(105)
    expect(useTimeMs.max).toBe(100)
    // waits: 40 (first, for its create), then 100, 200, ... 900
    expect(acquireWaitMs.count).toBe(10)
    expect(acquireWaitMs.max).toBe(900)
    expect(acquireWaitMs.p50).toBeGreaterThan(400 * 0.93)
    expect(acquireWaitMs.p50).toBeLessThan(400 * 1.07)
    expect(acquireWaitMs.mean).toBeCloseTo((40 + 4_500) / 10, 5)
  })

  it('the fast path records a zero wait', async () => {
    const s = setup({ max: 1, timingSampleEvery: 1 })
    await warm(s, 1)
    await s.pool.use(async () => undefined)
    expect(s.pool.stats().acquireWaitMs.count).toBe(2)
    expect(s.pool.stats().acquireWaitMs.p50).toBe(0)
  })

  it('by default times 1 loan in 16 exactly; counters count every loan', async () => {
    const s = setup({ max: 1 })
    await warm(s, 1) // loan 1: timed (0 ms)
    await loans(s, 48, 10)
    const { counters, acquireWaitMs, useTimeMs } = s.pool.stats()
    expect(counters.acquired).toBe(49)
    expect(counters.released).toBe(49)
    // loans 1, 17, 33 and 49 are timed
    expect(acquireWaitMs.count).toBe(4)
    expect(useTimeMs.count).toBe(4)
    expect(useTimeMs.max).toBe(10)
    expect(useTimeMs.mean).toBe(7.5)
  })

  it('a timed waiter is timed from its exact enqueue; untimed loans record nothing', async () => {
    const s = setup({ max: 1, timingSampleEvery: 2 })
    await warm(s, 1) // loan 1: timed, 0 ms
    const held = await s.pool.acquire() // loan 2: untimed
    const waiter = track(s.pool.acquire())
    await s.clock.advance(250)
    s.pool.release(held)
    await s.clock.advance(0)
    expect(waiter.value).toBe(held) // loan 3: timed, waited 250 ms
    await s.clock.advance(70)
    s.pool.release(held)
    const fourth = await s.pool.acquire() // loan 4: untimed
    await s.clock.advance(30)
    s.pool.release(fourth)
    const { acquireWaitMs, useTimeMs, counters } = s.pool.stats()
    expect(counters.acquired).toBe(4)
    expect(acquireWaitMs.count).toBe(2)
    expect(acquireWaitMs.max).toBe(250)
    expect(useTimeMs.count).toBe(2)
    expect(useTimeMs.max).toBe(70)
  })

  it('leak detection starts every loan on an exact reading; acquire/release listeners time every loan', async () => {
    const leaky = setup({ max: 1, leakDetectionThresholdMs: 1_000, housekeepingIntervalMs: 1_000 })
    await warm(leaky, 1) // loan 1, at 0
    const held: number[] = []
    leaky.pool.on('leak', (e) => held.push(e.heldMs))
    await leaky.clock.advance(500)
    const c = await leaky.pool.acquire() // loan 2: untimed, but its start is exact (500, not the coarse 0)
    await leaky.clock.advance(1_500) // passes at 1 000 (held 500) and 2 000 (held 1 500)
    expect(held).toEqual([1_500])
    leaky.pool.release(c)
    expect(leaky.pool.stats().useTimeMs.count).toBe(1) // use time is still sampled: only loan 1

    const heard = setup({ max: 1 })
    await warm(heard, 1)
    const heldMs: number[] = []
    heard.pool.on('release', (e) => heldMs.push(e.heldMs))
    await loans(heard, 5, 7)
    expect(heldMs).toEqual([7, 7, 7, 7, 7])
    expect(heard.pool.stats().useTimeMs.count).toBe(6)
  })
})
