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
import type { PoolRuntime } from '../engine/pool.js'
import type { PoolOptions } from './options.js'
import { createPromisePool, type PromisePool } from './pool.js'

export type { PresetName } from '../config/presets.js'
export type { PoolConfigInput } from '../config/schema.js'
export type { PoolLogger, PoolRuntime } from '../engine/pool.js'
export type { PoolErrorCode } from '../errors/pool-error.js'
export { isPoolError, PoolError } from '../errors/pool-error.js'
export type { PoolOptions, ResetOnRelease } from './options.js'
export { type Mysql2EnginePool, Pool as CallbackPool, PromisePool as Pool, PromisePool } from './pool.js'

/**
 * Create a pool and return its promise API, like `mysql2/promise`'s `createPool`.
 * `pool.pool` is the callback pool; `pool.engine` the `@pools/core` engine.
 */
export function createPool(options: string | PoolOptions, runtime?: PoolRuntime): PromisePool {
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

/** The default export: mysql2/promise's module, with `createPool` replaced by the pooled one. */
export type Mysql2PromiseCompat = Omit<typeof mysqlPromise, 'createPool'> & { createPool: typeof createPool }

/** For `import mysql from '@pools/core/mysql2/promise'`. Everything but `createPool` is mysql2's own. */
const compat = Object.create(mysqlPromise, {
  createPool: { value: createPool, enumerable: true },
}) as Mysql2PromiseCompat

export default compat
