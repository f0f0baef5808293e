// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} in plain strings is the interpolation syntax of config files
/**
 * A pool of the config file (`await resolvePool(name)`) wherever a config is: the pg and mysql2
 * drop-ins' `pools` option, prismaAdapter, Drizzle, knex and TypeORM `withPools`, createRedisPool.
 * One pools.config.json in a temp folder, read by every package; each runs a query on the real server
 * and uses the file's options (its `max`, `name`, `acquireTimeoutMs`).
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { engineOf, isFilePool, isPoolError } from '@pools/core'
import { type ResolvedPool, resolvePool } from '@pools/core/config-file'
import { createPool as createMysqlPool } from '@pools/core/mysql2/promise'
import { Pool } from '@pools/core/pg'
import { drizzle as drizzleMysql } from '@pools/drizzle/mysql2'
import { drizzle as drizzlePg } from '@pools/drizzle/node-postgres'
import { createRedisPool } from '@pools/ioredis'
import { knexEngine, withPools as knexWithPools } from '@pools/knex'
import { pgPoolOf, prismaAdapter } from '@pools/prisma'
import { dataSourceEngines, withPools as typeormWithPools } from '@pools/typeorm'
import { sql } from 'drizzle-orm'
import knex from 'knex'
import { DataSource } from 'typeorm'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeWithServices, useMysql, usePostgres, useRedis } from '../harness/index.js'

// Made in a hook, not at import: vitest runs no hook of a file whose tests are all skipped (a service missing).
const dir = path.join(tmpdir(), `pools-file-pool-${process.pid}-${randomBytes(4).toString('hex')}`)
beforeAll(() => {
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    path.join(dir, 'pools.config.json'),
    JSON.stringify({
      pools: {
        primary: { connection: '${PG_URL}', max: 3, acquireTimeoutMs: 1234, name: 'file-primary' },
        hosted: {
          connection: {
            driver: 'pg',
            host: '${PG_HOST}',
            port: '${PG_PORT}',
            user: '${PG_USER}',
            database: '${PG_DB}',
          },
          max: 2,
        },
        orders: { connection: '${MYSQL_URL}', max: 2, acquireTimeoutMs: 2345 },
        cache: { connection: '${REDIS_URL}', max: 2 },
      },
    }),
  )
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let env: Record<string, string> = {}
const load = (name: string): Promise<ResolvedPool> => resolvePool(name, { cwd: dir, env })
const code = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (error) {
    return isPoolError(error) ? `${error.code}: ${error.message}` : String(error)
  }
  return undefined
}

describeWithServices(['postgres', 'mysql', 'redis'], 'a pool of the config file, in every package', () => {
  let pgDb = ''
  let mysqlDb = ''
  let orders: ResolvedPool
  beforeAll(async () => {
    const pg = await usePostgres()
    const mysql = await useMysql()
    const redis = await useRedis()
    pgDb = pg.name
    mysqlDb = mysql.name
    const u = new URL(pg.url)
    env = {
      PG_URL: pg.url,
      PG_HOST: u.hostname,
      PG_PORT: u.port || '5432',
      PG_USER: decodeURIComponent(u.username),
      PG_DB: pg.name,
      MYSQL_URL: mysql.url,
      REDIS_URL: redis.url,
    }
    orders = await load('orders')
  }, 60_000)

  it('resolvePool marks the pool; spreading it drops the mark', async () => {
    const primary = await load('primary')
    expect(isFilePool(primary)).toBe(true)
    expect(isFilePool({ ...primary })).toBe(false)
  })

  it('@pools/core/pg: new Pool({ pools }) connects with the file URL or host settings and uses its options', async () => {
    const pool = new Pool({ pools: await load('primary') })
    try {
      const { rows } = await pool.query('SELECT current_database() AS db')
      expect(rows[0].db).toBe(pgDb)
      const engine = engineOf(pool)
      expect([engine.config.max, engine.config.acquireTimeoutMs, engine.name]).toEqual([3, 1234, 'file-primary'])
    } finally {
      await pool.end()
    }
    const hosted = new Pool({ pools: await load('hosted'), application_name: 'from-code' })
    try {
      const { rows } = await hosted.query("SELECT current_database() AS db, current_setting('application_name') AS app")
      expect(rows[0]).toEqual({ db: pgDb, app: 'from-code' })
      expect(engineOf(hosted).config.max).toBe(2)
    } finally {
      await hosted.end()
    }
  })

  it('@pools/core/pg refuses pg-pool sizing options beside it, and a pool of another driver', async () => {
    const primary = await load('primary')
    expect(code(() => new Pool({ pools: primary, max: 5, idleTimeoutMillis: 1 }))).toMatch(
      /^POOL_CONFIG_INVALID: .*pool "primary" comes from the config file, which sets every pool option; max, idleTimeoutMs were also given here .*set them in the file instead/,
    )
    expect(code(() => new Pool({ pools: primary, max: 5 }))).toContain('max was also given here')
    expect(code(() => new Pool({ pools: undefined as never }))).toBeUndefined()
    expect(code(() => new Pool({ pools: orders }))).toContain('pool "orders" of the config file is a mysql2 pool')
  })

  it('@pools/core/mysql2: createPool({ pools }) connects with the file URL and uses its options', async () => {
    const pool = createMysqlPool({ pools: orders })
    try {
      const [rows] = await pool.query('SELECT DATABASE() AS db')
      expect((rows as { db: string }[])[0]?.db).toBe(mysqlDb)
      const engine = engineOf(pool)
      expect([engine.config.max, engine.config.acquireTimeoutMs, engine.name]).toEqual([2, 2345, 'orders'])
      expect(pool.pool.config.connectionLimit).toBe(2)
    } finally {
      await pool.end()
    }
    expect(code(() => createMysqlPool({ pools: orders, connectionLimit: 9 }))).toContain(
      'connectionLimit was also given here: set it in the file instead',
    )
  })

  it('@pools/prisma: prismaAdapter(pool) and pgPoolOf(pool)', async () => {
    const primary = await load('primary')
    const { pool, created } = pgPoolOf(primary)
    try {
      expect(created).toBe(true)
      // The file's acquireTimeoutMs, not the adapter's default for sources that set none.
      expect([engineOf(pool).config.max, engineOf(pool).config.acquireTimeoutMs]).toEqual([3, 1234])
    } finally {
      await pool.end()
    }
    const adapter = await prismaAdapter(primary).connect()
    try {
      const result = await adapter.queryRaw({ sql: 'SELECT current_database() AS db', args: [], argTypes: [] })
      expect(result.rows[0]?.[0]).toBe(pgDb)
    } finally {
      await adapter.dispose()
    }
  })

  it('@pools/drizzle: drizzle(pool) for node-postgres and mysql2', async () => {
    const pgDbh = drizzlePg(await load('primary'))
    try {
      const { rows } = await pgDbh.execute(sql`SELECT current_database() AS db`)
      expect(rows[0]?.db).toBe(pgDb)
      expect(engineOf(pgDbh.$client).config.max).toBe(3)
    } finally {
      await pgDbh.$client.end()
    }
    const myDbh = drizzleMysql(orders)
    try {
      const [rows] = (await myDbh.execute(sql`SELECT DATABASE() AS db`)) as unknown as [{ db: string }[]]
      expect(rows[0]?.db).toBe(mysqlDb)
      expect(engineOf(myDbh.$client).config.max).toBe(2)
    } finally {
      await myDbh.$client.promise().end()
    }
  })

  it('@pools/knex: withPools({ client, pools }) takes the connection and options from the file', async () => {
    const db = knex(knexWithPools({ client: 'pg', pools: await load('primary') }))
    try {
      const { rows } = await db.raw('SELECT current_database() AS db')
      expect(rows[0].db).toBe(pgDb)
      expect([knexEngine(db).config.max, knexEngine(db).config.acquireTimeoutMs]).toEqual([3, 1234])
    } finally {
      await db.destroy()
    }
    const my = knex(knexWithPools({ client: 'mysql2', pools: orders }))
    try {
      const [rows] = await my.raw('SELECT DATABASE() AS db')
      expect(rows[0].db).toBe(mysqlDb)
      expect(knexEngine(my).config.max).toBe(2)
    } finally {
      await my.destroy()
    }
    expect(code(() => knexWithPools({ client: 'pg', pools: orders }))).toContain('is a mysql2 pool, and client is pg')
    expect(code(() => knexWithPools({ client: 'mysql2', pools: orders, pool: { max: 4 } }))).toContain(
      'pool cannot be given beside it',
    )
  })

  it('@pools/typeorm: withPools({ type, pools }) for postgres and mysql', async () => {
    const pgSource = new DataSource(typeormWithPools({ type: 'postgres', pools: await load('primary') }))
    await pgSource.initialize()
    try {
      const rows = await pgSource.query('SELECT current_database() AS db')
      expect(rows[0].db).toBe(pgDb)
      expect(dataSourceEngines(pgSource).master.config.max).toBe(3)
    } finally {
      await pgSource.destroy()
    }
    const mySource = new DataSource(typeormWithPools({ type: 'mysql', pools: orders }))
    await mySource.initialize()
    try {
      const rows = await mySource.query('SELECT DATABASE() AS db')
      expect(rows[0].db).toBe(mysqlDb)
      expect(dataSourceEngines(mySource).master.config.max).toBe(2)
    } finally {
      await mySource.destroy()
    }
    expect(code(() => typeormWithPools({ type: 'mysql', pools: orders, poolSize: 5 }))).toContain('remove poolSize')
  })

  it('@pools/ioredis: createRedisPool({ pools }) connects with the file URL and uses its options', async () => {
    const pool = createRedisPool({ pools: await load('cache') })
    try {
      expect(await pool.use((redis) => redis.ping())).toBe('PONG')
      expect([engineOf(pool).config.max, engineOf(pool).name]).toEqual([2, 'cache'])
    } finally {
      await pool.close()
    }
    expect(code(() => createRedisPool({ pools: orders }))).toContain('is a mysql2 pool, not a Redis one')
  })
})
