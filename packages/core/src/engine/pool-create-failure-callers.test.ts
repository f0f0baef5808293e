import { describe, expect, it } from 'vitest'
import type { FakeClock } from '../testing/fake-clock.js'
import { type Conn, type FakeDriver, rejectedWith, setup, type Tracked, track } from './__fixtures__/driver.js'

const T0 = 1_000_000

/**
 * A server with `slots` free connection slots, like PostgreSQL near max_connections: a connect
 * takes a slot and succeeds after `okMs`; with no slot left it is refused after `refuseMs`
 * ("sorry, too many clients already"). A destroyed connection frees its slot.
 */
function slotServer(fake: FakeDriver, clock: FakeClock, slots: number, okMs: number, refuseMs: number) {
  const server = { used: 0, refused: 0 }
  fake.createImpl = () =>
    new Promise<Conn>((resolve, reject) => {
      if (server.used < slots) {
        server.used++
        clock.setTimeout(() => resolve(fake.make()), okMs)
      } else {
        server.refused++
        clock.setTimeout(
          () => reject(Object.assign(new Error('sorry, too many clients already'), { code: '53300' })),
          refuseMs,
        )
      }
    })
  return server
}

const count = (callers: Tracked<unknown>[]) => ({
  served: callers.filter((c) => c.settled && c.error === undefined).length,
  failed: callers.filter((c) => c.error !== undefined).length,
  pending: callers.filter((c) => !c.settled).length,
})

describe('failWaiterOnCreateError on a cold pool facing a server with few free slots', () => {
  const config = {
    max: 10,
    acquireTimeoutMs: 30_000,
    failWaiterOnCreateError: true,
    // a backoff wait would show as callers still pending long after their attempt failed
    retry: { initialDelayMs: 60_000, maxDelayMs: 60_000, jitterRatio: 0 },
  }

  it('50 callers, 6 slots: a refused connect fails only the caller it was for, never the whole queue', async () => {
    const s = setup(config)
    // refusals arrive before the successful handshakes: nothing is open yet when the first one fails
    const server = slotServer(s.fake, s.clock, 6, 5, 1)
    const callers = Array.from({ length: 50 }, () => track(s.pool.use(async (conn) => conn.id)))
    await s.clock.advance(0)
    expect(s.fake.createCalls).toHaveLength(10)
    await s.clock.advance(1)
    // 4 attempts were refused: their 4 callers failed, the 6 handshakes in flight still cover 6 others
    expect(count(callers)).toEqual({ served: 0, failed: 4, pending: 46 })
    for (const c of callers.filter((c) => c.error !== undefined)) {
      const error = rejectedWith(c, 'POOL_CREATE_FAILED')
      expect(error.message).toContain('too many clients')
    }
    // ...and the next 4 callers got their own attempts at once, not after a backoff
    expect(s.fake.createCalls.filter((t) => t === T0 + 1)).toHaveLength(4)
    await s.clock.advance(4)
    // the 6 connections arrive, and each one serves caller after caller as they release it
    const after = count(callers)
    expect(after.pending).toBe(0)
    expect(after.served + after.failed).toBe(50)
    expect(after.served).toBeGreaterThanOrEqual(6)
    expect(after.failed).toBeLessThanOrEqual(server.refused)
    expect(s.pool.total).toBe(6)
    expect(s.pool.pending).toBe(0)
  })

  it('a refusal while other attempts are in flight for every caller fails nobody', async () => {
    const s = setup(config)
    let n = 0
    s.fake.createImpl = () =>
      new Promise<Conn>((resolve, reject) => {
        const i = ++n
        // attempt 1 is refused at once; attempts 2 and 3 succeed a little later
        if (i === 1) s.clock.setTimeout(() => reject(new Error('refused')), 1)
        else s.clock.setTimeout(() => resolve(s.fake.make()), 5)
      })
    // two attempts for the two callers, and a third for min
    const a = track(s.pool.acquire(), s.clock)
    const b = track(s.pool.acquire(), s.clock)
    s.pool.resize({ min: 3 })
    await s.clock.advance(0)
    expect(s.fake.createCalls).toHaveLength(3)
    await s.clock.advance(1)
    // two attempts are still in flight for the two callers: nobody fails
    expect(a.settled || b.settled).toBe(false)
    await s.clock.advance(4)
    expect(a.value).toBeDefined()
    expect(b.value).toBeDefined()
  })

  it('min and ready() still wait for the backoff; only callers get immediate attempts', async () => {
    const s = setup({ ...config, retry: { initialDelayMs: 1_000, jitterRatio: 0 } })
    s.fake.failWith = new Error('connect ECONNREFUSED 127.0.0.1:5432')
    s.pool.resize({ min: 2 })
    await s.clock.advance(0)
    const calls = s.fake.createCalls.length
    await s.clock.advance(999)
    expect(s.fake.createCalls).toHaveLength(calls) // backing off: no create for min
    const caller = track(s.pool.acquire(), s.clock)
    await s.clock.advance(0)
    expect(s.fake.createCalls).toHaveLength(calls + 1) // the caller's own attempt, at once
    rejectedWith(caller, 'POOL_CREATE_FAILED')
  })

  it('without failWaiterOnCreateError callers keep waiting through refusals and are served', async () => {
    const s = setup({ ...config, failWaiterOnCreateError: false, retry: { initialDelayMs: 10, jitterRatio: 0 } })
    slotServer(s.fake, s.clock, 6, 5, 1)
    const callers = Array.from({ length: 50 }, () => track(s.pool.use(async (conn) => conn.id)))
    await s.clock.advance(1_000)
    expect(count(callers)).toEqual({ served: 50, failed: 0, pending: 0 })
  })
})

