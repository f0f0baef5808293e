import type { Pool as EnginePool } from '@pools/core'
import mysql2WithPools, { createPool as createMysql2Pool, type Mysql2EnginePool } from '@pools/core/mysql2'
import pgWithPools, { Pool as PgPool } from '@pools/core/pg'

/**
 * `pg` as TypeORM's postgres driver loads it, with `Pool` replaced by `@pools/core/pg`'s. `native`
 * is hidden: TypeORM switches to `driver.native` when pg-native is installed, which would bypass
 * the engine. `defaults` is pg's own, so `parseInt8` still works.
 *
 * @example
 * ```ts
 * // what withPools() does for you:
 * new DataSource({ type: 'postgres', url, driver: pgDriver, extra: { pools: { max: 20 } } })
 * ```
 */
export const pgDriver: typeof pgWithPools = Object.create(pgWithPools, {
  native: { value: null, enumerable: true },
})

/**
 * `mysql2` as TypeORM's mysql/mariadb driver loads it, with `createPool` and `createPoolCluster`
 * replaced by `@pools/core/mysql2`'s.
 *
 * @example
 * ```ts
 * // what withPools() does for you:
 * new DataSource({ type: 'mysql', url, driver: mysql2Driver, extra: { pools: { max: 20 } } })
 * ```
 */
export const mysql2Driver: typeof mysql2WithPools = mysql2WithPools

/**
 * `pgDriver` whose `new Pool(options)` is a `@pools/core/pg` Pool over `engine` (TypeORM's connection
 * and sizing options are the engine's business and are not read). Its `end()`, called by
 * `dataSource.destroy()`, only detaches: the engine belongs to whoever created it.
 *
 * @example
 * ```ts
 * new DataSource({ type: 'postgres', driver: pgDriverOver(engineOf(pool)) }) // what withPools({ engine }) does
 * ```
 */
export function pgDriverOver(engine: EnginePool<object>): typeof pgWithPools {
  class Pool extends PgPool {
    constructor(_typeormOptions?: unknown) {
      super({ engine })
    }
  }
  return Object.create(pgDriver, { Pool: { value: Pool, enumerable: true } })
}

/**
 * `mysql2Driver` whose `createPool(options)` is a `@pools/core/mysql2` pool over `engine`
 * (TypeORM's options are the engine's business and are not read). Its `end()`, called by
 * `dataSource.destroy()`, only detaches: the engine belongs to whoever created it.
 *
 * @example
 * ```ts
 * new DataSource({ type: 'mysql', driver: mysql2DriverOver(engineOf(pool)) }) // what withPools({ engine }) does
 * ```
 */
export function mysql2DriverOver(engine: EnginePool<object>): typeof mysql2WithPools {
  const createPool = (_typeormOptions?: unknown) => createMysql2Pool({ engine: engine as unknown as Mysql2EnginePool })
  return Object.create(mysql2Driver, { createPool: { value: createPool, enumerable: true } })
}
