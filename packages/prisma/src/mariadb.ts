/**
 * `@pools/prisma/mariadb`: Prisma 7 on the @pools engine for MySQL and MariaDB. `@prisma/adapter-mariadb` does
 * the SQL and type mapping on a `@pools/core/mariadb` pool (a drop-in for the `mariadb` connector's pool,
 * which is what that adapter takes).
 *
 * @example
 * ```ts
 * import { prismaAdapter } from '@pools/prisma/mariadb'
 * const prisma = new PrismaClient({ adapter: prismaAdapter(process.env.DATABASE_URL!) })
 * ```
 * @module
 */
import {
  configFromUrl,
  describeClass,
  isPoolsMariadbPool,
  isPoolsMysql2Pool,
  looksLikeClient,
  type PoolConfigInput,
  PoolError,
} from '@pools/core'
import { createPool, type Pool, type PoolOptions, resolveOptions } from '@pools/core/mariadb'
import { PrismaMariaDb } from '@prisma/adapter-mariadb'
import { withPoolsBehaviour } from './driver-adapter.js'
import { PRISMA_MAX_WAIT_MS } from './pg-source.js'

/**
 * Where the connections come from:
 * - a connection URL (`mysql://…` or `mariadb://…`); Prisma-style pool parameters in it (`connection_limit`,
 *   `pool_timeout`, `pool.*`, …) configure the pool, mariadb's own options pass through;
 * - `@pools/core/mariadb` pool options: mariadb's (`host`, `connectionLimit`, …) plus `pools`;
 * - a pool already built with `createPool(…)` from `@pools/core/mariadb`.
 *
 * @example
 * ```ts
 * const source: PrismaMariadbSource = 'mysql://app@db:3306/shop?connection_limit=20'
 * ```
 */
export type PrismaMariadbSource = string | PoolOptions | Pool

/**
 * `@prisma/adapter-mariadb`'s options (`database`, `useTextProtocol`, `onConnectionError`), minus pool ownership.
 *
 * @example
 * ```ts
 * const options: PrismaMariadbAdapterOptions = { database: 'shop' }
 * ```
 */
export type PrismaMariadbAdapterOptions = Omit<
  NonNullable<ConstructorParameters<typeof PrismaMariaDb>[1]>,
  'disposeExternalPool'
>

/**
 * What Prisma gets from `connect()`: `@prisma/adapter-mariadb`'s adapter, running on our pool.
 *
 * @example
 * ```ts
 * const driver: PrismaMariadbDriverAdapter = await prismaAdapter(url).connect()
 * ```
 */
export type PrismaMariadbDriverAdapter = Awaited<ReturnType<PrismaMariaDb['connect']>>

/** Options for a pool the adapter builds: adapter-mariadb's `prepareCacheLength: 0`, Prisma's maxWait as the acquire timeout. */
function withAdapterDefaults(options: PoolOptions): PoolOptions {
  const pools = options.pools
  const timed =
    options.acquireTimeout !== undefined ||
    typeof pools === 'string' ||
    (pools !== undefined && pools !== null && (pools as PoolConfigInput).acquireTimeoutMs !== undefined)
  return {
    prepareCacheLength: 0,
    ...options,
    ...(timed
      ? {}
      : { pools: { acquireTimeoutMs: PRISMA_MAX_WAIT_MS, ...((pools as PoolConfigInput | undefined) ?? {}) } }),
  }
}

/**
 * Build the `@pools/core/mariadb` pool for a source, or return the one given. `created` tells whether the
 * adapter owns it (and so ends it on `$disconnect()`).
 *
 * @example
 * ```ts
 * const { pool, created } = mariadbPoolOf({ host: 'db', user: 'app', database: 'shop', connectionLimit: 20 })
 * ```
 */
