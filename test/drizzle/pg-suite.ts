/**
 * The @pools/drizzle node-postgres suite, run once per drizzle-orm version (node-postgres.test.ts for 0.45,
 * node-postgres-1.0.test.ts for 1.0): CRUD, commit/rollback, savepoints, errors, 200 concurrent transactions
 * on 10 connections, leaks, a backend killed mid-transaction, and drizzle's own pool vs ours.
 */
import { isPoolError } from '@pools/core'
import { Pool } from '@pools/core/pg'
import type * as drizzleOrmRoot from 'drizzle-orm'
import type { drizzle as drizzleOrm } from 'drizzle-orm/node-postgres'
import type * as pgCore from 'drizzle-orm/pg-core'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { drizzle as poolsDrizzle } from '../../packages/drizzle/src/node-postgres.js'
import { describeWithPostgres, type PostgresDatabase, usePostgres, waitForPgConnections } from '../harness/index.js'
import { gate, pgAdmin, rejectionOf, rowsOf, uniqueName, until } from './support.js'

/** One drizzle-orm version: its own `drizzle()`, ours on top of it, and its schema builders. */
export interface PgKit {
  version: string
  ours: typeof poolsDrizzle
  orm: typeof drizzleOrm
  core: typeof pgCore
  root: typeof drizzleOrmRoot
}

