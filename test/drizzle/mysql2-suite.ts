/**
 * The @pools/drizzle mysql2 suite, run once per drizzle-orm version (mysql2.test.ts for 0.45,
 * mysql2-1.0.test.ts for 1.0), on MariaDB/MySQL: CRUD, commit/rollback, savepoints, errors, iterator(),
 * 200 concurrent transactions on 10 connections, leaks, a connection KILLed mid-transaction, and drizzle's
 * own mysql2 pool vs ours.
 */
import { isPoolError } from '@pools/core'
import { createPool, type Pool } from '@pools/core/mysql2'
import type * as drizzleOrmRoot from 'drizzle-orm'
import type * as mysqlCore from 'drizzle-orm/mysql-core'
import type { drizzle as drizzleOrm } from 'drizzle-orm/mysql2'
import mysql from 'mysql2'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { drizzle as poolsDrizzle } from '../../packages/drizzle/src/mysql2.js'
import { describeWithMysql, type MysqlDatabase, useMysql, waitForMysqlConnections } from '../harness/index.js'
import { gate, mysqlAdmin, rejectionOf, rowsOf, until, within } from './support.js'

/** One drizzle-orm version: its own `drizzle()`, ours on top of it, and its schema builders. */
export interface Mysql2Kit {
  version: string
  ours: typeof poolsDrizzle
  orm: typeof drizzleOrm
  core: typeof mysqlCore
  root: typeof drizzleOrmRoot
}

const endPool = (pool: { end(callback: (error?: unknown) => void): void }) =>
  new Promise<void>((resolve) => pool.end(() => resolve()))

