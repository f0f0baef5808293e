/**
 * `@pools/core/mysql2`: mysql2's pool, backed by the `@pools/core` engine.
 * Change the import, keep the code; gain health, leak reports, metrics,
 * bounded waits, PING validation, and a rollback of transactions left open
 * before a connection is reused. See docs/mysql2.md.
 *
 * @example
 * ```ts
 * import mysql from '@pools/core/mysql2' // was: import mysql from 'mysql2'
 *
 * const pool = mysql.createPool({ host: '127.0.0.1', user: 'app', database: 'shop', connectionLimit: 10 })
 * const [rows] = await pool.promise().query('SELECT ? AS answer', [42])
 * console.log(pool.stats().borrowed, pool.health().status)
 * await pool.promise().end()
 * ```
 * @module
 */
import mysql from 'mysql2'
import { createPool, createPromisePool } from './pool.js'
import { createPoolCluster, PoolCluster } from './pool-cluster.js'
import { createPromisePoolCluster } from './promise-pool-cluster.js'

export type { PoolConfigInput, PoolErrorCode, PoolLogger, PoolRuntime, PresetName } from '../index.js'
export { isPoolError, PoolError } from '../index.js'
export {
  createMysql2Driver,
  type Mysql2Driver,
  type Mysql2DriverOptions,
} from './driver.js'
export type { PoolOptions, ResetOnRelease } from './options.js'
export {
  createPool,
  createPromisePool,
  type EngineFacadeOptions,
  type Mysql2EnginePool,
  Pool,
  PromisePool,
} from './pool.js'
export {
  createPoolCluster,
  PoolCluster,
  type PoolClusterOptions,
  type PoolNamespace,
} from './pool-cluster.js'

/** mysql2's `createConnection` (not pooled), so one import serves both. */
export const createConnection: typeof mysql.createConnection = mysql.createConnection
/** mysql2's escaping and formatting helpers. */
const escapeValue: typeof mysql.escape = mysql.escape

export { escapeValue as escape }
export const escapeId: typeof mysql.escapeId = mysql.escapeId
export const format: typeof mysql.format = mysql.format
export const raw: typeof mysql.raw = mysql.raw

/**
 * The default export: mysql2's module, with `createPool`, `createPoolCluster` (and their promise
 * variants) and `PoolCluster` replaced by the pooled ones.
 */
export type Mysql2Compat = Omit<typeof mysql, 'createPool' | 'createPoolCluster' | 'PoolCluster'> & {
  createPool: typeof createPool
  createPromisePool: typeof createPromisePool
  createPoolPromise: typeof createPromisePool
  createPoolCluster: typeof createPoolCluster
  createPoolClusterPromise: typeof createPromisePoolCluster
  PoolCluster: typeof PoolCluster
}

/**
 * For `import mysql from '@pools/core/mysql2'` (mysql2 is CommonJS: its default import is its module).
 * Everything else (`createConnection`, `format`, `Types`, …) is mysql2's own.
 */
const compat = Object.create(mysql, {
  createPool: { value: createPool, enumerable: true },
  createPromisePool: { value: createPromisePool, enumerable: true },
  createPoolPromise: { value: createPromisePool, enumerable: true },
  createPoolCluster: { value: createPoolCluster, enumerable: true },
  createPoolClusterPromise: { value: createPromisePoolCluster, enumerable: true },
  PoolCluster: { value: PoolCluster, enumerable: true },
}) as Mysql2Compat

export default compat
