import { isPoolError } from '@pools/core'
import { Pool } from '@pools/core/pg'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { drizzle, ensureRecognisedAsPool, pgPoolOf } from './node-postgres.js'

// Pools here are never used: a @pools/core/pg Pool opens no connection until asked.
const built: Pool[] = []
afterEach(async () => {
  await Promise.all(built.splice(0).map((pool) => pool.end()))
})
const keep = <T extends { pool: Pool }>(result: T): T => {
  built.push(result.pool)
  return result
}

describe('pgPoolOf', () => {
  it('a URL: pool parameters configure the pool and leave the connection string', () => {
    const { pool, created } = keep(
      pgPoolOf('postgres://app@db:5432/shop?pool.max=3&pool.idleTimeoutMs=5000&sslmode=disable'),
    )
    expect(created).toBe(true)
    expect(pool.pools.max).toBe(3)
    expect(pool.pools.config.idleTimeoutMs).toBe(5_000)
    expect(String(pool.options.connectionString)).toBe('postgres://app@db:5432/shop?sslmode=disable')
  })

  it('options with `pools` build a pool; a built pool is returned as is, not owned', () => {
    const { pool, created } = keep(pgPoolOf({ host: 'db', max: 7, pools: { name: 'orders' } }))
    expect(created).toBe(true)
    expect(pool.pools.max).toBe(7)
    expect(pool.pools.name).toBe('orders')
    expect(pgPoolOf(pool)).toEqual({ pool, created: false })
  })

  it('conflicting URL parameters are a PoolError', () => {
    expect(() => pgPoolOf('postgres://db/shop?pool.max=3&connection_limit=4')).toThrow(/both set max/)
  })

  it("refuses pg's own pool and client, and anything that is not a source", async () => {
    const foreign = new pg.Pool()
    for (const bad of [foreign, new pg.Client(), 1, null, [], true]) {
      let thrown: unknown
      try {
        pgPoolOf(bad as never)
      } catch (error) {
        thrown = error
      }
      expect(isPoolError(thrown, 'POOL_CONFIG_INVALID')).toBe(true)
    }
    await foreign.end()
  })
})

describe('ensureRecognisedAsPool', () => {
  it('leaves a recognisable pool alone and pins a minified class name to "Pool"', () => {
    const { pool } = keep(pgPoolOf({ host: 'db' }))
    ensureRecognisedAsPool(pool)
    expect(Object.getPrototypeOf(pool).constructor).toBe(Pool)
    expect(Pool.name).toBe('Pool')

    // what a minifier leaves of a class bundled with another copy of pg
    const e = class {}
    const minified = new e()
    expect(e.name).toBe('e')
    ensureRecognisedAsPool(minified as unknown as Pool)
    expect(e.name).toBe('Pool')
  })
})

describe('drizzle()', () => {
  it("hands drizzle the pool as { client } and passes drizzle's own options through", () => {
    const db = drizzle({ host: 'db', max: 2 }, { logger: false, casing: 'snake_case' })
    built.push(db.$client)
    expect(db.$client).toBeInstanceOf(Pool)
    const shared = drizzle({ client: db.$client })
    expect(shared.$client).toBe(db.$client)
  })
})
