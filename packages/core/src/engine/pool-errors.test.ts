import { describe, expect, it } from 'vitest'
import type { ResourceDriver } from '../driver/resource-driver.js'
import { describeCause, isPoolError, PoolError } from '../errors/pool-error.js'
import { FakeClock } from '../testing/fake-clock.js'
import { type Conn, rejection, setup, snapshot, thrown, warm } from './__fixtures__/driver.js'
import { type AcquireOptions, createPool } from './pool.js'

describe('PoolError', () => {
  it('has a code, a message, a cause, the pool name and a non-enumerable stats snapshot', async () => {
    const s = setup({ name: 'orders', min: 1, max: 1, maxPending: 0 })
    await s.pool.ready()
    await s.pool.acquire()
    const error = await rejection(s.pool.acquire(), 'POOL_QUEUE_FULL')
    expect(error).toBeInstanceOf(PoolError)
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('PoolError')
    expect(error.poolName).toBe('orders')
    expect(error.message).toMatch(/^Pool "orders": /)
    expect(error.stats).toMatchObject({ name: 'orders', used: 1, max: 1 })
    expect(Object.keys(error)).not.toContain('stats')
    expect(JSON.stringify(error)).not.toContain('counters')
    expect(Object.getOwnPropertyDescriptor(error, 'stats')?.enumerable).toBe(false)
    const cause = new Error('root')
    expect(new PoolError('POOL_CREATE_FAILED', 'x', { cause }).cause).toBe(cause)
    expect('cause' in new PoolError('POOL_CREATE_FAILED', 'x')).toBe(false)
  })

  it('isPoolError() recognises an error from a second copy of the library, optionally by code', () => {
    const foreign = { name: 'PoolError', code: 'POOL_CLOSED', message: 'closed' }
    expect(isPoolError(foreign)).toBe(true)
    expect(isPoolError(foreign, 'POOL_CLOSED')).toBe(true)
    expect(isPoolError(foreign, 'POOL_QUEUE_FULL')).toBe(false)
    expect(isPoolError(new PoolError('POOL_CLOSED', 'x'), 'POOL_CLOSED')).toBe(true)
    expect(isPoolError({ name: 'PoolError' })).toBe(false)
    expect(isPoolError({ name: 'Error', code: 'POOL_CLOSED' })).toBe(false)
    expect(isPoolError(new Error('x'))).toBe(false)
    expect(isPoolError(null)).toBe(false)
    expect(isPoolError('PoolError')).toBe(false)
  })

  it('describeCause() gives a short description of anything thrown', () => {
    expect(describeCause(Object.assign(new Error('connect refused'), { code: 'ECONNREFUSED' }))).toBe(
      'ECONNREFUSED: connect refused',
    )
    expect(describeCause(Object.assign(new Error('ECONNREFUSED 1.2.3.4'), { code: 'ECONNREFUSED' }))).toBe(
      'ECONNREFUSED 1.2.3.4',
    )
    expect(describeCause('plain')).toBe('plain')
  })
})

