/**
 * Prisma and Drizzle in one app, on one @pools engine: both run at once on the same pool, see each other's
 * writes, and the pool's stats() account for every checkout of both.
 */
import { Pool } from '@pools/core/pg'
import { drizzle } from '@pools/drizzle/node-postgres'
import { prismaAdapter } from '@pools/prisma'
import { count, sql } from 'drizzle-orm'
import { integer, pgTable, serial, text } from 'drizzle-orm/pg-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeWithPostgres, type PostgresDatabase, usePostgres, waitForPgConnections } from '../harness/index.js'
import { type Client, generatePrismaClient, ITEMS_DDL, pgAdmin, uniqueName } from './support.js'

describeWithPostgres('Prisma and Drizzle on one @pools engine', () => {
  let db: PostgresDatabase
  let pool: Pool
  let prisma: Client
  let orm: ReturnType<typeof drizzle>
  const application_name = uniqueName('prz_drz')
  const items = pgTable('items', {
    id: serial('id').primaryKey(),
    label: text('label').notNull(),
    qty: integer('qty').notNull().default(0),
  })

  beforeAll(async () => {
    const PrismaClient = generatePrismaClient('with-drizzle-test')
    db = await usePostgres()
    await pgAdmin(db.config, ITEMS_DDL)
    pool = new Pool({ ...db.config, application_name, max: 5 })
    prisma = new PrismaClient({ adapter: prismaAdapter(pool) })
    orm = drizzle(pool)
  }, 60_000)

  afterAll(async () => {
    await prisma?.$disconnect()
    await pool?.end()
    await waitForPgConnections(db.name, 0, { applicationName: application_name })
  })

  const prismaWork = (i: number) =>
    prisma.$transaction(async (tx) => {
      await tx.item.create({ data: { label: `prisma ${i}`, qty: i } })
      return tx.item.count()
    })
  const drizzleWork = (i: number) =>
    orm.transaction(async (tx) => {
      await tx.insert(items).values({ label: `drizzle ${i}`, qty: i })
      return (await tx.select({ n: count() }).from(items))[0]!.n
    })
  const acquired = () => pool.stats().counters.acquired

  it('both share the pool, and stats() counts the checkouts of both', async () => {
    // what each does alone (warm both up first: Prisma's first use connects the adapter)
    await prisma.item.count()
    await orm.execute(sql`SELECT 1`)
    let before = acquired()
    for (let i = 0; i < 10; i++) await prismaWork(i)
    const prismaCheckouts = acquired() - before
    before = acquired()
    for (let i = 0; i < 10; i++) await drizzleWork(i)
    const drizzleCheckouts = acquired() - before
    expect(prismaCheckouts).toBeGreaterThanOrEqual(10)
    expect(drizzleCheckouts).toBe(10)

    // both at once, 5 connections between them
    before = acquired()
    const releasedBefore = pool.stats().counters.released
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? prismaWork(100 + i) : drizzleWork(100 + i))))
    expect(acquired() - before).toBe(prismaCheckouts + drizzleCheckouts)
    expect(pool.stats().counters.released - releasedBefore).toBe(prismaCheckouts + drizzleCheckouts)
    const stats = pool.stats()
    expect(stats.borrowed).toBe(0)
    expect(stats.total).toBeLessThanOrEqual(5)
    expect(pool.health().status).toBe('healthy')

    // each sees the other's writes
    expect(await prisma.item.count()).toBe(40)
    expect((await orm.select({ n: count() }).from(items))[0]!.n).toBe(40)
  })
})
