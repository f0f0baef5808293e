import { describe, expect, it } from 'vitest'
import { type Conn, setup, track, warm } from '../engine/__fixtures__/driver.js'

const checks = (h: { reasons: { check: string; status: string }[] }) => h.reasons.map((r) => `${r.check}:${r.status}`)

describe('pool.health()', () => {
  it('a fresh pool is healthy with no reasons, and carries its stats', async () => {
    const s = setup({ min: 1, max: 4 })
    await s.pool.ready()
    const h = s.pool.health()
    expect(h.status).toBe('healthy')
    expect(h.reasons).toEqual([])
    expect(h.stats.total).toBe(1)
    expect(h.recent).toMatchObject({ windowMs: 60_000, timeouts: 0, created: 1, createErrors: 0 })
  })

  it('utilization at or above health.degradedUtilization is degraded', async () => {
    const s = setup({ max: 4, health: { degradedUtilization: 0.75 } })
    await warm(s, 4)
    const held = [await s.pool.acquire(), await s.pool.acquire()]
    expect(s.pool.health().status).toBe('healthy')
    held.push(await s.pool.acquire())
    const h = s.pool.health()
    expect(h.status).toBe('degraded')
    expect(h.reasons).toEqual([
      {
        check: 'utilization',
        status: 'degraded',
        value: 0.75,
        threshold: 0.75,
        message: '3 of 4 resources in use (75%)',
      },
    ])
  })

  it('queued callers at or above health.degradedPending are degraded', async () => {
    const s = setup({ max: 1, acquireTimeoutMs: 0, health: { degradedPending: 3, degradedUtilization: 1 } })
    await s.pool.acquire()
    track(s.pool.acquire())
    track(s.pool.acquire())
    expect(checks(s.pool.health())).toEqual(['utilization:degraded'])
    track(s.pool.acquire())
    const h = s.pool.health()
    expect(checks(h)).toEqual(['utilization:degraded', 'pending:degraded'])
    expect(h.reasons[1]!.message).toBe('3 callers are pending (queued for a resource)')
  })

  it('recent timeouts: degraded, then unhealthy, then forgotten after health.windowMs', async () => {
    const s = setup({
      max: 1,
      acquireTimeoutMs: 100,
      health: { windowMs: 60_000, degradedAcquireTimeouts: 2, unhealthyAcquireTimeouts: 4, degradedUtilization: 1 },
    })
    const conn = await s.pool.acquire()
    const timeouts = async (n: number) => {
      for (let i = 0; i < n; i++) track(s.pool.acquire())
      await s.clock.advance(100)
    }
    await timeouts(1)
    expect(s.pool.health().reasons.filter((r) => r.check === 'timeouts')).toEqual([])
    await timeouts(1)
    expect(checks(s.pool.health())).toContain('timeouts:degraded')
    await timeouts(2)
    const h = s.pool.health()
    expect(h.status).toBe('unhealthy')
    expect(h.reasons.find((r) => r.check === 'timeouts')).toMatchObject({
      status: 'unhealthy',
      value: 4,
      threshold: 4,
      message: '4 acquire timeouts recently',
    })
    expect(h.recent.timeouts).toBe(4)
    s.pool.release(conn)
    await s.clock.advance(60_000)
    expect(s.pool.health().status).toBe('healthy')
    expect(s.pool.health().recent.timeouts).toBe(0)
    expect(s.pool.stats().counters.timeouts).toBe(4) // the counter is forever; the window forgets
  })

  it('create error rate: degraded and unhealthy thresholds', async () => {
    const s = setup({
      max: 10,
      acquireTimeoutMs: 0,
      retry: { initialDelayMs: 100, maxDelayMs: 100, jitterRatio: 0 },
      health: { degradedCreateErrorRate: 0.2, unhealthyCreateErrorRate: 0.6, degradedUtilization: 1 },
    })
    await warm(s, 4) // 4 creates OK
    s.fake.failWith = new Error('ECONNREFUSED')
    const held = [await s.pool.acquire(), await s.pool.acquire(), await s.pool.acquire(), await s.pool.acquire()]
    track(s.pool.acquire()) // fails once: 1 / 5
    await s.clock.advance(0)
    const degraded = s.pool.health()
    expect(degraded.reasons.find((r) => r.check === 'create-errors')).toMatchObject({
      status: 'degraded',
      value: 0.2,
      threshold: 0.2,
      message: '1 of 5 recent creates failed',
    })
    await s.clock.advance(500) // 5 more failures: 6 / 10
    const unhealthy = s.pool.health()
    expect(unhealthy.status).toBe('unhealthy')
    expect(unhealthy.reasons.find((r) => r.check === 'create-errors')?.status).toBe('unhealthy')
    expect(unhealthy.recent.createErrors).toBe(6)
    for (const c of held) s.pool.release(c)
  })

  it('slow acquires: p95 of the recent wait against degraded/unhealthy thresholds', async () => {
    const s = setup({
      max: 1,
      acquireTimeoutMs: 0,
      timingSampleEvery: 1,
      health: { degradedAcquireWaitP95Ms: 1_000, unhealthyAcquireWaitP95Ms: 5_000, degradedUtilization: 1 },
    })
    const conn = await s.pool.acquire()
    s.pool.release(conn)
    const slowServe = async (waitMs: number) => {
      const held = await s.pool.acquire()
      const waiter = track(s.pool.acquire())
      await s.clock.advance(waitMs)
      s.pool.release(held)
      await s.clock.advance(0)
      s.pool.release(waiter.value as Conn)
    }
    await slowServe(2_000)
    let h = s.pool.health()
    expect(h.reasons.find((r) => r.check === 'acquire-wait')?.status).toBe('degraded')
    expect(h.recent.acquireWaitP95Ms).toBeGreaterThan(1_800)
    await slowServe(8_000)
    await slowServe(8_000)
    h = s.pool.health()
    expect(h.status).toBe('unhealthy')
    expect(h.reasons.find((r) => r.check === 'acquire-wait')?.message).toMatch(/recent acquire wait p95 is \d+ ms/)
  })

  it('leak suspects make the pool degraded', async () => {
    const s = setup({ max: 4, leakDetectionThresholdMs: 1_000, health: { degradedLeakSuspects: 1 } })
    const conn = await s.pool.acquire()
    expect(checks(s.pool.health())).toEqual([])
    await s.clock.advance(1_000)
    const h = s.pool.health()
    expect(h.reasons).toEqual([
      {
        check: 'leak-suspects',
        status: 'degraded',
        value: 1,
        threshold: 1,
        message: '1 borrowed resources look leaked',
      },
    ])
    s.pool.release(conn)
    expect(s.pool.health().status).toBe('healthy')
  })

  it('suspended is degraded; closing and closed are unhealthy', async () => {
    const s = setup({ max: 1 })
    s.pool.suspend()
    expect(s.pool.health()).toMatchObject({ status: 'degraded', reasons: [{ check: 'state', status: 'degraded' }] })
    s.pool.resume()
    expect(s.pool.health().status).toBe('healthy')
    const conn = await s.pool.acquire()
    const closing = s.pool.close({ graceMs: 1_000 })
    expect(s.pool.health().reasons[0]).toMatchObject({ check: 'state', status: 'unhealthy' })
    expect(s.pool.health().reasons[0]!.message).toMatch(/closing/)
    s.pool.release(conn)
    await closing
    expect(s.pool.health().reasons[0]!.message).toMatch(/closed/)
  })

  it('the verdict is the worst of all checks', async () => {
    const s = setup({
      max: 1,
      acquireTimeoutMs: 100,
      health: { unhealthyAcquireTimeouts: 1, degradedAcquireTimeouts: 1 },
    })
    await s.pool.acquire()
    track(s.pool.acquire())
    await s.clock.advance(100)
    const h = s.pool.health()
    expect(checks(h)).toEqual(['utilization:degraded', 'timeouts:unhealthy'])
    expect(h.status).toBe('unhealthy')
  })
})
