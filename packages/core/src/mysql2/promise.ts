/**
 * `@pools/core/mysql2/promise`: `mysql2/promise`, with `createPool` backed by
 * the `@pools/core` engine. See docs/mysql2.md.
 *
 * @example
 * ```ts
 * import mysql from '@pools/core/mysql2/promise' // was: import mysql from 'mysql2/promise'
 *
 * const pool = mysql.createPool({ uri: process.env.DATABASE_URL, connectionLimit: 10 })
 * const conn = await pool.getConnection()
 * try {
 *   await conn.beginTransaction()
 *   await conn.execute('UPDATE accounts SET balance = balance - ? WHERE id = ?', [10, 1])
 *   await conn.commit()
 * } finally {
 *   conn.release()
 * }
 * await pool.end()
 * ```
 * @module
 */
import mysqlPromise from 'mysql2/promise'
import type { PoolRuntime } from '../index.js'
import type { PoolOptions } from './options.js'
import { createPromisePool, type EngineFacadeOptions, type PromisePool } from './pool.js'
import { createPromisePoolCluster } from './promise-pool-cluster.js'

export type { PoolConfigInput, PoolErrorCode, PoolLogger, PoolRuntime, PresetName } from '../index.js'
export { isPoolError, PoolError } from '../index.js'
export { createMysql2Driver, type Mysql2Driver, type Mysql2DriverOptions } from './driver.js'
export type { PoolOptions, ResetOnRelease } from './options.js'
export {
  type EngineFacadeOptions,
  type Mysql2EnginePool,
  Pool as CallbackPool,
  PromisePool as Pool,
  PromisePool,
} from './pool.js'
export type { PoolClusterOptions } from './pool-cluster.js'
export { createPromisePoolCluster as createPoolCluster, PromisePoolCluster } from './promise-pool-cluster.js'

/**
 * Create a pool and return its promise API, like `mysql2/promise`'s `createPool`.
 * `pool.pool` is the callback pool; `pool.engine` the `@pools/core` engine. `createPool({ engine })`
 * wraps an existing engine (see `EngineFacadeOptions`) and never closes it.
 */
export function createPool(options: string | PoolOptions | EngineFacadeOptions, runtime?: PoolRuntime): PromisePool {
  return createPromisePool(options, runtime)
}

/** mysql2/promise's `createConnection` (not pooled), so one import serves both. */
export const createConnection: typeof mysqlPromise.createConnection = mysqlPromise.createConnection
/** mysql2's escaping and formatting helpers. */
const escapeValue: typeof mysqlPromise.escape = mysqlPromise.escape

export { escapeValue as escape }
export const escapeId: typeof mysqlPromise.escapeId = mysqlPromise.escapeId
export const format: typeof mysqlPromise.format = mysqlPromise.format
export const raw: typeof mysqlPromise.raw = mysqlPromise.raw

/** The default export: mysql2/promise's module, with `createPool` and `createPoolCluster` replaced by the pooled ones. */
export type Mysql2PromiseCompat = Omit<typeof mysqlPromise, 'createPool' | 'createPoolCluster'> & {
  createPool: typeof createPool
  createPoolCluster: typeof createPromisePoolCluster
}

/** For `import mysql from '@pools/core/mysql2/promise'`. Everything but `createPool` and `createPoolCluster` is mysql2's own. */
const compat = Object.create(mysqlPromise, {
  createPool: { value: createPool, enumerable: true },
  createPoolCluster: { value: createPromisePoolCluster, enumerable: true },
}) as Mysql2PromiseCompat

export default compat
