import type pg from 'pg'
import {
  type FilePool,
  filePoolOptions,
  filePoolSettings,
  isFilePool,
  mergeOptionLayers,
  PoolError,
  type PoolOptions,
  type PresetName,
  pgDialect,
  translateOptions,
} from '../index.js'

/**
 * What sits between the application and PostgreSQL.
 *
 * - `session` (default): a direct connection, or a pooler in session mode. Session state (SET,
 *   prepared statements, temp tables, advisory locks) lives as long as the connection.
 * - `transaction`: PgBouncer / Supavisor / RDS Proxy in transaction mode. Each transaction may run
 *   on a different server connection, so nothing that lives in the session can be relied on.
 */
export type PoolerMode = 'session' | 'transaction'

/**
 * pg-pool's options (`max`, `min`, `idleTimeoutMillis`, `connectionTimeoutMillis`, `maxUses`,
 * `maxLifetimeSeconds`, `allowExitOnIdle`, `verify`, `onConnect`, `Client`, `log`, and every
 * connection option passed to each `Client`), plus two of ours.
 */
export interface PoolConfig extends pg.PoolConfig {
  /**
   * Every @pools engine option, or the name of a preset (`'web'`, `'api'`, `'serverless'`, ...).
   * Precedence: pg-pool's defaults < preset < the pg-pool options you wrote < the `pools` object.
   *
   * - an object is applied on top of the pg-pool options (it wins where both say something);
   * - a preset name (or `{ preset: 'web', ... }`) replaces pg-pool's defaults, and the pg-pool
   *   options you did write override it.
   *
   * @example
   * ```ts
   * new Pool({ connectionString, max: 20, pools: { name: 'orders', leakDetectionThresholdMs: 5_000 } })
   * new Pool({ connectionString, pools: 'serverless' })
   * ```
   *
   * Or a pool of the config file, `await resolvePool('primary')` from `@pools/core/config-file`: its
   * resolved options are the engine's, and its connection settings (URL as `connectionString`, host,
   * user, ...) are used where this object gives none. pg-pool's sizing and timing options
   * (`max`, `idleTimeoutMillis`, ...) are refused beside it: the file says them.
   *
   * @example
   * ```ts
   * const pool = new Pool({ pools: await resolvePool('primary') })
   * ```
   */
  pools?: PoolOptions | PresetName | FilePool | undefined
  /**
   * `'transaction'` behind PgBouncer / Supavisor in transaction mode: named prepared statements are
   * sent unnamed, and session settings that would be sent at connect time (`statement_timeout`,
   * `lock_timeout`, `idle_in_transaction_session_timeout`, `options`) are refused with an error.
   * Default `'session'`.
   */
  poolerMode?: PoolerMode | undefined
  /** Called with each new client after it connects and before it is used; a rejection fails that connect. */
  onConnect?: ((client: pg.ClientBase) => void | Promise<void>) | undefined
}

/** Keys of {@link PoolConfig} that are ours and are not passed on to each `Client`. */
export const POOL_ONLY_KEYS: ReadonlySet<string> = new Set(['pools', 'poolerMode'])

/**
 * What pg-pool does when an option is left out, in engine terms (`pgDialect.defaults` and
 * `pgDialect.behaviour`). The defaults are only used without a preset: a bare `new Pool({...})`
 * behaves like `pg.Pool`; the engine's own features (validation, create timeout and backoff,
 * close grace, leak detection) keep their engine defaults.
 */
export const PG_POOL_DEFAULTS: Readonly<PoolOptions> = Object.freeze({
  ...pgDialect.defaults,
  failWaiterOnCreateError: pgDialect.behaviour.failWaiterOnCreateError,
})

/** The session settings a transaction pooler cannot keep for a client. */
const SESSION_SETTINGS = [
  'statement_timeout',
  'lock_timeout',
  'idle_in_transaction_session_timeout',
  'options',
] as const
type SessionSetting = (typeof SESSION_SETTINGS)[number]

const DEFAULT_NAME = 'pg'

function invalid(message: string, name?: string): PoolError {
  return new PoolError('POOL_CONFIG_INVALID', `Invalid pg pool options: ${message}.`, name ? { poolName: name } : {})
}

