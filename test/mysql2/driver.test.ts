/**
 * The standalone mysql2 driver (`createMysql2Driver` with `@pools/core`'s `createPool`), mysql2 pools built over
 * an existing engine (`createPool({ engine })`, shared, never closed by them), the engine under
 * `Symbol.for('@pools/core.engine')`, and credentials: a known password never appears in `util.inspect` /
 * `JSON.stringify` of connections, leak reports, engine and mysql2 event payloads or errors, while mysql2's
 * own `changeUser` (which reads `config.password`) keeps working. Real MariaDB only.
 */
import { inspect } from 'node:util'
import { createPool as createEngine, engineOf, isPoolError } from '@pools/core'
import pooled, { createMysql2Driver, createPool, type Pool } from '@pools/core/mysql2'
import pooledPromise from '@pools/core/mysql2/promise'
import type { PoolConnection } from 'mysql2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { countMysqlConnections, describeWithMysql, waitForMysqlConnections } from '../harness/index.js'
import { end, getConnection, query, scalar, TEST_POOLS, useMysql2Context } from './support.js'

const ENGINE = Symbol.for('@pools/core.engine')

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  return undefined
}

/** Everything a user could print of a value. */
function printed(value: unknown): string {
  let json: string
  try {
    json = JSON.stringify(value)
  } catch (error) {
    json = String(error)
  }
  return `${inspect(value, { depth: Infinity, showHidden: false })}\n${json}\n${String(value)}`
}

