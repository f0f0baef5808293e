/**
 * `@pools/core/pg`: a drop-in `pg.Pool` on the @pools engine. Change one import:
 *
 * ```ts
 * import pg from '@pools/core/pg'            // was: import pg from 'pg'
 * import { Pool } from '@pools/core/pg'      // was: import { Pool } from 'pg'
 * ```
 *
 * Everything else `pg` exports (`Client`, `types`, `DatabaseError`, ...) is re-exported unchanged,
 * so the default export can stand in for `pg` itself. `pg` (8.x) is a peer dependency.
 *
 * `createPgDriver(options)` is the PostgreSQL driver on its own, for `createPool(driver, config)`;
 * `new Pool({ engine })` puts the `pg.Pool` API on an engine that already exists.
 *
 * @example
 * ```ts
 * import { Pool } from '@pools/core/pg'
 * const pool = new Pool({ connectionString: process.env.DATABASE_URL, pools: { name: 'api', leakDetectionThresholdMs: 10_000 } })
 * const { rows } = await pool.query('SELECT $1::int AS n', [1])
 * await pool.end()
 * ```
 * @module
 */
import pg from 'pg'
import { Pool } from './pool.js'

export { createPgDriver, type PgDriver, type PgDriverOptions } from './driver.js'
export { PG_MESSAGES } from './errors.js'
export { PG_POOL_DEFAULTS, type PoolConfig, type PoolerMode } from './options.js'
export type { PoolFacadeOptions } from './pool.js'
export { Pool }

// pg's own exports, unchanged, so `@pools/core/pg` can replace the `pg` import wholesale.
export const Client: typeof pg.Client = pg.Client
export type Client = pg.Client
export const Query: typeof pg.Query = pg.Query
export type Query = pg.Query
export const DatabaseError: typeof pg.DatabaseError = pg.DatabaseError
export type DatabaseError = pg.DatabaseError
export const Connection: typeof pg.Connection = pg.Connection
export type Connection = pg.Connection
export const Result: typeof pg.Result = pg.Result
export type Result = pg.Result
export const TypeOverrides: typeof pg.TypeOverrides = pg.TypeOverrides
export type TypeOverrides = pg.TypeOverrides
export const types: typeof pg.types = pg.types
export const defaults: typeof pg.defaults = pg.defaults
export const escapeIdentifier: typeof pg.escapeIdentifier = pg.escapeIdentifier
export const escapeLiteral: typeof pg.escapeLiteral = pg.escapeLiteral
export type {
  ClientBase,
  ClientConfig,
  ConnectionConfig,
  CustomTypesConfig,
  FieldDef,
  Notification,
  PoolClient,
  PoolOptions,
  QueryArrayConfig,
  QueryArrayResult,
  QueryConfig,
  QueryConfigValues,
  QueryResult,
  QueryResultBase,
  QueryResultRow,
  Submittable,
} from 'pg'

/** `pg`, with `Pool` replaced: `import pg from '@pools/core/pg'` in place of `import pg from 'pg'`. */
const pgWithPools: typeof pg & { Pool: typeof Pool } = {
  ...pg,
  Pool,
  get native() {
    return pg.native
  },
}

export default pgWithPools
