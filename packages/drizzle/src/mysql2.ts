/**
 * `@pools/drizzle/mysql2`: Drizzle ORM's `drizzle-orm/mysql2` on a `@pools/core/mysql2` pool.
 *
 * ```ts
 * import { drizzle } from '@pools/drizzle/mysql2' // was: import { drizzle } from 'drizzle-orm/mysql2'
 * const db = drizzle(process.env.DATABASE_URL!, { schema, mode: 'default' })
 * ```
 *
 * @module
 */
import {
  configFromUrl,
  describeClass,
  type FilePool,
  isFilePool,
  isPoolsMariadbPool,
  isPoolsMysql2Pool,
  looksLikeClient,
  PoolError,
} from '@pools/core'
import { createPool, type Pool, type PoolOptions, type PromisePool } from '@pools/core/mysql2'
import { drizzle as drizzleOrm, type MySql2Database, type MySql2DrizzleConfig } from 'drizzle-orm/mysql2'

/**
 * Where the connections come from:
 * - a connection URL (`mysql://…`); pool parameters in it (`?pool.max=20`, `connectionLimit`, …)
 *   configure the pool;
 * - `@pools/core/mysql2` pool options: mysql2's own (`uri`, `host`, `connectionLimit`, …) plus `pools`
 *   (any @pools option, or a preset name such as `'web'`);
 * - a pool already built with `createPool(…)` from `@pools/core/mysql2`, or its `.promise()`.
 *
 * @example
 * ```ts
 * const source: Mysql2PoolSource = { uri: process.env.DATABASE_URL, connectionLimit: 20, pools: 'web' }
 * ```
 *
 * A pool of the config file works too: `await resolvePool('primary')` from `@pools/core/config-file`.
 */
export type Mysql2PoolSource = string | PoolOptions | Pool | PromisePool | FilePool

/**
 * Drizzle's own options (`schema` with `mode`, `logger`, `casing`, …); the connection comes from the source.
 *
 * @example
 * ```ts
 * const config: Mysql2PoolsDrizzleConfig<typeof schema> = { schema, mode: 'default' }
 * ```
 */
export type Mysql2PoolsDrizzleConfig<TSchema extends Record<string, unknown> = Record<string, never>> = Omit<
  MySql2DrizzleConfig<TSchema>,
  'client' | 'connection'
>

/**
 * What {@link drizzle} returns: Drizzle's database, with `$client` the `@pools/core/mysql2` pool.
 *
 * @example
 * ```ts
 * const db: PoolsMySql2Database = drizzle(url)
 * db.$client.stats()
 * ```
 */
export type PoolsMySql2Database<
  TSchema extends Record<string, unknown> = Record<string, never>,
  TClient extends Pool | PromisePool = Pool,
> = MySql2Database<TSchema> & { $client: TClient }

/**
 * Drizzle's single-object form: `drizzle({ client, ...config })` or `drizzle({ connection, ...config })`.
 *
 * @example
 * ```ts
 * const db = drizzle({ client: createPool(options), schema, mode: 'default' })
 * ```
 */
export type Mysql2DrizzleObjectForm<TSchema extends Record<string, unknown> = Record<string, never>> =
  Mysql2PoolsDrizzleConfig<TSchema> & ({ client: Pool | PromisePool } | { connection: string | PoolOptions })

/**
 * Build the `@pools/core/mysql2` pool for a source, or return the one given.
 * `created` tells whether the caller owns it (and so should end it).
 *
 * @example
 * ```ts
 * const { pool, created } = mysql2PoolOf('mysql://app@db/shop?pool.max=20')
 * ```
 */
export function mysql2PoolOf(source: Mysql2PoolSource): { pool: Pool | PromisePool; created: boolean } {
  if (typeof source === 'string') {
    const { config, url } = configFromUrl(source)
    return { pool: createPool({ uri: url, pools: config }), created: true }
  }
  if (source === null || typeof source !== 'object' || Array.isArray(source)) {
    throw new PoolError(
      'POOL_CONFIG_INVALID',
      `@pools/drizzle: expected a connection URL, @pools/core/mysql2 pool options or a pool from @pools/core/mysql2, got ${source === null ? 'null' : Array.isArray(source) ? 'an array' : typeof source}.`,
    )
  }
  if (isPoolsMysql2Pool(source)) return { pool: source as Pool | PromisePool, created: false }
  if (isPoolsMariadbPool(source)) {
    throw new PoolError(
      'POOL_CONFIG_INVALID',
      "@pools/drizzle: this is a @pools/core/mariadb pool; drizzle-orm/mysql2 runs on the mysql2 driver. Build the pool with `createPool(options)` from '@pools/core/mysql2' (the same options), or pass its options or URL instead.",
    )
  }
  if (isFilePool(source)) return { pool: createPool({ pools: source }), created: true }
  if (looksLikeClient(source)) {
    throw new PoolError(
      'POOL_CONFIG_INVALID',
      `@pools/drizzle: this ${describeClass(source)} is not a @pools pool (a pool or connection from 'mysql2' keeps its own connections). Build it with \`createPool(options)\` from '@pools/core/mysql2', or pass its options or URL instead.`,
    )
  }
  return { pool: createPool(source as PoolOptions), created: true }
}

