import { describe, expect, it } from 'vitest'
import type { PoolError } from '../errors/pool-error.js'
import type { PoolObserver } from '../stats/pool-observer.js'
import type { DestroyReason } from '../stats/pool-stats.js'
import { FakeClock } from '../testing/fake-clock.js'
import { FakeDriver, rejectedWith, rejection, setup, thrown, track, warm } from './__fixtures__/driver.js'
import { createPool } from './pool.js'

/** An observer that writes down every call. */
function recorder() {
  const calls: [string, ...unknown[]][] = []
  const observer: Required<PoolObserver> = {
    recordAcquire: (waitMs) => calls.push(['acquire', waitMs]),
    recordUse: (heldMs) => calls.push(['use', heldMs]),
    recordCreate: (createMs) => calls.push(['create', createMs]),
    recordCreateError: (error: PoolError, timedOut) => calls.push(['createError', error.code, timedOut]),
    recordTimeout: (waitMs) => calls.push(['timeout', waitMs]),
    recordAbort: (waitMs) => calls.push(['abort', waitMs]),
    recordQueueFull: () => calls.push(['queueFull']),
    recordDestroy: (reason: DestroyReason) => calls.push(['destroy', reason]),
    recordLeak: (heldMs) => calls.push(['leak', heldMs]),
    recordValidationFailure: (phase) => calls.push(['validationFailure', phase]),
    closed: () => calls.push(['closed']),
  }
  const of = (name: string) => calls.filter((c) => c[0] === name).map((c) => c.slice(1))
  return { calls, observer, of }
}

/** A FakeClock that counts its readings. */
class CountingClock extends FakeClock {
  reads = 0
  override now(): number {
    this.reads++
    return super.now()
  }
}

