import { getEventListeners } from 'node:events'
import { describe, expect, it } from 'vitest'
import { type Conn, rejectedWith, rejection, setup, type Tracked, track, warm } from './__fixtures__/driver.js'

describe('acquire/release basics', () => {
  it('lends an idle resource at once and takes it back', async () => {
    const s = setup({ max: 2 })
    const [conn] = await warm(s, 1)
    const got = await s.pool.acquire()
    expect(got).toBe(conn)
    expect(s.pool.isBorrowed(got)).toBe(true)
    expect(s.pool.used).toBe(1)
    s.pool.release(got)
    expect(s.pool.isBorrowed(got)).toBe(false)
    expect(s.pool.idle).toBe(1)
  })

  it('the idle stack is LIFO: the most recently released resource is lent first', async () => {
    const s = setup({ max: 3 })
    const [a, b, c] = await warm(s, 3)
    // released a, b, c in that order
    expect(await s.pool.acquire()).toBe(c)
    expect(await s.pool.acquire()).toBe(b)
    s.pool.release(b!)
    expect(await s.pool.acquire()).toBe(b)
    expect(await s.pool.acquire()).toBe(a)
  })

  it('release hands the resource straight to the head waiter', async () => {
    const { pool, clock } = setup({ max: 1 })
    const conn = await pool.acquire()
    const w1 = track(pool.acquire())
    const w2 = track(pool.acquire())
    await clock.advance(0)
    pool.release(conn)
    expect(pool.idle).toBe(0)
    expect(pool.pending).toBe(1)
    await clock.advance(0)
    expect(w1.value).toBe(conn)
    expect(w2.settled).toBe(false)
    pool.release(conn)
    await clock.advance(0)
    expect(w2.value).toBe(conn)
  })

  it('destroy(resource) frees the slot for a waiter with a new resource', async () => {
    const { pool, clock, fake } = setup({ max: 1 })
    const conn = await pool.acquire()
    const waiter = track(pool.acquire())
    await clock.advance(0)
    pool.destroy(conn)
    await clock.advance(0)
    expect(conn.closed).toBe(true)
    expect(waiter.value).toBeDefined()
    expect(waiter.value).not.toBe(conn)
    expect(fake.createCalls).toHaveLength(2)
    expect(pool.stats().counters.destroyedBy.broken).toBe(1)
  })
})

describe('priorities and FIFO', () => {
  it('serves high before normal before low, FIFO within each priority', async () => {
    const { pool, clock } = setup({ max: 1 })
    const conn = await pool.acquire()
    const order: string[] = []
    const queue = (name: string, priority?: 'high' | 'normal' | 'low') =>
      pool.acquire(priority ? { priority } : undefined).then((c) => {
        order.push(name)
        return c
      })
    const all = [
      queue('low1', 'low'),
      queue('normal1'),
      queue('high1', 'high'),
      queue('normal2', 'normal'),
      queue('high2', 'high'),
      queue('low2', 'low'),
    ]
    expect(pool.pending).toBe(6)
    for (let i = 0; i < all.length; i++) {
      pool.release(conn) // each waiter is served the same resource in turn
      await clock.advance(0)
      expect(order).toHaveLength(i + 1)
    }
    expect(await Promise.all(all)).toEqual(Array(6).fill(conn))
    expect(order).toEqual(['high1', 'high2', 'normal1', 'normal2', 'low1', 'low2'])
  })
})

describe('maxPending', () => {
  it('fails fast with POOL_QUEUE_FULL once maxPending callers are queued', async () => {
    const { pool, clock } = setup({ max: 1, maxPending: 2 })
    const conn = await pool.acquire()
    const queued = [track(pool.acquire()), track(pool.acquire())]
    const error = await rejection(pool.acquire(), 'POOL_QUEUE_FULL')
    expect(error.message).toMatch(/maxPending 2/)
    expect(error.message).toMatch(/raise max or maxPending/)
    expect(pool.pending).toBe(2)
    expect(pool.stats().counters.queueFull).toBe(1)
    pool.release(conn)
    await clock.advance(0)
    expect(queued[0]!.value).toBe(conn)
  })

  it('maxPending 0 never queues but still lends idle resources', async () => {
    const s = setup({ min: 1, max: 1, maxPending: 0 })
    await s.pool.ready()
    const conn = await s.pool.acquire()
    await rejection(s.pool.acquire(), 'POOL_QUEUE_FULL')
    s.pool.release(conn)
  })
})

