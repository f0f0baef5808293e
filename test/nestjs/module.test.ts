/**
 * @pools/nestjs in a real Nest application over HTTP, on real PostgreSQL (and MariaDB, Redis): forRoot
 * and forRootAsync (useFactory, useClass, useExisting), named pools, every pool source (URL, options
 * with a preset, config file, existing pool), Drizzle and Knex providers, and shutdown that ends only
 * what the module created.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Controller, Get, Inject, Injectable, Module } from '@nestjs/common'
import { engineOf, isPoolError } from '@pools/core'
import type { PromisePool } from '@pools/core/mysql2/promise'
import { Pool as PgPool } from '@pools/core/pg'
import type { RedisPool } from '@pools/ioredis'
import {
  getPoolToken,
  InjectDrizzle,
  InjectKnex,
  InjectPool,
  POOLS_REGISTRY,
  PoolsModule,
  type PoolsModuleOptions,
  type PoolsOptionsFactory,
  type PoolsRegistry,
} from '@pools/nestjs'
import { sql } from 'drizzle-orm'
import type { NodePgDatabase } from 'drizzle-orm/node-postgres'
import type { Knex } from 'knex'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  countPgConnections,
  describeWithPostgres,
  describeWithServices,
  type TestDatabase,
  useMysql,
  usePostgres,
  useRedis,
  waitForMysqlConnections,
  waitForPgConnections,
} from '../harness/index.js'
import { type RunningApp, startApp } from './support.js'

@Controller()
class PoolsController {
  constructor(
    @InjectPool('primary') private readonly primary: PgPool,
    @InjectPool('replica') private readonly replica: PgPool,
  ) {}

  @Get('primary')
  async onPrimary() {
    const { rows } = await this.primary.query('SELECT current_database() AS db, 1 + 1 AS two')
    return { ...rows[0], isPgPool: this.primary instanceof PgPool }
  }

  @Get('replica')
  async onReplica() {
    const { rows } = await this.replica.query("SELECT current_setting('application_name') AS app")
    return rows[0]
  }
}

function twoPools(db: TestDatabase): PoolsModuleOptions {
  return {
    pools: {
      primary: `${db.url}${db.url.includes('?') ? '&' : '?'}pool.max=3`,
      replica: { connection: { ...db.config, application_name: 'replica-app' }, pools: 'web' },
    },
  }
}

describeWithPostgres('PoolsModule on PostgreSQL', () => {
  let db: TestDatabase
  const apps: RunningApp[] = []
  const start = async (module: unknown) => {
    const running = await startApp(module)
    apps.push(running)
    return running
  }

  beforeAll(async () => {
    db = await usePostgres()
  })
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()))
    await waitForPgConnections(db.name, 0)
  })

  it('forRoot: two named pools, each serving a request, sized from its URL or preset', async () => {
    @Module({ imports: [PoolsModule.forRoot(twoPools(db))], controllers: [PoolsController] })
    class AppModule {}
    const running = await start(AppModule)
    expect(await running.get('/primary')).toEqual({ status: 200, body: { db: db.name, two: 2, isPgPool: true } })
    expect(await running.get('/replica')).toEqual({ status: 200, body: { app: 'replica-app' } })
    const primary = running.app.get<PgPool>(getPoolToken('primary'))
    const replica = running.app.get<PgPool>(getPoolToken('replica'))
    expect(engineOf(primary).max).toBe(3)
    expect(engineOf(primary).name).toBe('primary')
    expect(engineOf(replica).name).toBe('replica')
    expect(engineOf(replica)).not.toBe(engineOf(primary))
    expect(await countPgConnections(db.name)).toBeGreaterThanOrEqual(2)
    await running.close()
    expect(engineOf(primary).state).toBe('closed')
    expect(engineOf(replica).state).toBe('closed')
    await waitForPgConnections(db.name, 0)
  })

  it('forRoot({ pool }) and @InjectPool() with no name; isGlobal makes it injectable in another module', async () => {
    @Injectable()
    class Repo {
      constructor(@InjectPool() readonly pool: PgPool) {}
    }
    @Controller()
    class RepoController {
      constructor(@Inject(Repo) private readonly repo: Repo) {}
      @Get('one')
      async one() {
        return (await this.repo.pool.query('SELECT 1 AS one')).rows[0]
      }
    }
    @Module({ providers: [Repo], controllers: [RepoController] })
    class FeatureModule {}
    @Module({ imports: [PoolsModule.forRoot({ pool: db.url, isGlobal: true }), FeatureModule] })
    class AppModule {}
    const running = await start(AppModule)
    expect(await running.get('/one')).toEqual({ status: 200, body: { one: 1 } })
    await running.close()
  })

  it('forRootAsync with useFactory, inject and imports', async () => {
    @Injectable()
    class Settings {
      readonly url = db.url
    }
    @Module({ providers: [Settings], exports: [Settings] })
    class SettingsModule {}
    @Module({
      imports: [
        PoolsModule.forRootAsync({
          imports: [SettingsModule],
          inject: [Settings],
          provide: ['primary', 'replica'],
          useFactory: async (settings: Settings) => ({
            pools: { primary: settings.url, replica: { url: settings.url, pools: { max: 2 } } },
          }),
        }),
      ],
      controllers: [PoolsController],
    })
    class AppModule {}
    const running = await start(AppModule)
    expect((await running.get('/primary')).body).toMatchObject({ db: db.name, two: 2 })
    expect((await running.get('/replica')).status).toBe(200)
    expect(engineOf(running.app.get(getPoolToken('replica'))).max).toBe(2)
    await running.close()
  })

  it('forRootAsync with useClass (createPoolsOptions) and with useExisting', async () => {
    @Injectable()
    class PoolsConfig implements PoolsOptionsFactory {
      createPoolsOptions(): PoolsModuleOptions {
        return twoPools(db)
      }
    }
    @Module({
      imports: [PoolsModule.forRootAsync({ useClass: PoolsConfig, provide: ['primary', 'replica'] })],
      controllers: [PoolsController],
    })
    class ClassModule {}
    const a = await start(ClassModule)
    expect((await a.get('/replica')).body).toEqual({ app: 'replica-app' })
    await a.close()

    @Module({ providers: [PoolsConfig], exports: [PoolsConfig] })
    class ConfigModule {}
    @Module({
      imports: [
        PoolsModule.forRootAsync({
          imports: [ConfigModule],
          useExisting: PoolsConfig,
          provide: ['primary', 'replica'],
        }),
      ],
      controllers: [PoolsController],
    })
    class ExistingModule {}
    const b = await start(ExistingModule)
    expect((await b.get('/primary')).body).toMatchObject({ db: db.name })
    await b.close()
    await waitForPgConnections(db.name, 0)
  })

  it('a named pool from a pools.config.json file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pools-nest-config-'))
    try {
      await writeFile(
        path.join(dir, 'pools.config.json'),
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's own ${VAR} interpolation
        JSON.stringify({ pools: { main: { extends: 'web', max: 4, connection: '${TEST_DB_URL}' } } }),
      )
      @Module({
        imports: [
          PoolsModule.forRoot({
            pools: { primary: { configFile: { pool: 'main', cwd: dir, env: { TEST_DB_URL: db.url } } } },
          }),
        ],
        controllers: [PoolsController],
        providers: [{ provide: getPoolToken('replica'), useValue: null }],
      })
      class AppModule {}
      const running = await start(AppModule)
      expect((await running.get('/primary')).body).toMatchObject({ db: db.name, two: 2 })
      const engine = engineOf(running.app.get(getPoolToken('primary')))
      expect(engine.max).toBe(4)
      expect(engine.name).toBe('main')
      await running.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('an existing pool is injected and reported but never closed by the module', async () => {
    const mine = new PgPool({ connectionString: db.url, max: 2 })
    try {
      @Module({ imports: [PoolsModule.forRoot({ pools: { primary: { existing: mine }, replica: db.url } })] })
      class AppModule {}
      const running = await start(AppModule)
      expect(running.app.get(getPoolToken('primary'))).toBe(mine)
      const registry = running.app.get<PoolsRegistry>(POOLS_REGISTRY)
      const report = await registry.report()
      expect(report.primary).toMatchObject({ status: 'up', driver: 'existing', max: 2 })
      expect(report.replica).toMatchObject({ status: 'up', driver: 'pg' })
      await running.close()
      expect(engineOf(mine).state).toBe('running')
      expect(engineOf(running.app.get(getPoolToken('replica')) as object).state).toBe('closed')
      expect((await mine.query('SELECT 2 AS two')).rows[0]).toEqual({ two: 2 })
    } finally {
      await mine.end()
    }
  })

  it('Drizzle and Knex providers serve requests; they close before their pool', async () => {
    @Controller()
    class OrmController {
      constructor(
        @InjectDrizzle('primary') private readonly drizzleDb: NodePgDatabase,
        @InjectKnex('replica') private readonly knex: Knex,
      ) {}
      @Get('drizzle')
      async viaDrizzle() {
        const result = await this.drizzleDb.execute(sql`SELECT 40 + 2 AS answer`)
        return result.rows[0]
      }
      @Get('knex')
      async viaKnex() {
        const rows = await this.knex.select(this.knex.raw('current_database() AS db'))
        return rows[0]
      }
    }
    @Module({
      imports: [
        PoolsModule.forRoot({
          pools: { primary: { url: db.url, drizzle: true }, replica: { url: db.url, knex: true } },
        }),
      ],
      controllers: [OrmController],
    })
    class AppModule {}
    const running = await start(AppModule)
    expect(await running.get('/drizzle')).toEqual({ status: 200, body: { answer: 42 } })
    expect(await running.get('/knex')).toEqual({ status: 200, body: { db: db.name } })
    await running.close()
    expect(engineOf(running.app.get(getPoolToken('replica'))).state).toBe('closed')
    await waitForPgConnections(db.name, 0)
  })

  it('async factories: Drizzle through forRootAsync provide', async () => {
    @Controller()
    class DrizzleController {
      constructor(@InjectDrizzle() private readonly drizzleDb: NodePgDatabase) {}
      @Get('d')
      async d() {
        return (await this.drizzleDb.execute(sql`SELECT 7 AS seven`)).rows[0]
      }
    }
    @Module({
      imports: [
        PoolsModule.forRootAsync({
          provide: { default: ['drizzle'] },
          useFactory: () => ({ pool: { url: db.url, drizzle: true } }),
        }),
      ],
      controllers: [DrizzleController],
    })
    class AppModule {}
    const running = await start(AppModule)
    expect((await running.get('/d')).body).toEqual({ seven: 7 })
    await running.close()
  })

  it('readyOnStart opens min connections before the app serves', async () => {
    @Module({
      imports: [PoolsModule.forRoot({ pool: { url: db.url, pools: { min: 2, max: 4 } }, readyOnStart: true })],
    })
    class AppModule {}
    const running = await start(AppModule)
    const engine = engineOf(running.app.get(getPoolToken()))
    expect(engine.total).toBeGreaterThanOrEqual(2)
    expect(engine.stats().counters.acquired).toBe(0)
    await running.close()
    await waitForPgConnections(db.name, 0)
  })

  it('bad input: a PoolError at bootstrap, never a password in it, nothing left open', async () => {
    const secretUrl = db.url.replace('postgres://postgres@', 'postgres://postgres:hunter2-secret@')
    @Module({ imports: [PoolsModule.forRoot({ pools: { primary: { url: secretUrl, pools: { max: -1 } } } })] })
    class BadOptions {}
    const error = await startApp(BadOptions).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isPoolError(error)).toBe(true)
    expect((error as { code: string }).code).toBe('POOL_CONFIG_INVALID')
    expect(JSON.stringify(error)).not.toContain('hunter2')
    expect(String((error as Error).message)).not.toContain('hunter2')

    @Module({
      imports: [PoolsModule.forRootAsync({ provide: ['primary'], useFactory: () => ({ pools: { other: db.url } }) })],
    })
    class MissingName {}
    const missing = await startApp(MissingName).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect((missing as Error).message).toMatch(/no pool named "primary"/)

    expect(() => PoolsModule.forRoot({})).toThrow(/no pool given/)
    expect(() => PoolsModule.forRoot({ pools: { a: { url: 'not a url :// hunter2' } } })).not.toThrow()
    await waitForPgConnections(db.name, 0)
  })
})

describeWithServices(['mysql', 'redis'], 'PoolsModule with mysql2 and ioredis pools', () => {
  it('a mysql2 pool and an ioredis pool serve requests, and close with the app', async () => {
    const mysql = await useMysql()
    const redis = await useRedis()
    @Controller()
    class MixedController {
      constructor(
        @InjectPool('orders') private readonly orders: PromisePool,
        @InjectPool('cache') private readonly cache: RedisPool,
      ) {}
      @Get('mysql')
      async viaMysql() {
        const [rows] = await this.orders.query('SELECT DATABASE() AS db')
        return (rows as unknown[])[0]
      }
      @Get('redis')
      async viaRedis() {
        const key = redis.key('nest')
        return this.cache.use(async (client) => {
          await client.set(key, 'ok')
          return { value: await client.get(key) }
        })
      }
    }
    @Module({
      imports: [
        PoolsModule.forRoot({
          pools: { orders: mysql.url, cache: { driver: 'ioredis', url: redis.url, pools: { max: 2 } } },
        }),
      ],
      controllers: [MixedController],
    })
    class AppModule {}
    const running = await startApp(AppModule)
    try {
      expect(await running.get('/mysql')).toEqual({ status: 200, body: { db: mysql.name } })
      expect(await running.get('/redis')).toEqual({ status: 200, body: { value: 'ok' } })
    } finally {
      await running.close()
    }
    expect(engineOf(running.app.get(getPoolToken('cache'))).state).toBe('closed')
    await waitForMysqlConnections(mysql.name, 0)
  })
})