export function pgSuite(kit: PgKit): void {
  const { sql, eq } = kit.root
  const { pgTable, serial, text, integer } = kit.core

  describeWithPostgres(`@pools/drizzle/node-postgres on drizzle-orm ${kit.version}`, () => {
    let db: PostgresDatabase
    const items = pgTable('items', {
      id: serial('id').primaryKey(),
      label: text('label').notNull(),
      qty: integer('qty').notNull().default(0),
    })
    const pools: Pool[] = []
    const appNames: string[] = []

    beforeAll(async () => {
      db = await usePostgres()
      await pgAdmin(
        db.config,
        'CREATE TABLE items (id serial PRIMARY KEY, label text NOT NULL, qty int NOT NULL DEFAULT 0)',
      )
    })

    afterEach(async () => {
      await Promise.all(pools.splice(0).map((pool) => (pool.ending ? undefined : pool.end())))
      await pgAdmin(db.config, 'TRUNCATE items RESTART IDENTITY')
    })

    afterAll(async () => {
      for (const name of appNames) await waitForPgConnections(db.name, 0, { applicationName: name })
    })

    /** A drizzle database on a fresh @pools pool (ended after each test). */
    function make(options: { max?: number; pools?: Record<string, unknown> } = {}) {
      const application_name = uniqueName('drz')
      appNames.push(application_name)
      const database = kit.ours(
        {
          ...db.config,
          application_name,
          max: options.max ?? 10,
          pools: { housekeepingIntervalMs: 50, ...options.pools },
        },
        {},
      )
      pools.push(database.$client)
      return { database, application_name }
    }

    type Tx = Parameters<Parameters<ReturnType<typeof make>['database']['transaction']>[0]>[0]
    /** The backend pid and the transaction id as the server sees them, from inside `tx` (or the db). */
    const where = async (tx: Pick<Tx, 'execute'>) =>
      rowsOf<{ pid: number; xid: string }>(
        await tx.execute(sql`SELECT pg_backend_pid() AS pid, txid_current()::text AS xid`),
      )[0]!

    it('is a drizzle database on a @pools/core/pg pool', async () => {
      const { database } = make()
      expect(database.$client).toBeInstanceOf(Pool)
      expect(database.$client).toBeInstanceOf(pg.Pool)
      expect(typeof database.$client.stats).toBe('function')
      expect(rowsOf<{ one: number }>(await database.execute(sql`SELECT 1 AS one`))).toEqual([{ one: 1 }])
    })

    it('CRUD through the query builder', async () => {
      const { database } = make()
      const inserted = await database
        .insert(items)
        .values([
          { label: 'a', qty: 1 },
          { label: 'b', qty: 2 },
        ])
        .returning()
      expect(inserted.map((r) => r.label)).toEqual(['a', 'b'])
      await database.update(items).set({ qty: 5 }).where(eq(items.label, 'a'))
      await database.delete(items).where(eq(items.label, 'b'))
      expect(await database.select().from(items)).toEqual([{ id: 1, label: 'a', qty: 5 }])
      expect(database.$client.stats().borrowed).toBe(0)
    })

    it('a transaction commits on one connection; one that throws rolls back and rethrows the same error', async () => {
      const { database } = make()
      const seen = await database.transaction(async (tx) => {
        const first = await where(tx)
        await tx.insert(items).values({ label: 'kept' })
        const second = await where(tx)
        return [first, second]
      })
      expect(seen[0]).toEqual(seen[1]) // same backend, same transaction id
      const boom = new Error('boom')
      const error = await rejectionOf(
        database.transaction(async (tx) => {
          await tx.insert(items).values({ label: 'gone' })
          throw boom
        }),
      )
      expect(error).toBe(boom)
      expect((await database.select().from(items)).map((r) => r.label)).toEqual(['kept'])
      expect(database.$client.stats().borrowed).toBe(0)
    })

    it('tx.rollback() rolls back and rejects; the connection comes back idle', async () => {
      const { database } = make({ max: 1 })
      const error = await rejectionOf(
        database.transaction(async (tx) => {
          await tx.insert(items).values({ label: 'rolled back' })
          tx.rollback()
        }),
      )
      expect(error.constructor.name).toBe('TransactionRollbackError')
      expect(await database.select().from(items)).toEqual([])
      const client = await database.$client.connect()
      expect(client.getTransactionStatus?.() ?? 'I').toBe('I')
      client.release()
    })

    it('nested transactions are savepoints on the same connection and transaction', async () => {
      const { database } = make()
      const seen: { pid: number; xid: string }[] = []
      await database.transaction(async (tx) => {
        seen.push(await where(tx))
        await tx.insert(items).values({ label: 'outer' })
        await tx.transaction(async (inner) => {
          seen.push(await where(inner))
          await inner.insert(items).values({ label: 'inner kept' })
          await inner.transaction(async (deepest) => {
            seen.push(await where(deepest))
            await deepest.insert(items).values({ label: 'deepest kept' })
          })
        })
        await rejectionOf(
          tx.transaction(async (inner) => {
            seen.push(await where(inner))
            await inner.insert(items).values({ label: 'inner rolled back' })
            throw new Error('undo the savepoint only')
          }),
        )
      })
      expect(new Set(seen.map((s) => `${s.pid}/${s.xid}`)).size).toBe(1)
      expect((await database.select().from(items)).map((r) => r.label).sort()).toEqual([
        'deepest kept',
        'inner kept',
        'outer',
      ])
    })

    it('200 concurrent transactions on a pool of 10: all commit, at most 10 server connections, none left over', async () => {
      const { database, application_name } = make({ max: 10 })
      const pidsSeen = new Set<number>()
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          database.transaction(async (tx) => {
            const before = await where(tx)
            await tx.insert(items).values({ label: `t${i}`, qty: i })
            const after = await where(tx)
            pidsSeen.add(before.pid)
            return before.pid === after.pid && before.xid === after.xid
          }),
        ),
      )
      expect(results.every(Boolean)).toBe(true)
      expect(pidsSeen.size).toBeLessThanOrEqual(10)
      const counted = rowsOf<{ n: number }>(await database.execute(sql`SELECT count(*)::int AS n FROM items`))
      expect(counted).toEqual([{ n: 200 }])
      const stats = database.$client.stats()
      expect(stats.borrowed).toBe(0)
      expect(stats.pending).toBe(0)
      expect(stats.total).toBeLessThanOrEqual(10)
      expect(stats.counters.created).toBeLessThanOrEqual(10)
      await waitForPgConnections(db.name, (count) => count <= 10, { applicationName: application_name })
      await database.$client.end()
      await waitForPgConnections(db.name, 0, { applicationName: application_name })
    })

    it('a transaction left open past the leak threshold is reported with the line that opened it', async () => {
      const { database } = make({ pools: { leakDetectionThresholdMs: 100, leakCaptureStack: 'always' } })
      const leaks: { stack: string | undefined; heldMs: number }[] = []
      database.$client.pools.on('leak', (report) => leaks.push(report))
      const hold = gate()
      const open = database.transaction(async (tx) => {
        await tx.insert(items).values({ label: 'slow' })
        await hold.opened
      }) // <- the line the leak report points at
      await until(() => leaks.length > 0, 'a leak report', 5_000)
      expect(leaks[0]!.heldMs).toBeGreaterThanOrEqual(100)
      expect(leaks[0]!.stack).toContain('pg-suite.ts')
      expect(database.$client.leaks()).toHaveLength(1)
      hold.open()
      await open
      expect(database.$client.leaks()).toHaveLength(0)
    })

    it('a backend killed mid-transaction fails that transaction; the next one succeeds on a new connection', async () => {
      const { database } = make({ max: 2 })
      let killed = 0
      const error = await rejectionOf(
        database.transaction(async (tx) => {
          killed = (await where(tx)).pid
          await tx.insert(items).values({ label: 'lost' })
          await pgAdmin(db.config, 'SELECT pg_terminate_backend($1)', [killed])
          await tx.insert(items).values({ label: 'after kill' })
        }),
      )
      expect(error).toBeInstanceOf(Error)
      expect(isPoolError(error)).toBe(false) // the driver's own error, as without @pools
      const next = await database.transaction(async (tx) => {
        await tx.insert(items).values({ label: 'next' })
        return (await where(tx)).pid
      })
      expect(next).not.toBe(killed)
      expect((await database.select().from(items)).map((r) => r.label)).toEqual(['next'])
      await until(() => database.$client.stats().borrowed === 0, 'everything released')
      expect(database.$client.stats().counters.destroyed).toBeGreaterThanOrEqual(1)
    })

    it("the same workload on drizzle's own pg.Pool and on ours gives identical results", async () => {
      const workload = async (database: ReturnType<typeof make>['database']) => {
        const out: unknown[] = []
        out.push(
          await database
            .insert(items)
            .values([
              { label: 'x', qty: 1 },
              { label: 'y', qty: 2 },
            ])
            .returning(),
        )
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
        out.push(((failed.cause ?? failed) as { code?: string }).code) // drizzle may wrap pg's error
        out.push(rowsOf(await database.execute(sql`SELECT label, qty FROM items ORDER BY id`)))
        await pgAdmin(db.config, 'TRUNCATE items RESTART IDENTITY')
        return out
      }
      const theirs = new pg.Pool({ ...db.config, max: 3 })
      const withTheirs = await workload(kit.orm({ client: theirs }) as unknown as ReturnType<typeof make>['database'])
      await theirs.end()
      const withOurs = await workload(make({ max: 3 }).database)
      expect(withOurs).toEqual(withTheirs)
      expect(withOurs[2]).toBe('42P01')
    })

    describe('sources', () => {
      it('a URL: pool parameters configure the pool and never reach the server', async () => {
        const url = new URL(db.url)
        url.searchParams.set('pool.max', '3')
        url.searchParams.set('application_name', uniqueName('drzurl'))
        appNames.push(url.searchParams.get('application_name')!)
        const database = kit.ours(url.toString())
        pools.push(database.$client)
        expect(database.$client.pools.max).toBe(3)
        expect(rowsOf<{ one: number }>(await database.execute(sql`SELECT 1 AS one`))).toEqual([{ one: 1 }])
      })

      it('options with a preset name', async () => {
        const application_name = uniqueName('drzpreset')
        appNames.push(application_name)
        const database = kit.ours({ ...db.config, application_name, pools: 'web' })
        pools.push(database.$client)
        expect(database.$client.stats().name).toBeTypeOf('string')
        expect(await database.select().from(items)).toEqual([])
      })

      it("drizzle's object forms: { client } and { connection }", async () => {
        const application_name = uniqueName('drzform')
        appNames.push(application_name)
        const shared = new Pool({ ...db.config, application_name })
        pools.push(shared)
        const a = kit.ours({ client: shared })
        expect(a.$client).toBe(shared)
        const b = kit.ours({ connection: { ...db.config, application_name } })
        pools.push(b.$client)
        expect(b.$client).not.toBe(shared)
        expect(b.$client).toBeInstanceOf(Pool)
        await a.select().from(items)
        await b.select().from(items)
      })

      it('a pool passed in is shared, never ended by the adapter', async () => {
        const application_name = uniqueName('drzshared')
        appNames.push(application_name)
        const shared = new Pool({ ...db.config, application_name })
        pools.push(shared)
        const one = kit.ours(shared)
        const two = kit.ours(shared)
        expect(one.$client).toBe(shared)
        expect(two.$client).toBe(shared)
        await Promise.all([one.select().from(items), two.select().from(items)])
        expect(shared.stats().counters.acquired).toBe(2)
        expect(shared.ending).toBe(false)
      })

      it("a pg.Pool from 'pg' is refused with a PoolError that says what to do", async () => {
        const foreign = new pg.Pool({ ...db.config })
        try {
          let thrown: unknown
          try {
            kit.ours(foreign as unknown as Pool)
          } catch (error) {
            thrown = error
          }
          expect(isPoolError(thrown, 'POOL_CONFIG_INVALID')).toBe(true)
          expect((thrown as Error).message).toContain('@pools/core/pg')
          expect((thrown as Error).message).not.toContain(String(db.config.password ?? '\u0000'))
        } finally {
          await foreign.end()
        }
      })

      it('anything else is refused with a PoolError', () => {
        for (const bad of [42, null, ['postgres://x']]) {
          let thrown: unknown
          try {
            kit.ours(bad as unknown as string)
          } catch (error) {
            thrown = error
          }
          expect(isPoolError(thrown, 'POOL_CONFIG_INVALID')).toBe(true)
        }
      })
    })
  })
}
