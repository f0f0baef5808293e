/** The name of the pool when `forRoot` is given a single pool, and what `@InjectPool()` injects. */
export const DEFAULT_POOL_NAME = 'default'

/** Default grace period of the shutdown: how long in-flight loans may take once the app closes. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000

/** Injection token of the {@link PoolsRegistry} (every pool the module manages, and their lifecycle). */
export const POOLS_REGISTRY = Symbol.for('@pools/nestjs.registry')

/** The ORM and client kinds the module can provide on a pool. */
export const CLIENT_KINDS = ['drizzle', 'knex', 'prisma', 'typeorm'] as const

/** One of {@link CLIENT_KINDS}. */
export type ClientKind = (typeof CLIENT_KINDS)[number]

function checkName(name: string, what: string): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError(`${what}(name): the pool name must be a non-empty string`)
  }
  return name
}

/**
 * The injection token of a named pool (what `@InjectPool(name)` injects), for `moduleRef.get()`,
 * `inject: [...]` in a factory provider, or a test's `overrideProvider`.
 *
 * @example
 * ```ts
 * const primary = app.get(getPoolToken('primary')) // a pg.Pool from @pools/core/pg
 * ```
 */
export function getPoolToken(name: string = DEFAULT_POOL_NAME): string {
  return `@pools/nestjs:pool:${checkName(name, 'getPoolToken')}`
}

/**
 * The injection token of the Drizzle database on a pool (what `@InjectDrizzle(name)` injects).
 *
 * @example
 * ```ts
 * const db = app.get(getDrizzleToken('primary'))
 * ```
 */
export function getDrizzleToken(name: string = DEFAULT_POOL_NAME): string {
  return `@pools/nestjs:drizzle:${checkName(name, 'getDrizzleToken')}`
}

/**
 * The injection token of the Knex instance on a pool (what `@InjectKnex(name)` injects).
 *
 * @example
 * ```ts
 * const knex = app.get(getKnexToken('replica'))
 * ```
 */
export function getKnexToken(name: string = DEFAULT_POOL_NAME): string {
  return `@pools/nestjs:knex:${checkName(name, 'getKnexToken')}`
}

/**
 * The injection token of the Prisma client on a pool (what `@InjectPrisma(name)` injects).
 *
 * @example
 * ```ts
 * const prisma = app.get<PrismaClient>(getPrismaToken('primary'))
 * ```
 */
export function getPrismaToken(name: string = DEFAULT_POOL_NAME): string {
  return `@pools/nestjs:prisma:${checkName(name, 'getPrismaToken')}`
}

/**
 * The injection token of the TypeORM `DataSource` on a pool (what `@InjectDataSource(name)` injects).
 *
 * @example
 * ```ts
 * const dataSource = app.get<DataSource>(getDataSourceToken('primary'))
 * ```
 */
export function getDataSourceToken(name: string = DEFAULT_POOL_NAME): string {
  return `@pools/nestjs:typeorm:${checkName(name, 'getDataSourceToken')}`
}

/**
 * The token of a client kind on a pool.
 *
 * @example
 * ```ts
 * getClientToken('knex', 'replica') === getKnexToken('replica')
 * ```
 */
export function getClientToken(kind: ClientKind, name: string): string {
  switch (kind) {
    case 'drizzle':
      return getDrizzleToken(name)
    case 'knex':
      return getKnexToken(name)
    case 'prisma':
      return getPrismaToken(name)
    case 'typeorm':
      return getDataSourceToken(name)
  }
}
