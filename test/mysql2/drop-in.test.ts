/**
 * @pools/core/mysql2 as a drop-in for mysql2's pool: the same script against mysql2.createPool and
 * ours gives the same transcript; callback and promise APIs; events; the entry points.
 */
import { EventEmitter } from 'node:events'
import pooled, { createPool, createPromisePool, PromisePool } from '@pools/core/mysql2'
import pooledPromise from '@pools/core/mysql2/promise'
import mysql2, { type Pool as Mysql2Pool, type PoolConnection, type QueryValues } from 'mysql2'
import mysql2Promise from 'mysql2/promise'
import { describe, expect, it } from 'vitest'
import { describeWithMysql } from '../harness/index.js'
import { end, getConnection, query, TEST_POOLS, useMysql2Context } from './support.js'

/** What both pools share: mysql2's Pool type (ours extends it). */
type CallbackPool = Pick<
  Mysql2Pool,
  'query' | 'execute' | 'getConnection' | 'end' | 'on' | 'promise' | 'format' | 'escape'
>

/** The same script, run against any mysql2-shaped callback pool; returns what it observed. */
async function script(pool: CallbackPool, table: string): Promise<unknown[]> {
  const out: unknown[] = []
  const events = { connection: 0, acquire: 0, release: 0, enqueue: 0 }
  pool.on('connection', () => events.connection++)
  pool.on('acquire', () => events.acquire++)
  pool.on('release', () => events.release++)
  pool.on('enqueue', () => events.enqueue++)
  const q = <T>(sql: string, values: QueryValues = []) =>
    new Promise<T>((resolve, reject) => {
      pool.query(sql, values, (error: unknown, rows: unknown) => (error ? reject(error) : resolve(rows as T)))
    })

  await q(`CREATE TABLE ${table} (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(50) NOT NULL)`)
  const inserted = await q<{ affectedRows: number; insertId: number }>('INSERT INTO ?? (name) VALUES (?), (?)', [
    table,
    'a',
    'b',
  ])
  out.push({ affectedRows: inserted.affectedRows, insertId: inserted.insertId })
  out.push(
    await new Promise((resolve, reject) => {
      pool.execute(`SELECT id, name FROM ${table} WHERE name = ?`, ['b'], (error, rows) =>
        error ? reject(error) : resolve(rows),
      )
    }),
  )
  // callback connection: a rolled-back transaction
  const conn = await new Promise<PoolConnection>((resolve, reject) => {
    pool.getConnection((error, connection) => (error ? reject(error) : resolve(connection)))
  })
  await new Promise<void>((resolve, reject) => conn.beginTransaction((error) => (error ? reject(error) : resolve())))
  await query(conn, `INSERT INTO ${table} (name) VALUES (?)`, ['rolled back'])
  await new Promise<void>((resolve, reject) => conn.rollback((error) => (error ? reject(error) : resolve())))
  conn.release()
  // promise connection: a committed transaction
  const promisePool = pool.promise()
  const pconn = await promisePool.getConnection()
  await pconn.beginTransaction()
  await pconn.execute(`INSERT INTO ${table} (name) VALUES (?)`, ['committed'])
  await pconn.commit()
  pconn.release()
  const [rows] = await promisePool.query(`SELECT name FROM ${table} ORDER BY id`)
  out.push(rows)
  // streaming
  out.push(
    await new Promise((resolve, reject) => {
      const names: unknown[] = []
      pool
        .query(`SELECT name FROM ${table} ORDER BY id DESC`)
        .stream()
        .on('data', (row: { name: string }) => names.push(row.name))
        .on('error', reject)
        .on('end', () => resolve(names))
    }),
  )
  // errors keep mysql2's codes
  const error = await q('SELECT * FROM no_such_table').catch((e: { code?: string; errno?: number }) => e)
  out.push({ code: (error as { code?: string }).code, errno: (error as { errno?: number }).errno })
  out.push(pool.format('SELECT ?? FROM t WHERE a = ?', ['col', "it's"]), pool.escape('x'))
  out.push(events)
  await new Promise<void>((resolve, reject) => pool.end((e) => (e ? reject(e) : resolve())))
  return out
}

