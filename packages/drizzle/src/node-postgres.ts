/**
 * `@pools/drizzle/node-postgres`: Drizzle ORM's `drizzle-orm/node-postgres` on a `@pools/core/pg` pool.
 *
 * ```ts
 * import { drizzle } from '@pools/drizzle/node-postgres' // was: import { drizzle } from 'drizzle-orm/node-postgres'
 * const db = drizzle(process.env.DATABASE_URL!, { schema })
 * ```
 *
 * @module
 */
import {
  configFromUrl,
  describeClass,
  type FilePool,
  isFilePool,
  isPoolsPgPool,
  looksLikeClient,
  PoolError,
} from '@pools/core'
import { Pool, type PoolConfig } from '@pools/core/pg'
import type { DrizzleConfig } from 'drizzle-orm'
import { drizzle as drizzleOrm, type NodePgDatabase } from 'drizzle-orm/node-postgres'
import pg from 'pg'

/**
 * Where the connections come from (for {@link drizzle} and {@link pgPoolOf}):
 * - a connection URL (`postgres://…`); pool parameters in it (`?pool.max=20`, `connection_limit`,
 *   `pool_timeout`, …) configure the pool and are removed from what reaches PostgreSQL;
 * - `@pools/core/pg` pool options: pg's own (`connectionString`, `host`, `max`, …) plus `pools`
 *   (any @pools option, or a preset name such as `'web'`);
 * - a pool already built with `new Pool(…)` from `@pools/core/pg` (shared with the rest of the app).
 *
 * @example
 * ```ts
 * const source: PgPoolSource = { connectionString: process.env.DATABASE_URL, pools: 'web' }
 * ```
 *
 * A pool of the config file works too: `await resolvePool('primary')` from `@pools/core/config-file`.
 */
export type PgPoolSource = string | PoolConfig | Pool | FilePool

/**
 * Drizzle's own options (`schema`, `logger`, `casing`, `cache`, …); the connection comes from the source.
 *
 * @example
 * ```ts
 * const config: PgDrizzleConfig<typeof schema> = { schema, logger: true }
 * ```
 */
export type PgDrizzleConfig<TSchema extends Record<string, unknown> = Record<string, never>> = Omit<
  DrizzleConfig<TSchema>,
  'client' | 'connection'
>

/**
 * What {@link drizzle} returns: Drizzle's database, with `$client` the `@pools/core/pg` pool.
 *
 * @example
 * ```ts
 * const db: PoolsNodePgDatabase<typeof schema> = drizzle(url, { schema })
 * db.$client.stats()
 * ```
 */
export type PoolsNodePgDatabase<TSchema extends Record<string, unknown> = Record<string, never>> =
  NodePgDatabase<TSchema> & { $client: Pool }

/**
 * Drizzle's single-object form: `drizzle({ client, ...config })` or `drizzle({ connection, ...config })`.
 *
 * @example
 * ```ts
 * const db = drizzle({ connection: process.env.DATABASE_URL!, schema })
 * ```
 */
export type PgDrizzleObjectForm<TSchema extends Record<string, unknown> = Record<string, never>> =
  PgDrizzleConfig<TSchema> & ({ client: Pool } | { connection: string | PoolConfig })

/**
 * Build the `@pools/core/pg` pool for a source, or return the one given.
 * `created` tells whether the caller owns it (and so should end it).
 *
 * @example
 * ```ts
 * const { pool, created } = pgPoolOf('postgres://app@db/shop?pool.max=20')
 * ```
 */
export function pgPoolOf(source: PgPoolSource): { pool: Pool; created: boolean } {
  if (typeof source === 'string') {
    const { config, url } = configFromUrl(source)
    return { pool: new Pool({ connectionString: url, pools: config }), created: true }
  }
  if (source === null || typeof source !== 'object' || Array.isArray(source)) {
    throw new PoolError(
      'POOL_CONFIG_INVALID',
      `@pools/drizzle: expected a connection URL, @pools/core/pg pool options or a pool from @pools/core/pg, got ${source === null ? 'null' : Array.isArray(source) ? 'an array' : typeof source}.`,
    )
  }
  if (isPoolsPgPool(source)) return { pool: source as Pool, created: false }
  if (isFilePool(source)) return { pool: new Pool({ pools: source }), created: true }
  if (looksLikeClient(source)) {
    throw new PoolError(
      'POOL_CONFIG_INVALID',
      `@pools/drizzle: this ${describeClass(source)} is not a @pools pool (a pg.Pool or pg.Client from 'pg' keeps its own connections). Build it with \`new Pool(options)\` from '@pools/core/pg', or pass its options or URL instead.`,
    )
  }
  return { pool: new Pool(source as PoolConfig), created: true }
}

