import { describe, expect, it } from 'vitest'
import type { PoolError } from '../errors/pool-error.js'
import type { PoolEvents } from '../events/pool-events.js'
import { type Conn, closeNow, type FakeDriver, rejectedWith, rejection, setup, track } from './__fixtures__/driver.js'

const T0 = 1_000_000
const noJitter = { initialDelayMs: 100, multiplier: 2, maxDelayMs: 1_000, jitterRatio: 0 }
/** Create attempts of a pool with `noJitter` that never succeeds: 100, 200, 400, 800, 1000, 1000… apart. */
const SCHEDULE = [0, 100, 300, 700, 1_500, 2_500, 3_500]

const rel = (times: number[]) => times.map((t) => t - T0)

describe('create timeout', () => {
  it('a resource that arrives after createTimeoutMs is destroyed as create-abandoned, never counted or lent', async () => {
    const { pool, fake, clock } = setup({ max: 1, createTimeoutMs: 1_000, acquireTimeoutMs: 10_000, retry: noJitter })
    fake.createDelayMs = 2_000
    const destroys: PoolEvents<Conn>['destroy'][] = []
    const createErrors: PoolEvents<Conn>['createError'][] = []
    pool.on('destroy', (e) => destroys.push(e))
    pool.on('createError', (e) => createErrors.push(e))
    const waiter = track(pool.acquire(), clock)
    await clock.advance(1_000)
    expect(createErrors).toHaveLength(1)
    expect(createErrors[0]!.error.code).toBe('POOL_CREATE_TIMEOUT')
    expect(createErrors[0]!.error.message).toMatch(/createTimeoutMs \(1000 ms\)/)
    expect(fake.createSignals[0]!.aborted).toBe(true)
    expect(pool.creating).toBe(0)
    expect(pool.stats().counters.createTimeouts).toBe(1)
    fake.createDelayMs = 0 // the retry (after 100 ms of backoff) succeeds at once
    await clock.advance(100)
    expect(waiter.value).toBeDefined()
    const late = fake.made.find((c) => c !== waiter.value)
    expect(late).toBeUndefined() // the slow one has not arrived yet
    await clock.advance(1_000) // the first create resolves now, 2000 ms after it started
    const abandoned = fake.made.find((c) => c !== waiter.value)!
    expect(abandoned).toBeDefined()
    expect(abandoned.closed).toBe(true)
    expect(destroys).toEqual([{ resource: abandoned, reason: 'create-abandoned' }])
    const { counters, total } = pool.stats()
    expect(counters.created).toBe(1)
    expect(counters.destroyedBy['create-abandoned']).toBe(1)
    expect(total).toBe(1)
    expect(pool.isBorrowed(waiter.value!)).toBe(true)
    expect(fake.live).toBe(1)
  })
})

