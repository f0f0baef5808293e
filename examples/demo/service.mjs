// The demo's service: NestJS with @pools/nestjs, Prisma and Knex sharing one @pools engine configured by
// ./pools.config.ts (profile from POOLS_ENV), a Terminus health probe and a Prometheus /metrics endpoint.
// `npm run demo` (examples/demo/run.mjs) starts it, after generating the Prisma client of ./schema.prisma
// into its temp dir (the first argument; NODE_PATH lets that client find @prisma/client's runtime).
// By hand, after `npm run build`:
//
//   export PRISMA_CLIENT_OUTPUT=/tmp/demo-client CHECKPOINT_DISABLE=1 PRISMA_SCHEMA_ENGINE_BINARY=$(command -v node)
//   npx prisma generate --schema examples/demo/schema.prisma
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test POOLS_ENV=demo NODE_PATH=$PWD/node_modules \
//     node examples/demo/service.mjs $PRISMA_CLIENT_OUTPUT
//
// REDIS_URL (optional) adds a `cache` pool (ioredis on the same engine type) that counts the orders.
// Plain JavaScript: Nest's decorators are applied with Reflect.decorate, so nothing needs compiling.
import 'reflect-metadata'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Body, Controller, Get, HttpCode, Inject, Module, Post } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus'
import { engineOf } from '@pools/core'
import { metricsHandler, registerPrometheusMetrics } from '@pools/core/prometheus'
import { getPoolToken, InjectKnex, InjectPool, InjectPrisma, PoolsModule } from '@pools/nestjs'
import { PoolsHealthIndicator } from '@pools/nestjs/health'
import pg from 'pg'

const here = path.dirname(fileURLToPath(import.meta.url))
const TABLE = 'pools_demo_orders'
// argv[2]: the folder of the generated Prisma client
const { PrismaClient } = createRequire(import.meta.url)(path.resolve(process.argv[2] ?? 'missing-client', 'index.js'))
const redisUrl = process.env.REDIS_URL
const cacheKey = `pools-demo:orders:${process.pid}`
const NO_CACHE = 'no-cache' // what OrdersController gets for `cache` without Redis

/** Applies TypeScript-style decorators in plain JavaScript. */
const decorateMethod = (target, name, ...decorators) =>
  Reflect.decorate(decorators, target.prototype, name, Object.getOwnPropertyDescriptor(target.prototype, name))
const decorateParam = (target, name, index, decorator) =>
  decorator(name === undefined ? target : target.prototype, name, index)

let leaked // the connection POST /leak takes and never gives back (until POST /leak/release)

class OrdersController {
  constructor(prisma, knex, pool, cache) {
    this.prisma = prisma
    this.knex = knex
    this.pool = pool
    this.cache = cache
  }

  /** One order: Prisma writes it, Knex counts them; both borrow from the same engine. */
  async create(body) {
    const row = await this.prisma.order.create({
      data: { item: body?.item ?? 'tea', qty: body?.qty ?? 1 },
      select: { id: true },
    })
    const [{ count }] = await this.knex(TABLE).count({ count: '*' })
    await this.knex.raw('SELECT pg_sleep(0.002)') // a little server-side work, as a real handler has
    if (this.cache) await this.cache.use((redis) => redis.incr(cacheKey))
    return { id: row.id, orders: Number(count) }
  }