describe('misuse: a clear error and no state change', () => {
  it('releasing twice', async () => {
    const s = setup({ max: 2 })
    const [conn] = await warm(s, 1)
    const before = snapshot(s.pool)
    const error = thrown(() => s.pool.release(conn!), 'POOL_RELEASE_INVALID')
    expect(error.message).toMatch(/release\(\) was given a resource that is not borrowed \(was it released twice\?\)/)
    expect(error.message).toMatch(/Nothing was changed/)
    expect(snapshot(s.pool)).toEqual(before)
  })

  it('releasing a foreign object', async () => {
    const s = setup({ max: 2 })
    await warm(s, 1)
    const held = await s.pool.acquire()
    const before = snapshot(s.pool)
    const error = thrown(() => s.pool.release({ id: 1, closed: false }), 'POOL_RELEASE_INVALID')
    expect(error.message).toMatch(/does not own/)
    expect(snapshot(s.pool)).toEqual(before)
    expect(s.pool.isBorrowed(held)).toBe(true)
  })

  it('destroying a resource that is not borrowed', async () => {
    const s = setup({ max: 2 })
    const [idle] = await warm(s, 1)
    const before = snapshot(s.pool)
    const error = thrown(() => s.pool.destroy(idle!), 'POOL_RELEASE_INVALID')
    expect(error.message).toMatch(/^Pool "pool": destroy\(\) was given/)
    expect(snapshot(s.pool)).toEqual(before)
    expect(idle!.closed).toBe(false)
    thrown(() => s.pool.destroy({ id: 7, closed: false }), 'POOL_RELEASE_INVALID')
  })

  it('acquiring after close', async () => {
    const s = setup({ max: 2 })
    await s.pool.close()
    const before = snapshot(s.pool)
    const error = await rejection(s.pool.acquire(), 'POOL_CLOSED')
    expect(error.message).toMatch(/acquire\(\) was called on a pool that is closed. Create a new pool/)
    expect(snapshot(s.pool)).toEqual(before)
  })

  const badOptions: [string, unknown][] = [
    ['priority "urgent"', { priority: 'urgent' }],
    ['priority 1', { priority: 1 }],
    ['priority "toString"', { priority: 'toString' }],
    ['timeoutMs -1', { timeoutMs: -1 }],
    ['timeoutMs NaN', { timeoutMs: Number.NaN }],
    ['timeoutMs Infinity', { timeoutMs: Number.POSITIVE_INFINITY }],
    ['timeoutMs "100"', { timeoutMs: '100' }],
    ['timeoutMs above the timer limit', { timeoutMs: 2 ** 31 }],
    ['options null', null],
    ['signal not an AbortSignal', { signal: { aborted: false } }],
    ['waitForRelease "no"', { waitForRelease: 'no' }],
  ]
  for (const [what, options] of badOptions) {
    it(`acquire() with ${what} rejects with POOL_CONFIG_INVALID, also when a resource is idle`, async () => {
      const s = setup({ max: 2 })
      await warm(s, 1)
      const before = snapshot(s.pool)
      const error = await rejection(s.pool.acquire(options as AcquireOptions), 'POOL_CONFIG_INVALID')
      expect(error.message).toMatch(/acquire\(\)/)
      expect(snapshot(s.pool)).toEqual(before)
      s.pool.suspend() // and when it would have to wait
      await rejection(s.pool.acquire(options as AcquireOptions), 'POOL_CONFIG_INVALID')
      expect(s.pool.pending).toBe(0)
    })
  }

  it('acquire() with a bad option rejects with POOL_CONFIG_INVALID even when the queue is full', async () => {
    const s = setup({ max: 1, maxPending: 0 })
    await s.pool.acquire().catch(() => undefined)
    await rejection(s.pool.acquire({ priority: 'urgent' as 'high' }), 'POOL_CONFIG_INVALID')
    expect(s.pool.stats().counters.queueFull).toBe(1)
  })

  it('invalid resize() rejects with POOL_CONFIG_INVALID and changes nothing', async () => {
    const s = setup({ min: 1, max: 4 })
    await warm(s, 2)
    const before = snapshot(s.pool)
    const cases: { min?: number; max?: number }[] = [
      { max: 0 },
      { min: -1 },
      { max: 1.5 },
      { min: 5 },
      { min: 3, max: 2 },
      { max: Number.NaN },
      { min: '2' as unknown as number },
    ]
    for (const size of cases) {
      const error = thrown(() => s.pool.resize(size), 'POOL_CONFIG_INVALID')
      expect(error.message).toMatch(/resize\(\) was given an invalid size/)
    }
    thrown(() => s.pool.resize(null as unknown as { max: number }), 'POOL_CONFIG_INVALID')
    expect(snapshot(s.pool)).toEqual(before)
    expect([s.pool.min, s.pool.max]).toEqual([1, 4])
  })

  it('createPool() with a bad driver throws POOL_CONFIG_INVALID', () => {
    const clock = new FakeClock()
    const create = async () => ({ id: 1, closed: false })
    const destroy = () => {}
    const bad: [string, unknown][] = [
      ['null', null],
      ['a function', create],
      ['no create', { destroy }],
      ['no destroy', { create }],
      ['create not a function', { create: 'yes', destroy }],
      ['validate not a function', { create, destroy, validate: true }],
      ['reset not a function', { create, destroy, reset: 'ROLLBACK' }],
      ['isBroken not a function', { create, destroy, isBroken: false }],
    ]
    for (const [what, driver] of bad) {
      const error = thrown(
        () => createPool(driver as ResourceDriver<Conn>, {}, { clock, logger: false }),
        'POOL_CONFIG_INVALID',
      )
      expect(error.message, what).toMatch(/driver/)
    }
    expect(clock.pendingTimers().total).toBe(0) // nothing was started
  })

  it('createPool() with a bad config throws POOL_CONFIG_INVALID naming the option', () => {
    const driver = { create: async () => ({}), destroy: () => {} }
    const error = thrown(() => createPool(driver, { max: 0 }, { logger: false }), 'POOL_CONFIG_INVALID')
    expect(error.message).toMatch(/max/)
  })
})
