import {
  configFromUrl,
  describeClass,
  type FilePool,
  isFilePool,
  isPoolsPgPool,
  looksLikeClient,
  type PoolConfigInput,
  PoolError,
} from '@pools/core'
import { Pool, type PoolConfig } from '@pools/core/pg'

/**
 * Prisma's default `transactionOptions.maxWait`: how long `$transaction()` waits for a connection.
 * A pool built by the adapter waits no longer than this for a connection (its `acquireTimeoutMs`) unless
 * told otherwise, so a transaction start that Prisma has given up on leaves the queue when Prisma does.
 *
 * @example
 * ```ts
 * new PrismaClient({ adapter, transactionOptions: { maxWait: PRISMA_MAX_WAIT_MS } })
 * ```
 */
export const PRISMA_MAX_WAIT_MS = 2_000

/**
 * Where the connections come from:
 * - a connection URL (`postgres://…`); pool parameters in it (`?pool.max=20`, Prisma's `connection_limit`
 *   and `pool_timeout`, …) configure the pool and are removed from what reaches PostgreSQL;
 * - `@pools/core/pg` pool options: pg's own (`connectionString`, `host`, `max`, …) plus `pools`
 *   (any @pools option, or a preset name such as `'web'`);
 * - a pool already built with `new Pool(…)` from `@pools/core/pg` (shared with the rest of the app);
 * - a pool of the config file: `await resolvePool('primary')` from `@pools/core/config-file` (the file
 *   is read asynchronously, so the name alone cannot be resolved inside this synchronous call).
 *
 * @example
 * ```ts
 * const source: PrismaPgSource = 'postgres://app@db/shop?connection_limit=20'
 * const fromFile: PrismaPgSource = await resolvePool('primary')
 * ```
 */
export type PrismaPgSource = string | PoolConfig | Pool | FilePool

function invalid(message: string): PoolError {
  return new PoolError('POOL_CONFIG_INVALID', `@pools/prisma: ${message}`)
}

/** pg options with the adapter's default acquire timeout, unless the caller set one (in any spelling). */
function withDefaultAcquireTimeout(options: PoolConfig): PoolConfig {
  const pools = options.pools
  // A config file's pool: the file resolved acquireTimeoutMs (its default, or what it says).
  if (options.connectionTimeoutMillis !== undefined || typeof pools === 'string' || isFilePool(pools)) return options
  if (pools !== undefined && pools !== null && (pools as PoolConfigInput).acquireTimeoutMs !== undefined) return options
  return { ...options, pools: { acquireTimeoutMs: PRISMA_MAX_WAIT_MS, ...(pools ?? {}) } }
}

/**
 * Build the `@pools/core/pg` pool for a source, or return the one given.
 * `created` tells whether the adapter owns it (and so ends it on `$disconnect()`). A pool built here waits at
 * most {@link PRISMA_MAX_WAIT_MS} for a connection unless the source sets an acquire timeout.
 *
 * @example
 * ```ts
 * const { pool, created } = pgPoolOf({ connectionString: process.env.DATABASE_URL, max: 20 })
 * ```
 */
export function pgPoolOf(source: PrismaPgSource): { pool: Pool; created: boolean } {
  if (typeof source === 'string') {
    const { config, url } = configFromUrl(source)
    return { pool: new Pool(withDefaultAcquireTimeout({ connectionString: url, pools: config })), created: true }
  }
  if (source === null || typeof source !== 'object' || Array.isArray(source)) {
    const what = source === null ? 'null' : Array.isArray(source) ? 'an array' : typeof source
    throw invalid(`expected a connection URL, @pools/core/pg pool options or a pool from @pools/core/pg, got ${what}.`)
  }
  if (isPoolsPgPool(source)) return { pool: source as Pool, created: false }
  if (isFilePool(source)) return { pool: new Pool({ pools: source }), created: true }
  if (looksLikeClient(source)) {
    throw invalid(
      `this ${describeClass(source)} is not a @pools pool (a pg.Pool from 'pg' keeps its own connections). Build it with \`new Pool(options)\` from '@pools/core/pg', or pass its options or URL instead.`,
    )
  }
  return { pool: new Pool(withDefaultAcquireTimeout(source as PoolConfig)), created: true }
}