  /** The same work, without a pool: a new connection per request (what "no pool" costs). */
  async createDirect(body) {
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL, application_name: 'pools-demo-direct' })
    await client.connect()
    try {
      const { rows } = await client.query(`INSERT INTO ${TABLE} (item, qty) VALUES ($1, $2) RETURNING id`, [
        body?.item ?? 'tea',
        body?.qty ?? 1,
      ])
      const counted = await client.query(`SELECT count(*) AS count FROM ${TABLE}`)
      await client.query('SELECT pg_sleep(0.002)')
      if (this.cache) await this.cache.use((redis) => redis.incr(cacheKey))
      return { id: rows[0].id, orders: Number(counted.rows[0].count) }
    } finally {
      await client.end()
    }
  }

  /** A bug on purpose: takes a connection and forgets to release it. */
  async leak() {
    leaked = await this.pool.connect() // <- the leak report points here
    return { leaked: true }
  }

  async release() {
    leaked?.release()
    leaked = undefined
    return { released: true }
  }
}
Controller()(OrdersController)
decorateParam(OrdersController, undefined, 0, InjectPrisma('app'))
decorateParam(OrdersController, undefined, 1, InjectKnex('app'))
decorateParam(OrdersController, undefined, 2, InjectPool('app'))
decorateParam(OrdersController, undefined, 3, redisUrl ? InjectPool('cache') : Inject(NO_CACHE))
decorateMethod(OrdersController, 'create', Post('orders'))
decorateParam(OrdersController, 'create', 0, Body())
decorateMethod(OrdersController, 'createDirect', Post('orders-direct'))
decorateParam(OrdersController, 'createDirect', 0, Body())
decorateMethod(OrdersController, 'leak', Post('leak'), HttpCode(200))
decorateMethod(OrdersController, 'release', Post('leak/release'), HttpCode(200))

/** Readiness: every pool's health (`degraded` while a connection is held past the leak threshold). */
class HealthController {
  constructor(health, pools) {
    this.health = health
    this.pools = pools
  }
  ready() {
    return this.health.check([() => this.pools.isHealthy('database')])
  }
}
Controller('health')(HealthController)
decorateParam(HealthController, undefined, 0, Inject(HealthCheckService))
decorateParam(HealthController, undefined, 1, Inject(PoolsHealthIndicator))
decorateMethod(HealthController, 'ready', Get('ready'), HealthCheck())

class AppModule {}
Module({
  imports: [
    TerminusModule,
    PoolsModule.forRoot({
      isGlobal: true,
      pools: {
        app: {
          configFile: { pool: 'app', file: path.join(here, 'pools.config.ts') },
          prisma: { client: PrismaClient },
          knex: true,
        },
        ...(redisUrl ? { cache: { url: redisUrl, pools: { max: 3 } } } : {}),
      },
      shutdown: { graceMs: 5_000 },
    }),
  ],
  controllers: [OrdersController, HealthController],
  providers: [PoolsHealthIndicator, { provide: NO_CACHE, useValue: null }],
})(AppModule)

const prometheus = registerPrometheusMetrics() // prom-client's global registry; finds every pool by itself
const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] })
app.getHttpAdapter().get('/metrics', metricsHandler())
const pool = app.get(getPoolToken('app'))
try {
  await pool.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (id serial PRIMARY KEY, item text NOT NULL, qty int NOT NULL)`)
  await app.listen(0, '127.0.0.1') // a free loopback port, printed below
} catch (error) {
  console.error(`service: could not start: ${error.message}`) // PoolError messages carry no password
  await app.close().catch(() => {})
  process.exit(1)
}
const { port } = app.getHttpServer().address()
const { max } = engineOf(pool).stats()
console.log(`listening on http://127.0.0.1:${port} (pool "app": max ${max}${redisUrl ? ', pool "cache": Redis' : ''})`)

// Graceful shutdown: Nest stops taking requests, closes Prisma and Knex, then the pools (within graceMs).
process.once('SIGTERM', async () => {
  if (redisUrl) {
    await app
      .get(getPoolToken('cache'))
      .use((redis) => redis.del(cacheKey))
      .catch((error) => console.error(`service: could not remove ${cacheKey}: ${error.message}`))
  }
  try {
    await app.close()
    prometheus.stop()
    console.log('service: closed')
  } catch (error) {
    console.error('service: shutdown failed:', error)
    process.exitCode = 1
    setTimeout(() => process.exit(), 1_000).unref()
  }
})
