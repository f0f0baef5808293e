// acquireWith(): acquire() in callback form, for the callback facades (mysql2 getConnection, pg connect(cb)).
import { describe, expect, it } from 'vitest'
import { isPoolError, type PoolError } from '../errors/pool-error.js'
import { flushMicrotasks } from '../testing/fake-clock.js'
import { type Conn, setup, snapshot, thrown, warm } from './__fixtures__/driver.js'

/** Calls of one callback, in order. */
function recorder() {
  const calls: { error: PoolError | null; conn: Conn | undefined }[] = []
  const callback = (error: PoolError | null, conn?: Conn) => {
    calls.push({ error, conn })
  }
  return { calls, callback }
}

describe('acquireWith()', () => {
  it('lends an idle resource, on the next tick and not inside the call', async () => {
    const s = setup({ max: 2 })
    const [conn] = await warm(s, 1)
    const r = recorder()
    s.pool.acquireWith(r.callback)
    expect(r.calls).toEqual([])
    expect(s.pool.borrowed).toBe(1) // lent at once: nobody else can take it meanwhile
    await new Promise((resolve) => process.nextTick(resolve))
    expect(r.calls).toEqual([{ error: null, conn }])
    s.pool.release(conn!)
    expect(s.pool.stats().counters).toMatchObject({ acquired: 2, released: 2 })
  })

  it('queues when nothing is idle and is served by a release, on a later tick, in arrival order with acquire()', async () => {
    const s = setup({ max: 1 })
    await warm(s, 1)
    const conn = await s.pool.acquire()
    const first = recorder()
    s.pool.acquireWith(first.callback)
    const second = s.pool.acquire()
    const third = recorder()
    s.pool.acquireWith(third.callback)
    expect(s.pool.pending).toBe(3)
    s.pool.release(conn!)
    expect(first.calls).toEqual([]) // never inside release()
    await flushMicrotasks()
    expect(first.calls).toEqual([{ error: null, conn }])
    s.pool.release(conn!)
    expect(await second).toBe(conn)
    s.pool.release(conn!)
    await flushMicrotasks()
    expect(third.calls).toEqual([{ error: null, conn }])
    s.pool.release(conn!)
    expect(s.pool.pending).toBe(0)
    expect(s.pool.borrowed).toBe(0)
  })

  it('creates a resource for a caller when below max', async () => {
    const s = setup({ max: 2 })
    const r = recorder()
    s.pool.acquireWith(r.callback)
    await flushMicrotasks()
    expect(r.calls).toHaveLength(1)
    expect(r.calls[0]!.error).toBeNull()
    expect(r.calls[0]!.conn).toBe(s.fake.made[0])
  })

  it('times out with POOL_ACQUIRE_TIMEOUT through the callback, once', async () => {
    const s = setup({ max: 1, acquireTimeoutMs: 1_000 })
    await warm(s, 1)
    await s.pool.acquire()
    const r = recorder()
    s.pool.acquireWith(r.callback)
    await s.clock.advance(999)
    expect(r.calls).toEqual([])
    await s.clock.advance(1)
    await flushMicrotasks()
    expect(r.calls).toHaveLength(1)
    expect(isPoolError(r.calls[0]!.error, 'POOL_ACQUIRE_TIMEOUT')).toBe(true)
    expect(r.calls[0]!.conn).toBeUndefined()
    expect(s.pool.pending).toBe(0)
    expect(s.pool.stats().counters.timeouts).toBe(1)
  })

  it('takes the same options: timeoutMs, priority, an AbortSignal', async () => {
    const s = setup({ max: 1, acquireTimeoutMs: 60_000 })
    await warm(s, 1)
    const conn = await s.pool.acquire()
    const low = recorder()
    const high = recorder()
    const aborted = recorder()
    const own = recorder()
    const controller = new AbortController()
    s.pool.acquireWith(low.callback, { priority: 'low' })
    s.pool.acquireWith(aborted.callback, { signal: controller.signal })
    s.pool.acquireWith(high.callback, { priority: 'high' })
    s.pool.acquireWith(own.callback, { timeoutMs: 10 })
    controller.abort()
    await s.clock.advance(10)
    await flushMicrotasks()
    expect(isPoolError(aborted.calls[0]!.error, 'POOL_ACQUIRE_ABORTED')).toBe(true)
    expect(isPoolError(own.calls[0]!.error, 'POOL_ACQUIRE_TIMEOUT')).toBe(true)
    s.pool.release(conn!)
    await flushMicrotasks()
    expect(high.calls).toEqual([{ error: null, conn }]) // high before low, though it came later
    expect(low.calls).toEqual([])
    s.pool.release(conn!)
    await flushMicrotasks()
    expect(low.calls).toEqual([{ error: null, conn }])
    for (const r of [low, high, aborted, own]) expect(r.calls).toHaveLength(1)
  })

  it('refuses through the callback: a bad option, an aborted signal, a full queue, waitForRelease: false', async () => {
    const s = setup({ max: 1, maxPending: 1 })
    await warm(s, 1)
    await s.pool.acquire()
    const bad = recorder()
    const gone = recorder()
    const queued = recorder()
    const full = recorder()
    const noWait = recorder()
    s.pool.acquireWith(bad.callback, { timeoutMs: -5 })
    s.pool.acquireWith(gone.callback, { signal: AbortSignal.abort() })
    s.pool.acquireWith(queued.callback)
    s.pool.acquireWith(full.callback)
    s.pool.acquireWith(noWait.callback, { waitForRelease: false })
    expect([bad, gone, full, noWait].every((r) => r.calls.length === 0)).toBe(true) // never synchronously
    await flushMicrotasks()
    expect(isPoolError(bad.calls[0]!.error, 'POOL_CONFIG_INVALID')).toBe(true)
    expect(isPoolError(gone.calls[0]!.error, 'POOL_ACQUIRE_ABORTED')).toBe(true)
    expect(isPoolError(full.calls[0]!.error, 'POOL_QUEUE_FULL')).toBe(true)
    expect(isPoolError(noWait.calls[0]!.error, 'POOL_QUEUE_FULL')).toBe(true)
    expect(queued.calls).toEqual([])
    expect(s.pool.pending).toBe(1)
  })

  it('a closed pool answers POOL_CLOSED naming acquireWith(); queued callers get POOL_CLOSED when it closes', async () => {
    const s = setup({ max: 1 })
    await warm(s, 1)
    const conn = await s.pool.acquire()
    const queued = recorder()
    s.pool.acquireWith(queued.callback)
    const closing = s.pool.close({ graceMs: 0 })
    await flushMicrotasks()
    expect(isPoolError(queued.calls[0]!.error, 'POOL_CLOSED')).toBe(true)
    s.pool.release(conn!)
    await closing
    const late = recorder()
    s.pool.acquireWith(late.callback)
    await flushMicrotasks()
    expect(isPoolError(late.calls[0]!.error, 'POOL_CLOSED')).toBe(true)
    expect(late.calls[0]!.error!.message).toMatch(/acquireWith\(\) was called on a pool that is closed/)
  })

  it('a callback that is not a function is a POOL_CONFIG_INVALID thrown at once, and nothing changes', async () => {
    const s = setup({ max: 1 })
    await warm(s, 1)
    const before = snapshot(s.pool)
    const error = thrown(() => s.pool.acquireWith(undefined as never), 'POOL_CONFIG_INVALID')
    expect(error.message).toMatch(/acquireWith\(\) needs a callback function, got undefined/)
    expect(snapshot(s.pool)).toEqual(before)
  })

  it('records the acquire site for leak reports at the caller of acquireWith()', async () => {
    const s = setup({ max: 1, leakDetectionThresholdMs: 1_000, leakCaptureStack: 'always' })
    function borrowForTheReport() {
      s.pool.acquireWith(() => {})
    }
    borrowForTheReport()
    await flushMicrotasks()
    await s.clock.advance(1_000)
    const [report] = s.pool.leaks()
    expect(report?.stack).toMatch(/borrowForTheReport/)
    expect(report?.stack).not.toMatch(/acquireWith/)
  })
})
