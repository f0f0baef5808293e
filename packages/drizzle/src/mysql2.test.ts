import { isPoolError } from '@pools/core'
import { createPool as createMariadbPool } from '@pools/core/mariadb'
import { createPool, Pool } from '@pools/core/mysql2'
import mysql from 'mysql2'
import { describe, expect, it, vi } from 'vitest'
import { drizzle, mysql2PoolOf } from './mysql2.js'

// Pools here are never used: no connection is opened until one is asked for.
describe('mysql2PoolOf', () => {
  it('a URL: pool parameters configure the pool', async () => {
    const { pool, created } = mysql2PoolOf('mysql://app@db:3306/shop?pool.max=3')
    expect(created).toBe(true)
    expect((pool as Pool).engine.max).toBe(3)
    await (pool as Pool).promise().end()
  })

  it('a built pool (callback or promise) is used as given, not owned', async () => {
    const pool = createPool({ host: 'db' })
    expect(mysql2PoolOf(pool)).toEqual({ pool, created: false })
    const promise = pool.promise()
    expect(mysql2PoolOf(promise)).toEqual({ pool: promise, created: false })
    await promise.end()
  })

  it("refuses mysql2's own pool and anything that is not a source", async () => {
    const foreign = mysql.createPool({ host: 'db' })
    for (const bad of [foreign, 1, null, []]) {
      let thrown: unknown
      try {
        mysql2PoolOf(bad as never)
      } catch (error) {
        thrown = error
      }
      expect(isPoolError(thrown, 'POOL_CONFIG_INVALID')).toBe(true)
    }
    await new Promise<void>((resolve) => foreign.end(() => resolve()))
  })

  it('a @pools/core/mariadb pool is refused with what to use instead (drizzle-orm/mysql2 needs mysql2)', async () => {
    const mariadbPool = createMariadbPool({ host: 'db', pools: { min: 0 } })
    let thrown: unknown
    try {
      mysql2PoolOf(mariadbPool as never)
    } catch (error) {
      thrown = error
    }
    expect(isPoolError(thrown, 'POOL_CONFIG_INVALID')).toBe(true)
    expect((thrown as Error).message).toContain(
      '@pools/core/mariadb pool; drizzle-orm/mysql2 runs on the mysql2 driver',
    )
    expect((thrown as Error).message).toContain("'@pools/core/mysql2'")
    await mariadbPool.end()
  })
})

describe('drizzle()', () => {
  it('ends the pool it built when drizzle rejects its options (a schema without mode)', () => {
    const end = vi.spyOn(Pool.prototype, 'end')
    expect(() => drizzle({ host: 'db' }, { schema: {} } as never)).toThrow(/mode/)
    expect(end).toHaveBeenCalledTimes(1)
    end.mockRestore()
  })
})
