import mysql2WithPools from '@pools/core/mysql2'
import pgWithPools from '@pools/core/pg'

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
