import { describe, expect, it } from 'vitest'
import { FakeClock } from '../testing/fake-clock.js'
import { type Conn, FakeDriver, setup, track, warm } from './__fixtures__/driver.js'
import { createPool } from './pool.js'

describe('destroy(resource, signal)', () => {
  it('every destroy gets a signal that stays quiet when the destroy finishes in time', async () => {
    const s = setup({ max: 2 })
    const conns = await warm(s, 2)
    await s.pool.close()
    expect(s.fake.destroyed).toEqual(expect.arrayContaining(conns))
    expect(s.fake.destroySignals).toHaveLength(2)
    expect(s.fake.destroySignals.every((signal) => signal instanceof AbortSignal && !signal.aborted)).toBe(true)
  })

  it('a frozen server: at destroyTimeoutMs the signal aborts, the driver closes the socket, and only then close() resolves', async () => {
    const order: string[] = []
    const sockets = new Map<number, { open: boolean }>()
    const s = setup(
      { max: 1, destroyTimeoutMs: 2_000 },
      {
        // a QUIT that never gets an answer; on abort, the socket is torn down at once
        destroy: (conn, signal) =>
          new Promise<void>(() => {
            signal.addEventListener('abort', () => {
              sockets.set(conn.id, { open: false })
              order.push('socket destroyed')
            })
          }),
      },
    )
    const conn = await s.pool.acquire()
    sockets.set(conn.id, { open: true })
    s.pool.release(conn)
    const closed = s.pool.close()
    void closed.then(() => order.push('close resolved'))
    await s.clock.advance(1_999)
    expect(order).toEqual([])
    expect(s.fake.destroySignals[0]!.aborted).toBe(false)
    await s.clock.advance(1)
    await closed
    expect(order).toEqual(['socket destroyed', 'close resolved'])
    expect(sockets.get(conn.id)).toEqual({ open: false })
    const reason = s.fake.destroySignals[0]!.reason as Error
    expect(reason.message).toMatch(/destroy\(\) did not finish within 2000 ms \(destroyTimeoutMs\)/)
    expect(s.pool.stats().counters.destroyErrors).toBe(1)
    expect(s.logger.warns.some((w) => w.includes('POOL_DESTROY_FAILED') || w.includes('destroy() failed'))).toBe(true)
  })

  it('a driver that rejects on abort is reported once, not twice', async () => {
    const s = setup(
      { max: 1, destroyTimeoutMs: 500 },
      {
        destroy: (_conn, signal) =>
          new Promise<void>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      },
    )
    const errors: unknown[] = []
    s.pool.on('error', (e) => errors.push(e.error))
    await warm(s, 1)
    const closed = track(s.pool.close(), s.clock)
    await s.clock.advance(500)
    expect(closed.settled).toBe(true)
    expect(errors).toHaveLength(1)
  })
})

describe('ref(resource) / unref(resource) with allowExitOnIdle', () => {
  function refSetup(allowExitOnIdle: boolean) {
    const calls: string[] = []
    const s = setup(
      { max: 1, allowExitOnIdle },
      { ref: (c) => calls.push(`ref ${c.id}`), unref: (c) => calls.push(`unref ${c.id}`) },
    )
    return { ...s, calls }
  }

  it('unrefs a resource when it goes idle and refs it when it is lent', async () => {
    const s = refSetup(true)
    const conn = await s.pool.acquire() // created for this caller: lent, never idle
    expect(s.calls).toEqual(['ref 1'])
    s.pool.release(conn)
    expect(s.calls).toEqual(['ref 1', 'unref 1'])
    await s.pool.use(() => undefined) // the fast path
    expect(s.calls).toEqual(['ref 1', 'unref 1', 'ref 1', 'unref 1'])
  })

  it('a hand-off from one borrower to a waiter stays ref’d', async () => {
    const s = refSetup(true)
    const conn = await s.pool.acquire()
    const queued = track(s.pool.acquire(), s.clock)
    s.pool.release(conn)
    await s.clock.advance(0)
    expect(queued.value).toBe(conn)
    expect(s.calls).toEqual(['ref 1', 'ref 1'])
  })

  it('a resource created for min goes idle unref’d', async () => {
    const calls: string[] = []
    const s = setup({ min: 2, max: 2, allowExitOnIdle: true }, { unref: (c) => calls.push(`unref ${c.id}`) })
    await s.pool.ready()
    expect(calls).toEqual(['unref 1', 'unref 2'])
  })

  it('is never called when allowExitOnIdle is off', async () => {
    const s = refSetup(false)
    await s.pool.use(() => undefined)
    await s.pool.use(() => undefined)
    expect(s.calls).toEqual([])
  })

  it('a throwing ref/unref is ignored', async () => {
    const s = setup(
      { max: 1, allowExitOnIdle: true },
      {
        ref: () => {
          throw new Error('ref bug')
        },
        unref: () => {
          throw new Error('unref bug')
        },
      },
    )
    expect(await s.pool.use((c) => c.id)).toBe(1)
    expect(await s.pool.use((c) => c.id)).toBe(1)
  })

  it('ref/unref that are not functions are POOL_CONFIG_INVALID', () => {
    const fake = new FakeDriver(new FakeClock())
    for (const hook of ['ref', 'unref'] as const) {
      const driver = { ...fake.driver, [hook]: 'yes' }
      expect(() => createPool<Conn>(driver as never, {}, { logger: false })).toThrow(
        new RegExp(`the driver's ${hook} must be a function`),
      )
    }
  })
})