describe('create retry with backoff', () => {
  const breakers: [string, (fake: FakeDriver) => void][] = [
    [
      'rejects',
      (fake) => {
        fake.failWith = new Error('ECONNREFUSED')
      },
    ],
    [
      'throws synchronously',
      (fake) => {
        fake.createImpl = () => {
          throw new Error('sync boom')
        }
      },
    ],
    [
      'resolves undefined',
      (fake) => {
        fake.createImpl = () => Promise.resolve(undefined as unknown as Conn)
      },
    ],
    [
      'resolves null',
      (fake) => {
        fake.createImpl = () => Promise.resolve(null as unknown as Conn)
      },
    ],
  ]

  for (const [what, breakIt] of breakers) {
    it(`retries with exponential backoff, never a hot loop, when create ${what}`, async () => {
      const { pool, fake, clock } = setup({ max: 3, retry: noJitter, acquireTimeoutMs: 0 }, {}, {}, breakIt)
      const waiters = [track(pool.acquire()), track(pool.acquire())]
      await clock.advance(3_500)
      // two callers wait, yet each backoff step makes one attempt
      expect(rel(fake.createCalls)).toEqual([0, 0, ...SCHEDULE.slice(1)])
      expect(waiters.some((w) => w.settled)).toBe(false)
      expect(pool.stats().counters.createErrors).toBe(fake.createCalls.length)
      await pool.close({ graceMs: 0 })
    })
  }

  it('follows the same backoff for the creates that keep min', async () => {
    const { fake, clock } = setup({ min: 1, max: 1, retry: noJitter }, {}, {}, (f) => {
      f.failWith = new Error('ECONNREFUSED')
    })
    await clock.advance(3_500)
    expect(rel(fake.createCalls)).toEqual(SCHEDULE)
  })

  it('applies jitter: each delay is between (1 - jitterRatio) and 1 times the exponential step', async () => {
    const randoms = [0.9, 0.1, 0.5, 0.3, 0.7, 0]
    let i = 0
    const s = setup(
      { min: 1, max: 1, retry: { initialDelayMs: 100, multiplier: 2, maxDelayMs: 10_000, jitterRatio: 0.5 } },
      {},
      { random: () => randoms[i++ % randoms.length]! },
      (fake) => {
        fake.failWith = new Error('down')
      },
    )
    await s.clock.advance(10_000)
    const calls = rel(s.fake.createCalls)
    const gaps = calls.slice(1).map((t, k) => t - calls[k]!)
    expect(gaps.slice(0, 6)).toEqual([
      Math.round(100 * (1 - 0.5 * 0.9)),
      Math.round(200 * (1 - 0.5 * 0.1)),
      Math.round(400 * (1 - 0.5 * 0.5)),
      Math.round(800 * (1 - 0.5 * 0.3)),
      Math.round(1_600 * (1 - 0.5 * 0.7)),
      Math.round(3_200 * (1 - 0.5 * 0)),
    ])
  })

  it('a create that returns a resource already in the pool counts as a failure and backs off', async () => {
    const shared: Conn = { id: 42, closed: false }
    const s = setup({ min: 2, max: 2, retry: noJitter }, {}, {}, (fake) => {
      fake.createImpl = () => Promise.resolve(shared)
    })
    const errors: PoolError[] = []
    s.pool.on('createError', (e) => errors.push(e.error))
    await s.clock.advance(1_500)
    expect(s.pool.total).toBe(1)
    expect(shared.closed).toBe(false) // never destroyed: it is the pooled one
    expect(rel(s.fake.createCalls)).toEqual([0, 0, 100, 300, 700, 1_500])
    expect(errors[0]!.message).toMatch(/already in the pool/)
    expect(s.pool.stats().counters.createErrors).toBe(5)
  })

  it('a burst of concurrent failures is one backoff step, and only one create probes while failing', async () => {
    const { pool, fake, clock } = setup({ max: 5, retry: noJitter, acquireTimeoutMs: 0 })
    fake.failWith = new Error('ECONNREFUSED')
    const waiters = Array.from({ length: 5 }, () => track(pool.acquire()))
    await clock.advance(700)
    expect(rel(fake.createCalls)).toEqual([0, 0, 0, 0, 0, 100, 300, 700])
    fake.failWith = undefined
    await clock.advance(800) // next probe at 1500 succeeds; the rest follow at once
    expect(rel(fake.createCalls)).toEqual([0, 0, 0, 0, 0, 100, 300, 700, 1_500, 1_500, 1_500, 1_500, 1_500])
    expect(waiters.every((w) => w.value !== undefined)).toBe(true)
    expect(pool.total).toBe(5)
  })

  it('recovers when the server comes back, serves the waiters, resets the backoff and logs it', async () => {
    const { pool, fake, clock, logger } = setup({ max: 2, retry: noJitter, acquireTimeoutMs: 60_000 })
    fake.failWith = new Error('ECONNREFUSED')
    const waiter = track(pool.acquire(), clock)
    await clock.advance(2_000)
    expect(logger.warns.filter((l) => l.includes('ECONNREFUSED'))).toHaveLength(1) // once per streak
    expect(waiter.settled).toBe(false)
    fake.failWith = undefined
    await clock.advance(500) // next attempt at 2500
    expect(waiter.value).toBeDefined()
    expect(waiter.at).toBe(T0 + 2_500)
    expect(logger.infos.some((l) => l.includes('works again'))).toBe(true)
    // the backoff starts over after a success
    fake.failWith = new Error('down again')
    const before = fake.createCalls.length
    const next = track(pool.acquire(), clock)
    await clock.advance(300)
    expect(rel(fake.createCalls.slice(before))).toEqual([2_500, 2_600, 2_800])
    expect(next.settled).toBe(false)
    await closeNow({ pool, clock })
    rejectedWith(next, 'POOL_CLOSED')
    expect(fake.live).toBe(0)
  })

  it('the createError event reports the attempt and when the next one is', async () => {
    const { pool, fake, clock } = setup({ max: 1, retry: noJitter })
    fake.failWith = new Error('nope')
    const events: PoolEvents<Conn>['createError'][] = []
    pool.on('createError', (e) => events.push(e))
    track(pool.acquire())
    await clock.advance(300)
    expect(events.map((e) => [e.attempt, e.retryInMs])).toEqual([
      [1, 100],
      [2, 200],
      [3, 400],
    ])
    expect(events[0]!.error.code).toBe('POOL_CREATE_FAILED')
    expect(events[0]!.error.cause).toBe(fake.failWith)
    await pool.close({ graceMs: 0 })
  })
})