describe('waitForRelease: false', () => {
  it('is refused at once with POOL_QUEUE_FULL when all max are in use, and counted; queued callers are untouched', async () => {
    const { pool, clock } = setup({ max: 2 })
    const held = [await pool.acquire(), await pool.acquire()]
    const patient = track(pool.acquire(), clock)
    const error = await rejection(pool.acquire({ waitForRelease: false }), 'POOL_QUEUE_FULL')
    expect(error.message).toMatch(/all 2 resources are in use or being opened/)
    expect(error.message).toMatch(/waitForRelease: false/)
    expect(pool.stats().counters.queueFull).toBe(1)
    expect(pool.pending).toBe(1)
    pool.release(held[0]!)
    await clock.advance(0)
    expect(patient.value).toBe(held[0])
    pool.release(held[1]!)
    // something idle again: lent at once
    const again = await pool.acquire({ waitForRelease: false })
    expect(again).toBe(held[1])
    pool.release(again)
  })

  it('waits for a create it may start below max (mysql2 waitForConnections: false), up to its timeout', async () => {
    const s = setup({ max: 2 }, {}, {}, (fake) => {
      fake.createDelayMs = 50
    })
    const first = track(s.pool.acquire({ waitForRelease: false }), s.clock)
    const second = track(s.pool.acquire({ waitForRelease: false }), s.clock)
    expect(s.pool.creating).toBe(2)
    // both slots are being opened: a third would only wait for someone else's resource
    await rejection(s.pool.acquire({ waitForRelease: false }), 'POOL_QUEUE_FULL')
    await s.clock.advance(50)
    expect(first.value).toBeDefined()
    expect(second.value).toBeDefined()
    expect(s.pool.stats().counters).toMatchObject({ created: 2, queueFull: 1, acquired: 2 })
  })
})

describe('AbortSignal', () => {
  it('an already-aborted signal rejects at once with POOL_ACQUIRE_ABORTED, without queueing', async () => {
    const s = setup({ max: 1 })
    await warm(s, 1)
    const controller = new AbortController()
    const reason = new Error('user went away')
    controller.abort(reason)
    const error = await rejection(s.pool.acquire({ signal: controller.signal }), 'POOL_ACQUIRE_ABORTED')
    expect(error.cause).toBe(reason)
    expect(s.pool.pending).toBe(0)
    expect(s.pool.idle).toBe(1)
    expect(s.pool.stats().counters.aborted).toBe(1)
  })

  it('aborting while queued rejects with POOL_ACQUIRE_ABORTED and leaves the queue', async () => {
    const { pool, clock } = setup({ max: 1 })
    const conn = await pool.acquire()
    const controller = new AbortController()
    const aborts: { id: number; waitMs: number }[] = []
    pool.on('abort', (e) => aborts.push(e))
    const waiter = track(pool.acquire({ signal: controller.signal }), clock)
    const other = track(pool.acquire())
    await clock.advance(250)
    controller.abort()
    await clock.advance(0)
    const error = rejectedWith(waiter, 'POOL_ACQUIRE_ABORTED')
    expect(error.message).toMatch(/aborted by its AbortSignal after 250 ms/)
    expect(aborts).toHaveLength(1)
    expect(aborts[0]!.waitMs).toBe(250)
    expect(pool.pending).toBe(1)
    pool.release(conn)
    await clock.advance(0)
    expect(other.value).toBe(conn)
  })

  it('removes its abort listener once served, and a later abort changes nothing', async () => {
    const { pool, clock } = setup({ max: 1 })
    const conn = await pool.acquire()
    const controller = new AbortController()
    const waiter = track(pool.acquire({ signal: controller.signal }))
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1)
    pool.release(conn)
    await clock.advance(0)
    expect(waiter.value).toBe(conn)
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
    controller.abort()
    expect(pool.isBorrowed(conn)).toBe(true)
    expect(pool.stats().counters.aborted).toBe(0)
  })

  it('removes its abort listener after a timeout', async () => {
    const { pool, clock } = setup({ max: 1, acquireTimeoutMs: 100 })
    await pool.acquire()
    const controller = new AbortController()
    const waiter = track(pool.acquire({ signal: controller.signal }))
    await clock.advance(100)
    rejectedWith(waiter, 'POOL_ACQUIRE_TIMEOUT')
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
  })

  it('the fast path does not register a listener', async () => {
    const s = setup({ max: 1 })
    await warm(s, 1)
    const controller = new AbortController()
    await s.pool.acquire({ signal: controller.signal })
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
  })
})