export function mysql2Suite(kit: Mysql2Kit): void {
  const { sql, eq } = kit.root
  const { mysqlTable, serial, varchar, int } = kit.core

  describeWithMysql(`@pools/drizzle/mysql2 on drizzle-orm ${kit.version}`, () => {
    let db: MysqlDatabase
    const items = mysqlTable('items', {
      id: serial('id').primaryKey(),
      label: varchar('label', { length: 100 }).notNull(),
      qty: int('qty').notNull().default(0),
    })
    const pools: Pool[] = []

    beforeAll(async () => {
      db = await useMysql()
      await mysqlAdmin(
        db.config,
        'CREATE TABLE items (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, label VARCHAR(100) NOT NULL, qty INT NOT NULL DEFAULT 0) ENGINE=InnoDB',
      )
    })

    afterEach(async () => {
      vi.restoreAllMocks()
      await Promise.all(pools.splice(0).map(endPool))
      await mysqlAdmin(db.config, 'TRUNCATE TABLE items')
    })

    afterAll(async () => {
      await waitForMysqlConnections(db.name, 0)
    })

    function make(options: { connectionLimit?: number; pools?: Record<string, unknown> } = {}) {
      const database = kit.ours({
        ...db.config,
        connectionLimit: options.connectionLimit ?? 10,
        pools: { housekeepingIntervalMs: 50, ...options.pools },
      })
      pools.push(database.$client)
      return database
    }

    type Db = ReturnType<typeof make>
    /** The server connection and whether a transaction is open, as seen by the statement. */
    const where = async (tx: Pick<Db, 'execute'>) =>
      rowsOf<{ conn: number; inTx: number }>(
        await tx.execute(sql`SELECT CONNECTION_ID() AS conn, @@in_transaction AS inTx`),
      )[0]!
    const labels = async (database: Db) => (await database.select().from(items).orderBy(items.id)).map((r) => r.label)

    it('is a drizzle database on a @pools/core/mysql2 pool', async () => {
      const database = make()
      expect(typeof database.$client.stats).toBe('function')
      expect(database.$client).toBeInstanceOf(
        (mysql as unknown as { Pool: abstract new (...args: never[]) => unknown }).Pool ?? Object,
      )
      expect(rowsOf<{ one: number }>(await database.execute(sql`SELECT 1 AS one`))).toEqual([{ one: 1 }])
    })

    it('CRUD through the query builder', async () => {
      const database = make()
      await database.insert(items).values([
        { label: 'a', qty: 1 },
        { label: 'b', qty: 2 },
      ])
      await database.update(items).set({ qty: 5 }).where(eq(items.label, 'a'))
      await database.delete(items).where(eq(items.label, 'b'))
      expect(await database.select().from(items)).toEqual([{ id: 1, label: 'a', qty: 5 }])
      expect(database.$client.stats().borrowed).toBe(0)
    })

    it('a transaction commits on one connection; one that throws rolls back and rethrows the same error', async () => {
      const database = make()
      const seen = await database.transaction(async (tx) => {
        const first = await where(tx)
        await tx.insert(items).values({ label: 'kept' })
        return [first, await where(tx)]
      })
      expect(seen[0]).toEqual(seen[1])
      expect(Number(seen[0]!.inTx)).toBe(1)
      const boom = new Error('boom')
      expect(
        await rejectionOf(
          database.transaction(async (tx) => {
            await tx.insert(items).values({ label: 'gone' })
            throw boom
          }),
        ),
      ).toBe(boom)
      expect(await labels(database)).toEqual(['kept'])
      expect(database.$client.stats().borrowed).toBe(0)
    })

    it('nested transactions are savepoints on the same connection', async () => {
      const database = make()
      const seen: number[] = []
      await database.transaction(async (tx) => {
        seen.push((await where(tx)).conn)
        await tx.insert(items).values({ label: 'outer' })
        await tx.transaction(async (inner) => {
          seen.push((await where(inner)).conn)
          await inner.insert(items).values({ label: 'inner kept' })
        })
        await rejectionOf(
          tx.transaction(async (inner) => {
            seen.push((await where(inner)).conn)
            await inner.insert(items).values({ label: 'inner rolled back' })
            throw new Error('undo the savepoint only')
          }),
        )
      })
      expect(new Set(seen).size).toBe(1)
      expect(await labels(database)).toEqual(['outer', 'inner kept'])
    })

    it('iterator() streams every row on one connection and gives it back', async () => {
      const database = make({ connectionLimit: 2 })
      await database.insert(items).values(Array.from({ length: 50 }, (_, i) => ({ label: `r${i}`, qty: i })))
      vi.spyOn(console, 'warn').mockImplementation(() => {}) // drizzle ends a pooled connection with end(): mysql2 warns
      const conns = new Set<number>()
      let rows = 0
      for await (const row of database
        .select({ qty: items.qty, conn: sql<number>`CONNECTION_ID()` })
        .from(items)
        .iterator()) {
        conns.add(Number(row.conn))
        rows++
      }
      expect(rows).toBe(50)
      expect(conns.size).toBe(1)
      await until(() => database.$client.stats().borrowed === 0, 'the iterator connection back in the pool')
    })

    it('an iterator stopped early never hangs the next borrower of its connection', async () => {
      // drizzle 0.45 hands the connection back with the query still streaming (paused): on mysql2's own pool the
      // next query on that connection never settles. Ours runs its reset, which cannot finish, so after
      // validationTimeoutMs the connection is destroyed (reset-failed) and the next borrower gets a fresh one.
      // drizzle 1.0 drains the stream first, so the connection is simply reused.
      const database = make({ connectionLimit: 1, pools: { validationTimeoutMs: 300 } })
      vi.spyOn(console, 'warn').mockImplementation(() => {})
      vi.spyOn(console, 'error').mockImplementation(() => {})
      await database.insert(items).values(Array.from({ length: 50 }, (_, i) => ({ label: `r${i}`, qty: i })))
      for await (const _ of database.select({ n: sql`seq` }).from(sql`seq_1_to_200000`).iterator()) break
      const next = await within(database.execute(sql`SELECT 1 AS one`), 5_000, 'the next query')
      expect(rowsOf(next)).toEqual([{ one: 1 }])
      const { destroyedBy } = database.$client.stats().counters
      expect(destroyedBy['reset-failed']).toBe(kit.version === '0.45' ? 1 : 0)
    })

    it('200 concurrent transactions on a pool of 10: all commit, at most 10 server connections, none left over', async () => {
      const database = make({ connectionLimit: 10 })
      const connsSeen = new Set<number>()
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          database.transaction(async (tx) => {
            const before = await where(tx)
            await tx.insert(items).values({ label: `t${i}`, qty: i })
            const after = await where(tx)
            connsSeen.add(before.conn)
            return before.conn === after.conn
          }),
        ),
      )
      expect(results.every(Boolean)).toBe(true)
      expect(connsSeen.size).toBeLessThanOrEqual(10)
      const counted = rowsOf<{ n: number }>(await database.execute(sql`SELECT COUNT(*) AS n FROM items`))
      expect(counted.map((r) => Number(r.n))).toEqual([200])
      const stats = database.$client.stats()
      expect(stats.borrowed).toBe(0)
      expect(stats.pending).toBe(0)
      expect(stats.counters.created).toBeLessThanOrEqual(10)
      await waitForMysqlConnections(db.name, (count) => count <= 10)
      await endPool(pools.pop()!)
      await waitForMysqlConnections(db.name, 0)
    })

    it('a transaction left open past the leak threshold is reported with the line that opened it', async () => {
      const database = make({ pools: { leakDetectionThresholdMs: 100, leakCaptureStack: 'always' } })
      const leaks: { stack: string | undefined; heldMs: number }[] = []
      database.$client.engine.on('leak', (report) => leaks.push(report))
      const hold = gate()
      const open = database.transaction(async (tx) => {
        await tx.insert(items).values({ label: 'slow' })
        await hold.opened
      })
      await until(() => leaks.length > 0, 'a leak report', 5_000)
      expect(leaks[0]!.heldMs).toBeGreaterThanOrEqual(100)
      expect(leaks[0]!.stack).toContain('mysql2-suite.ts')
      hold.open()
      await open
      expect(database.$client.leaks()).toHaveLength(0)
    })

    it('a connection KILLed mid-transaction fails that transaction; the next one succeeds on a new connection', async () => {
      const database = make({ connectionLimit: 2 })
      let killed = 0
      const error = await rejectionOf(
        database.transaction(async (tx) => {
          killed = Number((await where(tx)).conn)
          await tx.insert(items).values({ label: 'lost' })
          await mysqlAdmin(db.config, `KILL ${killed}`)
          await tx.insert(items).values({ label: 'after kill' })
        }),
      )
      expect(error).toBeInstanceOf(Error)
      expect(isPoolError(error)).toBe(false)
      const next = await database.transaction(async (tx) => {
        await tx.insert(items).values({ label: 'next' })
        return Number((await where(tx)).conn)
      })
      expect(next).not.toBe(killed)
      expect(await labels(database)).toEqual(['next'])
      await until(() => database.$client.stats().borrowed === 0, 'everything released')
    })

    it("the same workload on drizzle's own mysql2 pool and on ours gives identical results", async () => {
      const workload = async (database: Db) => {
        const out: unknown[] = []
        await database.insert(items).values([
          { label: 'x', qty: 1 },
          { label: 'y', qty: 2 },
        ])
        out.push(
          await database.transaction(async (tx) => {
            await tx.update(items).set({ qty: sql`${items.qty} * 10` })
            await rejectionOf(
              tx.transaction(async (inner) => {
                await inner.delete(items)
                throw new Error('keep them')
              }),
            )
            return tx.select().from(items).orderBy(items.id)
          }),
        )
        const failed = await rejectionOf(database.execute(sql`SELECT * FROM no_such_table`))
        out.push(((failed.cause ?? failed) as { code?: string }).code)
        out.push(rowsOf(await database.execute(sql`SELECT label, qty FROM items ORDER BY id`)))
        await mysqlAdmin(db.config, 'TRUNCATE TABLE items')
        return out
      }
      const theirs = mysql.createPool({ ...db.config, connectionLimit: 3 })
      const withTheirs = await workload(kit.orm({ client: theirs }) as unknown as Db)
      await endPool(theirs)
      const withOurs = await workload(make({ connectionLimit: 3 }))
      expect(withOurs).toEqual(withTheirs)
      expect(withOurs[1]).toBe('ER_NO_SUCH_TABLE')
    })

    describe('sources', () => {
      it('a URL: pool parameters configure the pool', async () => {
        const url = new URL(db.url)
        url.searchParams.set('pool.max', '3')
        const database = kit.ours(url.toString())
        pools.push(database.$client)
        expect(database.$client.engine.max).toBe(3)
        expect(rowsOf<{ one: number }>(await database.execute(sql`SELECT 1 AS one`))).toEqual([{ one: 1 }])
      })

      it('options with a preset name', async () => {
        const database = kit.ours({ ...db.config, pools: 'web' })
        pools.push(database.$client)
        expect(await database.select().from(items)).toEqual([])
      })

      it("drizzle's object forms, a built pool and its promise() are used as given and never ended", async () => {
        const shared = createPool({ ...db.config })
        pools.push(shared)
        const a = kit.ours({ client: shared })
        const b = kit.ours(shared.promise())
        const c = kit.ours(shared)
        expect(a.$client).toBe(shared)
        expect(c.$client).toBe(shared)
        await Promise.all([a.select().from(items), b.select().from(items), c.select().from(items)])
        expect(shared.stats().counters.acquired).toBe(3)
        const d = kit.ours({ connection: { ...db.config } })
        pools.push(d.$client as Pool)
        expect(d.$client).not.toBe(shared)
        await d.select().from(items)
      })

      it("a pool from 'mysql2' is refused with a PoolError that says what to do", async () => {
        const foreign = mysql.createPool({ ...db.config })
        try {
          let thrown: unknown
          try {
            kit.ours(foreign as unknown as Pool)
          } catch (error) {
            thrown = error
          }
          expect(isPoolError(thrown, 'POOL_CONFIG_INVALID')).toBe(true)
          expect((thrown as Error).message).toContain('@pools/core/mysql2')
        } finally {
          await endPool(foreign)
        }
      })
    })
  })
}