function isObjectForm(value: unknown): value is Mysql2DrizzleObjectForm<Record<string, unknown>> {
  if (
    value === null ||
    typeof value !== 'object' ||
    isPoolsMysql2Pool(value) ||
    looksLikeClient(value) ||
    isFilePool(value)
  )
    return false
  return 'client' in value || 'connection' in value
}

/**
 * Drizzle ORM (`drizzle-orm/mysql2`, 0.45 and 1.0) on a `@pools/core/mysql2` pool: the same database
 * object, transactions (and savepoints) and `iterator()` on one connection, and the pool's `stats()`,
 * `health()` and leak reports on `db.$client`.
 *
 * Always hands Drizzle the pool as `{ client }` (in 1.0, `drizzle(pool)` would build a second pool).
 * A pool built here from a URL or options belongs to the caller: end it with `await db.$client.promise().end()`.
 * A pool passed in is never ended here.
 *
 * @param source a connection URL, `@pools/core/mysql2` pool options (with `pools`), or a pool from
 *   `@pools/core/mysql2`, or a pool of the config file (`await resolvePool('orders')`); Drizzle's object form `{ client, ...config }` / `{ connection, ...config }` works too
 * @param config Drizzle's options (`schema` and `mode`, `logger`, `casing`, …; in 1.0 also `relations`)
 * @example
 * ```ts
 * import { drizzle } from '@pools/drizzle/mysql2'
 * import * as schema from './schema.js'
 *
 * const db = drizzle({ uri: process.env.DATABASE_URL, connectionLimit: 20, pools: 'web' }, { schema, mode: 'default' })
 * const rows = await db.select().from(schema.users)
 * console.log(db.$client.stats().borrowed)
 * await db.$client.promise().end()
 * ```
 */
export function drizzle<TSchema extends Record<string, unknown> = Record<string, never>>(
  source: string | PoolOptions | Pool | FilePool,
  config?: Mysql2PoolsDrizzleConfig<TSchema>,
): PoolsMySql2Database<TSchema, Pool>
export function drizzle<TSchema extends Record<string, unknown> = Record<string, never>>(
  source: PromisePool,
  config?: Mysql2PoolsDrizzleConfig<TSchema>,
): PoolsMySql2Database<TSchema, PromisePool>
export function drizzle<TSchema extends Record<string, unknown> = Record<string, never>>(
  config: Mysql2DrizzleObjectForm<TSchema>,
): PoolsMySql2Database<TSchema, Pool | PromisePool>
export function drizzle(
  source: Mysql2PoolSource | Mysql2DrizzleObjectForm<Record<string, unknown>>,
  config?: Mysql2PoolsDrizzleConfig<Record<string, unknown>>,
): PoolsMySql2Database<Record<string, unknown>, Pool | PromisePool> {
  let poolSource: Mysql2PoolSource
  let drizzleConfig: Record<string, unknown>
  if (isObjectForm(source)) {
    const { client, connection, ...rest } = source as Record<string, unknown>
    poolSource = (client ?? connection) as Mysql2PoolSource
    drizzleConfig = rest
  } else {
    poolSource = source as Mysql2PoolSource
    drizzleConfig = { ...(config ?? {}) }
  }
  const { pool, created } = mysql2PoolOf(poolSource)
  try {
    return drizzleOrm({ ...drizzleConfig, client: pool } as never) as unknown as PoolsMySql2Database<
      Record<string, unknown>,
      Pool | PromisePool
    >
  } catch (error) {
    // Drizzle rejected its options (e.g. a schema without `mode`): a pool built here would otherwise leak.
    if (created) endQuietly(pool)
    throw error
  }
}

function endQuietly(pool: Pool | PromisePool): void {
  const ended = (pool as { end(callback?: () => void): unknown }).end(() => {})
  if (ended instanceof Promise) ended.catch(() => {})
}