describe('acquire timeout while creates fail', () => {
  it('the timeout error has the last create error as cause and in its message', async () => {
    const { pool, fake, clock } = setup({ max: 1, acquireTimeoutMs: 1_000, retry: noJitter })
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })
    fake.failWith = refused
    const waiter = track(pool.acquire())
    await clock.advance(1_000)
    const error = rejectedWith(waiter, 'POOL_ACQUIRE_TIMEOUT')
    expect((error.cause as PoolError).code).toBe('POOL_CREATE_FAILED')
    expect((error.cause as PoolError).cause).toBe(refused)
    expect(error.message).toMatch(/the last attempt to create one failed: .*connect ECONNREFUSED 127\.0\.0\.1:5432/)
  })

  it('also when the caller arrived while the pool was already backing off', async () => {
    const { pool, fake, clock } = setup({
      max: 1,
      acquireTimeoutMs: 1_000,
      retry: { initialDelayMs: 5_000, maxDelayMs: 5_000, jitterRatio: 0 },
    })
    fake.failWith = new Error('ECONNREFUSED')
    const first = track(pool.acquire())
    await clock.advance(100)
    const second = track(pool.acquire()) // no create will run before it times out
    await clock.advance(1_000)
    rejectedWith(first, 'POOL_ACQUIRE_TIMEOUT')
    const error = rejectedWith(second, 'POOL_ACQUIRE_TIMEOUT')
    expect(error.message).toMatch(/ECONNREFUSED/)
    expect((error.cause as PoolError).cause).toBe(fake.failWith)
  })

  it('has no create cause once creating works again', async () => {
    const { pool, fake, clock } = setup({ max: 1, acquireTimeoutMs: 1_000, retry: noJitter })
    fake.failWith = new Error('ECONNREFUSED')
    track(pool.acquire())
    await clock.advance(50)
    fake.failWith = undefined
    await clock.advance(100)
    expect(pool.total).toBe(1)
    const busy = track(pool.acquire())
    await clock.advance(1_000)
    const error = rejectedWith(busy, 'POOL_ACQUIRE_TIMEOUT')
    expect(error.cause).toBeUndefined()
    expect(error.message).not.toMatch(/create/)
  })
})

describe('ready()', () => {
  it('resolves once min resources are open', async () => {
    const { pool, clock } = setup({ min: 3, max: 5 }, {}, {}, (fake) => {
      fake.createDelayMs = 10
    })
    const ready = track(pool.ready(), clock)
    await clock.advance(9)
    expect(ready.settled).toBe(false)
    await clock.advance(1)
    expect(ready.settled).toBe(true)
    expect(ready.error).toBeUndefined()
    expect(pool.total).toBe(3)
    await pool.ready() // already there: resolves at once
  })

  it('with min 0 opens one resource to prove the server is reachable', async () => {
    const { pool, fake } = setup({ min: 0, max: 5 })
    await pool.ready()
    expect(fake.createCalls).toHaveLength(1)
    expect(pool.idle).toBe(1)
  })

  it('rejects at the first failed create, without waiting for a timeout', async () => {
    const cause = new Error('password authentication failed')
    const { pool, clock } = setup({ min: 2, max: 5, retry: noJitter }, {}, {}, (fake) => {
      fake.createImpl = () => new Promise((_, reject) => fake.clock.setTimeout(() => reject(cause), 20))
    })
    const ready = track(pool.ready(), clock)
    await clock.advance(20)
    const error = rejectedWith(ready, 'POOL_CREATE_FAILED')
    expect(ready.at).toBe(T0 + 20)
    expect(error.cause).toBe(cause)
    expect(error.message).toMatch(/password authentication failed/)
  })

  it('rejects with POOL_CREATE_TIMEOUT when the first create hangs', async () => {
    const { pool, clock } = setup({ min: 1, max: 1, createTimeoutMs: 500 }, {}, {}, (fake) => {
      fake.createImpl = () => new Promise(() => {})
    })
    const ready = track(pool.ready(), clock)
    await clock.advance(500)
    rejectedWith(ready, 'POOL_CREATE_TIMEOUT')
    await pool.close({ graceMs: 0 })
  })

  it('works again after the server comes back', async () => {
    const { pool, fake, clock } = setup({ min: 1, max: 1, retry: noJitter }, {}, {}, (f) => {
      f.failWith = new Error('down')
    })
    await rejection(pool.ready(), 'POOL_CREATE_FAILED')
    fake.failWith = undefined
    await clock.advance(100)
    await pool.ready()
    expect(pool.total).toBe(1)
  })
})
