/**
 * Pools created inside each framework package (Prisma, Drizzle, Knex, TypeORM, ioredis), with no
 * reference handed to the exporters, show up in both: the prom-client scrape (@pools/core/prometheus)
 * and the OpenTelemetry path (@pools/core/otel on an sdk-metrics MeterProvider), under the pool name
 * the package gives them: the one set by the app, or the package's default.
 */
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics'
import { type OtelMetrics, registerOtelMetrics } from '@pools/core/otel'
import { type PrometheusMetrics, registerPrometheusMetrics } from '@pools/core/prometheus'
import { drizzle as drizzleMysql } from '@pools/drizzle/mysql2'
import { drizzle as drizzlePg } from '@pools/drizzle/node-postgres'
import { createRedisPool } from '@pools/ioredis'
import { withPools as knexWithPools } from '@pools/knex'
import { prismaAdapter } from '@pools/prisma'
import { prismaAdapter as prismaMariadbAdapter } from '@pools/prisma/mariadb'
import { withPools as typeormWithPools } from '@pools/typeorm'
import { sql } from 'drizzle-orm'
import knex from 'knex'
import promClient from 'prom-client'
import { DataSource } from 'typeorm'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { parseExposition } from '../../packages/core/src/metrics/__fixtures__/exposition.js'
import {
  describeWithMysql,
  type MysqlDatabase,
  type PostgresDatabase,
  type RedisNamespace,
  useMysql,
  usePostgres,
  useRedis,
} from '../harness/index.js'
import { uniqueName } from '../pg/helpers.js'

class Reader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const POOL = 'db_client_connection_pool_name'
const QUERIES = 3

