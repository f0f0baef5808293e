import { isPoolError } from '@pools/core'
import { Pool } from '@pools/core/pg'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { loadedPgCopies } from './pg-copies.js'
import { PRISMA_MAX_WAIT_MS, pgPoolOf } from './pg-source.js'

// Pools here are never used: a @pools/core/pg Pool opens no connection until asked.
async function acquireTimeoutOf(source: Parameters<typeof pgPoolOf>[0]): Promise<number> {
  const { pool } = pgPoolOf(source)
  try {
    return pool.pools.config.acquireTimeoutMs
  } finally {
    await pool.end()
  }
}

describe('the acquire timeout of a pool the adapter builds', () => {
  it("is Prisma's default maxWait unless the source sets one, in any of its spellings", async () => {
    expect(await acquireTimeoutOf('postgres://db/shop')).toBe(PRISMA_MAX_WAIT_MS)
    expect(await acquireTimeoutOf({ host: 'db' })).toBe(PRISMA_MAX_WAIT_MS)
    expect(await acquireTimeoutOf({ host: 'db', pools: { max: 3 } })).toBe(PRISMA_MAX_WAIT_MS)
    expect(await acquireTimeoutOf('postgres://db/shop?pool_timeout=5')).toBe(5_000)
    expect(await acquireTimeoutOf('postgres://db/shop?pool.acquireTimeoutMs=0')).toBe(0)
    expect(await acquireTimeoutOf({ host: 'db', connectionTimeoutMillis: 900 })).toBe(900)
    expect(await acquireTimeoutOf({ host: 'db', pools: { acquireTimeoutMs: 1_234 } })).toBe(1_234)
  })

  it('a pool passed in keeps its own, and is not owned', async () => {
    const pool = new Pool({ host: 'db' })
    expect(pgPoolOf(pool)).toEqual({ pool, created: false })
    expect(pool.pools.config.acquireTimeoutMs).toBe(0)
    await pool.end()
  })

  it("refuses pg's own pool and anything that is not a source", async () => {
    const foreign = new pg.Pool()
    for (const bad of [foreign, 7, null, []]) {
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

describe('loadedPgCopies', () => {
  it('finds the copy of pg a pool extends, with its version', async () => {
    const pool = new Pool({ host: 'db' })
    const copies = loadedPgCopies(pool)
    const owner = copies.filter((copy) => copy.ownsPool)
    expect(owner).toHaveLength(1)
    expect(owner[0]!.version).toMatch(/^8\.\d+\.\d+/)
    expect(owner[0]!.path).toMatch(/node_modules[\\/]pg$/)
    await pool.end()
  })
})
