/**
 * `@pools/core/mariadb`: the `mariadb` connector's promise pool, backed by the @pools engine. Change the import,
 * keep the code; gain health, leak reports, metrics, bounded waits, PING validation and a rollback of
 * transactions left open. It is what `@prisma/adapter-mariadb` needs to run Prisma on the engine.
 *
 * @example
 * ```ts
 * import mariadb from '@pools/core/mariadb' // was: import mariadb from 'mariadb'
 *
 * const pool = mariadb.createPool({ host: '127.0.0.1', user: 'app', database: 'shop', connectionLimit: 10 })
 * const rows = await pool.query('SELECT ? AS answer', [42])
 * console.log(pool.stats().borrowed, pool.health().status)
 * await pool.end()
 * ```
 * @module
 */
import mariadb from 'mariadb'
import { createPool } from './pool.js'

export { createMariadbDriver, type MariadbDriverOptions } from './driver.js'
export { MARIADB_POOL_DEFAULTS, type PoolOptions, type ResetMode, resolveOptions } from './options.js'
export { createPool, Pool, type PoolConnection } from './pool.js'

/**
 * mariadb's `createConnection` (not pooled), so one import serves both.
 *
 * @example
 * ```ts
 * const conn = await createConnection({ host: 'db', user: 'app' })
 * ```
 */
export const createConnection: typeof mariadb.createConnection = mariadb.createConnection

/**
 * For `import mariadb from '@pools/core/mariadb'`: mariadb's module with `createPool` replaced.
 *
 * @example
 * ```ts
 * import mariadb from '@pools/core/mariadb'
 * const pool = mariadb.createPool(process.env.DATABASE_URL!)
 * ```
 */
const compat = { ...mariadb, createPool } as Omit<typeof mariadb, 'createPool'> & { createPool: typeof createPool }

export default compat