export function mariadbPoolOf(source: PrismaMariadbSource): { pool: Pool; created: boolean } {
  if (typeof source === 'string') {
    const { config, url } = configFromUrl(source)
    // mariadb's own pool options in the URL (?connectionLimit=5) are mapped by resolveOptions
    const { connection, engine } = resolveOptions(url)
    const pools: PoolConfigInput = { ...engine, ...config }
    const timed = config.acquireTimeoutMs !== undefined || new URL(url).searchParams.has('acquireTimeout')
    if (!timed) pools.acquireTimeoutMs = PRISMA_MAX_WAIT_MS
    return { pool: createPool({ prepareCacheLength: 0, ...connection, pools }), created: true }
  }
  if (source === null || typeof source !== 'object' || Array.isArray(source)) {
    const what = source === null ? 'null' : Array.isArray(source) ? 'an array' : typeof source
    throw new PoolError(
      'POOL_CONFIG_INVALID',
      `@pools/prisma/mariadb: expected a connection URL, @pools/core/mariadb pool options or a pool from @pools/core/mariadb, got ${what}.`,
    )
  }
  if (isPoolsMariadbPool(source)) return { pool: source as Pool, created: false }
  if (isPoolsMysql2Pool(source)) {
    throw new PoolError(
      'POOL_CONFIG_INVALID',
      "@pools/prisma/mariadb: this is a @pools/core/mysql2 pool; @prisma/adapter-mariadb runs on the mariadb driver, and a mysql2 pool cannot serve it. Build the pool with `createPool(options)` from '@pools/core/mariadb' (it speaks to MySQL and MariaDB alike), or pass its options or URL instead.",
    )
  }
  if (looksLikeClient(source)) {
    throw new PoolError(
      'POOL_CONFIG_INVALID',
      `@pools/prisma/mariadb: this ${describeClass(source)} is not a @pools pool (a pool from 'mariadb' keeps its own connections). Build it with \`createPool(options)\` from '@pools/core/mariadb', or pass its options or URL instead.`,
    )
  }
  return { pool: createPool(withAdapterDefaults(source as PoolOptions)), created: true }
}

/**
 * A Prisma 7 driver adapter factory for MySQL/MariaDB: `@prisma/adapter-mariadb` on a `@pools/core/mariadb`
 * pool. A pool the adapter builds is ended by `$disconnect()` (and built again if the client reconnects);
 * a pool passed in is never ended here.
 *
 * @example
 * ```ts
 * const adapter = new PoolsPrismaMariaDb('mysql://app@db:3306/shop')
 * const prisma = new PrismaClient({ adapter })
 * console.log(adapter.pool.stats())
 * ```
 */
export class PoolsPrismaMariaDb {
  readonly provider = 'mysql' as const
  readonly adapterName: string
  readonly #source: PrismaMariadbSource
  readonly #options: PrismaMariadbAdapterOptions
  readonly #created: boolean
  #pool: Pool | undefined
  #inner: PrismaMariaDb

  constructor(source: PrismaMariadbSource, options: PrismaMariadbAdapterOptions = {}) {
    this.#source = source
    this.#options = { ...options }
    const { pool, created } = mariadbPoolOf(source)
    this.#created = created
    this.#pool = pool
    this.#inner = this.#innerFor(pool)
    this.adapterName = this.#inner.adapterName
  }

  /** The `@pools/core/mariadb` pool Prisma runs on: `stats()`, `health()`, `leaks()`, `engine`. */
  get pool(): Pool {
    if (this.#pool === undefined) {
      this.#pool = mariadbPoolOf(this.#source).pool
      this.#inner = this.#innerFor(this.#pool)
    }
    return this.#pool
  }

  /** Called by Prisma (`$connect()`, or the first query). */
  async connect(): Promise<PrismaMariadbDriverAdapter> {
    const pool = this.pool
    const adapter = await this.#inner.connect()
    if (adapter.underlyingDriver() !== (pool as unknown)) {
      await adapter.dispose()
      throw new PoolError(
        'POOL_CONFIG_INVALID',
        '@pools/prisma/mariadb: @prisma/adapter-mariadb did not use the pool it was given.',
      )
    }
    return withPoolsBehaviour(adapter, async () => {
      if (this.#created && this.#pool === pool) {
        this.#pool = undefined
        await pool.end()
      }
    })
  }

  #innerFor(pool: Pool): PrismaMariaDb {
    return new PrismaMariaDb(pool as never, { ...this.#options, disposeExternalPool: false })
  }
}

/**
 * Prisma 7 on the @pools engine (MySQL/MariaDB): `new PrismaClient({ adapter: prismaAdapter(source) })`.
 *
 * @param source a connection URL, `@pools/core/mariadb` pool options (with `pools`), or a pool from `@pools/core/mariadb`
 * @param options `@prisma/adapter-mariadb`'s options
 * @example
 * ```ts
 * import { prismaAdapter } from '@pools/prisma/mariadb'
 * const adapter = prismaAdapter({ host: 'db', user: 'app', database: 'shop', connectionLimit: 20, pools: { leakDetectionThresholdMs: 4_000 } })
 * const prisma = new PrismaClient({ adapter })
 * await prisma.$disconnect() // ends the pool: the adapter built it
 * ```
 */
export function prismaAdapter(source: PrismaMariadbSource, options?: PrismaMariadbAdapterOptions): PoolsPrismaMariaDb {
  return new PoolsPrismaMariaDb(source, options)
}

export { PRISMA_MAX_WAIT_MS }
