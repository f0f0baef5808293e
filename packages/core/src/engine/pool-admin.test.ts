import { describe, expect, it } from 'vitest'
import { rejection, setup, thrown, track, warm } from './__fixtures__/driver.js'

describe('evictIdle()', () => {
  it('destroys every idle resource now, leaves borrowed ones alone, and refills min', async () => {
    const s = setup({ min: 2, max: 5 })
    const conns = await warm(s, 4)
    const borrowed = await s.pool.acquire()
    const destroyed: string[] = []
    s.pool.on('destroy', (e) => destroyed.push(e.reason))
    expect(s.pool.evictIdle()).toBe(3)
    expect(destroyed).toEqual(['evicted', 'evicted', 'evicted'])
    expect(s.pool.stats().counters.destroyedBy.evicted).toBe(3)
    expect(s.pool.isBorrowed(borrowed)).toBe(true)
    await s.clock.advance(0)
    // min 2: one borrowed + one new idle
    expect(s.pool.total).toBe(2)
    expect(s.fake.made.length).toBe(conns.length + 1)
    s.pool.release(borrowed)
  })

  it('is refused after close', async () => {
    const s = setup({ max: 1 })
    await s.pool.close()
    expect(thrown(() => s.pool.evictIdle(), 'POOL_CLOSED').message).toMatch(/evictIdle\(\)/)
  })
})

describe('the borrowed counter', () => {
  it('follows lends, releases, destroys, reclaims and forced closes', async () => {
    const s = setup({ max: 4, leakReclaimAfterMs: 10_000 })
    const a = await s.pool.acquire()
    const b = await s.pool.acquire()
    const c = await s.pool.acquire()
    expect(s.pool.borrowed).toBe(3)
    expect(s.pool.stats().borrowed).toBe(3)
    s.pool.release(a)
    expect(s.pool.borrowed).toBe(2)
    s.pool.destroy(b)
    expect(s.pool.borrowed).toBe(1)
    await s.clock.advance(10_000)
    expect(s.pool.stats().counters.leaksReclaimed).toBe(1)
    expect(s.pool.borrowed).toBe(0)
    expect(() => s.pool.release(c)).not.toThrow()
    const d = await s.pool.acquire()
    expect(s.pool.borrowed).toBe(1)
    const closed = s.pool.close({ graceMs: 5 })
    await s.clock.advance(5)
    await closed
    expect(s.pool.borrowed).toBe(0)
    expect(() => s.pool.release(d)).not.toThrow()
  })
})

describe('close({ graceMs: Infinity })', () => {
  it('waits for every loan however long it takes, with no timer', async () => {
    const s = setup({ max: 2 })
    const conn = await s.pool.acquire()
    const closed = track(s.pool.close({ graceMs: Number.POSITIVE_INFINITY }))
    await s.clock.advance(24 * 3_600_000)
    expect(closed.settled).toBe(false)
    expect(s.clock.pendingTimers().ref).toBe(0)
    s.pool.release(conn)
    await s.clock.advance(0)
    expect(closed.settled).toBe(true)
    expect(s.fake.destroyed).toContain(conn)
  })

  it('still rejects NaN and negative grace periods', async () => {
    const s = setup({ max: 1 })
    await rejection(s.pool.close({ graceMs: Number.NaN }), 'POOL_CONFIG_INVALID')
  })
})