describe('acquire timeouts', () => {
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

  it('a caller queued in the same run of microtasks as the last clock reading counts its deadline from it, as a Node timer would', async () => {
    const { pool, clock } = setup({ max: 1, acquireTimeoutMs: 1_000 })
    await pool.acquire()
    await nextTurn()
    const start = clock.now()
    const a = track(pool.acquire(), clock) // reads the clock
    clock.block(400) // a 400 ms synchronous job, then another acquire in the same run: no new reading
    const b = track(pool.acquire(), clock)
    await clock.advance(599)
    expect([a.settled, b.settled]).toEqual([false, false])
    await clock.advance(1)
    // both count from `start`, exactly as setTimeout(…, 1000) called after the job would (Node's timers
    // count from the loop's time, taken before the job)
    expect(rejectedWith(a, 'POOL_ACQUIRE_TIMEOUT').message).toMatch(/waited 1000 ms/)
    expect(rejectedWith(b, 'POOL_ACQUIRE_TIMEOUT').message).toMatch(/waited 1000 ms/)
    expect(clock.now() - start).toBe(1_000)
  })

  it('once the microtasks queued before that reading have run, the next caller reads the clock again', async () => {
    const { pool, clock } = setup({ max: 1, acquireTimeoutMs: 1_000 })
    await pool.acquire()
    await nextTurn()
    const a = track(pool.acquire(), clock)
    await Promise.resolve() // the pool's reading is stale after this
    clock.block(400)
    const b = track(pool.acquire(), clock)
    await clock.advance(600)
    expect([a.settled, b.settled]).toEqual([true, false])
    await clock.advance(399)
    expect(b.settled).toBe(false)
    await clock.advance(1)
    expect(rejectedWith(b, 'POOL_ACQUIRE_TIMEOUT').message).toMatch(/waited 1000 ms/)
  })

  it('1000 waiters share one timer and all time out exactly at their deadline', async () => {
    const { pool, clock } = setup({ max: 1, acquireTimeoutMs: 30_000 })
    await pool.acquire()
    const before = clock.pendingTimers().total
    const waiters: Tracked<Conn>[] = []
    for (let i = 0; i < 1000; i++) {
      waiters.push(track(pool.acquire(), clock))
      if (i % 100 === 99) await clock.advance(1) // staggered arrivals
    }
    expect(pool.pending).toBe(1000)
    expect(clock.pendingTimers().total - before).toBeLessThanOrEqual(1)
    await clock.advance(30_000 - 10 - 1)
    expect(waiters.filter((w) => w.settled)).toHaveLength(0)
    await clock.advance(1)
    expect(waiters.filter((w) => w.settled)).toHaveLength(100)
    await clock.advance(20)
    expect(waiters.every((w) => w.settled)).toBe(true)
    waiters.forEach((w, i) => {
      rejectedWith(w, 'POOL_ACQUIRE_TIMEOUT')
      expect(w.at).toBe(1_000_000 + 30_000 + Math.floor(i / 100))
    })
    expect(pool.stats().counters.timeouts).toBe(1000)
    expect(pool.pending).toBe(0)
  })

  it('honours per-call timeouts shorter and longer than the default, mixed with default ones', async () => {
    const { pool, clock } = setup({ max: 1, acquireTimeoutMs: 1_000 })
    await pool.acquire()
    const start = clock.now()
    const byDefault = track(pool.acquire(), clock)
    const longer = track(pool.acquire({ timeoutMs: 5_000 }), clock)
    const shorter = track(pool.acquire({ timeoutMs: 100 }), clock)
    const sameAsDefault = track(pool.acquire({ timeoutMs: 1_000 }), clock)
    await clock.advance(10_000)
    for (const w of [byDefault, longer, shorter, sameAsDefault]) rejectedWith(w, 'POOL_ACQUIRE_TIMEOUT')
    expect(shorter.at! - start).toBe(100)
    expect(byDefault.at! - start).toBe(1_000)
    expect(sameAsDefault.at! - start).toBe(1_000)
    expect(longer.at! - start).toBe(5_000)
  })

  it('timeoutMs 0 waits without a timeout', async () => {
    const { pool, clock } = setup({ max: 1, acquireTimeoutMs: 1_000, maxLifetimeMs: 0, housekeepingIntervalMs: 60_000 })
    const conn = await pool.acquire()
    const waiter = track(pool.acquire({ timeoutMs: 0 }))
    await clock.advance(10 * 3_600_000)
    expect(waiter.settled).toBe(false)
    pool.release(conn)
    await clock.advance(0)
    expect(waiter.value).toBe(conn)
  })

  it('acquireTimeoutMs 0 in the config waits without a timeout', async () => {
    const { pool, clock } = setup({ max: 1, acquireTimeoutMs: 0, maxLifetimeMs: 0, housekeepingIntervalMs: 60_000 })
    const conn = await pool.acquire()
    const waiter = track(pool.acquire())
    await clock.advance(3_600_000)
    expect(waiter.settled).toBe(false)
    pool.release(conn)
    await clock.advance(0)
    expect(waiter.value).toBe(conn)
  })

  it('the timeout error says how long it waited, what was going on and what to do', async () => {
    const { pool, clock } = setup({ name: 'orders', max: 1, acquireTimeoutMs: 500 })
    await pool.acquire()
    const waiter = track(pool.acquire())
    await clock.advance(500)
    const error = rejectedWith(waiter, 'POOL_ACQUIRE_TIMEOUT')
    expect(error.message).toMatch(/^Pool "orders": waited 500 ms/)
    expect(error.message).toMatch(/1 of 1 in use/)
    expect(error.message).toMatch(/Raise max or acquireTimeoutMs/)
    expect(error.cause).toBeUndefined()
    expect(error.stats?.used).toBe(1)
  })

  it('a served waiter leaves no timer keeping the process alive', async () => {
    const { pool, clock } = setup({ max: 1, acquireTimeoutMs: 30_000 })
    const conn = await pool.acquire()
    const waiters = [track(pool.acquire()), track(pool.acquire({ timeoutMs: 60_000 }))]
    await clock.advance(0)
    pool.release(conn)
    await clock.advance(0)
    pool.release(conn)
    await clock.advance(0)
    expect(waiters.every((w) => w.value === conn)).toBe(true)
    pool.release(conn)
    expect(clock.pendingTimers().ref).toBe(0)
  })

  it('an aborted waiter leaves no timer keeping the process alive', async () => {
    const { pool, clock } = setup({ max: 1, acquireTimeoutMs: 30_000 })
    await pool.acquire()
    const controller = new AbortController()
    const waiter = track(pool.acquire({ signal: controller.signal }))
    await clock.advance(0)
    controller.abort()
    await clock.advance(0)
    rejectedWith(waiter, 'POOL_ACQUIRE_ABORTED')
    expect(clock.pendingTimers().ref).toBe(0)
  })

  it('keeps timing out the right waiters after others are served or aborted in between', async () => {
    const { pool, clock } = setup({ max: 1, acquireTimeoutMs: 1_000 })
    const conn = await pool.acquire()
    const controller = new AbortController()
    const a = track(pool.acquire(), clock)
    await clock.advance(100)
    const b = track(pool.acquire({ signal: controller.signal }), clock)
    await clock.advance(100)
    const c = track(pool.acquire({ timeoutMs: 300 }), clock)
    await clock.advance(100)
    const d = track(pool.acquire(), clock)
    pool.release(conn) // a is served
    controller.abort() // b leaves
    await clock.advance(0)
    expect(a.value).toBe(conn)
    rejectedWith(b, 'POOL_ACQUIRE_ABORTED')
    await clock.advance(2_000)
    rejectedWith(c, 'POOL_ACQUIRE_TIMEOUT')
    rejectedWith(d, 'POOL_ACQUIRE_TIMEOUT')
    expect(c.at).toBe(1_000_000 + 500)
    expect(d.at).toBe(1_000_000 + 1_300)
  })
})

