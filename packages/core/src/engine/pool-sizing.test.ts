import { describe, expect, it } from 'vitest'
import { type Conn, setup, track, warm } from './__fixtures__/driver.js'

describe('sizing: min', () => {
  it('creates min resources at start', async () => {
    const { pool, fake, clock } = setup({ min: 3, max: 5 })
    expect(pool.creating).toBe(3)
    await clock.advance(0)
    expect(fake.createCalls).toHaveLength(3)
    expect(pool.total).toBe(3)
    expect(pool.idle).toBe(3)
    expect(pool.stats().counters.created).toBe(3)
  })

  it('refills min after resources are destroyed by the caller', async () => {
    const { pool, fake, clock } = setup({ min: 3, max: 5 })
    await clock.advance(0)
    const a = await pool.acquire()
    const b = await pool.acquire()
    pool.destroy(a)
    pool.destroy(b)
    expect(pool.total).toBe(1)
    await clock.advance(0)
    expect(pool.total).toBe(3)
    expect(fake.createCalls).toHaveLength(5)
    expect(pool.stats().counters.destroyedBy.broken).toBe(2)
  })

  it('refills min after idle resources are lost to max lifetime', async () => {
    const { pool, fake, clock } = setup({ min: 2, max: 4, maxLifetimeMs: 10_000, maxLifetimeJitterMs: 0 })
    await clock.advance(0)
    const first = [...fake.made]
    await clock.advance(10_000)
    expect(first.every((c) => c.closed)).toBe(true)
    expect(pool.total).toBe(2)
    expect(pool.stats().counters.destroyedBy['max-lifetime']).toBe(2)
    expect(fake.createCalls).toHaveLength(4)
  })
})

describe('sizing: max', () => {
  it('a burst of 1000 acquires on max 10 makes exactly 10 creates and never holds more than 10', async () => {
    const { pool, fake, clock } = setup({ max: 10 })
    fake.createDelayMs = 5
    let concurrent = 0
    let peak = 0
    let peakTotal = 0
    const held = new Set<Conn>()
    const all = Array.from({ length: 1000 }, (_, i) =>
      pool.use(async (conn) => {
        expect(held.has(conn)).toBe(false)
        held.add(conn)
        concurrent++
        peak = Math.max(peak, concurrent)
        peakTotal = Math.max(peakTotal, pool.total + pool.creating)
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 10))
        held.delete(conn)
        concurrent--
        return i
      }),
    )
    expect(pool.creating).toBe(10)
    expect(pool.pending).toBe(1000)
    await clock.advance(5 + 100 * 10)
    const results = await Promise.all(all)
    expect(results).toHaveLength(1000)
    expect(fake.createCalls).toHaveLength(10)
    expect(peak).toBe(10)
    expect(peakTotal).toBeLessThanOrEqual(10)
    expect(pool.total).toBe(10)
    expect(pool.stats().counters.acquired).toBe(1000)
    expect(pool.stats().counters.released).toBe(1000)
  })

  it('creates only what the queue needs below max', async () => {
    const { pool, fake, clock } = setup({ max: 10 })
    fake.createDelayMs = 10
    const a = track(pool.acquire())
    const b = track(pool.acquire())
    expect(pool.creating).toBe(2)
    await clock.advance(10)
    expect(a.settled && b.settled).toBe(true)
    expect(fake.createCalls).toHaveLength(2)
  })
})

describe('sizing: resize()', () => {
  it('shrinking max closes idle resources now and borrowed ones on release', async () => {
    const s = setup({ max: 5 })
    const { pool, fake, clock } = s
    await warm(s, 5)
    const borrowed = [await pool.acquire(), await pool.acquire(), await pool.acquire()]
    expect(pool.idle).toBe(2)
    const events: { min: number; max: number }[] = []
    pool.on('resize', (e) => events.push(e))
    pool.resize({ max: 2 })
    expect(events).toEqual([{ min: 0, max: 2 }])
    expect(pool.max).toBe(2)
    expect(pool.idle).toBe(0)
    expect(pool.total).toBe(3)
    expect(pool.stats().counters.destroyedBy.resized).toBe(2)
    expect(borrowed.every((c) => !c.closed)).toBe(true)
    pool.release(borrowed[0]!)
    expect(borrowed[0]!.closed).toBe(true)
    expect(pool.total).toBe(2)
    pool.release(borrowed[1]!)
    pool.release(borrowed[2]!)
    expect(pool.total).toBe(2)
    expect(pool.idle).toBe(2)
    expect(pool.stats().counters.destroyedBy.resized).toBe(3)
    await clock.advance(0)
    expect(fake.live).toBe(2)
  })

  it('growing min creates the missing resources', async () => {
    const { pool, fake, clock } = setup({ min: 1, max: 5 })
    await clock.advance(0)
    expect(pool.total).toBe(1)
    pool.resize({ min: 4 })
    await clock.advance(0)
    expect(pool.min).toBe(4)
    expect(pool.total).toBe(4)
    expect(fake.createCalls).toHaveLength(4)
  })

  it('growing max serves queued callers with new resources', async () => {
    const { pool, clock } = setup({ max: 1 })
    const first = await pool.acquire()
    const waiting = [track(pool.acquire()), track(pool.acquire())]
    await clock.advance(0)
    expect(waiting.some((w) => w.settled)).toBe(false)
    pool.resize({ max: 3 })
    await clock.advance(0)
    expect(waiting.every((w) => w.settled && w.value !== undefined)).toBe(true)
    expect(pool.total).toBe(3)
    pool.release(first)
  })

  it('a create in flight that would exceed a shrunk max is destroyed on arrival', async () => {
    const { pool, fake, clock } = setup({ max: 4 })
    fake.createDelayMs = 100
    const waiting = [track(pool.acquire()), track(pool.acquire()), track(pool.acquire())]
    expect(pool.creating).toBe(3)
    pool.resize({ max: 1 })
    await clock.advance(100)
    expect(pool.total).toBe(1)
    expect(pool.stats().counters.destroyedBy.resized).toBe(2)
    expect(waiting.filter((w) => w.settled)).toHaveLength(1)
    // the rest keep waiting for the one resource
    const served = waiting.find((w) => w.settled)!.value!
    pool.release(served)
    await clock.advance(0)
    expect(waiting.filter((w) => w.settled)).toHaveLength(2)
  })
})
