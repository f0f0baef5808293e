import type { PoolOptions as Mysql2PoolOptions } from 'mysql2'
import mysql from 'mysql2'
import {
  type PoolOptions as EngineOptions,
  type FilePool,
  filePoolOptions,
  filePoolSettings,
  isFilePool,
  mergeOptionLayers,
  mysql2Dialect,
  PoolError,
  type PresetName,
  translateOptions,
} from '../index.js'
import type { Mysql2ConnectionConfig } from './driver.js'

/**
 * What happens to a connection's session when it is released:
 *
 * - `'rollback'` (default): a transaction left open (or any statement run with
 *   autocommit off) is rolled back with one `ROLLBACK`, only when the server's
 *   status flags say one may be open. Everything else (session variables,
 *   temporary tables, prepared statements) stays, exactly as with mysql2.
 * - `true`: `COM_RESET_CONNECTION` on every release (mysql2's `resetOnRelease`):
 *   rolls back, and also clears session variables, user variables, temporary
 *   tables, named locks and prepared statements (mysql2 clears its client-side
 *   statement cache with it). One round trip per release.
 * - `false`: nothing (mysql2's default): an open transaction is handed to the next borrower.
 */
export type ResetOnRelease = boolean | 'rollback'

/** How a released connection is cleaned: `rollback`, `reset` (COM_RESET_CONNECTION) or `none`. */
export type ResetMode = 'rollback' | 'reset' | 'none'

/**
 * mysql2's pool options, plus `pools`: any `@pools/core` option (or a preset
 * name), and a `resetOnRelease` that also accepts `'rollback'` (the default).
 */
export interface PoolOptions extends Omit<Mysql2PoolOptions, 'resetOnRelease'> {
  /** See {@link ResetOnRelease}. Default `'rollback'`. */
  resetOnRelease?: ResetOnRelease
  /**
   * Any `@pools/core` option (`acquireTimeoutMs`, `leakDetectionThresholdMs`,
   * `maxLifetimeMs`, `min`, `keepaliveIntervalMs`, `retry`, `health`, …), which
   * wins over the mapped mysql2 options; or a preset name (`'web'`, `'api'`,
   * `'serverless'`, …), over which explicitly given mysql2 options win. Precedence:
   * mysql2's defaults < preset < the mysql2 options you wrote < the `pools` object.
   *
   * Or a pool of the config file, `await resolvePool('orders')` from `@pools/core/config-file`: its
   * resolved options are the engine's, and its connection settings (URL as `uri`, host, user, ...)
   * are used where this object gives none. mysql2's pool sizing options (`connectionLimit`,
   * `maxIdle`, `idleTimeout`, `queueLimit`) are refused beside it: the file says them.
   *
   * @example
   * ```ts
   * const pool = mysql.createPool({ pools: await resolvePool('orders') })
   * ```
   */
  pools?: EngineOptions | PresetName | FilePool
}

const MYSQL2_POOL_KEYS = ['connectionLimit', 'maxIdle', 'idleTimeout', 'queueLimit'] as const

/** `pools: <a config file's pool>` spelled out: its connection settings under the given options, its options as `pools`. */
function expandFilePool(source: Record<string, unknown>): Record<string, unknown> {
  const file = source.pools
  if (!isFilePool(file)) return source
  const driver = file.connection.driver
  if (driver !== undefined && driver !== 'mysql2') {
    throw new PoolError(
      'POOL_CONFIG_INVALID',
      `Invalid mysql2 pool options: pools: pool "${file.name}" of the config file is a ${driver} pool, not a MySQL one.`,
    )
  }
  const written = MYSQL2_POOL_KEYS.filter((key) => source[key] !== undefined)
  if (written.length > 0) {
    throw new PoolError(
      'POOL_CONFIG_INVALID',
      `Invalid mysql2 pool options: pools: pool "${file.name}" comes from the config file, which sets every pool option; ${written.join(', ')} ${written.length === 1 ? 'was' : 'were'} also given here: set ${written.length === 1 ? 'it' : 'them'} in the file instead.`,
    )
  }
  // Options left undefined (as TypeORM and others pass them) do not hide the file's settings.
  const defined = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined))
  return {
    ...filePoolSettings(file, 'uri'),
    ...defined,
    connectionLimit: file.config.max,
    pools: filePoolOptions(file),
  }
}

/** mysql2's runtime `PoolConfig`: what `pool.config` is on a mysql2 pool. */
export interface Mysql2PoolConfig {
  connectionConfig: Mysql2ConnectionConfig
  waitForConnections: boolean
  connectionLimit: number
  maxIdle: number
  idleTimeout: number
  queueLimit: number
  resetOnRelease: boolean
}

