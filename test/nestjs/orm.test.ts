/**
 * Prisma and TypeORM providers of @pools/nestjs in a real Nest app over HTTP on PostgreSQL: each
 * serves a request on the module's pool (one engine shared with `@InjectPool`), and on close the ORM
 * client goes first, then the pool, leaving no connection on the server.
 */
import { Controller, Get, Module } from '@nestjs/common'
import { engineOf } from '@pools/core'
import { Pool as PgPool } from '@pools/core/pg'
import { getPoolToken, InjectDataSource, InjectPool, InjectPrisma, PoolsModule } from '@pools/nestjs'
import { type DataSource, EntitySchema } from 'typeorm'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeWithPostgres, type TestDatabase, usePostgres, waitForPgConnections } from '../harness/index.js'
import { type Client, type ClientClass, generatePrismaClient, ITEMS_DDL } from '../prisma/support.js'
import { startApp } from './support.js'

interface Item {
  id: number
  label: string
  qty: number
}
const ItemEntity = new EntitySchema<Item>({
  name: 'Item',
  tableName: 'items',
  columns: { id: { type: Number, primary: true, generated: true }, label: { type: String }, qty: { type: Number } },
})

@Controller()
class OrmController {
  constructor(
    @InjectPrisma('primary') private readonly prisma: Client,
    @InjectDataSource('primary') private readonly dataSource: DataSource,
    @InjectPool('primary') private readonly pool: PgPool,
  ) {}

  @Get('prisma')
  async viaPrisma() {
    const created = await this.prisma.item.create({ data: { label: 'from-prisma', qty: 2 } })
    return { created: created.label, count: await this.prisma.item.count() }
  }

  @Get('typeorm')
  async viaTypeorm() {
    const repo = this.dataSource.getRepository(ItemEntity)
    await repo.save({ label: 'from-typeorm', qty: 3 })
    const rows = await repo.find({ order: { id: 'ASC' } })
    return { labels: rows.map((r) => r.label) }
  }

  @Get('pool')
  async viaPool() {
    const { rows } = await this.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM items')
    return rows[0]
  }
}

describeWithPostgres('Prisma and TypeORM providers', () => {
  let db: TestDatabase
  let PrismaClient: ClientClass

  beforeAll(async () => {
    db = await usePostgres()
    PrismaClient = generatePrismaClient('nestjs-test')
    const setup = new PgPool({ connectionString: db.url, max: 1 })
    await setup.query(ITEMS_DDL)
    await setup.end()
  }, 120_000)
  afterAll(async () => {
    await waitForPgConnections(db.name, 0)
  })

  it('both serve requests on the one pool; they close before it, nothing left open', async () => {
    @Module({
      imports: [
        PoolsModule.forRoot({
          pools: {
            primary: {
              url: db.url,
              pools: { max: 4 },
              prisma: { client: PrismaClient },
              typeorm: { entities: [ItemEntity] },
            },
          },
        }),
      ],
      controllers: [OrmController],
    })
    class AppModule {}
    const running = await startApp(AppModule)
    try {
      expect(await running.get('/prisma')).toEqual({ status: 200, body: { created: 'from-prisma', count: 1 } })
      expect(await running.get('/typeorm')).toEqual({
        status: 200,
        body: { labels: ['from-prisma', 'from-typeorm'] },
      })
      expect(await running.get('/pool')).toEqual({ status: 200, body: { n: 2 } })
      const engine = engineOf(running.app.get(getPoolToken('primary')))
      expect(engine.max).toBe(4)
      expect(engine.stats().counters.acquired).toBeGreaterThanOrEqual(3)
    } finally {
      await running.close()
    }
    expect(engineOf(running.app.get(getPoolToken('primary'))).state).toBe('closed')
    await waitForPgConnections(db.name, 0, { timeoutMs: 2_000 })
  })

  it('prisma without a client class, or on a non-pg pool, is a PoolError at bootstrap', async () => {
    @Module({ imports: [PoolsModule.forRoot({ pools: { primary: { url: db.url, prisma: {} as never } } })] })
    class NoClass {}
    const error = await startApp(NoClass).then(
      () => undefined,
      (e: unknown) => e as { code?: string; message?: string },
    )
    expect(error?.code).toBe('POOL_CONFIG_INVALID')
    expect(error?.message).toMatch(/prisma.client must be your generated PrismaClient class/)
    await waitForPgConnections(db.name, 0)
  })
})