describe('fatal create errors still fail fast', () => {
  const authError = Object.assign(new Error('password authentication failed'), { code: '28P01' })
  const isFatalCreateError = (error: unknown) => (error as { code?: string }).code === '28P01'

  it('fail every caller when nothing is open and nothing is in flight', async () => {
    const s = setup({ max: 3, acquireTimeoutMs: 30_000 }, { isFatalCreateError })
    s.fake.failWith = authError
    const callers = Array.from({ length: 5 }, () => track(s.pool.acquire(), s.clock))
    await s.clock.advance(0)
    // three creates failed together: the last one to settle fails the queue
    for (const c of callers) rejectedWith(c, 'POOL_CREATE_FAILED')
  })

  it('wait while another create is still in flight, and fail the queue when it fails too', async () => {
    const s = setup({ max: 2, acquireTimeoutMs: 30_000 }, { isFatalCreateError })
    let n = 0
    s.fake.createImpl = () =>
      new Promise<Conn>((_resolve, reject) => {
        const delay = ++n === 1 ? 1 : 10
        s.clock.setTimeout(() => reject(authError), delay)
      })
    const a = track(s.pool.acquire(), s.clock)
    const b = track(s.pool.acquire(), s.clock)
    await s.clock.advance(1)
    expect(a.settled || b.settled).toBe(false)
    await s.clock.advance(9)
    rejectedWith(a, 'POOL_CREATE_FAILED')
    rejectedWith(b, 'POOL_CREATE_FAILED')
  })

  it('with failWaiterOnCreateError too, fail every caller at once', async () => {
    const s = setup({ max: 1, acquireTimeoutMs: 30_000, failWaiterOnCreateError: true }, { isFatalCreateError })
    s.fake.failWith = authError
    const callers = Array.from({ length: 5 }, () => track(s.pool.acquire(), s.clock))
    await s.clock.advance(0)
    for (const c of callers) rejectedWith(c, 'POOL_CREATE_FAILED')
    expect(s.fake.createCalls).toHaveLength(1)
  })
})
