import { describe, expect, it } from 'vitest'
import type { TimerHandle } from '../clock/clock.js'
import type { DestroyReason } from '../stats/pool-stats.js'
import { FakeClock } from '../testing/fake-clock.js'
import { FakeDriver, setup, warm } from './__fixtures__/driver.js'
import { createPool } from './pool.js'

const T0 = 1_000_000

function destroyLog(s: ReturnType<typeof setup>) {
  const log: { id: number; reason: DestroyReason; at: number }[] = []
  s.pool.on('destroy', ({ resource, reason }) => log.push({ id: resource.id, reason, at: s.clock.now() - T0 }))
  return log
}

/** A FakeClock that counts the timers armed. */
class CountingClock extends FakeClock {
  armed = 0
  override setTimeout(callback: () => void, delayMs: number, unref?: boolean): TimerHandle {
    this.armed++
    return super.setTimeout(callback, delayMs, unref)
  }
}

describe('idle timeout precision', () => {
  it('an idle resource above min closes at idleTimeoutMs after its release, not at the next housekeeping pass', async () => {
    const s = setup({ max: 3, idleTimeoutMs: 10_000, housekeepingIntervalMs: 1_000, timingSampleEvery: 1 })
    const log = destroyLog(s)
    const a = await s.pool.acquire()
    const b = await s.pool.acquire()
    await s.clock.advance(123)
    s.pool.release(a)
    await s.clock.advance(4_444)
    s.pool.release(b)
    await s.clock.advance(10_000 - 4_444 - 1)
    expect(log).toEqual([])
    await s.clock.advance(1)
    expect(log).toEqual([{ id: a.id, reason: 'idle-timeout', at: 10_123 }])
    await s.clock.advance(4_443)
    expect(log).toHaveLength(1)
    await s.clock.advance(1)
    expect(log[1]).toEqual({ id: b.id, reason: 'idle-timeout', at: 14_567 })
  })

  it('an idle timeout shorter than the housekeeping interval wakes the housekeeper in time', async () => {
    const s = setup({ max: 2, idleTimeoutMs: 300, housekeepingIntervalMs: 5_000, timingSampleEvery: 1 })
    const log = destroyLog(s)
    await s.clock.advance(2_000)
    const conn = await s.pool.acquire()
    await s.clock.advance(50)
    s.pool.release(conn)
    await s.clock.advance(299)
    expect(log).toEqual([])
    await s.clock.advance(1)
    expect(log).toEqual([{ id: conn.id, reason: 'idle-timeout', at: 2_350 }])
  })

  it('an idle resource retires at its max lifetime, on time', async () => {
    const s = setup({ max: 1, maxLifetimeMs: 5_500, maxLifetimeJitterMs: 0, idleTimeoutMs: 0 })
    const log = destroyLog(s)
    await warm(s, 1)
    await s.clock.advance(5_499)
    expect(log).toEqual([])
    await s.clock.advance(1)
    expect(log).toEqual([{ id: 1, reason: 'max-lifetime', at: 5_500 }])
  })

  it('resources kept for min do not make the housekeeper spin', async () => {
    const clock = new CountingClock()
    const fake = new FakeDriver(clock)
    const pool = createPool(
      fake.driver,
      { min: 2, max: 2, idleTimeoutMs: 100, housekeepingIntervalMs: 1_000 },
      { clock, logger: false },
    )
    await pool.ready()
    const conns = [await pool.acquire(), await pool.acquire()]
    for (const c of conns) pool.release(c)
    const before = clock.armed
    await clock.advance(10_000)
    expect(pool.total).toBe(2)
    // one pass a second, nothing more
    expect(clock.armed - before).toBeLessThanOrEqual(12)
    expect(clock.pendingTimers()).toEqual({ total: 1, ref: 0 })
  })

  it('a busy pool arms no extra timer per release', async () => {
    const clock = new CountingClock()
    const fake = new FakeDriver(clock)
    const pool = createPool(fake.driver, { max: 2, idleTimeoutMs: 10_000 }, { clock, logger: false })
    await pool.use(() => undefined)
    const before = clock.armed
    for (let i = 0; i < 1_000; i++) await pool.use(() => undefined)
    expect(clock.armed).toBe(before)
  })
})