describeWithMysql('@pools/core/mysql2 driver and shared engines', () => {
  const ctx = useMysql2Context()

  describe('createMysql2Driver with the core createPool', () => {
    it('lends mysql2 PoolConnections, rolls back on release, closes every connection', async () => {
      const driver = createMysql2Driver({ ...ctx.db.config })
      // max 1: the second acquire must get the same connection back, after its ROLLBACK on release
      const engine = createEngine(driver, { ...TEST_POOLS, max: 1, name: 'standalone' }, { logger: false })
      try {
        const answer = await engine.use(async (conn) => {
          const [rows] = await conn.promise().query('SELECT ? AS answer', [42])
          return (rows as { answer: number }[])[0]!.answer
        })
        expect(answer).toBe(42)
        const conn = await engine.acquire()
        await query(conn, 'START TRANSACTION')
        expect(Number(await scalar(conn, 'SELECT @@in_transaction'))).toBe(1)
        engine.release(conn)
        const again = await engine.acquire()
        expect(again).toBe(conn)
        expect(Number(await scalar(again, 'SELECT @@in_transaction'))).toBe(0)
        // no mysql2 pool around it: release() says what to do instead of losing the connection
        const refused = thrown(() => again.release())
        expect(isPoolError(refused, 'POOL_RELEASE_INVALID')).toBe(true)
        expect(String((refused as Error).message)).toContain('engine.release(connection)')
        expect(engine.isBorrowed(again)).toBe(true)
        engine.release(again)
        expect(await countMysqlConnections(ctx.db.name)).toBe(engine.total)
      } finally {
        await engine.close()
      }
      expect(await countMysqlConnections(ctx.db.name)).toBe(0)
    })

    it('takes a URL and resetOnRelease; bad options are PoolErrors (a malformed URL is never repeated)', async () => {
      const secret = 'Dr1ver-Secret-Pw'
      const engine = createEngine(createMysql2Driver(`${ctx.db.url}?connectTimeout=3000`), { max: 1 })
      try {
        expect(await engine.use((conn) => scalar(conn, 'SELECT DATABASE()'))).toBe(ctx.db.name)
      } finally {
        await engine.close()
      }
      for (const bad of [
        `mysql://root:${secret}@[::1`,
        `mysql://root:${secret}@127.0.0.1:not-a-port/db`,
        `mysql://root:${secret}%E0%A4%A@127.0.0.1/db`,
      ]) {
        const error = thrown(() => createMysql2Driver(bad))
        expect(isPoolError(error, 'POOL_CONFIG_INVALID')).toBe(true)
        expect(printed(error)).not.toContain(secret)
        expect(error).not.toHaveProperty('input')
      }
      expect(isPoolError(thrown(() => createMysql2Driver({ resetOnRelease: 'always' as never })))).toBe(true)
      expect(
        isPoolError(
          thrown(() => createMysql2Driver(42 as never)),
          'POOL_CONFIG_INVALID',
        ),
      ).toBe(true)
      expect(
        isPoolError(
          thrown(() => createMysql2Driver({ ssl: 'No-Such-Profile' })),
          'POOL_CONFIG_INVALID',
        ),
      ).toBe(true)
    })
  })

  describe('mysql2 pools over an existing engine', () => {
    it('two pools share one engine; a pool that did not create the engine never closes it', async () => {
      const engine = createEngine(createMysql2Driver(ctx.db.url), { ...TEST_POOLS, max: 2 }, { logger: false })
      try {
        const a = createPool({ engine })
        const b = pooledPromise.createPool({ engine })
        expect(a.engine).toBe(engine)
        expect(b.engine).toBe(engine)
        expect((a as unknown as Record<symbol, unknown>)[ENGINE]).toBe(engine)
        expect((b as unknown as Record<symbol, unknown>)[ENGINE]).toBe(engine)
        expect((a.promise() as unknown as Record<symbol, unknown>)[ENGINE]).toBe(engine)
        expect(engineOf(a)).toBe(engine)
        expect(engineOf(b)).toBe(engine)
        expect(a.config.connectionLimit).toBe(2)

        const acquired: number[] = []
        a.on('acquire', (conn: PoolConnection) => acquired.push(conn.threadId))
        expect(await scalar(a, 'SELECT 1')).toBe(1)
        const [rows] = await b.query('SELECT 2 AS two')
        expect(rows).toEqual([{ two: 2 }])
        // one engine: the same connections, the same counters
        const conn = await getConnection(a)
        const threadId = conn.threadId
        conn.release() // goes back to the shared engine
        const other = await b.getConnection()
        expect(other.connection.threadId).toBe(threadId)
        other.release()
        expect(engine.stats().counters.acquired).toBe(4)
        expect(acquired.length).toBe(4) // the engine's loans, whichever pool made them

        await end(a) // detaches a only
        expect(engine.state).toBe('running')
        const refused = await getConnection(a).catch((error: unknown) => error)
        expect(isPoolError(refused, 'POOL_CLOSED')).toBe(true)
        expect(acquired.length).toBe(4)
        const [still] = await b.query('SELECT 3 AS three')
        expect(still).toEqual([{ three: 3 }])
        expect(acquired.length).toBe(4) // a's listeners left the engine with it
        await b.end()
        expect(engine.state).toBe('running')
        expect(await engine.use((c) => scalar(c, 'SELECT 4'))).toBe(4)
      } finally {
        await engine.close()
      }
      await waitForMysqlConnections(ctx.db.name, 0, { timeoutMs: 5_000 })
    })

    it("the drop-in's own engine can be shared too, and the drop-in still closes it", async () => {
      const owner = ctx.pool({ connectionLimit: 2 })
      const guest = createPool({ engine: owner.engine, waitForConnections: false })
      expect(await scalar(guest, 'SELECT 5')).toBe(5)
      const held = await Promise.all([getConnection(owner), getConnection(owner)])
      // the guest's own waitForConnections: false
      const full = await getConnection(guest).catch((error: unknown) => error)
      expect(isPoolError(full, 'POOL_QUEUE_FULL')).toBe(true)
      for (const conn of held) conn.release()
      await end(owner)
      expect(owner.engine.state).toBe('closed')
      expect(isPoolError(await getConnection(guest).catch((error: unknown) => error), 'POOL_CLOSED')).toBe(true)
    })

    it('refuses an engine whose driver is not the mysql2 driver', async () => {
      const engine = createEngine({ create: async () => ({}), destroy: () => {} }, { max: 1 })
      try {
        expect(
          isPoolError(
            thrown(() => createPool({ engine: engine as never })),
            'POOL_CONFIG_INVALID',
          ),
        ).toBe(true)
        // one driver, one engine
        const driver = createMysql2Driver(ctx.db.url)
        const first = createEngine(driver, { max: 1 })
        const second = createEngine(driver, { max: 1 })
        createPool({ engine: first })
        expect(
          isPoolError(
            thrown(() => createPool({ engine: second })),
            'POOL_CONFIG_INVALID',
          ),
        ).toBe(true)
        await Promise.all([first.close(), second.close()])
      } finally {
        await engine.close()
      }
    })
  })

  describe('credentials', () => {
    const password = 'Kn0wn-P4ssw0rd-for-grep'
    let user: string
    let pool: Pool

    beforeAll(async () => {
      user = `pools_${ctx.db.name}`.slice(0, 32)
      await ctx.admin.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', password])
      await ctx.admin.query(`GRANT ALL ON \`${ctx.db.name}\`.* TO ?@?`, [user, '%'])
    })
    afterAll(async () => {
      await ctx.admin.query('DROP USER IF EXISTS ?@?', [user, '%'])
    })

    it('never appear in connections, leak reports, engine or mysql2 event payloads; changeUser still works', async () => {
      const seen: unknown[] = []
      pool = ctx.pool({
        host: ctx.db.config.host,
        port: ctx.db.config.port,
        user,
        password,
        database: ctx.db.name,
        uri: undefined,
        connectionLimit: 2,
        pools: { leakDetectionThresholdMs: 50 },
      })
      for (const event of ['create', 'acquire', 'release', 'leak', 'destroy'] as const) {
        pool.engine.on(event, (payload: unknown) => seen.push(payload))
      }
      pool.on('connection', (conn: PoolConnection) => seen.push(conn))
      pool.on('acquire', (conn: PoolConnection) => seen.push(conn))
      const conn = await getConnection(pool)
      expect(await scalar(conn, 'SELECT CURRENT_USER()')).toBe(`${user}@%`)
      await new Promise((resolve) => setTimeout(resolve, 120))
      const leaks = pool.leaks()
      expect(leaks.length).toBe(1)
      seen.push(leaks, conn, pool, pool.promise(), pool.config)
      for (const value of seen) expect(printed(value)).not.toContain(password)
      // JSON of a connection is a summary, not a circular-structure error
      expect(JSON.parse(JSON.stringify(leaks[0]!.resource))).toMatchObject({ user, database: ctx.db.name })
      // mysql2 still reads the password: changeUser re-authenticates with the connection's config
      await new Promise<void>((resolve, reject) =>
        conn.changeUser({ user }, (error) => (error ? reject(error) : resolve())),
      )
      expect(await scalar(conn, 'SELECT CURRENT_USER()')).toBe(`${user}@%`)
      expect((conn.config as { password?: string }).password).toBe(password)
      expect(printed(conn)).not.toContain(password)
      conn.release()
      // and a new connection still authenticates
      expect(await scalar(pool, 'SELECT 1')).toBe(1)
      expect(ctx.warnings.join('\n')).not.toContain(password)
    })

    it('a wrong password and a malformed URL: PoolErrors that never show the password', async () => {
      const wrong = ctx.pool({ uri: undefined, ...ctx.db.config, user, password: `${password}-wrong` })
      const error = await getConnection(wrong).catch((e: unknown) => e)
      expect(isPoolError(error, 'POOL_CREATE_FAILED')).toBe(true)
      expect(printed(error)).not.toContain(password)
      await end(wrong)
      for (const make of [
        () => createPool(`mysql://${user}:${password}@[::1`),
        () => createPool({ uri: `mysql://${user}:${password}@[::1` }),
        () => pooledPromise.createPool(`mysql://${user}:${password}@127.0.0.1:port/db`),
        () => pooled.createPoolCluster().add('X', `mysql://${user}:${password}@[::1`),
      ]) {
        const bad = thrown(make)
        expect(isPoolError(bad, 'POOL_CONFIG_INVALID')).toBe(true)
        expect(printed(bad)).not.toContain(password)
      }
      expect(ctx.warnings.join('\n')).not.toContain(password)
    })
  })
})