/** Run `fn` and count the CommonJS module loads (`require()` calls, cached or not) it makes. */
async function countModuleLoads<T>(fn: () => T): Promise<{ result: T; loads: number }> {
  const { default: Module } = (await import('node:module')) as unknown as {
    default: { _load: (...args: unknown[]) => unknown }
  }
  const load = Module._load
  let loads = 0
  Module._load = function (this: unknown, ...args: unknown[]) {
    loads++
    return load.apply(this, args)
  }
  try {
    return { result: fn(), loads }
  } finally {
    Module._load = load
  }
}

describeWithMysql('@pools/core/mysql2 drop-in', () => {
  const ctx = useMysql2Context()

  it('runs the same script as mysql2.createPool with the same results', async () => {
    const native = mysql2.createPool({ uri: ctx.db.url, connectionLimit: 4 })
    ctx.track(native)
    const expected = await script(native, 't_native')
    const ours = ctx.pool({ connectionLimit: 4 })
    const actual = await script(ours, 't_pools')
    expect(actual).toEqual(expected)
    expect(expected.at(-1)).toEqual({ connection: 1, acquire: 8, release: 8, enqueue: 0 })
    expect(ours.stats().counters.acquired).toBe(8)
  })

  it('is a mysql2 Pool and lends mysql2 PoolConnections', async () => {
    const pool = ctx.pool()
    expect(pool).toBeInstanceOf((mysql2 as unknown as { Pool: typeof EventEmitter }).Pool)
    expect(pool).toBeInstanceOf(EventEmitter)
    const conn = await getConnection(pool)
    expect(conn).toBeInstanceOf(mysql2.PoolConnection)
    expect(typeof conn.threadId).toBe('number')
    const pconn = conn.promise()
    expect(pconn).toBeInstanceOf(mysql2Promise.PoolConnection)
    pconn.release()
    const promisePool = pool.promise()
    expect(promisePool).toBeInstanceOf(PromisePool)
    expect(promisePool).toBeInstanceOf((mysql2Promise as unknown as { PromisePool: typeof EventEmitter }).PromisePool)
    expect(promisePool.engine).toBe(pool.engine)
    // pool.config is mysql2's PoolConfig (mysql2's promise wrapper reads connectionConfig from it)
    expect(pool.config).toMatchObject({ connectionLimit: 10, queueLimit: 0, waitForConnections: true })
    expect((pool.config as unknown as { connectionConfig: { database: string } }).connectionConfig.database).toBe(
      ctx.db.name,
    )
  })

  it("connection.promise() builds mysql2's PromisePoolConnection without a require() per call (TypeORM calls it per statement)", async () => {
    // mysql2's own PoolConnection.promise() runs require('./promise/pool_connection.js') on every call; once
    // mysql2/promise is loaded (it is here) Node resolves that file again each time (≈5 µs).
    const pool = ctx.pool()
    const conn = await getConnection(pool)
    const { result: wrappers, loads } = await countModuleLoads(() => Array.from({ length: 20 }, () => conn.promise()))
    expect(loads).toBe(0)
    // the same wrapper as mysql2's: instanceof, the connection behind it, events forwarded, queries and release
    const pconn = wrappers[0]!
    expect(pconn).toBeInstanceOf(mysql2Promise.PoolConnection)
    expect(pconn.connection).toBe(conn)
    const enqueued: unknown[] = []
    pconn.on('enqueue', (command) => enqueued.push(command))
    conn.emit('enqueue', 'forwarded')
    expect(enqueued).toEqual(['forwarded'])
    const [rows] = await pconn.query('SELECT ? AS n', [7])
    expect(rows).toEqual([{ n: 7 }])
    // mysql2's own PoolConnection, for comparison: a require() per call
    const native = mysql2.createPool({ uri: ctx.db.url, connectionLimit: 1 })
    ctx.track(native)
    const nativeConn = await new Promise<PoolConnection>((resolve, reject) =>
      native.getConnection((error, connection) => (error ? reject(error) : resolve(connection))),
    )
    const nativeRun = await countModuleLoads(() => {
      for (let i = 0; i < 20; i++) nativeConn.promise()
    })
    expect(nativeRun.loads).toBe(20)
    nativeConn.release()
    pconn.release()
    expect(pool.engine.stats().idle).toBe(pool.engine.stats().total)
  })

  it('has what Drizzle and Kysely look for (EventEmitter, promise(), getConnection, query().stream())', async () => {
    // drizzle-orm/mysql2: `client instanceof EventEmitter`, `typeof client.promise === 'function'`,
    // `'getConnection' in client`; Kysely: getConnection(cb), conn.query(sql, params, cb) and .stream(), release(), end(cb).
    const pool = ctx.pool()
    expect(pool instanceof EventEmitter && typeof pool.promise === 'function').toBe(true)
    expect('getConnection' in pool.promise()).toBe(true)
    const pconn = await pool.promise().getConnection()
    const rows: unknown[] = []
    // mysql2's typings call `.connection` a promise Connection; at run time it is the core one (Drizzle casts too).
    const core = pconn.connection as unknown as PoolConnection
    await new Promise<void>((resolve, reject) => {
      core
        .query('SELECT ? AS n UNION ALL SELECT ?', [1, 2])
        .stream()
        .on('data', (row: unknown) => rows.push(row))
        .on('error', reject)
        .on('end', () => resolve())
    })
    pconn.release()
    expect(rows).toEqual([{ n: 1 }, { n: 2 }])
  })

  it('callback API: getConnection, query and execute with values, release, end(cb)', async () => {
    const pool = ctx.pool({ connectionLimit: 2 })
    const conn = await getConnection(pool)
    const rows = await query<{ a: number; b: string }[]>(conn, 'SELECT ? AS a, ? AS b', [1, 'x'])
    expect(rows).toEqual([{ a: 1, b: 'x' }])
    conn.release()
    conn.release() // a second release is ignored, as in mysql2
    const executed = await new Promise((resolve, reject) => {
      pool.execute('SELECT ? + ? AS sum', [2, 3], (error, result) => (error ? reject(error) : resolve(result)))
    })
    expect(executed).toEqual([{ sum: 5 }])
    const named = createPool({ uri: ctx.db.url, namedPlaceholders: true, pools: TEST_POOLS })
    ctx.track(named)
    expect(await query(named, 'SELECT :x AS x', { x: 7 } as unknown as unknown[])).toEqual([{ x: 7 }])
    await end(pool)
    expect(pool.engine.state).toBe('closed')
    const afterEnd = await getConnection(pool).catch((error: { code?: string }) => error)
    expect(afterEnd).toMatchObject({ code: 'POOL_CLOSED' })
  })

  it('promise API: query/execute with values, transactions, release, end', async () => {
    const pool = createPromisePool({ uri: ctx.db.url, connectionLimit: 2, pools: TEST_POOLS })
    ctx.track(pool.pool)
    await pool.query('CREATE TABLE promise_api (id INT PRIMARY KEY, v INT)')
    const [ok] = await pool.execute('INSERT INTO promise_api VALUES (?, ?), (?, ?)', [1, 10, 2, 20])
    expect(ok).toMatchObject({ affectedRows: 2 })
    const conn = await pool.getConnection()
    await conn.beginTransaction()
    await conn.query('UPDATE promise_api SET v = v + 1')
    await conn.rollback()
    await conn.beginTransaction()
    await conn.execute('UPDATE promise_api SET v = v * ? WHERE id = ?', [3, 2])
    await conn.commit()
    conn.release()
    const [rows] = await pool.query('SELECT id, v FROM promise_api ORDER BY id')
    expect(rows).toEqual([
      { id: 1, v: 10 },
      { id: 2, v: 60 },
    ])
    expect(pool.stats().counters.acquired).toBe(4)
    expect(pool.health().status).toBe('healthy')
    await pool.end()
    expect(pool.engine.state).toBe('closed')
  })

  it('events: connection, acquire, release, enqueue (promise pool too)', async () => {
    const pool = ctx.pool({ connectionLimit: 1 })
    const seen: string[] = []
    pool.on('connection', (c: PoolConnection) => seen.push(`connection ${typeof c.threadId}`))
    pool.on('acquire', () => seen.push('acquire'))
    pool.on('release', () => seen.push('release'))
    pool.promise().on('enqueue', () => seen.push('enqueue'))
    const first = await getConnection(pool)
    const second = getConnection(pool) // waits: the only connection is out
    await new Promise((resolve) => setTimeout(resolve, 20))
    first.release()
    ;(await second).release()
    expect(seen).toEqual(['connection number', 'acquire', 'enqueue', 'release', 'acquire', 'release'])
  })

  it("'connection' listeners run their session set-up before the first borrower's queries", async () => {
    const pool = ctx.pool({ connectionLimit: 1 })
    pool.on('connection', (conn: PoolConnection) => {
      conn.query("SET SESSION time_zone = '+03:00'")
    })
    expect(await query(pool, 'SELECT @@session.time_zone AS tz')).toEqual([{ tz: '+03:00' }])
    // the default release keeps the session: still set for the next borrower
    expect(await query(pool, 'SELECT @@session.time_zone AS tz')).toEqual([{ tz: '+03:00' }])
  })

  it('the default exports replace only createPool', async () => {
    expect(pooled.createConnection).toBe(mysql2.createConnection)
    expect(pooled.format).toBe(mysql2.format)
    expect(pooled.Types).toBe(mysql2.Types)
    expect(pooledPromise.createConnection).toBe(mysql2Promise.createConnection)
    const pool = pooledPromise.createPool({ uri: ctx.db.url, pools: TEST_POOLS })
    ctx.track(pool.pool)
    expect(pool).toBeInstanceOf(PromisePool)
    const [rows] = await pool.query('SELECT 1 AS one')
    expect(rows).toEqual([{ one: 1 }])
    await pool.end()
    const callbackPool = pooled.createPool(ctx.db.url)
    ctx.track(callbackPool)
    expect(await query(callbackPool, 'SELECT DATABASE() AS db')).toEqual([{ db: ctx.db.name }])
  })

  it('reads connection URLs and their pool parameters like mysql2', () => {
    const pool = createPool(`${ctx.db.url}?connectionLimit=3&queueLimit=7&idleTimeout=5000`)
    ctx.track(pool)
    expect(pool.engine.max).toBe(3)
    expect(pool.engine.config.maxPending).toBe(7)
    expect(pool.engine.config.idleTimeoutMs).toBe(5_000)
    expect(pool.engine.name).toMatch(/^mysql2 root@127\.0\.0\.1:3306\//)
  })
})

describe('@pools/core/mysql2 options', () => {
  it('maps mysql2 options, presets and pools onto the engine', () => {
    const base = { host: '127.0.0.1', user: 'app', database: 'shop' }
    const plain = createPool(base, { logger: false })
    expect(plain.engine.config).toMatchObject({ max: 10, idleTimeoutMs: 60_000, maxPending: Number.POSITIVE_INFINITY })
    expect(plain.engine.name).toBe('mysql2 app@127.0.0.1:3306/shop')
    const mapped = createPool(
      { ...base, connectionLimit: 4, queueLimit: 3, idleTimeout: 1_000, connectTimeout: 2_500 },
      { logger: false },
    )
    expect(mapped.engine.config).toMatchObject({ max: 4, maxPending: 3, idleTimeoutMs: 1_000, createTimeoutMs: 2_500 })
    // a preset beats mysql2's defaults, explicit mysql2 options beat the preset
    const api = createPool({ ...base, pools: 'api' }, { logger: false })
    expect(api.engine.config).toMatchObject({ max: 10, maxPending: 50, acquireTimeoutMs: 2_000 })
    const apiSized = createPool({ ...base, connectionLimit: 30, pools: 'api' }, { logger: false })
    expect(apiSized.engine.max).toBe(30)
    // `pools` as an object beats everything
    const both = createPool({ ...base, connectionLimit: 4, pools: { max: 6, name: 'orders' } }, { logger: false })
    expect([both.engine.max, both.engine.name, both.config.connectionLimit]).toEqual([6, 'orders', 6])
    for (const pool of [plain, mapped, api, apiSized, both]) pool.end()
  })

  it('rejects what the engine cannot do, naming the mysql2 option', () => {
    expect(() => createPool({ connectionLimit: 0 })).toThrow(/connectionLimit must be a whole number ≥ 1/)
    expect(() => createPool({ queueLimit: -1 })).toThrow(/queueLimit/)
    expect(() => createPool({ resetOnRelease: 'yes' as never })).toThrow(/resetOnRelease/)
    expect(() => createPool({ pools: 'nope' as never })).toThrow(/Unknown pool preset/)
    expect(() => createPool({ pools: { maxx: 3 } as never })).toThrow(/maxx/)
  })
})