describe('use()', () => {
  it('returns what fn returns and releases the resource', async () => {
    const { pool } = setup({ max: 1 })
    const result = await pool.use(async (conn) => {
      expect(pool.isBorrowed(conn)).toBe(true)
      return conn.id * 10
    })
    expect(result).toBe(10)
    expect(pool.idle).toBe(1)
    expect(pool.used).toBe(0)
  })

  it('releases the resource when fn throws, and rethrows', async () => {
    const { pool } = setup({ max: 1 })
    const boom = new Error('boom')
    await expect(
      pool.use(() => {
        throw boom
      }),
    ).rejects.toBe(boom)
    await expect(pool.use(async () => Promise.reject(boom))).rejects.toBe(boom)
    expect(pool.idle).toBe(1)
    expect(pool.stats().counters.released).toBe(2)
  })

  it('does not throw when fn destroys or releases the resource itself', async () => {
    const { pool, clock } = setup({ max: 1 })
    let destroyed: Conn | undefined
    await expect(
      pool.use((conn) => {
        destroyed = conn
        pool.destroy(conn)
        return 'ok'
      }),
    ).resolves.toBe('ok')
    expect(destroyed!.closed).toBe(true)
    await expect(
      pool.use((conn) => {
        pool.release(conn)
        return 'ok'
      }),
    ).resolves.toBe('ok')
    await clock.advance(0)
    expect(pool.idle).toBe(1)
    expect(pool.stats().counters.released).toBe(2)
  })

  it('does not release a resource that fn released and someone else borrowed since', async () => {
    const { pool, clock } = setup({ max: 1 })
    let other: Promise<Conn> | undefined
    await pool.use(async (conn) => {
      other = pool.acquire()
      pool.release(conn) // handed to `other`
      await clock.advance(0)
    })
    const conn = await other!
    expect(pool.isBorrowed(conn)).toBe(true)
  })

  it('passes acquire options through (timeout)', async () => {
    const { pool, clock } = setup({ max: 1 })
    const conn = await pool.acquire()
    const result = track(
      pool.use(() => 'never', { timeoutMs: 50 }),
      clock,
    )
    await clock.advance(50)
    rejectedWith(result, 'POOL_ACQUIRE_TIMEOUT')
    pool.release(conn)
  })
})
