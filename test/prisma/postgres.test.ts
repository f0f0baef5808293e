/**
 * @pools/prisma on PostgreSQL with Prisma 7: CRUD, commit and rollback, nested transactions, an error inside a
 * transaction, 200 concurrent transactions on a pool of 10, a leak report with the line that opened the
 * transaction, a backend killed mid-transaction, maxWait vs the acquire timeout, $disconnect() ownership, and
 * the same workload on adapter-pg's own pool and on ours.
 */
import { isPoolError } from '@pools/core'
import { Pool } from '@pools/core/pg'
import { PoolsPrismaPg, PRISMA_MAX_WAIT_MS, prismaAdapter } from '@pools/prisma'
import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { describeWithPostgres, type PostgresDatabase, usePostgres, waitForPgConnections } from '../harness/index.js'
import {
  type Client,
  type ClientClass,
  gate,
  generatePrismaClient,
  ITEMS_DDL,
  pgAdmin,
  rejectionOf,
  type TxClient,
  uniqueName,
  until,
} from './support.js'

describeWithPostgres('@pools/prisma on PostgreSQL (Prisma 7)', () => {
  let db: PostgresDatabase
  let PrismaClient: ClientClass
  const clients: Client[] = []
  const appNames: string[] = []

  beforeAll(async () => {
    PrismaClient = generatePrismaClient('postgres-test')
    db = await usePostgres()
    await pgAdmin(db.config, ITEMS_DDL)
  }, 60_000)

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.$disconnect()))
    await pgAdmin(db.config, 'TRUNCATE items RESTART IDENTITY')
  })

  afterAll(async () => {
    for (const name of appNames) await waitForPgConnections(db.name, 0, { applicationName: name })
  })

  /** A PrismaClient on an adapter-built @pools pool (its $disconnect() ends the pool). */
  function make(options: { max?: number; pools?: Record<string, unknown> } = {}) {
    const application_name = uniqueName('prz')
    appNames.push(application_name)
    const adapter = prismaAdapter({
      ...db.config,
      application_name,
      max: options.max ?? 10,
      pools: { housekeepingIntervalMs: 50, ...options.pools },
    })
    const prisma = new PrismaClient({ adapter })
    clients.push(prisma)
    return { prisma, adapter, application_name }
  }

  const where = async (tx: TxClient) =>
    (
      await tx.$queryRawUnsafe<{ pid: number; xid: string }[]>(
        'SELECT pg_backend_pid() AS pid, txid_current()::text AS xid',
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
    expect(adapter.pool).toBeInstanceOf(Pool)
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
    const boom = new Error('boom')
    const error = await rejectionOf(
      prisma.$transaction(async (tx) => {
        await tx.item.create({ data: { label: 'gone' } })
        throw boom
      }),
    )
    expect(error).toBe(boom)
    expect((await prisma.item.findMany()).map((i) => i.label)).toEqual(['kept'])
    expect(adapter.pool.stats().borrowed).toBe(0)
  })

  it('a batch transaction ($transaction([...])) commits together', async () => {
    const { prisma } = make()
    await prisma.$transaction([
      prisma.item.create({ data: { label: 'x' } }),
      prisma.item.create({ data: { label: 'y' } }),
    ])
    expect(await prisma.item.count()).toBe(2)
  })

  it('nested transactions are savepoints on the same connection and transaction', async () => {
    const { prisma } = make()
    const seen: { pid: number; xid: string }[] = []
    await prisma.$transaction(async (tx) => {
      seen.push(await where(tx))
      await tx.item.create({ data: { label: 'outer' } })
      const nested = tx as unknown as Client
      await nested.$transaction(async (inner) => {
        seen.push(await where(inner))
        await inner.item.create({ data: { label: 'inner kept' } })
      })
      await rejectionOf(
        nested.$transaction(async (inner) => {
          seen.push(await where(inner))
          await inner.item.create({ data: { label: 'inner rolled back' } })
          throw new Error('undo the savepoint only')
        }),
      )
    })
    expect(new Set(seen.map((s) => `${s.pid}/${s.xid}`)).size).toBe(1)
    expect((await prisma.item.findMany({ orderBy: { id: 'asc' } })).map((i) => i.label)).toEqual([
      'outer',
      'inner kept',
    ])
  })

  it('200 concurrent transactions on a pool of 10: all commit, at most 10 server connections, none left over', async () => {
    const { prisma, adapter, application_name } = make({ max: 10, pools: { acquireTimeoutMs: 30_000 } })
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        prisma.$transaction(
          async (tx) => {
            const before = await where(tx)
            await tx.item.create({ data: { label: `t${i}`, qty: i } })
            const after = await where(tx)
            return before.pid === after.pid && before.xid === after.xid
          },
          { maxWait: 30_000, timeout: 30_000 },
        ),
      ),
    )
    expect(results.every(Boolean)).toBe(true)
    expect(await prisma.item.count()).toBe(200)
    const stats = adapter.pool.stats()
    expect(stats.borrowed).toBe(0)
    expect(stats.pending).toBe(0)
    expect(stats.counters.created).toBeLessThanOrEqual(10)
    await waitForPgConnections(db.name, (count) => count <= 10, { applicationName: application_name })
    await prisma.$disconnect()
    await waitForPgConnections(db.name, 0, { applicationName: application_name })
  })

  it('a transaction left open past the leak threshold is reported with the line that opened it', async () => {
    const { prisma, adapter } = make({ pools: { leakDetectionThresholdMs: 100, leakCaptureStack: 'always' } })
    const leaks: { stack: string | undefined }[] = []
    adapter.pool.pools.on('leak', (report) => leaks.push(report))
    const hold = gate()
    // a request handler awaiting its transaction, as application code does
    const handler = async () => {
      await prisma.$transaction(async (tx) => {
        await tx.item.create({ data: { label: 'slow' } })
        await hold.opened
      })
    }
    const open = handler()
    await until(() => leaks.length > 0, 'a leak report', 5_000)
    // the caller's line is below Prisma's frames (past the default 10-frame stack limit)
    expect(leaks[0]!.stack).toMatch(/at handler \(.*postgres\.test\.ts:\d+/)
    hold.open()
    await open
  })

  it('a backend killed mid-transaction fails that transaction; the next one succeeds', async () => {
    const { prisma, adapter } = make({ max: 2 })
    let killed = 0
    const error = await rejectionOf(
      prisma.$transaction(async (tx) => {
        killed = (await where(tx)).pid
        await tx.item.create({ data: { label: 'lost' } })
        await pgAdmin(db.config, 'SELECT pg_terminate_backend($1)', [killed])
        await tx.item.create({ data: { label: 'after kill' } })
      }),
    )
    expect(error).toBeInstanceOf(Error)
    const next = await prisma.$transaction(async (tx) => {
      await tx.item.create({ data: { label: 'next' } })
      return (await where(tx)).pid
    })
    expect(next).not.toBe(killed)
    expect((await prisma.item.findMany()).map((i) => i.label)).toEqual(['next'])
    await until(() => adapter.pool.stats().borrowed === 0, 'everything released')
  })

  describe("Prisma's maxWait and the acquire timeout", () => {
    /** Hold the pool's only connection in a transaction until `release()`. */
    function holdOnlyConnection(prisma: Client) {
      const hold = gate()
      let started!: () => void
      const running = new Promise<void>((resolve) => {
        started = resolve
      })
      const done = prisma.$transaction(
        async (tx) => {
          await tx.item.create({ data: { label: 'holder' } })
          started()
          await hold.opened
        },
        { timeout: 10_000 },
      )
      return { running, release: hold.open, done }
    }

    it('aligned (acquireTimeoutMs = maxWait): a waiter Prisma gave up on leaves the queue when Prisma does', async () => {
      const { prisma, adapter } = make({ max: 1, pools: { acquireTimeoutMs: 300 } })
      const holder = holdOnlyConnection(prisma)
      await holder.running
      const error = await rejectionOf(prisma.$transaction(async () => {}, { maxWait: 300 }))
      expect(error.message).toMatch(/transaction|timed out|waited/i)
      await until(() => adapter.pool.stats().pending === 0, 'the abandoned waiter gone from the queue', 2_000)
      expect(adapter.pool.stats().counters.timeouts).toBe(1)
      holder.release()
      await holder.done
      expect(await prisma.$transaction(async (tx) => tx.item.count())).toBe(1)
    })

    it('not aligned (no acquire timeout): the abandoned waiter keeps its place until a connection frees up', async () => {
      const { prisma, adapter } = make({ max: 1, pools: { acquireTimeoutMs: 0 } })
      const holder = holdOnlyConnection(prisma)
      await holder.running
      await rejectionOf(prisma.$transaction(async () => {}, { maxWait: 200 }))
      expect(adapter.pool.stats().pending).toBe(1) // Prisma gave up; the acquire did not
      holder.release()
      await holder.done
      // the late connection goes to the abandoned start, which Prisma rolls back and releases
      await until(() => adapter.pool.stats().borrowed === 0 && adapter.pool.stats().pending === 0, 'settled')
      expect(await prisma.$transaction(async (tx) => tx.item.count())).toBe(1)
    })

    it("a pool built by the adapter waits no longer than Prisma's default maxWait unless told otherwise", async () => {
      const adapters = [
        prismaAdapter(db.url),
        prismaAdapter({ ...db.config, connectionTimeoutMillis: 7_000 }),
        prismaAdapter(`${db.url}?pool_timeout=3`),
        prismaAdapter({ ...db.config, pools: { acquireTimeoutMs: 500 } }),
      ]
      expect(adapters.map((adapter) => adapter.pool.pools.config.acquireTimeoutMs)).toEqual([
        PRISMA_MAX_WAIT_MS,
        7_000,
        3_000,
        500,
      ])
      await Promise.all(adapters.map((adapter) => adapter.pool.end()))
    })
  })

  describe('$disconnect() and who owns the pool', () => {
    it('ends a pool the adapter built, and builds a new one if the client is used again', async () => {
      const { prisma, adapter, application_name } = make()
      await prisma.item.count()
      const first = adapter.pool
      await prisma.$disconnect()
      expect(first.ended).toBe(true)
      await waitForPgConnections(db.name, 0, { applicationName: application_name })
      expect(await prisma.item.count()).toBe(0) // Prisma reconnects: a fresh pool
      expect(adapter.pool).not.toBe(first)
      expect(adapter.pool.ending).toBe(false)
    })

    it('never ends a pool passed in', async () => {
      const application_name = uniqueName('przshared')
      appNames.push(application_name)
      const pool = new Pool({ ...db.config, application_name })
      try {
        const prisma = new PrismaClient({ adapter: prismaAdapter(pool) })
        await prisma.item.count()
        await prisma.$disconnect()
        expect(pool.ending).toBe(false)
        expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
      } finally {
        await pool.end()
      }
    })
  })

  describe('sources', () => {
    it('a URL with Prisma-style pool parameters', async () => {
      const url = new URL(db.url)
      url.searchParams.set('connection_limit', '3')
      const application_name = uniqueName('przurl')
      appNames.push(application_name)
      url.searchParams.set('application_name', application_name)
      const adapter = prismaAdapter(url.toString())
      const prisma = new PrismaClient({ adapter })
      clients.push(prisma)
      expect(adapter.pool.pools.max).toBe(3)
      expect(await prisma.item.count()).toBe(0)
    })

    it('options with a preset name', async () => {
      const application_name = uniqueName('przpreset')
      appNames.push(application_name)
      const adapter = prismaAdapter({ ...db.config, application_name, pools: 'web' })
      const prisma = new PrismaClient({ adapter })
      clients.push(prisma)
      expect(await prisma.item.count()).toBe(0)
      expect(adapter).toBeInstanceOf(PoolsPrismaPg)
    })

    it("a pg.Pool from 'pg', or anything else, is refused with a PoolError", async () => {
      const foreign = new pg.Pool({ ...db.config })
      try {
        for (const bad of [foreign, 42, null, ['x']]) {
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

  it("the same workload on adapter-pg's own pool and on ours gives identical results", async () => {
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
      out.push((failed as { code?: string }).code, failed.message.includes('no_such_table'))
      out.push(await prisma.$queryRawUnsafe('SELECT label, qty FROM items ORDER BY id'))
      await pgAdmin(db.config, 'TRUNCATE items RESTART IDENTITY')
      return out
    }
    const theirs = new PrismaClient({ adapter: new PrismaPg({ ...db.config, max: 3 }) })
    const withTheirs = await workload(theirs)
    await theirs.$disconnect()
    const withOurs = await workload(make({ max: 3 }).prisma)
    expect(withOurs).toEqual(withTheirs)
    expect(withOurs[2]).toBe('P2010')
  })
})
