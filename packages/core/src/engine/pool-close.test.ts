import { describe, expect, it } from 'vitest'
import type { DestroyReason } from '../stats/pool-stats.js'
import { type Conn, rejectedWith, rejection, setup, thrown, track, warm } from './__fixtures__/driver.js'

const T0 = 1_000_000

function destroyReasons(pool: ReturnType<typeof setup>['pool']) {
  const reasons: [number, DestroyReason][] = []
  pool.on('destroy', ({ resource, reason }) => reasons.push([resource.id, reason]))
  return reasons
}

describe('suspend() / resume()', () => {
  it('suspend queues acquires even when idle resources exist; resume serves them', async () => {
    const s = setup({ max: 2 })
    const [conn] = await warm(s, 1)
    const events: string[] = []
    s.pool.on('suspend', () => events.push('suspend'))
    s.pool.on('resume', () => events.push('resume'))
    s.pool.suspend()
    s.pool.suspend() // no-op
    expect(s.pool.state).toBe('suspended')
    const waiter = track(s.pool.acquire())
    await s.clock.advance(100)
    expect(waiter.settled).toBe(false)
    expect(s.pool.pending).toBe(1)
    expect(s.fake.createCalls).toHaveLength(1) // no create while suspended
    s.pool.resume()
    s.pool.resume() // no-op
    await s.clock.advance(0)
    expect(waiter.value).toBe(conn)
    expect(events).toEqual(['suspend', 'resume'])
    expect(s.pool.state).toBe('running')
  })

  it('acquire timeouts still run while suspended', async () => {
    const { pool, clock } = setup({ max: 1, acquireTimeoutMs: 500 })
    pool.suspend()
    const waiter = track(pool.acquire(), clock)
    await clock.advance(500)
    rejectedWith(waiter, 'POOL_ACQUIRE_TIMEOUT')
    expect(waiter.at).toBe(T0 + 500)
  })

  it('a release while suspended goes back to the idle stack, not to a waiter', async () => {
    const { pool, clock } = setup({ max: 1 })
    const conn = await pool.acquire()
    pool.suspend()
    const waiter = track(pool.acquire())
    pool.release(conn)
    await clock.advance(0)
    expect(waiter.settled).toBe(false)
    expect(pool.idle).toBe(1)
    pool.resume()
    await clock.advance(0)
    expect(waiter.value).toBe(conn)
  })
})

