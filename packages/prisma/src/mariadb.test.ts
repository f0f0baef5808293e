import { isPoolError } from '@pools/core'
import { createPool as createMariadbPool } from '@pools/core/mariadb'
import { createPool as createMysql2Pool } from '@pools/core/mysql2'
import { createPool as createForeignPool } from 'mariadb'
import { describe, expect, it } from 'vitest'
import { mariadbPoolOf } from './mariadb.js'

function refusal(source: unknown): Error {
  try {
    mariadbPoolOf(source as never)
  } catch (error) {
    expect(isPoolError(error, 'POOL_CONFIG_INVALID')).toBe(true)
    return error as Error
  }
  throw new Error('mariadbPoolOf accepted it')
}

// Pools here are never used: no connection is opened until one is asked for.
describe('mariadbPoolOf', () => {
  it('a @pools/core/mariadb pool is used as given, not owned', async () => {
    const pool = createMariadbPool({ host: 'db', pools: { min: 0 } })
    expect(mariadbPoolOf(pool)).toEqual({ pool, created: false })
    await pool.end()
  })

  it('a @pools/core/mysql2 pool is refused: adapter-mariadb runs on the mariadb driver', async () => {
    const pool = createMysql2Pool({ host: 'db' })
    for (const source of [pool, pool.promise()]) {
      const error = refusal(source)
      expect(error.message).toContain('a mysql2 pool cannot serve it')
      expect(error.message).toContain("'@pools/core/mariadb'")
    }
    await pool.promise().end()
  })

  it("the mariadb driver's own pool is refused (it keeps its own connections)", async () => {
    const foreign = createForeignPool({ host: 'db', connectionLimit: 1, minimumIdle: 0, initializationTimeout: 100 })
    // not in mariadb's typings; a pool that never connects should not emit one, but a stray one must not crash the run
    ;(foreign as unknown as { on(event: 'error', listener: () => void): void }).on('error', () => {})
    const error = refusal(foreign)
    expect(error.message).toContain('is not a @pools pool')
    await foreign.end().catch(() => {})
  })

  it('anything that is not a source is refused', () => {
    for (const bad of [1, null, []]) refusal(bad)
  })
})