describeWithMysql('pools made inside framework packages show up in both exporters', () => {
  let pgDb: PostgresDatabase
  let mysqlDb: MysqlDatabase
  let redis: RedisNamespace
  let prometheus: PrometheusMetrics
  let otel: OtelMetrics
  const register = new promClient.Registry()
  const reader = new Reader()
  const provider = new MeterProvider({ readers: [reader] })

  beforeAll(async () => {
    pgDb = await usePostgres()
    mysqlDb = await useMysql()
    redis = await useRedis()
    prometheus = registerPrometheusMetrics({ register })
    otel = registerOtelMetrics({ meterProvider: provider })
  })

  afterAll(async () => {
    otel?.stop()
    prometheus?.stop()
    await provider.shutdown()
  })

  /** Acquires counted so far for `name`, on both paths (they must agree), and the limit gauge. */
  async function read(name: string): Promise<{ acquires: number | undefined; limit: number | undefined }> {
    const scrape = parseExposition(await register.metrics())
    const labels = { [POOL]: name }
    const acquires = scrape.value('pools_connection_acquires_total', labels)
    const limit = scrape.value('db_client_connection_limit', labels)
    const { resourceMetrics } = await reader.collect()
    const metrics = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics)
    const of = (metric: string) =>
      metrics
        .find((m) => m.descriptor.name === metric)
        ?.dataPoints.find((p) => p.attributes['db.client.connection.pool.name'] === name)?.value
    expect(of('pools.connection.acquires'), `OpenTelemetry acquires of ${name}`).toBe(acquires)
    expect(of('db.client.connection.limit'), `OpenTelemetry limit of ${name}`).toBe(limit)
    return { acquires, limit }
  }

  /** Run `once` (one query) after `warm` (whatever the framework does first), QUERIES times; the acquire counter of `name` moves by exactly that. */
  async function check(name: string, limit: number, once: () => Promise<unknown>): Promise<void> {
    await once() // the framework's own first steps (connect, version checks) happen here
    const before = await read(name)
    expect(before.limit, `${name} in the scrape`).toBe(limit)
    for (let i = 0; i < QUERIES; i++) await once()
    const after = await read(name)
    expect((after.acquires ?? 0) - (before.acquires ?? 0)).toBe(QUERIES)
  }

  it('@pools/prisma (pg and mariadb): pools.name', async () => {
    const pgName = uniqueName('prisma-pg')
    const pgFactory = prismaAdapter({ connectionString: pgDb.url, max: 3, pools: { name: pgName } })
    const pgAdapter = await pgFactory.connect()
    const mariaName = uniqueName('prisma-maria')
    const mariaFactory = prismaMariadbAdapter({ ...mysqlDb.config, connectionLimit: 4, pools: { name: mariaName } })
    const mariaAdapter = await mariaFactory.connect()
    try {
      await check(pgName, 3, () => pgAdapter.queryRaw({ sql: 'SELECT 1', args: [], argTypes: [] }))
      await check(mariaName, 4, () => mariaAdapter.queryRaw({ sql: 'SELECT 1', args: [], argTypes: [] }))
    } finally {
      await pgAdapter.dispose()
      await mariaAdapter.dispose()
    }
  })

  it('@pools/drizzle (node-postgres and mysql2): pools.name', async () => {
    const pgName = uniqueName('drizzle-pg')
    const pg = drizzlePg({ connection: { connectionString: pgDb.url, max: 3, pools: { name: pgName } } })
    const myName = uniqueName('drizzle-my')
    const my = drizzleMysql({ connection: { ...mysqlDb.config, connectionLimit: 4, pools: { name: myName } } })
    try {
      await check(pgName, 3, () => pg.execute(sql`SELECT 1`))
      await check(myName, 4, () => my.execute(sql`SELECT 1`))
    } finally {
      await pg.$client.end()
      await my.$client.end()
    }
  })

  it('@pools/knex (pg and mysql2): pools.name', async () => {
    const pgName = uniqueName('knex-pg')
    const pg = knex(
      knexWithPools({ client: 'pg', connection: pgDb.url, pool: { min: 0, max: 3 }, pools: { name: pgName } }),
    )
    const myName = uniqueName('knex-my')
    const my = knex(
      knexWithPools({
        client: 'mysql2',
        connection: mysqlDb.config,
        pool: { min: 0, max: 4 },
        pools: { name: myName },
      }),
    )
    try {
      await check(pgName, 3, () => pg.raw('SELECT 1'))
      await check(myName, 4, () => my.raw('SELECT 1'))
    } finally {
      await pg.destroy()
      await my.destroy()
    }
  })

  it('@pools/typeorm (postgres and mysql): the data source name', async () => {
    const pgName = uniqueName('typeorm-pg')
    const pg = new DataSource(typeormWithPools({ type: 'postgres', name: pgName, url: pgDb.url, poolSize: 3 }))
    const myName = uniqueName('typeorm-my')
    const my = new DataSource(
      typeormWithPools({
        type: 'mysql',
        name: myName,
        host: mysqlDb.config.host,
        port: mysqlDb.config.port,
        username: mysqlDb.config.user,
        password: mysqlDb.config.password,
        database: mysqlDb.config.database,
        poolSize: 4,
      }),
    )
    await pg.initialize()
    await my.initialize()
    try {
      await check(pgName, 3, () => pg.query('SELECT 1'))
      await check(myName, 4, () => my.query('SELECT 1'))
    } finally {
      await pg.destroy()
      await my.destroy()
    }
  })

  it('@pools/ioredis: pools.name', async () => {
    const name = uniqueName('redis')
    const pool = createRedisPool({ url: redis.url, pools: { name, max: 3 } })
    try {
      await check(name, 3, () => pool.use((client) => client.ping()))
    } finally {
      await pool.close()
    }
  })

  it('the default names: pg, mysql2/mariadb user@host:port/database, knex, the data source name, redis', async () => {
    const { host, port, user, database } = mysqlDb.config
    const myDefault = `${user}@${host}:${port}/${database}`
    const prisma = prismaAdapter(pgDb.url)
    const prismaDriver = await prisma.connect()
    const maria = prismaMariadbAdapter({ ...mysqlDb.config })
    const mariaDriver = await maria.connect()
    const drizzle = drizzleMysql({ connection: { ...mysqlDb.config } })
    const knexDb = knex(knexWithPools({ client: 'pg', connection: pgDb.url }))
    const source = new DataSource(typeormWithPools({ type: 'postgres', url: pgDb.url }))
    await source.initialize()
    const redisPool = createRedisPool({ url: redis.url })
    try {
      await prismaDriver.queryRaw({ sql: 'SELECT 1', args: [], argTypes: [] })
      await mariaDriver.queryRaw({ sql: 'SELECT 1', args: [], argTypes: [] })
      await drizzle.execute(sql`SELECT 1`)
      await knexDb.raw('SELECT 1')
      await source.query('SELECT 1')
      await redisPool.use((client) => client.ping())
      for (const name of ['pg', `mariadb ${myDefault}`, `mysql2 ${myDefault}`, 'knex', 'redis']) {
        const { acquires } = await read(name)
        expect(acquires, `acquires of the pool named ${JSON.stringify(name)}`).toBeGreaterThanOrEqual(1)
      }
    } finally {
      await prismaDriver.dispose()
      await mariaDriver.dispose()
      await drizzle.$client.end()
      await knexDb.destroy()
      await source.destroy()
      await redisPool.close()
    }
  })

  it('names given in the URL (pool.name) or by TypeORM applicationName', async () => {
    const prismaName = uniqueName('prisma-url')
    const prisma = prismaAdapter(`${pgDb.url}?pool.name=${prismaName}`)
    const prismaDriver = await prisma.connect()
    const mariaName = uniqueName('maria-url')
    const { host, port, user, database } = mysqlDb.config
    const mariaUrl = `mariadb://${user}@${host}:${port}/${database}?pool.name=${mariaName}`
    const maria = prismaMariadbAdapter(mariaUrl)
    const mariaDriver = await maria.connect()
    const typeormName = uniqueName('typeorm-app')
    const source = new DataSource(typeormWithPools({ type: 'postgres', url: pgDb.url, applicationName: typeormName }))
    await source.initialize()
    const redisName = uniqueName('redis-url')
    const redisPool = createRedisPool({ url: `${redis.url}?pool.name=${redisName}` })
    try {
      await check(prismaName, 10, () => prismaDriver.queryRaw({ sql: 'SELECT 1', args: [], argTypes: [] }))
      await check(mariaName, 10, () => mariaDriver.queryRaw({ sql: 'SELECT 1', args: [], argTypes: [] }))
      await check(typeormName, 10, () => source.query('SELECT 1'))
      await check(redisName, 10, () => redisPool.use((client) => client.ping()))
    } finally {
      await prismaDriver.dispose()
      await mariaDriver.dispose()
      await source.destroy()
      await redisPool.close()
    }
  })
})
