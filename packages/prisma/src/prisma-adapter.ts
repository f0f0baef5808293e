import { PoolError } from '@pools/core'
import type { Pool } from '@pools/core/pg'
import { PrismaPg } from '@prisma/adapter-pg'
import { withPoolsBehaviour } from './driver-adapter.js'
import { loadedPgCopies } from './pg-copies.js'
import { type PrismaPgSource, pgPoolOf } from './pg-source.js'

/**
 * `@prisma/adapter-pg`'s options (`schema`, `onPoolError`, `onConnectionError`, ...), minus pool ownership.
 *
 * @example
 * ```ts
 * const options: PrismaAdapterOptions = { schema: 'shop', onPoolError: (error) => log.warn(error) }
 * ```
 */
export type PrismaAdapterOptions = Omit<NonNullable<ConstructorParameters<typeof PrismaPg>[1]>, 'disposeExternalPool'>

/**
 * What Prisma gets from `connect()`: `@prisma/adapter-pg`'s adapter, running on our pool.
 *
 * @example
 * ```ts
 * const driver: PrismaPgDriverAdapter = await prismaAdapter(url).connect()
 * driver.underlyingDriver() // the @pools/core/pg pool
 * ```
 */
export type PrismaPgDriverAdapter = Awaited<ReturnType<PrismaPg['connect']>>

/** The PoolError for a pool that `@prisma/adapter-pg` would not use because it loads another copy of `pg`. */
function duplicatePg(pool: Pool): PoolError {
  const copies = loadedPgCopies(pool)
  const ours = copies.filter((copy) => copy.ownsPool)
  const others = copies.filter((copy) => !copy.ownsPool)
  const describe = (list: typeof copies, fallback: string) =>
    list.length > 0 ? list.map((copy) => `pg ${copy.version} at ${copy.path}`).join(', ') : fallback
  return new PoolError(
    'POOL_CONFIG_INVALID',
    '@pools/prisma: @prisma/adapter-pg would not use this pool: it only uses a pool that is `instanceof` its own copy of pg, ' +
      `and two copies are loaded. The pool extends ${describe(ours, 'an unknown copy of pg')}; ` +
      `@prisma/adapter-pg loads ${describe(others, 'another copy')}. ` +
      'It would otherwise silently open a second, plain pg pool. Fix: install one pg that satisfies both ' +
      '(`npm install pg@^8.16.3`, then `npm dedupe`); `npm ls pg` should list a single version.',
  )
}

/**
 * A Prisma 7 driver adapter factory for PostgreSQL: `@prisma/adapter-pg` does the SQL and type mapping, on a
 * `@pools/core/pg` pool. Give it to `new PrismaClient({ adapter })`.
 *
 * - A pool the adapter builds (from a URL or options) is ended by `$disconnect()`, and built again if the
 *   client reconnects. A pool passed in is never ended here.
 * - A pool that `@prisma/adapter-pg` would not use (two copies of `pg` installed) fails at construction with
 *   a `PoolError` naming both copies.
 *
 * @example
 * ```ts
 * const adapter = new PoolsPrismaPg(process.env.DATABASE_URL!, { schema: 'shop' })
 * const prisma = new PrismaClient({ adapter })
 * console.log(adapter.pool.stats())
 * ```
 */
export class PoolsPrismaPg {
  readonly provider = 'postgres' as const
  readonly adapterName: string
  readonly #source: PrismaPgSource
  readonly #options: PrismaAdapterOptions
  #pool: Pool | undefined
  #inner: PrismaPg
  readonly #created: boolean

  constructor(source: PrismaPgSource, options: PrismaAdapterOptions = {}) {
    this.#source = source
    this.#options = { ...options }
    const { pool, created } = pgPoolOf(source)
    this.#created = created
    this.#pool = pool
    try {
      this.#inner = this.#innerFor(pool)
    } catch (error) {
      if (created) void pool.end().catch(() => {})
      throw error
    }
    this.adapterName = this.#inner.adapterName
  }

  /**
   * The `@pools/core/pg` pool Prisma runs on: `stats()`, `health()`, `leaks()`, and the engine (`pool.pools`)
   * for events. (A pool the adapter built is replaced by a new one when Prisma reconnects after `$disconnect()`.)
   */
  get pool(): Pool {
    if (this.#pool === undefined) this.#rebuild()
    return this.#pool as Pool
  }

  /** Called by Prisma (`$connect()`, or the first query). */
  async connect(): Promise<PrismaPgDriverAdapter> {
    const pool = this.pool
    const adapter = await this.#inner.connect()
    if (adapter.underlyingDriver() !== pool) {
      // the construction-time check could not see adapter-pg's choice; its public API can
      await adapter.dispose()
      throw duplicatePg(pool)
    }
    return withPoolsBehaviour(adapter, async () => {
      if (this.#created && this.#pool === pool) {
        this.#pool = undefined
        await pool.end()
      }
    })
  }

  /** Called by `prisma migrate dev`: `@prisma/adapter-pg` opens its own short-lived pool on the shadow database. */
  connectToShadowDb(): Promise<PrismaPgDriverAdapter> {
    return this.#inner.connectToShadowDb()
  }

  #rebuild(): void {
    const { pool } = pgPoolOf(this.#source)
    this.#pool = pool
    this.#inner = this.#innerFor(pool)
  }

  #innerFor(pool: Pool): PrismaPg {
    const inner = new PrismaPg(pool, { ...this.#options, disposeExternalPool: false })
    // adapter-pg keeps a pool it recognises (`instanceof` its pg.Pool) as `externalPool`, else treats it as options
    const kept = (inner as unknown as { externalPool?: unknown }).externalPool
    if ('externalPool' in inner && kept !== pool) throw duplicatePg(pool)
    return inner
  }
}

/**
 * Prisma 7 on the @pools engine (PostgreSQL): `new PrismaClient({ adapter: prismaAdapter(source) })`.
 *
 * @param source a connection URL, `@pools/core/pg` pool options (with `pools`), a pool from `@pools/core/pg`,
 *   or a pool of the config file (`await resolvePool('primary')` from `@pools/core/config-file`)
 * @param options `@prisma/adapter-pg`'s options (`schema`, `onPoolError`, ...)
 * @example
 * ```ts
 * import { PrismaClient } from './generated/prisma/client.js'
 * import { prismaAdapter } from '@pools/prisma'
 *
 * const adapter = prismaAdapter({ connectionString: process.env.DATABASE_URL, max: 20, pools: { leakDetectionThresholdMs: 4_000 } })
 * const prisma = new PrismaClient({ adapter })
 * await prisma.user.findMany()
 * console.log(adapter.pool.stats().borrowed, adapter.pool.health().status)
 * await prisma.$disconnect() // ends the pool: the adapter built it
 * ```
 */
export function prismaAdapter(source: PrismaPgSource, options?: PrismaAdapterOptions): PoolsPrismaPg {
  return new PoolsPrismaPg(source, options)
}