/**
 * `pools: <a config file's pool>` spelled out: the file's connection settings under the given
 * options, and its resolved options as `pools`. Anything else is returned as it is.
 */
export function expandFilePool(options: PoolConfig): PoolConfig {
  const file = options.pools
  if (!isFilePool(file)) return options
  const driver = file.connection.driver
  if (driver !== undefined && driver !== 'pg') {
    throw invalid(`pools: pool "${file.name}" of the config file is a ${driver} pool, not a PostgreSQL one`, file.name)
  }
  // application_name is a connection setting too (it only names the pool when nothing else does).
  const written = Object.keys(translatePgPoolOptions({ ...options, pools: undefined })).filter((key) => key !== 'name')
  if (written.length > 0) {
    throw invalid(
      `pools: pool "${file.name}" comes from the config file, which sets every pool option; ` +
        `${written.join(', ')} ${written.length === 1 ? 'was' : 'were'} also given here (as pg-pool options): set ${written.length === 1 ? 'it' : 'them'} in the file instead`,
      file.name,
    )
  }
  // Options left undefined (as TypeORM and others pass them) do not hide the file's settings.
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined))
  return { ...filePoolSettings(file, 'connectionString'), ...defined, pools: filePoolOptions(file) }
}

/** The pool's name: `pools.name`, else `application_name`, else `"pg"`. */
export function poolNameOf(options: PoolConfig): string {
  const pools = options.pools
  if (pools !== null && typeof pools === 'object' && typeof pools.name === 'string' && pools.name.length > 0) {
    return pools.name
  }
  const app = options.application_name
  if (typeof app === 'string' && app.length > 0) return app.slice(0, 120)
  return DEFAULT_NAME
}

/**
 * The pg-pool options the caller actually wrote, in engine terms, read with the `pgDialect`
 * table (the same rows `configFromUrl` uses for postgres URLs). pg-pool coerces loosely
 * (`max: process.env.PG_MAX` works); so does this, and it refuses what pg-pool would hang on.
 */
export function translatePgPoolOptions(options: PoolConfig): PoolOptions {
  return translateOptions(pgDialect, options)
}

/**
 * The engine configuration for a pg pool, with the one precedence
 * (`mergeOptionLayers`): pg-pool's defaults < preset < the pg-pool options given < `pools`.
 * A preset (`pools: 'web'` or `pools: { preset: 'web' }`) replaces pg-pool's defaults entirely;
 * pg-pool's behaviour (`failWaiterOnCreateError`) and the name stay.
 */
export function engineConfigOf(options: PoolConfig): PoolOptions {
  return mergeOptionLayers({
    defaults: pgDialect.defaults,
    behaviour: pgDialect.behaviour,
    driver: translatePgPoolOptions(options),
    pools: options.pools,
  })
}

function connectionStringSettings(connectionString: unknown): SessionSetting[] {
  if (typeof connectionString !== 'string' || !connectionString.includes('?')) return []
  try {
    const params = new URL(connectionString).searchParams
    return SESSION_SETTINGS.filter((key) => params.has(key))
  } catch {
    return []
  }
}

/** Refuse options that cannot work the way they read in the chosen pooler mode. */
export function checkPoolerMode(options: PoolConfig): PoolerMode {
  const mode: unknown = options.poolerMode ?? 'session'
  if (mode !== 'session' && mode !== 'transaction') {
    throw invalid(`poolerMode must be "session" or "transaction", got ${JSON.stringify(mode)}`, poolNameOf(options))
  }
  if (mode === 'transaction') {
    const given: SessionSetting[] = SESSION_SETTINGS.filter((key) => {
      const value: unknown = options[key]
      return value !== undefined && value !== null && value !== false && value !== ''
    })
    for (const key of connectionStringSettings(options.connectionString)) if (!given.includes(key)) given.push(key)
    if (given.length > 0) {
      throw invalid(
        `poolerMode "transaction" cannot apply ${given.join(', ')}: it is a session setting sent at connect time, ` +
          'which PgBouncer/Supavisor refuse or drop, and each transaction may run on a different server connection. ' +
          'Set it on the role or database instead (ALTER ROLE app SET statement_timeout = 5000) or per transaction (SET LOCAL)',
        poolNameOf(options),
      )
    }
  }
  return mode
}
