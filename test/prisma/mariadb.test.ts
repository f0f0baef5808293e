/**
 * @pools/prisma/mariadb on MariaDB with Prisma 7 (@prisma/adapter-mariadb on a @pools/core/mariadb pool): CRUD,
 * commit and rollback, nested transactions, an error inside a transaction, 200 concurrent transactions on a
 * pool of 10, a leak report with the caller's line, a connection KILLed mid-transaction, $disconnect()
 * ownership, and the same workload on adapter-mariadb's own pool and on ours.
 */
import { isPoolError } from '@pools/core'
import { createPool } from '@pools/core/mariadb'
import { PRISMA_MAX_WAIT_MS, prismaAdapter } from '@pools/prisma/mariadb'
import { PrismaMariaDb } from '@prisma/adapter-mariadb'
import mariadb from 'mariadb'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { describeWithMysql, type MysqlDatabase, useMysql, waitForMysqlConnections } from '../harness/index.js'
import {
  type Client,
  type ClientClass,
  gate,
  generatePrismaClient,
  MYSQL_ITEMS_DDL,
  mysqlAdmin,
  rejectionOf,
  type TxClient,
  until,
} from './support.js'

describeWithMysql('@pools/prisma/mariadb on MariaDB (Prisma 7)', () => {
  let db: MysqlDatabase
  let PrismaClient: ClientClass
  const clients: Client[] = []

  beforeAll(async () => {
    PrismaClient = generatePrismaClient('mariadb-test', 'mysql')
    db = await useMysql()
    await mysqlAdmin(db.config, MYSQL_ITEMS_DDL)
  }, 60_000)

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.$disconnect()))
    await mysqlAdmin(db.config, 'TRUNCATE TABLE items')
  })

  afterAll(async () => {
    await waitForMysqlConnections(db.name, 0)
  })

  function make(options: { connectionLimit?: number; pools?: Record<string, unknown> } = {}) {
    const adapter = prismaAdapter({
      ...db.config,
      connectionLimit: options.connectionLimit ?? 10,
      pools: { housekeepingIntervalMs: 50, ...options.pools },
    })
    const prisma = new PrismaClient({ adapter })
    clients.push(prisma)
    return { prisma, adapter }
  }

  const where = async (tx: TxClient) =>
    (
      await tx.$queryRawUnsafe<{ conn: bigint; inTx: bigint | number }[]>(
        'SELECT CONNECTION_ID() AS conn, @@in_transaction AS inTx',
      )
    )[0]!

  it('CRUD', async () => {
    const { prisma, adapter } = make()
    const a = await prisma.item.create({ data: { label: 'a', qty: 1 } })
    await prisma.item.createMany({ data: [{ label: 'b' }, { label: 'c' }] })
    await prisma.item.update({ where: { id: a.id }, data: { qty: 5 } })
    await prisma.item.deleteMany({ where: { label: 'c' } })
    expect(await prisma.item.findMany({ orderBy: { id: 'asc' } })).toEqual([
      { id: 1, label: 'a', qty: 5 },
      { id: 2, label: 'b', qty: 0 },
    ])
    expect(adapter.pool.stats().counters.acquired).toBeGreaterThanOrEqual(4)
    expect(adapter.pool.stats().borrowed).toBe(0)
  })

  it('an interactive transaction commits on one connection; one that throws rolls back with the same error', async () => {
    const { prisma, adapter } = make()
    const seen = await prisma.$transaction(async (tx) => {
      const first = await where(tx)
      await tx.item.create({ data: { label: 'kept' } })
      return [first, await where(tx)]
    })
    expect(seen[0]).toEqual(seen[1])
    expect(Number(seen[0]!.inTx)).toBe(1)
    const boom = new Error('boom')
    expect(
      await rejectionOf(
        prisma.$transaction(async (tx) => {
          await tx.item.create({ data: { label: 'gone' } })
          throw boom
        }),
      ),
    ).toBe(boom)
    expect((await prisma.item.findMany()).map((i) => i.label)).toEqual(['kept'])
    expect(adapter.pool.stats().borrowed).toBe(0)
  })

  it('nested transactions are savepoints on the same connection', async () => {
    const { prisma } = make()
    const seen: bigint[] = []
    await prisma.$transaction(async (tx) => {
      seen.push((await where(tx)).conn)
      await tx.item.create({ data: { label: 'outer' } })
      const nested = tx as unknown as Client
      await nested.$transaction(async (inner) => {
        seen.push((await where(inner)).conn)
        await inner.item.create({ data: { label: 'inner kept' } })
      })
      await rejectionOf(
        nested.$transaction(async (inner) => {
          seen.push((await where(inner)).conn)
          await inner.item.create({ data: { label: 'inner rolled back' } })
          throw new Error('undo the savepoint only')
        }),
      )
    })
    expect(new Set(seen).size).toBe(1)
    expect((await prisma.item.findMany({ orderBy: { id: 'asc' } })).map((i) => i.label)).toEqual([
      'outer',
      'inner kept',
    ])
  })

  it('200 concurrent transactions on a pool of 10: all commit, at most 10 server connections, none left over', async () => {
    const { prisma, adapter } = make({ connectionLimit: 10, pools: { acquireTimeoutMs: 30_000 } })
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        prisma.$transaction(
          async (tx) => {
            const before = await where(tx)
            await tx.item.create({ data: { label: `t${i}`, qty: i } })
            return before.conn === (await where(tx)).conn
          },
          { maxWait: 30_000, timeout: 30_000 },
        ),
      ),
    )
    expect(results.every(Boolean)).toBe(true)
    expect(await prisma.item.count()).toBe(200)
    expect(adapter.pool.stats().borrowed).toBe(0)
    expect(adapter.pool.stats().counters.created).toBeLessThanOrEqual(10)
    await waitForMysqlConnections(db.name, (count) => count <= 10)
    await prisma.$disconnect()
    await waitForMysqlConnections(db.name, 0)
  })

  it('a transaction left open past the leak threshold is reported with the line that opened it', async () => {
    const { prisma, adapter } = make({ pools: { leakDetectionThresholdMs: 100, leakCaptureStack: 'always' } })
    const leaks: { stack: string | undefined }[] = []
    adapter.pool.engine.on('leak', (report) => leaks.push(report))
    const hold = gate()
    const handler = async () => {
      await prisma.$transaction(async (tx) => {
        await tx.item.create({ data: { label: 'slow' } })
        await hold.opened
      })
    }
    const open = handler()
    await until(() => leaks.length > 0, 'a leak report', 5_000)
    expect(leaks[0]!.stack).toMatch(/at handler \(.*mariadb\.test\.ts:\d+/)
    hold.open()
    await open
  })

  it('a connection KILLed mid-transaction fails that transaction; the next one succeeds', async () => {
    const { prisma, adapter } = make({ connectionLimit: 2 })
    let killed = 0n
    const error = await rejectionOf(
      prisma.$transaction(async (tx) => {
        killed = (await where(tx)).conn
        await tx.item.create({ data: { label: 'lost' } })
        await mysqlAdmin(db.config, `KILL ${killed}`)
        await tx.item.create({ data: { label: 'after kill' } })
      }),
    )
    expect(error).toBeInstanceOf(Error)
    const next = await prisma.$transaction(async (tx) => {
      await tx.item.create({ data: { label: 'next' } })
      return (await where(tx)).conn
    })
    expect(next).not.toBe(killed)
    expect((await prisma.item.findMany()).map((i) => i.label)).toEqual(['next'])
    await until(() => adapter.pool.stats().borrowed === 0, 'everything released')
  })

  describe('$disconnect(), sources', () => {
    it('ends a pool the adapter built, and builds a new one if the client is used again', async () => {
      const { prisma, adapter } = make()
      await prisma.item.count()
      const first = adapter.pool
      await prisma.$disconnect()
      expect(first.closed).toBe(true)
      expect(await prisma.item.count()).toBe(0)
      expect(adapter.pool).not.toBe(first)
    })

    it('never ends a pool passed in', async () => {
      const pool = createPool({ ...db.config })
      try {
        const prisma = new PrismaClient({ adapter: prismaAdapter(pool) })
        await prisma.item.count()
        await prisma.$disconnect()
        expect(pool.closed).toBe(false)
        expect(await pool.query('SELECT 1 AS one')).toEqual([{ one: 1 }])
      } finally {
        await pool.end()
      }
    })

    it('a mysql:// URL with Prisma-style pool parameters; the acquire timeout defaults to maxWait', async () => {
      const url = new URL(db.url)
      url.searchParams.set('connection_limit', '3')
      const adapter = prismaAdapter(url.toString())
      const prisma = new PrismaClient({ adapter })
      clients.push(prisma)
      expect(adapter.pool.engine.max).toBe(3)
      expect(adapter.pool.engine.config.acquireTimeoutMs).toBe(PRISMA_MAX_WAIT_MS)
      expect(await prisma.item.count()).toBe(0)
      url.searchParams.set('pool_timeout', '4')
      const timed = prismaAdapter(url.toString())
      expect(timed.pool.engine.config.acquireTimeoutMs).toBe(4_000)
      await timed.pool.end()
    })

    it("a pool from 'mariadb', or anything else, is refused with a PoolError", async () => {
      const foreign = mariadb.createPool({ ...db.config, connectionLimit: 1 })
      try {
        for (const bad of [foreign, 42, null]) {
          let thrown: unknown
          try {
            prismaAdapter(bad as unknown as string)
          } catch (error) {
            thrown = error
          }
          expect(isPoolError(thrown, 'POOL_CONFIG_INVALID')).toBe(true)
        }
      } finally {
        await foreign.end()
      }
    })
  })

  it("the same workload on adapter-mariadb's own pool and on ours gives identical results", async () => {
    const workload = async (prisma: Client) => {
      const out: unknown[] = []
      out.push(
        await prisma.item.createMany({
          data: [
            { label: 'x', qty: 1 },
            { label: 'y', qty: 2 },
          ],
        }),
      )
      out.push(
        await prisma.$transaction(async (tx) => {
          await tx.item.updateMany({ data: { qty: 7 } })
          await rejectionOf(
            (tx as unknown as Client).$transaction(async (inner) => {
              await inner.item.deleteMany()
              throw new Error('keep them')
            }),
          )
          return tx.item.findMany({ orderBy: { id: 'asc' } })
        }),
      )
      const failed = await rejectionOf(prisma.$queryRawUnsafe('SELECT * FROM no_such_table'))
      out.push((failed as { code?: string }).code)
      out.push(await prisma.$queryRawUnsafe('SELECT label, qty FROM items ORDER BY id'))
      await mysqlAdmin(db.config, 'TRUNCATE TABLE items')
      return out
    }
    const theirs = new PrismaClient({ adapter: new PrismaMariaDb({ ...db.config, connectionLimit: 3 }) })
    const withTheirs = await workload(theirs)
    await theirs.$disconnect()
    const withOurs = await workload(make({ connectionLimit: 3 }).prisma)
    expect(withOurs).toEqual(withTheirs)
    expect(withOurs[2]).toBe('P2010')
  })
})
