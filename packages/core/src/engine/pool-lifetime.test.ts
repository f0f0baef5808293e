import { describe, expect, it } from 'vitest'
import type { DestroyReason } from '../stats/pool-stats.js'
import { type Conn, setup, track, warm } from './__fixtures__/driver.js'

const T0 = 1_000_000

function destroyLog(pool: ReturnType<typeof setup>['pool'], clock: ReturnType<typeof setup>['clock']) {
  const log: { id: number; reason: DestroyReason; at: number }[] = []
  pool.on('destroy', ({ resource, reason }) => log.push({ id: resource.id, reason, at: clock.now() - T0 }))
  return log
}

describe('idle timeout', () => {
  it('closes idle resources above min after idleTimeoutMs, never shrinking below min', async () => {
    const s = setup({ min: 1, max: 4, idleTimeoutMs: 10_000, maxLifetimeMs: 0 })
    const log = destroyLog(s.pool, s.clock)
    await warm(s, 4)
    await s.clock.advance(9_999)
    expect(s.pool.total).toBe(4)
    await s.clock.advance(1)
    expect(s.pool.total).toBe(1)
    expect(log.map((e) => e.reason)).toEqual(['idle-timeout', 'idle-timeout', 'idle-timeout'])
    expect(log.every((e) => e.at === 10_000)).toBe(true)
    await s.clock.advance(100_000)
    expect(s.pool.total).toBe(1)
    expect(s.pool.stats().counters.destroyedBy['idle-timeout']).toBe(3)
  })

  it('an untimed loan stamps its idle start with the coarse time: at most one housekeeping interval early', async () => {
    const s = setup({ max: 2, idleTimeoutMs: 10_000, maxLifetimeMs: 0, housekeepingIntervalMs: 1_000 })
    const log = destroyLog(s.pool, s.clock)
    await warm(s, 1) // loan 1: timed
    await s.clock.advance(6_500)
    const c = await s.pool.acquire() // loan 2: untimed (1 in 16 are timed)
    s.pool.release(c) // really at 6 500; stamped with the last reading, the 6 000 housekeeping pass
    await s.clock.advance(9_000)
    expect(log).toEqual([])
    await s.clock.advance(1_000)
    expect(log).toEqual([{ id: c.id, reason: 'idle-timeout', at: 16_000 }]) // exact would be the 17 000 pass
  })

  it('timingSampleEvery 1 stamps the exact release time, and the idle timeout fires on time', async () => {
    const s = setup({ max: 2, idleTimeoutMs: 10_000, maxLifetimeMs: 0, timingSampleEvery: 1 })
    const log = destroyLog(s.pool, s.clock)
    await warm(s, 1)
    await s.clock.advance(6_500)
    const c = await s.pool.acquire()
    s.pool.release(c)
    await s.clock.advance(9_999)
    expect(log).toEqual([])
    await s.clock.advance(1)
    // the housekeeper wakes for the earliest idle expiry, not at its next 1 000 ms pass (17 000)
    expect(log).toEqual([{ id: c.id, reason: 'idle-timeout', at: 16_500 }])
  })

  it('counts idle time from the last release, and closes the longest idle first', async () => {
    const s = setup({ max: 3, idleTimeoutMs: 10_000, maxLifetimeMs: 0 })
    const log = destroyLog(s.pool, s.clock)
    const [a, b] = await warm(s, 2)
    await s.clock.advance(6_000)
    const again = await s.pool.acquire() // b (LIFO)
    expect(again).toBe(b)
    s.pool.release(again)
    await s.clock.advance(4_000)
    expect(log).toEqual([{ id: a!.id, reason: 'idle-timeout', at: 10_000 }])
    await s.clock.advance(6_000)
    expect(log.map((e) => [e.id, e.at])).toEqual([
      [a!.id, 10_000],
      [b!.id, 16_000],
    ])
  })

  it('idleTimeoutMs 0 never closes idle resources', async () => {
    const s = setup({ max: 2, idleTimeoutMs: 0, maxLifetimeMs: 0, housekeepingIntervalMs: 60_000 })
    await warm(s, 2)
    await s.clock.advance(24 * 3_600_000)
    expect(s.pool.total).toBe(2)
  })
})

