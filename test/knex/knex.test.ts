/**
 * @pools/knex on real PostgreSQL and MariaDB: knex's own API (CRUD, transactions, savepoints,
 * errors) on the @pools engine, under load, with leaks and killed backends, and the same scripted
 * workload through knex's tarn pool and through ours.
 */
import { inspect } from 'node:util'
import { createPool, isPoolError } from '@pools/core'
import { Pool as PgPool } from '@pools/core/pg'
import { type KnexEnginePool, knexEngine, withPools } from '@pools/knex'
import knex, { type Knex } from 'knex'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import {
  countMysqlConnections,
  countPgConnections,
  describeWithMysql,
  describeWithPostgres,
  type TestDatabase,
  useMysql,
  usePostgres,
  waitForMysqlConnections,
  waitForPgConnections,
} from '../harness/index.js'
import { backendId, type Dialect, killBackend, rejectionOf, scriptedWorkload, sleep, until, within } from './support.js'

function suite(dialect: Dialect): void {
  let db: TestDatabase
  const open: Knex[] = []

  const serverConnections = (): Promise<number> =>
    dialect === 'pg' ? countPgConnections(db.name) : countMysqlConnections(db.name)
  const waitForServerConnections = (expected: number | ((n: number) => boolean)): Promise<number> =>
    dialect === 'pg' ? waitForPgConnections(db.name, expected) : waitForMysqlConnections(db.name, expected)

  beforeAll(async () => {
    db = dialect === 'pg' ? await usePostgres() : await useMysql()
  })

  afterEach(async () => {
    await Promise.all(open.splice(0).map((k) => k.destroy()))
  })

  afterAll(async () => {
    await waitForServerConnections(0)
  })

  function make(extra: Partial<Parameters<typeof withPools>[0]> = {}): Knex {
    const instance = knex(
      withPools({
        client: dialect,
        connection: { ...db.config },
        ...extra,
        pools: { housekeepingIntervalMs: 20, ...(extra.pools as object | undefined) },
      }),
    )
    open.push(instance)
    return instance
  }

  it('CRUD through the query builder', async () => {
    const k = make({ pool: { min: 0, max: 4 } })
    await k.schema.createTable('crud', (t) => {
      t.increments('id')
      t.string('name')
    })
    await k('crud').insert([{ name: 'ada' }, { name: 'bob' }])
    expect(await k('crud').where({ name: 'ada' }).first()).toMatchObject({ id: 1, name: 'ada' })
    expect(await k('crud').where({ id: 2 }).update({ name: 'bea' })).toBe(1)
    expect(await k('crud').where({ id: 1 }).del()).toBe(1)
    expect(await k('crud').select('name')).toEqual([{ name: 'bea' }])
    await k.schema.dropTable('crud')
    const stats = knexEngine(k).stats()
    expect(stats.borrowed).toBe(0)
    expect(stats.counters.acquired).toBeGreaterThanOrEqual(7)
  })

  it('commit, rollback, savepoints and an error thrown inside a transaction', async () => {
    const k = make({ pool: { min: 0, max: 3 } })
    await k.schema.createTable('tx', (t) => {
      t.integer('n').primary()
    })
    await k.transaction(async (trx) => {
      await trx('tx').insert({ n: 1 })
    })
    const thrown = await rejectionOf(
      k.transaction(async (trx) => {
        await trx('tx').insert({ n: 2 })
        throw new Error('boom')
      }),
    )
    expect(thrown.message).toBe('boom')
    const manual = await k.transaction()
    await manual('tx').insert({ n: 3 })
    await manual.rollback()
    await k.transaction(async (trx) => {
      await trx('tx').insert({ n: 4 })
      await trx.transaction(async (sp) => {
        await sp('tx').insert({ n: 5 })
        await sp.rollback()
      })
      await trx.transaction(async (sp) => {
        await sp('tx').insert({ n: 6 })
      })
      const nested = await rejectionOf(
        trx.transaction(async (sp) => {
          await sp('tx').insert({ n: 7 })
          await sp('tx').insert({ n: 7 }) // duplicate key: the savepoint is rolled back, the outer one goes on
        }),
      )
      expect(nested.message).toMatch(/duplicate|unique/i)
      await trx('tx').insert({ n: 8 })
    })
    const rows = await k('tx').select('n').orderBy('n')
    expect(rows.map((r: { n: number }) => r.n)).toEqual([1, 4, 6, 8])
    await k.schema.dropTable('tx')
    expect(knexEngine(k).borrowed).toBe(0)
  })

  it('a transaction runs on one connection from start to end', async () => {
    const k = make({ pool: { min: 0, max: 5 } })
    const ids = await k.transaction(async (trx) => {
      const seen: number[] = []
      for (let i = 0; i < 5; i++) seen.push(await backendId(trx, dialect))
      return seen
    })
    expect(new Set(ids).size).toBe(1)
  })

  it('200 concurrent transactions on a pool of 10: all commit, at most 10 server connections, none left', async () => {
    const k = make({ pool: { min: 0, max: 10 } })
    await k.schema.createTable('load', (t) => {
      t.integer('n').primary()
      t.integer('backend')
    })
    let peak = 0
    const sampler = (async () => {
      while (knexEngine(k).stats().counters.acquired < 200) {
        peak = Math.max(peak, await serverConnections())
        await sleep(5)
      }
    })()
    await within(
      Promise.all(
        Array.from({ length: 200 }, (_, n) =>
          k.transaction(async (trx) => {
            const id = await backendId(trx, dialect)
            await trx('load').insert({ n, backend: id })
            await trx('load').where({ n }).first()
          }),
        ),
      ),
      15_000,
      '200 transactions',
    )
    await within(sampler, 5_000, 'sampler')
    expect(await k('load').count({ c: '*' }).first()).toMatchObject({ c: expect.anything() })
    expect(Number(((await k('load').count({ c: '*' }).first()) as { c: unknown }).c)).toBe(200)
    const backends = await k('load').countDistinct({ c: 'backend' }).first()
    expect(Number((backends as { c: unknown }).c)).toBeLessThanOrEqual(10)
    expect(peak).toBeLessThanOrEqual(10)
    const engine = knexEngine(k)
    expect(engine.borrowed).toBe(0)
    expect(engine.pending).toBe(0)
    expect(engine.total).toBeLessThanOrEqual(10)
    await k.schema.dropTable('load')
    open.splice(open.indexOf(k), 1)
    await k.destroy()
    await waitForServerConnections(0)
  })

  it('a transaction left open is reported as a leak, with the acquire stack', async () => {
    const warnings: string[] = []
    const k = make({
      pool: { min: 0, max: 2 },
      pools: { leakDetectionThresholdMs: 50, leakCaptureStack: 'always' },
      log: { warn: (message: string) => warnings.push(message) }, // knex's logger gets the engine's lines
    })
    const leaks: unknown[] = []
    knexEngine(k).on('leak', (report) => leaks.push(report))
    const trx = await k.transaction()
    await trx.raw('SELECT 1')
    await until(() => leaks.length > 0, 'a leak report')
    const [report] = knexEngine(k).leaks()
    expect(report?.heldMs).toBeGreaterThanOrEqual(50)
    expect(report?.stack).toMatch(/acquire/)
    expect(warnings.some((line) => line.includes('[pools:knex]'))).toBe(true)
    await trx.rollback()
    expect(knexEngine(k).leaks()).toEqual([])
  })

  it('a backend killed mid-transaction surfaces as an error; the connection is destroyed and the next transaction succeeds', async () => {
    const k = make({ pool: { min: 0, max: 1 } })
    const trx = await k.transaction()
    const id = await backendId(trx, dialect)
    await killBackend(db.config, dialect, id)
    const error = await rejectionOf(trx.raw('SELECT 1'))
    expect(error).toBeInstanceOf(Error)
    await trx.rollback().catch(() => undefined)
    const engine = knexEngine(k)
    await until(() => engine.borrowed === 0, 'the killed connection is given back')
    const next = await within(
      k.transaction(async (t) => backendId(t, dialect)),
      5_000,
      'the next transaction',
    )
    expect(next).not.toBe(id)
    expect(engine.stats().counters.destroyed).toBeGreaterThanOrEqual(1)
  })

  it('an idle connection the server killed is never lent: the next query runs on a fresh one, without an error', async () => {
    const k = make({ pool: { min: 0, max: 1 } })
    const id = await backendId(k, dialect)
    await killBackend(db.config, dialect, id)
    const engine = knexEngine(k)
    // knex marks it disposed when the socket reports the end; the engine asks before lending it
    await sleep(100)
    expect(await within(backendId(k, dialect), 5_000, 'a query after the kill')).not.toBe(id)
    expect(engine.stats().counters.destroyedBy.broken).toBe(1)
  })

  it('pools: a preset name replaces knex’s defaults; the knex options given still win', async () => {
    const instance = knex(withPools({ client: dialect, connection: { ...db.config }, pool: { max: 3 }, pools: 'web' }))
    open.push(instance)
    const engine = knexEngine(instance)
    expect(engine.max).toBe(3)
    expect(engine.name).toBe('knex')
    expect(engine.config.acquireTimeoutMs).toBe(10_000) // the web preset's, not tarn's 60 000
    await instance.raw('SELECT 1')
  })

  it('a connection knex marks disposed is destroyed on release, not reused', async () => {
    const k = make({ pool: { min: 0, max: 1 } })
    const engine = knexEngine<{ __knex__disposed?: unknown }>(k)
    const first = await backendId(k, dialect)
    const connection = await engine.acquire()
    connection.__knex__disposed = new Error('marked by knex')
    expect((k.client as { pool: KnexEnginePool<object> }).pool.release(connection)).toBe(true)
    await until(() => engine.total === 0, 'the disposed connection is closed')
    expect(await backendId(k, dialect)).not.toBe(first)
  })

  it('afterCreate runs once per new connection, before its first query', async () => {
    const seen: unknown[] = []
    const k = make({
      pool: {
        min: 0,
        max: 2,
        afterCreate: (conn: unknown, done: (error?: Error | null, conn?: unknown) => void) => {
          seen.push(conn)
          const sql =
            dialect === 'pg' ? "SET application_name = 'knex_after_create'" : "SET @pools_tag = 'after-create'"
          ;(conn as { query(sql: string, cb: (error: Error | null) => void): void }).query(sql, (error) =>
            done(error, conn),
          )
        },
      },
    })
    const sql = dialect === 'pg' ? 'SHOW application_name' : 'SELECT @pools_tag AS tag'
    const read = async (): Promise<string> => {
      const result = await k.raw(sql)
      return dialect === 'pg' ? result.rows[0].application_name : result[0][0].tag
    }
    expect(await read()).toBe(dialect === 'pg' ? 'knex_after_create' : 'after-create')
    await Promise.all([k.transaction(async () => sleep(20)), k.transaction(async () => sleep(20))])
    expect(seen.length).toBe(2)
    expect(knexEngine(k).stats().counters.created).toBe(2)
  })

  it('an afterCreate error fails that checkout with its error; the pool recovers', async () => {
    let fail = true
    const k = make({
      pool: {
        min: 0,
        max: 1,
        afterCreate: (conn: unknown, done: (error?: Error | null, conn?: unknown) => void) =>
          fail ? done(new Error('session set-up failed')) : done(null, conn),
      },
      pools: { retry: { initialDelayMs: 10, maxDelayMs: 10 } },
    })
    const error = await rejectionOf(k.raw('SELECT 1'))
    expect(error.message).toContain('session set-up failed')
    fail = false
    await within(k.raw('SELECT 1'), 5_000, 'a query after the failure')
  })

  it('pool.validate is asked before every checkout; a connection it refuses is destroyed', async () => {
    let refuse = false
    let asked = 0
    const k = make({
      pool: {
        min: 0,
        max: 1,
        validate: () => {
          asked++
          return !refuse
        },
      },
    })
    const first = await backendId(k, dialect)
    expect(await backendId(k, dialect)).toBe(first)
    expect(asked).toBeGreaterThanOrEqual(1)
    refuse = true
    const seen = asked
    const pending = backendId(k, dialect)
    await until(() => asked > seen, 'validate is asked')
    refuse = false
    expect(await pending).not.toBe(first)
    expect(knexEngine(k).stats().counters.created).toBe(2)
  })

  it('maxConnectionLifetimeMillis retires connections; a connection() provider is called for each new one', async () => {
    let calls = 0
    const k = make({
      connection: async () => {
        calls++
        return { ...db.config }
      },
      pool: { min: 0, max: 1, maxConnectionLifetimeMillis: 150 },
    })
    const first = await backendId(k, dialect)
    await sleep(250)
    await until(async () => (await backendId(k, dialect)) !== first, 'a new connection after the lifetime')
    expect(knexEngine(k).stats().counters.destroyedBy['max-lifetime']).toBeGreaterThanOrEqual(1)
    expect(calls).toBeGreaterThanOrEqual(1)
  })

  it('an acquire timeout is a KnexTimeoutError whose cause is the engine PoolError', async () => {
    const k = make({ pool: { min: 0, max: 1 }, acquireConnectionTimeout: 100 })
    const trx = await k.transaction()
    const error = await rejectionOf(k.raw('SELECT 1'))
    expect(error).toBeInstanceOf(knex.KnexTimeoutError)
    expect(error.message).toMatch(/^Knex: Timeout acquiring a connection/)
    expect(isPoolError(error.cause, 'POOL_ACQUIRE_TIMEOUT')).toBe(true)
    await trx.commit()
  })

  it('knex.destroy() closes the engine it created and every server connection', async () => {
    const k = knex(withPools({ client: dialect, connection: { ...db.config }, pool: { min: 3, max: 3 } }))
    const engine = knexEngine(k)
    await engine.ready()
    await until(() => engine.total === 3, 'min connections')
    expect(await serverConnections()).toBe(3)
    await k.destroy()
    expect(engine.state).toBe('closed')
    await waitForServerConnections(0)
    expect(() => knexEngine(k)).toThrow(/not running on a @pools engine/)
    k.initialize() // as with tarn: a new pool
    const again = knexEngine(k)
    expect(again).not.toBe(engine)
    await k.raw('SELECT 1')
    await k.destroy()
    expect(again.state).toBe('closed')
  })

  it('a wrong password fails the query with the driver error, without the password in it', async () => {
    const secret = 'not-the-password-4711'
    const k = make({
      connection: { ...db.config, user: 'pools_no_such_user', password: secret },
      pool: { min: 0, max: 1 },
    })
    const error = await rejectionOf(k.raw('SELECT 1'))
    expect(error).toBeInstanceOf(Error)
    expect(isPoolError(error)).toBe(false) // the driver's own error, as with knex's tarn pool
    const shown = `${error.message} ${JSON.stringify(error)} ${String(error.stack)}`
    expect(shown).not.toContain(secret)
  })

  it('a connection never shows its password: not in its enumerable config, not in util.inspect', async () => {
    const k = make({ pool: { min: 0, max: 1 } })
    const engine = knexEngine<{ config?: Record<string, unknown>; connectionParameters?: unknown }>(k)
    const connection = await engine.acquire()
    try {
      const config = connection.config
      if (config !== undefined && 'password' in config) {
        expect(Object.keys(config)).not.toContain('password')
        expect(inspect(config)).not.toMatch(/password/)
      }
    } finally {
      engine.release(connection)
    }
  })

  it('parity: the scripted workload gives identical results on knex’s tarn pool and on ours', async () => {
    const native = knex({ client: dialect, connection: { ...db.config }, pool: { min: 0, max: 4 } })
    let expected: unknown[]
    try {
      expected = await scriptedWorkload(native, 'parity')
    } finally {
      await native.destroy()
    }
    const ours = make({ pool: { min: 0, max: 4 } })
    expect(await scriptedWorkload(ours, 'parity')).toEqual(expected)
    expect(knexEngine(ours).borrowed).toBe(0)
  })

  it('shares an existing engine: knex borrows from it and destroy() leaves it open', async () => {
    const shared =
      dialect === 'pg'
        ? new PgPool({ ...db.config, max: 3 })
        : (await import('@pools/core/mysql2')).createPool({ ...db.config, connectionLimit: 3 })
    try {
      const k = knex(withPools({ client: dialect, connectionPool: shared }))
      const engine = knexEngine(k)
      expect(engine).toBe(dialect === 'pg' ? (shared as PgPool).pools : (shared as { engine: unknown }).engine)
      await k.transaction(async (trx) => {
        await trx.raw('SELECT 1')
      })
      expect(engine.stats().counters.acquired).toBeGreaterThanOrEqual(1)
      await k.destroy()
      expect(engine.state).toBe('running')
      if (dialect === 'pg') expect((await (shared as PgPool).query('SELECT 1 AS x')).rows).toEqual([{ x: 1 }])
    } finally {
      await new Promise<void>((resolve) => (shared as { end(cb: () => void): void }).end(() => resolve()))
    }
  })

  it('refuses bad configurations with POOL_CONFIG_INVALID', () => {
    const bad = (config: unknown) => () => withPools(config as Parameters<typeof withPools>[0])
    expect(bad({ client: 'sqlite3', connection: {} })).toThrow(/client must be one of/)
    expect(bad({ client: dialect, connection: {}, pool: { max: 0 } })).toThrow(/pool.max/)
    expect(bad({ client: dialect, connection: {}, pool: { maxSize: 3 } })).toThrow(/unknown pool option "maxSize"/)
    expect(bad({ client: dialect, connection: {}, pools: 'no-such-preset' })).toThrow(/preset/)
    const engine = createPool({ create: async () => ({}), destroy: () => {} }, { max: 1 })
    expect(bad({ client: dialect, connection: {}, connectionPool: engine })).toThrow(/mutually exclusive/)
    expect(bad({ client: dialect, connectionPool: engine, pool: { max: 2 } })).toThrow(/keeps its own configuration/)
    expect(bad({ client: dialect, connectionPool: {} })).toThrow(/must be a @pools\/core engine/)
    for (const thrower of [bad({ client: 'nope' }), bad({ client: dialect, connectionPool: 42 })]) {
      try {
        thrower()
      } catch (error) {
        expect(isPoolError(error, 'POOL_CONFIG_INVALID')).toBe(true)
      }
    }
    return engine.close()
  })
}

describeWithPostgres('@pools/knex on PostgreSQL', () => {
  suite('pg')

  it('searchPath is set on every new connection', async () => {
    const db = await usePostgres()
    const setup = knex({ client: 'pg', connection: { ...db.config } })
    await setup.raw('CREATE SCHEMA app')
    await setup.raw('CREATE TABLE app.things (id int)')
    await setup.destroy()
    const k = knex(
      withPools({
        client: 'pg',
        connection: { ...db.config },
        searchPath: ['app', 'public'],
        pool: { min: 0, max: 2 },
      }),
    )
    try {
      // two transactions at once: two connections, each set up on its own
      const paths = await Promise.all(
        [1, 2].map((id) =>
          k.transaction(async (trx) => {
            await trx('things').insert({ id })
            await sleep(50)
            return (await trx.raw('SHOW search_path')).rows[0].search_path
          }),
        ),
      )
      expect(knexEngine(k).stats().counters.created).toBe(2)
      expect(paths).toEqual(['app, public', 'app, public'])
    } finally {
      await k.destroy()
    }
  })
})

describeWithMysql('@pools/knex on MariaDB/MySQL', () => {
  suite('mysql2')
})
