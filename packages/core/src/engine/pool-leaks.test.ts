import { afterEach, describe, expect, it, vi } from 'vitest'
import type { LeakReport, PoolEvents } from '../events/pool-events.js'
import { type Conn, setup, track } from './__fixtures__/driver.js'

const T0 = 1_000_000

function leakLog(pool: ReturnType<typeof setup>['pool']) {
  const leaks: LeakReport<Conn>[] = []
  const returned: PoolEvents<Conn>['leakReturned'][] = []
  pool.on('leak', (e) => leaks.push(e))
  pool.on('leakReturned', (e) => returned.push(e))
  return { leaks, returned }
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('leak detection', () => {
  it('reports a loan held past the threshold once, with the acquire-site stack, and logs it', async () => {
    const { pool, clock, logger } = setup({ max: 2, leakDetectionThresholdMs: 5_000, leakCaptureStack: 'always' })
    const { leaks, returned } = leakLog(pool)
    const ids: number[] = []
    pool.on('acquire', (e) => ids.push(e.id))
    const conn = await pool.acquire()
    await clock.advance(4_999)
    expect(leaks).toHaveLength(0)
    await clock.advance(1)
    expect(leaks).toHaveLength(1)
    const [leak] = leaks
    expect(leak!.id).toBe(ids[0])
    expect(leak!.resource).toBe(conn)
    expect(leak!.heldMs).toBe(5_000)
    expect(leak!.stack).toContain('pool-leaks.test.ts')
    expect(leak!.stack).not.toContain('acquired here')
    expect(logger.warns).toHaveLength(1)
    expect(logger.warns[0]).toMatch(/possible leak: acquire #\d+ has held a resource for 5000 ms/)
    expect(logger.warns[0]).toContain('pool-leaks.test.ts')
    await clock.advance(60_000)
    expect(leaks).toHaveLength(1) // once per loan
    expect(pool.stats().counters.leaks).toBe(1)
    pool.release(conn)
    expect(returned).toEqual([{ id: ids[0], resource: conn, heldMs: 65_000, reclaimed: false }])
    expect(logger.infos.some((l) => /leak suspect #\d+ returned after 65000 ms/.test(l))).toBe(true)
  })

  it('captures the caller of use() as the acquire site', async () => {
    const { pool, clock } = setup({ max: 1, leakDetectionThresholdMs: 1_000, leakCaptureStack: 'always' })
    const { leaks } = leakLog(pool)
    const done = pool.use(async function slowUserCode() {
      await new Promise<void>((resolve) => clock.setTimeout(resolve, 3_000))
    })
    await clock.advance(3_000)
    await done
    expect(leaks).toHaveLength(1)
    expect(leaks[0]!.stack).toContain('pool-leaks.test.ts')
  })

  it('captures the site of a queued acquire too', async () => {
    const { pool, clock } = setup({ max: 1, leakDetectionThresholdMs: 1_000, leakCaptureStack: 'always' })
    const { leaks } = leakLog(pool)
    const first = await pool.acquire()
    const queued = track(pool.acquire())
    pool.release(first)
    await clock.advance(1_000)
    expect(queued.value).toBe(first)
    expect(leaks).toHaveLength(1)
    expect(leaks[0]!.stack).toContain('pool-leaks.test.ts')
  })

  it('reports each loan separately', async () => {
    const { pool, clock } = setup({ max: 1, leakDetectionThresholdMs: 1_000 })
    const { leaks } = leakLog(pool)
    const conn = await pool.acquire()
    await clock.advance(1_000)
    pool.release(conn)
    await pool.acquire()
    await clock.advance(1_000)
    expect(leaks).toHaveLength(2)
    expect(leaks[0]!.id).not.toBe(leaks[1]!.id)
    expect(leaks[0]!.resource).toBe(leaks[1]!.resource)
  })

  it('pool.leaks() lists the current suspects', async () => {
    const { pool, clock } = setup({ max: 3, leakDetectionThresholdMs: 2_000, leakCaptureStack: 'always' })
    const a = await pool.acquire()
    await clock.advance(1_000)
    const b = await pool.acquire()
    await clock.advance(1_000)
    expect(pool.leaks().map((l) => l.resource)).toEqual([a])
    expect(pool.leaks()[0]!.heldMs).toBe(2_000)
    expect(pool.leaks()[0]!.stack).toContain('pool-leaks.test.ts')
    expect(pool.stats().leakSuspects).toBe(1)
    await clock.advance(1_000)
    expect(pool.leaks().map((l) => l.resource)).toEqual([a, b])
    pool.release(a)
    expect(pool.leaks().map((l) => l.resource)).toEqual([b])
    pool.release(b)
    expect(pool.leaks()).toEqual([])
  })

  it('with leakCaptureStack false, reports without a stack and says how to get one', async () => {
    const { pool, clock, logger } = setup({ max: 1, leakDetectionThresholdMs: 1_000, leakCaptureStack: false })
    const { leaks } = leakLog(pool)
    await pool.acquire()
    await clock.advance(1_000)
    expect(leaks[0]!.stack).toBeUndefined()
    expect(logger.warns[0]).toMatch(/set leakCaptureStack: "always"/)
  })

  it("by default ('after-first-leak') captures nothing until a leak is seen, then records sites so the next report has one", async () => {
    const capture = vi.spyOn(Error, 'captureStackTrace')
    const { pool, clock, logger } = setup({ max: 2, leakDetectionThresholdMs: 1_000 })
    expect(pool.config.leakCaptureStack).toBe('after-first-leak')
    const { leaks } = leakLog(pool)
    for (let i = 0; i < 100; i++) pool.release(await pool.acquire())
    expect(capture).not.toHaveBeenCalled()
    const first = await pool.acquire()
    await clock.advance(1_000)
    expect(leaks).toHaveLength(1)
    expect(leaks[0]!.stack).toBeUndefined()
    expect(logger.warns[0]).toMatch(/acquire-site stacks are recorded from now on/)
    const second = await pool.acquire()
    expect(capture).toHaveBeenCalledTimes(1)
    await clock.advance(1_000)
    expect(leaks).toHaveLength(2)
    expect(leaks[1]!.resource).toBe(second)
    expect(leaks[1]!.stack).toContain('pool-leaks.test.ts')
    pool.release(first)
    pool.release(second)
  })

  it('with leak detection off, captures no stack and reports nothing', async () => {
    const capture = vi.spyOn(Error, 'captureStackTrace')
    const { pool, clock, logger } = setup({ max: 2, housekeepingIntervalMs: 60_000 })
    const { leaks } = leakLog(pool)
    await pool.acquire()
    const queued = track(pool.acquire())
    await clock.advance(24 * 3_600_000)
    expect(queued.value).toBeDefined()
    expect(capture).not.toHaveBeenCalled()
    expect(leaks).toEqual([])
    expect(pool.leaks()).toEqual([])
    expect(logger.warns).toEqual([])
  })

  it('captures a stack per acquire only when detection is on', async () => {
    const capture = vi.spyOn(Error, 'captureStackTrace')
    const { pool } = setup({ max: 2, leakDetectionThresholdMs: 1_000, leakCaptureStack: 'always' })
    await pool.acquire()
    expect(capture).toHaveBeenCalledTimes(1)
  })
})

describe('leak reclaim', () => {
  it('reclaims a loan held past leakReclaimAfterMs and gives its slot to a waiter', async () => {
    const { pool, clock, logger } = setup({
      max: 1,
      leakDetectionThresholdMs: 5_000,
      leakReclaimAfterMs: 10_000,
      acquireTimeoutMs: 60_000,
    })
    const { leaks, returned } = leakLog(pool)
    const destroys: PoolEvents<Conn>['destroy'][] = []
    pool.on('destroy', (e) => destroys.push(e))
    const leaked = await pool.acquire()
    const waiter = track(pool.acquire(), clock)
    await clock.advance(10_000)
    expect(leaks).toHaveLength(1)
    expect(leaked.closed).toBe(true)
    expect(destroys).toEqual([{ resource: leaked, reason: 'leak-reclaimed' }])
    expect(waiter.value).toBeDefined()
    expect(waiter.value).not.toBe(leaked)
    expect(waiter.at).toBe(T0 + 10_000)
    expect(pool.stats().counters.leaksReclaimed).toBe(1)
    expect(logger.warns.some((l) => /reclaimed a leaked resource/.test(l))).toBe(true)
    // the original borrower finally gives it back: accepted quietly
    expect(() => pool.release(leaked)).not.toThrow()
    expect(returned).toEqual([{ id: leaks[0]!.id, resource: leaked, heldMs: 10_000, reclaimed: true }])
    expect(pool.stats().counters.released).toBe(0)
  })

  it('a destroy() of a reclaimed resource does not throw either', async () => {
    const { pool, clock } = setup({ max: 1, leakReclaimAfterMs: 2_000 })
    const leaked = await pool.acquire()
    await clock.advance(2_000)
    expect(leaked.closed).toBe(true)
    expect(() => pool.destroy(leaked)).not.toThrow()
    expect(pool.total).toBe(0)
  })

  it('use() whose resource was reclaimed finishes without throwing', async () => {
    const { pool, clock } = setup({ max: 1, leakReclaimAfterMs: 2_000 })
    const result = track(
      pool.use(async () => {
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 5_000))
        return 'done'
      }),
    )
    await clock.advance(5_000)
    expect(result.value).toBe('done')
    expect(result.error).toBeUndefined()
  })

  it('a second release of a reclaimed resource throws like any double release', async () => {
    const { pool, clock } = setup({ max: 1, leakReclaimAfterMs: 2_000 })
    const leaked = await pool.acquire()
    await clock.advance(2_000)
    pool.release(leaked)
    expect(() => pool.release(leaked)).toThrow(/does not own/)
  })
})