describe('maxIdle', () => {
  it('closes the longest-idle resources above maxIdle at the next housekeeping pass, never below min', async () => {
    const s = setup({ min: 1, max: 6, maxIdle: 2, idleTimeoutMs: 0, maxLifetimeMs: 0, housekeepingIntervalMs: 1_000 })
    const log = destroyLog(s.pool, s.clock)
    const conns = await warm(s, 5) // released in order: conns[0] has been idle longest
    expect(s.pool.idle).toBe(5)
    await s.clock.advance(999)
    expect(s.pool.idle).toBe(5) // lazily, like mysql2: not on release
    await s.clock.advance(1)
    expect(s.pool.idle).toBe(2)
    expect(log.map((e) => [e.id, e.reason, e.at])).toEqual(conns.slice(0, 3).map((c) => [c.id, 'max-idle', 1_000]))
    expect(s.pool.stats().counters.destroyedBy['max-idle']).toBe(3)
    // the two kept are the most recently used ones
    expect([await s.pool.acquire(), await s.pool.acquire()].map((c) => c.id).sort()).toEqual(
      [conns[3]!.id, conns[4]!.id].sort(),
    )
  })

  it('counts only idle resources: borrowed ones are not capped', async () => {
    const s = setup({ max: 6, maxIdle: 1, idleTimeoutMs: 0, maxLifetimeMs: 0, housekeepingIntervalMs: 1_000 })
    const held = await Promise.all([s.pool.acquire(), s.pool.acquire(), s.pool.acquire()])
    await s.clock.advance(5_000)
    expect(s.pool.total).toBe(3)
    for (const c of held) s.pool.release(c)
    await s.clock.advance(1_000)
    expect(s.pool.total).toBe(1)
    expect(s.pool.idle).toBe(1)
  })

  it('maxIdle 0 with min 0 closes every idle resource at the next pass', async () => {
    const s = setup({ max: 3, maxIdle: 0, idleTimeoutMs: 0, maxLifetimeMs: 0, housekeepingIntervalMs: 500 })
    await warm(s, 3)
    await s.clock.advance(500)
    expect(s.pool.total).toBe(0)
  })

  it('is unset (no cap) by default and rejects a cap below min', () => {
    const s = setup({ max: 3 })
    expect(s.pool.config.maxIdle).toBe(Number.POSITIVE_INFINITY)
    expect(() => setup({ min: 3, max: 5, maxIdle: 2 })).toThrow(/maxIdle \(2\) must not be below min \(3\)/)
    expect(() => setup({ maxIdle: -1 })).toThrow(/maxIdle/)
  })
})

