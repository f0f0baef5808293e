import { performance } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import { isPoolError, type PoolError } from '../errors/pool-error.js'
import { createPool } from './pool.js'

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

// A few end-to-end checks on the system clock (everything else runs on FakeClock); each well under 1 s.
describe('on real timers', () => {
  it('times out an acquire, hands a release to a waiter, and closes', async () => {
    let n = 0
    const pool = createPool(
      { create: async () => ({ id: ++n }), destroy: () => {} },
      { max: 1, acquireTimeoutMs: 50 },
      { logger: false },
    )
    const held = await pool.acquire()
    const started = performance.now()
    const error = await pool.acquire().catch((e: unknown) => e)
    const waited = performance.now() - started
    expect(isPoolError(error, 'POOL_ACQUIRE_TIMEOUT')).toBe(true)
    expect(waited).toBeGreaterThanOrEqual(45)
    expect(waited).toBeLessThan(400)
    const waiter = pool.acquire({ timeoutMs: 500 })
    setTimeout(() => pool.release(held), 20)
    expect(await waiter).toBe(held)
    pool.release(held)
    await pool.close()
    expect(pool.state).toBe('closed')
  })

  it('destroys a resource that arrives after its create timed out', async () => {
    const destroyed: unknown[] = []
    const pool = createPool(
      {
        create: () => new Promise<{ late: boolean }>((resolve) => setTimeout(() => resolve({ late: true }), 80)),
        destroy: (r) => {
          destroyed.push(r)
        },
      },
      { max: 1, createTimeoutMs: 30, acquireTimeoutMs: 60, retry: { initialDelayMs: 1_000, maxDelayMs: 1_000 } },
      { logger: false },
    )
    const error = (await pool.acquire().catch((e: unknown) => e)) as PoolError
    expect(error.code).toBe('POOL_ACQUIRE_TIMEOUT')
    expect((error.cause as PoolError).code).toBe('POOL_CREATE_TIMEOUT')
    await sleep(60)
    expect(destroyed).toEqual([{ late: true }])
    expect(pool.stats().counters.destroyedBy['create-abandoned']).toBe(1)
    await pool.close()
  })
})