describe('close()', () => {
  it('destroys idle resources at once and resolves when nothing is left', async () => {
    const s = setup({ min: 2, max: 3 })
    const reasons = destroyReasons(s.pool)
    await s.pool.ready()
    const events: string[] = []
    s.pool.on('close', (e) => events.push(`close ${e.graceMs}`))
    s.pool.on('closed', () => events.push('closed'))
    await s.pool.close()
    expect(reasons.map(([, r]) => r)).toEqual(['closed', 'closed'])
    expect(s.pool.state).toBe('closed')
    expect(events).toEqual(['close 10000', 'closed'])
    expect(s.fake.live).toBe(0)
    expect(s.clock.pendingTimers().total).toBe(0)
  })

  it('rejects new acquires, queued waiters and ready() with POOL_CLOSED', async () => {
    const { pool, clock } = setup({ max: 1 })
    const conn = await pool.acquire()
    const queued = [track(pool.acquire()), track(pool.acquire({ priority: 'high', timeoutMs: 0 }))]
    pool.suspend()
    const closing = pool.close({ graceMs: 1_000 })
    await clock.advance(0)
    for (const q of queued) {
      const error = rejectedWith(q, 'POOL_CLOSED')
      expect(error.message).toMatch(/the pool was closed while acquire\(\) was waiting/)
    }
    expect(pool.state).toBe('closing')
    const error = await rejection(pool.acquire(), 'POOL_CLOSED')
    expect(error.message).toMatch(/acquire\(\) was called on a pool that is closing/)
    await rejection(pool.ready(), 'POOL_CLOSED')
    await rejection(
      pool.use(async () => 1),
      'POOL_CLOSED',
    )
    thrown(() => pool.resize({ max: 5 }), 'POOL_CLOSED')
    thrown(() => pool.suspend(), 'POOL_CLOSED')
    thrown(() => pool.resume(), 'POOL_CLOSED')
    pool.release(conn)
    await closing
    await rejection(pool.acquire(), 'POOL_CLOSED')
  })

  it('rejects a pending ready() with POOL_CLOSED', async () => {
    const s = setup({ min: 1, max: 1 }, {}, {}, (fake) => {
      fake.createDelayMs = 1_000
    })
    const ready = track(s.pool.ready())
    const closed = s.pool.close()
    await s.clock.advance(0)
    const error = rejectedWith(ready, 'POOL_CLOSED')
    expect(error.message).toMatch(/the pool was closed while ready\(\) was waiting/)
    await s.clock.advance(1_000)
    await closed
    expect(s.fake.live).toBe(0)
  })

  it('waits for borrowed resources up to graceMs; one returned in time is destroyed as closed', async () => {
    const s = setup({ max: 2 })
    const reasons = destroyReasons(s.pool)
    const conn = await s.pool.acquire()
    const closed = track(s.pool.close({ graceMs: 5_000 }), s.clock)
    await s.clock.advance(3_000)
    expect(closed.settled).toBe(false)
    expect(conn.closed).toBe(false)
    s.pool.release(conn)
    await s.clock.advance(0)
    expect(closed.settled).toBe(true)
    expect(closed.at).toBe(T0 + 3_000)
    expect(reasons).toEqual([[conn.id, 'closed']])
    expect(s.pool.stats().counters.released).toBe(1)
  })

  it('force-destroys loans still out after graceMs (close-forced); a later release does not throw', async () => {
    const s = setup({ max: 2 })
    const reasons = destroyReasons(s.pool)
    const a = await s.pool.acquire()
    const b = await s.pool.acquire()
    s.pool.release(b)
    const closed = track(s.pool.close({ graceMs: 5_000 }), s.clock)
    await s.clock.advance(5_000)
    expect(closed.settled).toBe(true)
    expect(closed.at).toBe(T0 + 5_000)
    expect(reasons).toEqual([
      [b.id, 'closed'],
      [a.id, 'close-forced'],
    ])
    expect(a.closed).toBe(true)
    expect(() => s.pool.release(a)).not.toThrow()
    expect(() => s.pool.destroy(a)).toThrow(/does not own/) // accepted once, like any resource
    expect(s.pool.stats().counters.destroyedBy['close-forced']).toBe(1)
  })

  it('use() running across a forced close finishes without throwing', async () => {
    const s = setup({ max: 1 })
    const result = track(
      s.pool.use(async () => {
        await new Promise<void>((resolve) => s.clock.setTimeout(resolve, 10_000))
        return 'finished'
      }),
    )
    await s.clock.advance(0)
    const closed = s.pool.close({ graceMs: 1_000 })
    await s.clock.advance(10_000)
    await closed
    expect(result.value).toBe('finished')
  })

  it('graceMs 0 destroys borrowed resources at once', async () => {
    const s = setup({ max: 1 })
    const conn = await s.pool.acquire()
    const closed = track(s.pool.close({ graceMs: 0 }))
    await s.clock.advance(0)
    expect(closed.settled).toBe(true)
    expect(conn.closed).toBe(true)
  })

  it('aborts creates in flight and destroys ones that arrive anyway', async () => {
    const s = setup({ max: 2 })
    s.fake.createDelayMs = 1_000 // ignores its signal
    const reasons = destroyReasons(s.pool)
    const waiter = track(s.pool.acquire())
    await s.clock.advance(100)
    const closed = track(s.pool.close({ graceMs: 0 }), s.clock)
    await s.clock.advance(0)
    expect(s.fake.createSignals[0]!.aborted).toBe(true)
    rejectedWith(waiter, 'POOL_CLOSED')
    expect(closed.settled).toBe(false) // the create has not settled yet
    await s.clock.advance(900)
    expect(closed.settled).toBe(true)
    expect(s.fake.made).toHaveLength(1)
    expect(s.fake.made[0]!.closed).toBe(true)
    expect(reasons).toEqual([[1, 'create-abandoned']])
    expect(s.fake.live).toBe(0)
    expect(s.pool.stats().counters.created).toBe(0)
  })

  it('a create that honours its abort signal lets close finish at once', async () => {
    const s = setup({ max: 1 })
    s.fake.createImpl = (signal) =>
      new Promise<Conn>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
    track(s.pool.acquire())
    const closed = track(s.pool.close())
    await s.clock.advance(0)
    expect(closed.settled).toBe(true)
    expect(s.pool.stats().counters.createErrors).toBe(0) // not reported as a failure of the server
  })

  it('is idempotent: every call returns the same promise', async () => {
    const { pool } = setup({ max: 1 })
    const first = pool.close()
    expect(pool.close()).toBe(first)
    expect(pool.close({ graceMs: 0 })).toBe(first)
    await first
    expect(pool.close()).toBe(first)
  })

  it('waits for destroys in progress', async () => {
    let finish: (() => void) | undefined
    const s = setup({ min: 1, max: 1 }, { destroy: () => new Promise<void>((resolve) => (finish = resolve)) })
    await s.pool.ready()
    const closed = track(s.pool.close())
    await s.clock.advance(0)
    expect(closed.settled).toBe(false)
    finish!()
    await s.clock.advance(0)
    expect(closed.settled).toBe(true)
  })

  it('await using closes the pool at the end of the scope', async () => {
    const s = setup({ min: 1, max: 1 })
    {
      await using pool = s.pool
      await pool.ready()
      expect(pool.state).toBe('running')
    }
    expect(s.pool.state).toBe('closed')
    expect(s.fake.live).toBe(0)
  })

  it('Symbol.asyncDispose is close()', async () => {
    const { pool } = setup({ max: 1 })
    const disposing = pool[Symbol.asyncDispose]()
    expect(pool.close()).toBe(disposing)
    await disposing
    expect(pool.state).toBe('closed')
  })

  it('rejects an invalid graceMs without closing', async () => {
    const { pool } = setup({ max: 1 })
    await rejection(pool.close({ graceMs: -1 }), 'POOL_CONFIG_INVALID')
    await rejection(pool.close({ graceMs: Number.NaN }), 'POOL_CONFIG_INVALID')
    // a Node timer longer than 2^31-1 ms fires after 1 ms: that would force-close at once
    await rejection(pool.close({ graceMs: 30 * 24 * 3_600_000 }), 'POOL_CONFIG_INVALID')
    expect(pool.state).toBe('running')
    await pool.close()
  })

  it('health() says closing/closed are unhealthy', async () => {
    const s = setup({ max: 1 })
    const conn = await s.pool.acquire()
    const closed = s.pool.close({ graceMs: 1_000 })
    expect(s.pool.health().status).toBe('unhealthy')
    expect(s.pool.health().reasons.map((r) => r.check)).toContain('state')
    s.pool.release(conn)
    await closed
    expect(s.pool.health().reasons[0]!.message).toMatch(/closed/)
  })
})
