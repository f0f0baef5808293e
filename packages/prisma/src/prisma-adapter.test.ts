import { isPoolError } from '@pools/core'
import { Pool } from '@pools/core/pg'
import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { PoolsPrismaPg, prismaAdapter } from './prisma-adapter.js'

afterEach(() => {
  vi.restoreAllMocks()
})

// No query runs here: adapter-pg's connect() only wraps the pool, and a @pools pool opens nothing until asked.
describe('PoolsPrismaPg', () => {
  it("is a Prisma adapter factory whose connect() gives adapter-pg's adapter over our pool", async () => {
    const adapter = prismaAdapter({ host: 'db' })
    expect(adapter).toBeInstanceOf(PoolsPrismaPg)
    expect(adapter.provider).toBe('postgres')
    expect(adapter.adapterName).toBe(new PrismaPg({}).adapterName)
    const driver = await adapter.connect()
    expect(driver.underlyingDriver()).toBe(adapter.pool)
    await driver.dispose()
    expect(adapter.pool).toBeInstanceOf(Pool) // a fresh one, built on demand
    await adapter.pool.end()
  })

  it('if adapter-pg still ends up on another pool at connect(), that pool is disposed and connect() fails', async () => {
    const adapter = prismaAdapter({ host: 'db' })
    const stray = new pg.Pool()
    const dispose = vi.fn(async () => {
      await stray.end()
    })
    vi.spyOn(PrismaPg.prototype, 'connect').mockResolvedValue({
      underlyingDriver: () => stray,
      dispose,
    } as never)
    const error = await adapter.connect().catch((e: unknown) => e)
    expect(isPoolError(error, 'POOL_CONFIG_INVALID')).toBe(true)
    expect(dispose).toHaveBeenCalledTimes(1)
    await adapter.pool.end()
  })

  it('transactions record their acquire site with more than the default 10 frames, and restore the limit', async () => {
    const adapter = prismaAdapter({ host: 'db' })
    const driver = await adapter.connect()
    const seen: number[] = []
    vi.spyOn(adapter.pool, 'connect').mockImplementation((() => {
      seen.push(Error.stackTraceLimit)
      return Promise.reject(new Error('no server here'))
    }) as never)
    const before = Error.stackTraceLimit
    await driver.startTransaction().catch(() => {})
    expect(seen[0]).toBeGreaterThanOrEqual(Math.max(before, 40))
    expect(Error.stackTraceLimit).toBe(before)
    await driver.dispose()
  })
})
