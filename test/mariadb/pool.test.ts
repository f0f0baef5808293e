/**
 * @pools/core/mariadb on a real MariaDB: the `mariadb` connector's pool API on the engine. CRUD, connections
 * lent and released, a transaction left open rolled back before reuse, a connection KILLed while idle or
 * mid-transaction, leaks, URL options, bad options, the same workload as mariadb's own pool, and end().
 */
import { isPoolError } from '@pools/core'
import pooled, { createPool, type Pool } from '@pools/core/mariadb'
import mariadb from 'mariadb'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { gate, mysqlAdmin, rejectionOf, until } from '../drizzle/support.js'
import { describeWithMysql, type MysqlDatabase, useMysql, waitForMysqlConnections } from '../harness/index.js'

describeWithMysql('@pools/core/mariadb on MariaDB', () => {
  let db: MysqlDatabase
  const pools: Pool[] = []

  beforeAll(async () => {
    db = await useMysql()
    await mysqlAdmin(
      db.config,
      'CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, label VARCHAR(50) NOT NULL) ENGINE=InnoDB',
    )
  })

  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => (pool.closed ? undefined : pool.end())))
    await mysqlAdmin(db.config, 'TRUNCATE TABLE items')
    await waitForMysqlConnections(db.name, 0)
  })

  function make(options: Record<string, unknown> = {}): Pool {
    const pools_ = options.pools
    const engine = typeof pools_ === 'string' ? pools_ : { housekeepingIntervalMs: 50, ...(pools_ as object) }
    const pool = createPool({ ...db.config, connectionLimit: 5, ...options, pools: engine as never })
    pools.push(pool)
    return pool
  }

  it('query, execute and batch run on pooled connections and come back', async () => {
    const pool = make()
    await pool.batch('INSERT INTO items (label) VALUES (?)', [['a'], ['b']])
    await pool.execute('INSERT INTO items (label) VALUES (?)', ['c'])
    expect(await pool.query('SELECT label FROM items ORDER BY id')).toEqual([
      { label: 'a' },
      { label: 'b' },
      { label: 'c' },
    ])
    expect(pool.activeConnections()).toBe(0)
    expect(pool.totalConnections()).toBeGreaterThanOrEqual(1)
    expect(pool.stats().counters.acquired).toBe(3)
    expect(pooled.createPool).toBe(createPool)
  })

  it("emits mariadb's pool events: connection, acquire, enqueue, release", async () => {
    const pool = make({ connectionLimit: 1 })
    const seen: string[] = []
    for (const event of ['connection', 'acquire', 'enqueue', 'release']) pool.on(event, () => seen.push(event))
    const first = await pool.getConnection()
    const waiting = pool.getConnection()
    await until(() => seen.includes('enqueue'), 'the second caller queued')
    await first.release()
    const second = await waiting
    await second.release()
    // the first caller waits for the connection being opened for it, so it is queued too
    expect(seen).toEqual(['enqueue', 'connection', 'acquire', 'enqueue', 'release', 'acquire', 'release'])
  })

  it("a failing statement rejects with mariadb's error and the connection is reused", async () => {
    const pool = make({ connectionLimit: 1 })
    const error = await rejectionOf(pool.query('SELECT * FROM no_such_table'))
    expect((error as { code?: string }).code).toBe('ER_NO_SUCH_TABLE')
    expect(await pool.query('SELECT 1 AS one')).toEqual([{ one: 1 }])
    expect(pool.stats().counters.created).toBe(1)
  })

  it('getConnection() lends a mariadb connection; release() (or end()) gives it back once', async () => {
    const pool = make({ connectionLimit: 1 })
    const conn = await pool.getConnection()
    const id = conn.threadId
    await conn.release()
    await conn.release() // ignored, as in mariadb
    const again = await pool.getConnection()
    expect(again.threadId).toBe(id)
    await again.end() // mariadb: end() on a pooled connection releases it
    expect(pool.activeConnections()).toBe(0)
    expect(pool.idleConnections()).toBe(1)
  })

  it('a transaction left open is rolled back before the next borrower sees the connection', async () => {
    const pool = make({ connectionLimit: 1 })
    const conn = await pool.getConnection()
    await conn.beginTransaction()
    await conn.query("INSERT INTO items (label) VALUES ('uncommitted')")
    await conn.release()
    const next = await pool.getConnection()
    expect(next.threadId).toBe(conn.threadId)
    expect(await next.query('SELECT @@in_transaction AS t, (SELECT COUNT(*) FROM items) AS n')).toEqual([
      { t: 0n, n: 0n },
    ])
    await next.release()
  })

  it('callers are served in arrival order: one that releases and asks again at once queues behind the waiters', async () => {
    // mariadb's own pool lends an idle connection ahead of its queue (a released connection reaches the
    // queue a tick later), so a caller looping release → getConnection keeps it and the queue starves.
    const pool = make({ connectionLimit: 1 })
    const served: string[] = []
    const first = await pool.getConnection()
    const waiting = [1, 2].map((n) =>
      pool.getConnection().then((c) => {
        served.push(`waiter ${n}`)
        return c
      }),
    )
    await until(() => pool.taskQueueSize() === 2, 'two callers queued')
    await first.release()
    const again = pool.getConnection().then((c) => {
      served.push('releaser again')
      return c
    })
    const one = await waiting[0]!
    await one.release()
    const two = await waiting[1]!
    await two.release()
    await (await again).release()
    expect(served).toEqual(['waiter 1', 'waiter 2', 'releaser again'])
  })

  it('a committed transaction is released without another round trip (nothing to roll back)', async () => {
    const pool = make({ connectionLimit: 1 })
    const conn = await pool.getConnection()
    const id = Number((await conn.query('SELECT CONNECTION_ID() AS id'))[0].id)
    await conn.beginTransaction()
    await conn.query("INSERT INTO items (label) VALUES ('kept')")
    await conn.commit()
    const before = Number((await conn.query("SHOW SESSION STATUS LIKE 'Questions'"))[0].Value)
    await conn.release()
    const next = await pool.getConnection()
    const after = Number((await next.query("SHOW SESSION STATUS LIKE 'Questions'"))[0].Value)
    expect(Number((await next.query('SELECT CONNECTION_ID() AS id'))[0].id)).toBe(id)
    // the SHOW itself counts once: nothing ran between the release and the next borrower's statement
    expect(after - before).toBe(1)
    await next.release()
  })

  it('a connection KILLed while idle is replaced; one KILLed mid-transaction fails it, and the next works', async () => {
    const pool = make({ connectionLimit: 1 })
    const first = await pool.getConnection()
    const id = first.threadId
    await first.release()
    await mysqlAdmin(db.config, `KILL ${id}`)
    // once the client has seen the socket close, the pool never lends that connection again
    await until(() => !first.isValid(), 'the client sees the socket closed')
    const rows = await pool.query<{ id: number }[]>('SELECT CONNECTION_ID() AS id')
    expect(Number(rows[0]!.id)).not.toBe(id)
    expect(pool.stats().counters.destroyed).toBe(1)

    const conn = await pool.getConnection()
    await conn.beginTransaction()
    await mysqlAdmin(db.config, `KILL ${conn.threadId}`)
    const error = await rejectionOf(conn.query("INSERT INTO items (label) VALUES ('lost')"))
    expect(error).toBeInstanceOf(Error)
    await conn.release()
    expect(await pool.query('SELECT COUNT(*) AS n FROM items')).toEqual([{ n: 0n }])
    await until(() => pool.activeConnections() === 0, 'released')
  })

  it('a connection held past leakDetectionTimeout is reported with where it was borrowed', async () => {
    const pool = make({ leakDetectionTimeout: 100, pools: { leakCaptureStack: 'always' } })
    const reports: { stack: string | undefined }[] = []
    pool.engine.on('leak', (report) => reports.push(report))
    const hold = gate()
    const held = (async () => {
      const conn = await pool.getConnection()
      await hold.opened
      await conn.release()
    })()
    await until(() => reports.length > 0, 'a leak report')
    expect(reports[0]!.stack).toContain('pool.test.ts')
    hold.open()
    await held
  })

  it('a URL with mariadb options; pools presets', async () => {
    const url = new URL(db.url)
    url.protocol = 'mariadb:'
    url.searchParams.set('connectionLimit', '3')
    url.searchParams.set('acquireTimeout', '1500')
    const pool = createPool(url.toString())
    pools.push(pool)
    expect(pool.engine.max).toBe(3)
    expect(pool.engine.config.acquireTimeoutMs).toBe(1500)
    expect(await pool.query('SELECT 1 AS one')).toEqual([{ one: 1 }])
    const web = make({ pools: 'web' })
    expect(await web.query('SELECT 1 AS one')).toEqual([{ one: 1 }])
  })

  it('bad options fail with a PoolError that never shows the password', () => {
    for (const bad of [
      42,
      null,
      { connectionLimit: 0 },
      { connectionLimit: 'x' },
      'http://secret@h/db',
      'not a url',
      { pools: 7 },
    ]) {
      let thrown: unknown
      try {
        createPool(bad as string)
      } catch (error) {
        thrown = error
      }
      expect(isPoolError(thrown, 'POOL_CONFIG_INVALID')).toBe(true)
      expect(String((thrown as Error).message)).not.toContain('secret')
    }
  })

  it("the same workload on mariadb's own pool and on ours gives identical results", async () => {
    const workload = async (pool: Pick<Pool, 'query' | 'getConnection' | 'batch'>) => {
      const out: unknown[] = []
      out.push(await pool.batch('INSERT INTO items (label) VALUES (?)', [['x'], ['y']]))
      const conn = await pool.getConnection()
      await conn.beginTransaction()
      await conn.query("INSERT INTO items (label) VALUES ('rolled back')")
      await conn.rollback()
      await conn.beginTransaction()
      await conn.query("INSERT INTO items (label) VALUES ('committed')")
      await conn.commit()
      await conn.release()
      out.push(await pool.query('SELECT id, label FROM items ORDER BY id'))
      out.push(((await rejectionOf(pool.query('SELECT nope FROM items'))) as { code?: string }).code)
      await mysqlAdmin(db.config, 'TRUNCATE TABLE items')
      return out
    }
    const theirs = mariadb.createPool({ ...db.config, connectionLimit: 2 })
    const withTheirs = await workload(theirs as unknown as Pool)
    await theirs.end()
    const withOurs = await workload(make({ connectionLimit: 2 }))
    expect(withOurs).toEqual(withTheirs)
  })

  it('end() closes every connection; afterwards the pool refuses work', async () => {
    const pool = createPool({ ...db.config, connectionLimit: 4, minimumIdle: 2 })
    await pool.ready()
    await Promise.all([pool.query('SELECT SLEEP(0.05)'), pool.query('SELECT SLEEP(0.05)'), pool.query('SELECT 1')])
    await pool.end()
    expect(pool.closed).toBe(true)
    await waitForMysqlConnections(db.name, 0)
    expect(isPoolError(await rejectionOf(pool.query('SELECT 1')), 'POOL_CLOSED')).toBe(true)
  })
})

describe('@pools/core/mariadb exports', () => {
  it('the default export is mariadb with createPool replaced', () => {
    expect(pooled.createPool).toBe(createPool)
    expect(pooled.createConnection).toBe(mariadb.createConnection)
  })
})
