import type { ConfigurableModuleOptionsFactory } from '@nestjs/common'
import type { PoolConfigInput, PresetName } from '@pools/core'
import type { ClientKind } from './pools.constants.js'

/** The drivers the module can build a pool for. */
export type PoolsDriverName = 'pg' | 'mysql2' | 'ioredis'

/**
 * Where a pool comes from: a named pool of a `pools.config.*` file (see `@pools/core/config-file`).
 *
 * @example
 * ```ts
 * { configFile: { pool: 'primary', profile: 'production' } }
 * ```
 */
export interface PoolsConfigFileSource {
  /** The pool's key in the file (default: the pool's name in the module). */
  pool?: string
  /** Read this file instead of searching from `cwd`. */
  file?: string
  /** Where to search for the file (default `process.cwd()`). */
  cwd?: string
  /** The profile (default `POOLS_ENV`, then `NODE_ENV`). */
  profile?: string
  /** Variables for `${NAME}` (default `process.env`). */
  env?: Record<string, string | undefined>
}

/**
 * One pool of the module. Give a URL, driver settings, a config-file pool, or a pool you built
 * yourself (`existing`, which the module uses and never closes).
 *
 * @example
 * ```ts
 * const primary: PoolDefinition = { url: process.env.DATABASE_URL, pools: 'web', drizzle: { schema } }
 * const replica: PoolDefinition = { driver: 'pg', connection: { host: 'replica', database: 'app' }, pools: { max: 5 } }
 * const fromFile: PoolDefinition = { configFile: 'primary' }
 * ```
 */
export interface PoolDefinition {
  /** `pg`, `mysql2` or `ioredis`; default from the URL's scheme (`postgres:`, `mysql:`, `redis:`...), else `pg`. */
  driver?: PoolsDriverName
  /** A connection URL; pool parameters in it (`pool.max`, `connection_limit`...) configure the engine and are removed. */
  url?: string
  /** Driver settings: pg's `ClientConfig`, mysql2's `ConnectionOptions` or ioredis's `RedisOptions`. They win over the URL. */
  connection?: Record<string, unknown>
  /** Engine options (the shared @pools configuration) or a preset name (`'web'`, `'api'`, `'serverless'`...). */
  pools?: PoolConfigInput | PresetName
  /** A pool of a `pools.config.*` file: its key (a string) or where to find it. */
  configFile?: string | PoolsConfigFileSource
  /** A pool you built (any @pools facade or engine): injected as is, reported by health, never closed by the module. */
  existing?: object
  /** Provide a Drizzle database on this pool (`@InjectDrizzle(name)`): `true` or Drizzle's config (`schema`, `logger`...). */
  drizzle?: boolean | Record<string, unknown>
  /** Provide a Knex instance on this pool (`@InjectKnex(name)`): `true` or Knex's config (without `client`/`connection`). */
  knex?: boolean | Record<string, unknown>
  /**
   * Provide a Prisma client on this pg pool (`@InjectPrisma(name)`): your generated `PrismaClient` class,
   * built as `new client({ ...options, adapter })` with `@pools/prisma`'s adapter on this pool.
   */
  prisma?: { client: new (options: { adapter: unknown }) => unknown; options?: Record<string, unknown> }
  /**
   * Provide an initialized TypeORM `DataSource` on this pool (`@InjectDataSource(name)`): TypeORM's options
   * (`entities`, `synchronize`...; `type` defaults from the driver: `postgres` or `mysql`), run through
   * `@pools/typeorm`'s `withPools({ engine })`.
   */
  typeorm?: boolean | Record<string, unknown>
}

/** A pool: its definition, or a connection URL alone. */
export type PoolSource = string | PoolDefinition

/**
 * The options of `PoolsModule.forRoot()` and what `forRootAsync()`'s factory returns.
 *
 * @example
 * ```ts
 * PoolsModule.forRoot({
 *   pools: { primary: process.env.DATABASE_URL!, replica: { url: process.env.REPLICA_URL, pools: { max: 5 } } },
 *   shutdown: { graceMs: 15_000 },
 * })
 * ```
 */
export interface PoolsModuleOptions {
  /** The pools by name; a single pool may also be given as `pool` (named `'default'`). */
  pools?: Record<string, PoolSource>
  /** Shorthand for `pools: { default: pool }`. */
  pool?: PoolSource
  /**
   * Shutdown. `graceMs`: how long in-flight work may run once the app closes (default 10 000 ms); when it
   * ends, the pools close at once. `closeIdleHttpConnections` (default `true`): while the HTTP server
   * drains, close its keep-alive connections as soon as they are idle (else each holds the exit for
   * the server's `keepAliveTimeout`).
   */
  shutdown?: { graceMs?: number; closeIdleHttpConnections?: boolean }
  /** `ready()` every pool the module creates before the app starts (default `false`: pools open lazily). */
  readyOnStart?: boolean
}

/**
 * What `forRootAsync()` must know before the factory runs: the pools' names, and the clients to provide
 * on each (Nest declares providers before options exist). `forRoot()` reads both from its options.
 *
 * @example
 * ```ts
 * PoolsModule.forRootAsync({ provide: { primary: ['drizzle'], replica: [] }, useFactory: ... })
 * ```
 */
export type PoolsProvideMap = Record<string, readonly ClientKind[]> | readonly string[]

/** Extras of both `forRoot()` and `forRootAsync()`. */
export interface PoolsModuleExtras {
  /** Register the module globally (its pools injectable everywhere). Default `false`. */
  isGlobal?: boolean
  /** `forRootAsync()` only: the pool names (and clients) the factory's options will define. Default `['default']`. */
  provide?: PoolsProvideMap
}

/**
 * One pool in a health report.
 *
 * @example
 * ```ts
 * { status: 'up', driver: 'pg', total: 4, idle: 3, borrowed: 1, pending: 0, max: 10, saturation: 0.1, acquireWaitP95Ms: 0, recentTimeouts: 0, leakSuspects: 0, reasons: [] }
 * ```
 */
export interface PoolHealthData {
  status: 'up' | 'degraded' | 'down'
  driver: PoolsDriverName | 'existing'
  state: string
  total: number
  idle: number
  borrowed: number
  pending: number
  max: number
  /** In use / max (0 to 1). */
  saturation: number
  acquireWaitP95Ms: number
  recentTimeouts: number
  leakSuspects: number
  /** Why the engine judged it degraded or unhealthy, and ping failures. */
  reasons: string[]
}

/**
 * A class for `forRootAsync({ useClass })` / `useExisting`: it makes the module options.
 *
 * @example
 * ```ts
 * @Injectable()
 * class PoolsConfig implements PoolsOptionsFactory {
 *   createPoolsOptions(): PoolsModuleOptions {
 *     return { pools: { primary: process.env.DATABASE_URL! } }
 *   }
 * }
 * ```
 */
export type PoolsOptionsFactory = ConfigurableModuleOptionsFactory<PoolsModuleOptions, 'createPoolsOptions'>