/**
 * Make sure Drizzle treats the pool as a pool. Drizzle's node-postgres session gives a transaction its own
 * client (`pool.connect()`) only when the client is `instanceof` its copy of `pg.Pool` or its class name
 * contains "Pool"; otherwise it runs BEGIN, the statements and COMMIT as separate `pool.query()` calls, on
 * whatever connections they get. Our Pool extends pg.Pool, so it passes, unless it was bundled with another
 * copy of `pg` *and* a minifier renamed the class: then its name is pinned back to "Pool".
 * {@link drizzle} calls it; call it yourself only when you hand a pool to `drizzle-orm` directly.
 *
 * @example
 * ```ts
 * ensureRecognisedAsPool(pool)
 * const db = drizzleOrm({ client: pool })
 * ```
 */
export function ensureRecognisedAsPool(pool: Pool): void {
  if (pool instanceof pg.Pool) return
  const ctor = Object.getPrototypeOf(pool)?.constructor as { name?: unknown } | undefined
  if (ctor === undefined || (typeof ctor.name === 'string' && ctor.name.includes('Pool'))) return
  Object.defineProperty(ctor, 'name', { value: 'Pool', configurable: true })
}

function isObjectForm(value: unknown): value is PgDrizzleObjectForm<Record<string, unknown>> {
  if (
    value === null ||
    typeof value !== 'object' ||
    isPoolsPgPool(value) ||
    looksLikeClient(value) ||
    isFilePool(value)
  )
    return false
  return 'client' in value || 'connection' in value
}

/**
 * Drizzle ORM (`drizzle-orm/node-postgres`, 0.45 and 1.0) on a `@pools/core/pg` pool: the same database
 * object, transactions (and savepoints) on one connection, and the pool's `stats()`, `health()` and leak
 * reports on `db.$client`.
 *
 * Always hands Drizzle the pool as `{ client }` (in 1.0, `drizzle(pool)` would build a second pool).
 * A pool built here from a URL or options belongs to the caller: end it with `await db.$client.end()`.
 * A pool passed in is never ended here.
 *
 * @param source a connection URL, `@pools/core/pg` pool options (with `pools`), or a pool from `@pools/core/pg`;
 *   a pool of the config file (`await resolvePool('primary')`); Drizzle's object form `{ client, ...config }` / `{ connection, ...config }` works too
 * @param config Drizzle's options (`schema`, `logger`, `casing`, …; in 1.0 also `relations`)
 * @example
 * ```ts
 * import { drizzle } from '@pools/drizzle/node-postgres'
 * import * as schema from './schema.js'
 *
 * const db = drizzle({ connectionString: process.env.DATABASE_URL, max: 20, pools: 'web' }, { schema })
 * await db.transaction(async (tx) => {
 *   await tx.insert(schema.users).values({ name: 'Ada' })
 * })
 * console.log(db.$client.stats().borrowed)
 * await db.$client.end()
 * ```
 */
export function drizzle<TSchema extends Record<string, unknown> = Record<string, never>>(
  source: PgPoolSource,
  config?: PgDrizzleConfig<TSchema>,
): PoolsNodePgDatabase<TSchema>
export function drizzle<TSchema extends Record<string, unknown> = Record<string, never>>(
  config: PgDrizzleObjectForm<TSchema>,
): PoolsNodePgDatabase<TSchema>
export function drizzle(
  source: PgPoolSource | PgDrizzleObjectForm<Record<string, unknown>>,
  config?: PgDrizzleConfig<Record<string, unknown>>,
): PoolsNodePgDatabase<Record<string, unknown>> {
  let poolSource: PgPoolSource
  let drizzleConfig: Record<string, unknown>
  if (isObjectForm(source)) {
    const { client, connection, ...rest } = source as Record<string, unknown>
    poolSource = (client ?? connection) as PgPoolSource
    drizzleConfig = rest
  } else {
    poolSource = source as PgPoolSource
    drizzleConfig = { ...(config ?? {}) }
  }
  const { pool, created } = pgPoolOf(poolSource)
  ensureRecognisedAsPool(pool)
  try {
    return drizzleOrm({ ...drizzleConfig, client: pool } as never) as unknown as PoolsNodePgDatabase<
      Record<string, unknown>
    >
  } catch (error) {
    // Drizzle rejected its options: a pool built here for it would otherwise never be ended.
    if (created) void pool.end().catch(() => {})
    throw error
  }
}
