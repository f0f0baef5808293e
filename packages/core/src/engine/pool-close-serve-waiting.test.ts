import { describe, expect, it } from 'vitest'
import type { DestroyReason } from '../stats/pool-stats.js'
import { rejectedWith, rejection, setup, track, warm } from './__fixtures__/driver.js'

const T0 = 1_000_000

function destroyReasons(pool: ReturnType<typeof setup>['pool']) {
  const reasons: DestroyReason[] = []
  pool.on('destroy', ({ reason }) => reasons.push(reason))
  return reasons
}

describe('close({ serveWaiting: true })', () => {
  it('a caller queued before close() is served by a release; new acquires get POOL_CLOSED', async () => {
    const s = setup({ max: 1, acquireTimeoutMs: 0 })
    const reasons = destroyReasons(s.pool)
    const held = await s.pool.acquire()
    const queued = track(s.pool.acquire(), s.clock)
    const closed = track(s.pool.close({ serveWaiting: true }), s.clock)
    expect(s.pool.state).toBe('closing')
    await rejection(s.pool.acquire(), 'POOL_CLOSED')
    await rejection(s.pool.acquire({ priority: 'high' }), 'POOL_CLOSED')
    await s.clock.advance(100)
    expect(queued.settled).toBe(false)
    s.pool.release(held)
    await s.clock.advance(0)
    expect(queued.value).toBe(held) // the same connection, handed on
    expect(closed.settled).toBe(false)
    s.pool.release(held)
    await s.clock.advance(0)
    expect(closed.settled).toBe(true)
    expect(s.pool.state).toBe('closed')
    expect(reasons).toEqual(['closed'])
    expect(s.fake.live).toBe(0)
  })

  it('with nothing open, queued callers are served by creates started for them', async () => {
    const s = setup({ max: 2, acquireTimeoutMs: 0 }, {}, {}, (fake) => {
      fake.createDelayMs = 50
    })
    const a = track(s.pool.acquire(), s.clock)
    const b = track(s.pool.acquire(), s.clock)
    const c = track(s.pool.acquire(), s.clock)
    const closed = track(s.pool.close({ serveWaiting: true }), s.clock)
    await s.clock.advance(50)
    expect(a.value).toBeDefined()
    expect(b.value).toBeDefined()
    expect(c.settled).toBe(false) // max 2: waits for a release
    s.pool.release(a.value!)
    await s.clock.advance(0)
    expect(c.value).toBe(a.value)
    s.pool.release(b.value!)
    s.pool.release(c.value!)
    await s.clock.advance(0)
    expect(closed.settled).toBe(true)
    expect(s.fake.made).toHaveLength(2)
    expect(s.fake.live).toBe(0)
  })

  it('idle resources go to the queued callers first (a suspended pool), the rest are destroyed', async () => {
    const s = setup({ max: 3, acquireTimeoutMs: 0 })
    const conns = await warm(s, 3)
    s.pool.suspend()
    const queued = track(s.pool.acquire(), s.clock)
    await s.clock.advance(0)
    expect(queued.settled).toBe(false)
    const closed = track(s.pool.close({ serveWaiting: true }), s.clock)
    await s.clock.advance(0)
    expect(queued.value).toBe(conns[2]) // the most recently released
    expect(s.pool.idle).toBe(0)
    expect(s.pool.total).toBe(1)
    s.pool.release(queued.value!)
    await s.clock.advance(0)
    expect(closed.settled).toBe(true)
  })

  it("queued callers' timeouts still apply; close finishes once the last one has left", async () => {
    const s = setup({ max: 1, acquireTimeoutMs: 500 })
    const held = await s.pool.acquire()
    const queued = track(s.pool.acquire(), s.clock)
    await s.clock.advance(200)
    const closed = track(s.pool.close({ serveWaiting: true, graceMs: 10_000 }), s.clock)
    await s.clock.advance(299)
    expect(queued.settled).toBe(false)
    await s.clock.advance(1)
    rejectedWith(queued, 'POOL_ACQUIRE_TIMEOUT')
    expect(queued.at).toBe(T0 + 500)
    expect(closed.settled).toBe(false) // `held` is still out
    s.pool.release(held)
    await s.clock.advance(0)
    expect(closed.settled).toBe(true)
    expect(held.closed).toBe(true)
  })

  it("queued callers' abort signals still apply", async () => {
    const s = setup({ max: 1, acquireTimeoutMs: 0 })
    const held = await s.pool.acquire()
    const controller = new AbortController()
    const queued = track(s.pool.acquire({ signal: controller.signal }), s.clock)
    const closed = track(s.pool.close({ serveWaiting: true }), s.clock)
    controller.abort()
    await s.clock.advance(0)
    rejectedWith(queued, 'POOL_ACQUIRE_ABORTED')
    s.pool.release(held)
    await s.clock.advance(0)
    expect(closed.settled).toBe(true)
  })

  it('the grace period still bounds the close: borrowed resources are forced, callers left get POOL_CLOSED', async () => {
    const s = setup({ max: 1, acquireTimeoutMs: 0 })
    const reasons = destroyReasons(s.pool)
    const held = await s.pool.acquire()
    const queued = track(s.pool.acquire(), s.clock)
    const closed = track(s.pool.close({ serveWaiting: true, graceMs: 1_000 }), s.clock)
    await s.clock.advance(999)
    expect(queued.settled).toBe(false)
    await s.clock.advance(1)
    expect(rejectedWith(queued, 'POOL_CLOSED').message).toMatch(/closed while acquire\(\) was waiting/)
    expect(closed.settled).toBe(true)
    expect(closed.at).toBe(T0 + 1_000)
    expect(reasons).toEqual(['close-forced'])
    expect(held.closed).toBe(true)
    s.pool.release(held) // the borrower comes back late: accepted quietly
    expect(s.clock.pendingTimers().total).toBe(0)
  })

  it('with nobody queued it closes exactly like close()', async () => {
    const s = setup({ max: 2 })
    await warm(s, 2)
    const closed = track(s.pool.close({ serveWaiting: true }), s.clock)
    await s.clock.advance(0)
    expect(closed.settled).toBe(true)
    expect(s.fake.live).toBe(0)
  })

  it('ready() callers are refused at once, and min is not refilled while serving', async () => {
    const s = setup({ min: 2, max: 2, acquireTimeoutMs: 0 }, {}, {}, (fake) => {
      fake.createDelayMs = 10
    })
    const ready = track(s.pool.ready(), s.clock)
    const queued = track(s.pool.acquire(), s.clock)
    const closed = track(s.pool.close({ serveWaiting: true }), s.clock)
    await s.clock.advance(0)
    rejectedWith(ready, 'POOL_CLOSED')
    await s.clock.advance(10)
    expect(queued.value).toBeDefined()
    expect(s.pool.total).toBe(1) // the create started for min is not kept
    s.pool.release(queued.value!)
    await s.clock.advance(0)
    expect(closed.settled).toBe(true)
    expect(s.fake.live).toBe(0)
  })

  it('the default still rejects queued callers at once', async () => {
    const s = setup({ max: 1, acquireTimeoutMs: 0 })
    const held = await s.pool.acquire()
    const queued = track(s.pool.acquire(), s.clock)
    const closed = track(s.pool.close({ graceMs: 0 }), s.clock)
    await s.clock.advance(0)
    rejectedWith(queued, 'POOL_CLOSED')
    expect(closed.settled).toBe(true)
    expect(held.closed).toBe(true)
  })

  it('a serveWaiting that is not a boolean is POOL_CONFIG_INVALID and closes nothing', async () => {
    const s = setup({ max: 1 })
    await rejection(s.pool.close({ serveWaiting: 'yes' as unknown as boolean }), 'POOL_CONFIG_INVALID')
    expect(s.pool.state).toBe('running')
  })
})