describe('max lifetime', () => {
  it('retires idle resources at maxLifetimeMs minus a random jitter, and refills min', async () => {
    const randoms = [0, 0.5, 1]
    let i = 0
    const s = setup(
      { min: 3, max: 3, maxLifetimeMs: 10_000, maxLifetimeJitterMs: 4_000, idleTimeoutMs: 0 },
      {},
      { random: () => randoms[i++ % randoms.length]! },
    )
    const log = destroyLog(s.pool, s.clock)
    await s.clock.advance(0)
    const [c1, c2, c3] = s.fake.made
    // retireAt: 10000 - 0, 10000 - 2000, 10000 - 4000
    await s.clock.advance(5_999)
    expect(log).toEqual([])
    await s.clock.advance(1)
    expect(log).toEqual([{ id: c3!.id, reason: 'max-lifetime', at: 6_000 }])
    await s.clock.advance(4_000)
    expect(log).toEqual([
      { id: c3!.id, reason: 'max-lifetime', at: 6_000 },
      { id: c2!.id, reason: 'max-lifetime', at: 8_000 },
      { id: c1!.id, reason: 'max-lifetime', at: 10_000 },
    ])
    expect(s.pool.total).toBe(3) // min refilled each time
    expect(s.fake.createCalls).toHaveLength(6)
  })

  it('pool.expired counts borrowed resources past their lifetime (jitter included) until they are released', async () => {
    const s = setup(
      { max: 3, maxLifetimeMs: 10_000, maxLifetimeJitterMs: 2_000, idleTimeoutMs: 0 },
      {},
      { random: () => 1 },
    )
    const a = await s.pool.acquire() // retires at 8 000 (full jitter)
    await s.clock.advance(5_000)
    const b = await s.pool.acquire() // created at 5 000: retires at 13 000
    expect(s.pool.expired).toBe(0)
    await s.clock.advance(3_000)
    expect(s.pool.expired).toBe(1)
    await s.clock.advance(5_000)
    expect(s.pool.expired).toBe(2)
    s.pool.release(a)
    expect(s.pool.expired).toBe(1)
    s.pool.release(b)
    expect(s.pool.expired).toBe(0)
    expect(s.pool.stats().counters.destroyedBy['max-lifetime']).toBe(2)
  })

  it('does not take a borrowed resource from its borrower: it is retired on release', async () => {
    const s = setup({ max: 1, maxLifetimeMs: 10_000, maxLifetimeJitterMs: 0 })
    const log = destroyLog(s.pool, s.clock)
    const conn = await s.pool.acquire()
    await s.clock.advance(60_000)
    expect(conn.closed).toBe(false)
    expect(s.pool.isBorrowed(conn)).toBe(true)
    const waiter = track(s.pool.acquire())
    s.pool.release(conn)
    expect(conn.closed).toBe(true)
    expect(log).toEqual([{ id: conn.id, reason: 'max-lifetime', at: 60_000 }])
    await s.clock.advance(0)
    expect(waiter.value).toBeDefined()
    expect(waiter.value).not.toBe(conn)
  })

  it('maxLifetimeMs 0 never retires', async () => {
    const s = setup({ min: 1, max: 1, maxLifetimeMs: 0, idleTimeoutMs: 0, housekeepingIntervalMs: 60_000 })
    await s.clock.advance(7 * 24 * 3_600_000)
    expect(s.fake.createCalls).toHaveLength(1)
  })
})

describe('maxUses', () => {
  it('retires a resource on the release after its maxUses-th borrow', async () => {
    const s = setup({ max: 1, maxUses: 3 })
    const log = destroyLog(s.pool, s.clock)
    const seen: Conn[] = []
    for (let i = 0; i < 4; i++) seen.push(await s.pool.use(async (c) => c))
    expect(seen[0]).toBe(seen[1])
    expect(seen[1]).toBe(seen[2])
    expect(seen[3]).not.toBe(seen[0])
    expect(seen[0]!.closed).toBe(true)
    expect(log.map((e) => e.reason)).toEqual(['max-uses'])
  })
})

describe('the housekeeping timer', () => {
  it('is a single unref’d timer: a warm pool with no waiters keeps no ref’d timer', async () => {
    const s = setup({ min: 2, max: 5, keepaliveIntervalMs: 5_000, leakDetectionThresholdMs: 1_000 })
    await s.pool.ready()
    await warm(s, 4)
    await s.clock.advance(0)
    expect(s.clock.pendingTimers()).toEqual({ total: 1, ref: 0 })
    await s.clock.advance(3_000)
    expect(s.clock.pendingTimers()).toEqual({ total: 1, ref: 0 })
  })

  it('keeps no ref’d timer after a burst of waiters was served', async () => {
    const s = setup({ max: 2 })
    await Promise.all(Array.from({ length: 50 }, () => s.pool.use(async () => undefined)))
    await s.clock.advance(0)
    expect(s.clock.pendingTimers()).toEqual({ total: 1, ref: 0 })
  })

  it('runs every housekeepingIntervalMs, and runHousekeeping() runs a pass now', async () => {
    const s = setup({ max: 2, maxIdle: 0, housekeepingIntervalMs: 5_000, maxLifetimeMs: 0 })
    await warm(s, 2)
    await s.clock.advance(4_999)
    expect(s.pool.total).toBe(2)
    s.pool.runHousekeeping()
    expect(s.pool.total).toBe(0)
  })
})