/** The options resolved the way mysql2 resolves them, and the engine configuration they map to. */
export interface ResolvedOptions {
  /** For `pool.config`, shaped like mysql2's `PoolConfig` (mysql2's promise wrapper reads it). */
  poolConfig: Mysql2PoolConfig
  /** Engine configuration: mapped options, preset and `pools` merged (validated by the engine). */
  engine: EngineOptions
  reset: ResetMode
  waitForConnections: boolean
  /** The `Promise` option (a Promise implementation for `promise()`), when given. */
  promise: PromiseConstructor | undefined
}

interface ConnectionConfigClass {
  new (options: Record<string, unknown>): Mysql2ConnectionConfig
  parseUrl(url: string): Record<string, unknown>
}

const ConnectionConfig = (mysql as unknown as { ConnectionConfig: ConnectionConfigClass }).ConnectionConfig

/** mysql2's own defaults (lib/pool_config.js), as `mysql2Dialect.defaults` says them in engine terms. */
const MYSQL2_CONNECTION_LIMIT = mysql2Dialect.defaults.max ?? 10
const MYSQL2_IDLE_TIMEOUT = mysql2Dialect.defaults.idleTimeoutMs ?? 60_000

function invalid(option: string, value: unknown, rule: string): PoolError {
  return new PoolError('POOL_CONFIG_INVALID', `Invalid mysql2 pool option: ${option} ${rule}, got ${String(value)}.`)
}

/** Is the option given? mysql2 reads numbers with `isNaN(x) ? default : Number(x)`. */
function given(value: unknown): boolean {
  return value !== undefined && !Number.isNaN(Number(value))
}

function wholeNumber(option: string, value: unknown, min: number): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < min) throw invalid(option, value, `must be a whole number ≥ ${min}`)
  return n
}

function defaultName(config: Mysql2ConnectionConfig): string {
  const where = config.socketPath ?? `${config.host ?? 'localhost'}:${config.port ?? 3306}`
  // user@host only: never the password.
  return `mysql2 ${config.user ?? ''}@${where}/${config.database ?? ''}`.slice(0, 120)
}

/** Map mysql2 pool options onto the engine configuration, reading them exactly as mysql2 does. */
export function resolveOptions(input: string | PoolOptions | undefined): ResolvedOptions {
  let source: Record<string, unknown>
  if (typeof input === 'string') source = ConnectionConfig.parseUrl(input)
  else if (input !== null && typeof input === 'object') source = expandFilePool({ ...input })
  else throw new PoolError('POOL_CONFIG_INVALID', 'createPool(options): options must be an object or a connection URL.')

  const pools = source.pools as EngineOptions | PresetName | undefined
  const resetOnRelease = source.resetOnRelease
  delete source.pools
  delete source.resetOnRelease
  // mysql2 warns about unknown keys; `pools` is ours. ConnectionConfig also copies `uri` parameters
  // (including pool options such as ?connectionLimit=5) into `source`, so pool options are read after it.
  const connectionConfig = new ConnectionConfig(source)

  const waitForConnections = source.waitForConnections === undefined ? true : Boolean(source.waitForConnections)
  const connectionLimit = given(source.connectionLimit)
    ? wholeNumber('connectionLimit', source.connectionLimit, 1)
    : MYSQL2_CONNECTION_LIMIT
  const maxIdle = given(source.maxIdle) ? wholeNumber('maxIdle', source.maxIdle, 0) : connectionLimit
  const idleTimeout = given(source.idleTimeout)
    ? wholeNumber('idleTimeout', source.idleTimeout, 0)
    : MYSQL2_IDLE_TIMEOUT
  const queueLimit = given(source.queueLimit) ? wholeNumber('queueLimit', source.queueLimit, 0) : 0

  let reset: ResetMode
  if (resetOnRelease === undefined || resetOnRelease === 'rollback') reset = 'rollback'
  else if (typeof resetOnRelease === 'boolean') reset = resetOnRelease ? 'reset' : 'none'
  else throw invalid('resetOnRelease', resetOnRelease, "must be true, false or 'rollback'")

  // The mysql2 options the caller wrote, read with the table configFromUrl uses for mysql URLs.
  const driver = translateOptions(mysql2Dialect, source)
  // mysql2's maxIdle at or above connectionLimit caps nothing (its default is connectionLimit)
  if (driver.maxIdle !== undefined && driver.maxIdle >= connectionLimit) delete driver.maxIdle
  const engine = mergeOptionLayers({
    defaults: mysql2Dialect.defaults,
    behaviour: { ...mysql2Dialect.behaviour, name: defaultName(connectionConfig) },
    driver,
    pools,
  })

  const promise = source.Promise as PromiseConstructor | undefined
  return {
    poolConfig: {
      connectionConfig,
      waitForConnections,
      connectionLimit,
      maxIdle,
      idleTimeout,
      queueLimit,
      resetOnRelease: reset === 'reset',
    },
    engine,
    reset,
    waitForConnections,
    promise: typeof promise === 'function' ? promise : undefined,
  }
}