describe('PoolObserver', () => {
  it('receives exact acquire wait and use time for timed loans (timingSampleEvery 1)', async () => {
    const r = recorder()
    const s = setup({ max: 1, timingSampleEvery: 1 }, {}, { observer: r.observer }, (fake) => {
      fake.createDelayMs = 30
    })
    const conn = await (async () => {
      const p = s.pool.acquire()
      await s.clock.advance(30)
      return p
    })()
    expect(r.of('create')).toEqual([[30]])
    expect(r.of('acquire')).toEqual([[30]])
    await s.clock.advance(12)
    s.pool.release(conn)
    expect(r.of('use')).toEqual([[12]])
    await s.pool.use(() => undefined) // the idle fast path
    expect(r.of('acquire')).toEqual([[30], [0]])
    expect(r.of('use')).toEqual([[12], [0]])
  })

  it('gets the sampled loans only, the same sample as the percentiles', async () => {
    const r = recorder()
    const s = setup({ max: 1 }, {}, { observer: r.observer }) // timingSampleEvery 16
    for (let i = 0; i < 64; i++) await s.pool.use(() => undefined)
    const { acquireWaitMs, useTimeMs, counters } = s.pool.stats()
    expect(counters.acquired).toBe(64)
    expect(r.of('acquire')).toHaveLength(4)
    expect(r.of('acquire')).toHaveLength(acquireWaitMs.count)
    expect(r.of('use')).toHaveLength(useTimeMs.count)
  })

  it('adds no clock reading: the same readings with and without an observer', async () => {
    const readings = async (observe: boolean) => {
      const clock = new CountingClock()
      const fake = new FakeDriver(clock)
      const pool = createPool(fake.driver, { max: 2 }, { clock, logger: false })
      if (observe) pool.observe(recorder().observer)
      for (let i = 0; i < 200; i++) await pool.use(() => undefined)
      const conns = [pool.acquire(), pool.acquire(), pool.acquire()]
      await clock.advance(0)
      const [a, b] = await Promise.all(conns.slice(0, 2))
      pool.release(a!)
      pool.release(b!)
      pool.release(await conns[2]!)
      return clock.reads
    }
    expect(await readings(true)).toBe(await readings(false))
  })

  it('hears about creates that fail or time out, timeouts, aborts and a full queue', async () => {
    const r = recorder()
    const s = setup(
      { max: 1, maxPending: 1, acquireTimeoutMs: 500, createTimeoutMs: 100, retry: { initialDelayMs: 10_000 } },
      {},
      { observer: r.observer },
    )
    s.fake.failWith = new Error('ECONNREFUSED')
    const first = track(s.pool.acquire(), s.clock)
    await s.clock.advance(0)
    expect(r.of('createError')).toEqual([['POOL_CREATE_FAILED', false]])
    await rejection(s.pool.acquire(), 'POOL_QUEUE_FULL')
    expect(r.of('queueFull')).toEqual([[]])
    await s.clock.advance(500)
    rejectedWith(first, 'POOL_ACQUIRE_TIMEOUT')
    expect(r.of('timeout')).toEqual([[500]])
    const controller = new AbortController()
    const aborted = track(s.pool.acquire({ signal: controller.signal }), s.clock)
    await s.clock.advance(20)
    controller.abort()
    await s.clock.advance(0)
    rejectedWith(aborted, 'POOL_ACQUIRE_ABORTED')
    expect(r.of('abort')).toEqual([[20]])
    await rejection(s.pool.acquire({ signal: AbortSignal.abort() }), 'POOL_ACQUIRE_ABORTED')
    expect(r.of('abort')).toEqual([[20], [0]])

    const t = recorder()
    const slow = setup({ max: 1, createTimeoutMs: 100 }, {}, { observer: t.observer }, (fake) => {
      fake.createImpl = () => new Promise(() => {})
    })
    void slow.pool.acquire().catch(() => {})
    await slow.clock.advance(100)
    expect(t.of('createError')).toEqual([['POOL_CREATE_TIMEOUT', true]])
  })

  it('hears about destroys with their reason, leaks and failed validations', async () => {
    const r = recorder()
    let valid = true
    const s = setup(
      {
        max: 2,
        leakDetectionThresholdMs: 1_000,
        housekeepingIntervalMs: 100,
        validateOnBorrow: true,
        validationBypassMs: 0,
      },
      { validate: () => valid },
      { observer: r.observer },
    )
    const conn = await s.pool.acquire()
    await s.clock.advance(1_050)
    expect(r.of('leak')).toHaveLength(1)
    expect(r.of('leak')[0]![0]).toBeGreaterThanOrEqual(1_000)
    s.pool.release(conn)
    valid = false
    const next = track(s.pool.acquire(), s.clock)
    await s.clock.advance(0)
    valid = true
    await s.clock.advance(0)
    expect(r.of('validationFailure')[0]).toEqual(['borrow'])
    expect(r.of('destroy')[0]).toEqual(['validation-failed'])
    expect(next.settled).toBe(true)
    s.pool.destroy(next.value!)
    expect(r.of('destroy').at(-1)).toEqual(['broken'])
  })

  it('observe() returns an unsubscribe; several observers each get every call', async () => {
    const a = recorder()
    const b = recorder()
    const s = setup({ max: 1, timingSampleEvery: 1 })
    const stopA = s.pool.observe(a.observer)
    s.pool.observe(b.observer)
    await s.pool.use(() => undefined)
    stopA()
    stopA() // idempotent
    await s.pool.use(() => undefined)
    expect(a.of('acquire')).toHaveLength(1)
    expect(b.of('acquire')).toHaveLength(2)
  })

  it('a partial observer is fine, and a throwing one is isolated and logged', async () => {
    const seen: number[] = []
    const s = setup({ max: 1, timingSampleEvery: 1 })
    s.pool.observe({
      recordAcquire: () => {
        throw new Error('exporter bug')
      },
    })
    s.pool.observe({ recordAcquire: (waitMs) => seen.push(waitMs) })
    expect(await s.pool.use((c) => c.id)).toBe(1)
    expect(await s.pool.use((c) => c.id)).toBe(1)
    expect(seen).toEqual([0, 0])
    expect(s.logger.warns.filter((w) => w.includes("an observer's recordAcquire() threw: exporter bug"))).toHaveLength(
      2,
    )
  })

  it('a bad observer is POOL_CONFIG_INVALID', () => {
    const s = setup({ max: 1 })
    thrown(() => s.pool.observe(null as unknown as PoolObserver), 'POOL_CONFIG_INVALID')
    const error = thrown(() => s.pool.observe({ recordUse: 5 } as unknown as PoolObserver), 'POOL_CONFIG_INVALID')
    expect(error.message).toMatch(/recordUse must be a function/)
    expect(() => setup({ max: 1 }, {}, { observer: 'x' as unknown as PoolObserver })).toThrow(
      /observe\(\) needs an observer/,
    )
  })

  it('with a warm pool, the observer sees exactly the destroys of close(), then closed()', async () => {
    const r = recorder()
    const s = setup({ max: 2 }, {}, { observer: r.observer })
    await warm(s, 2)
    await s.pool.close()
    expect(r.of('destroy')).toEqual([['closed'], ['closed']])
    expect(r.calls.at(-1)).toEqual(['closed']) // last, once every resource is destroyed
    await s.pool.close()
    expect(r.of('closed')).toHaveLength(1)
  })
})
