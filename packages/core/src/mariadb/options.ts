import type { ConnectionConfig, PoolConfig as MariadbPoolConfig } from 'mariadb'
import { type PoolConfigInput, PoolError, type PresetName, preset } from '../index.js'

/**
 * The `mariadb` driver's pool options, plus `pools`: any @pools engine option, or a preset name.
 *
 * @example
 * ```ts
 * const options: PoolOptions = { host: 'db', user: 'app', database: 'shop', connectionLimit: 20, pools: 'web' }
 * ```
 */
export interface PoolOptions extends MariadbPoolConfig {
  /** Every @pools engine option (`leakDetectionThresholdMs`, `validateOnBorrow`, ...), or a preset name. */
  pools?: PoolConfigInput | PresetName | undefined
}

/**
 * What to do with a connection when it is released: roll back an open transaction (default), send
 * COM_RESET_CONNECTION (`resetAfterUse: true`), or nothing (`noControlAfterUse: true`).
 *
 * @example
 * ```ts
 * const mode: ResetMode = resolveOptions({ resetAfterUse: true }).reset // 'reset'
 * ```
 */
export type ResetMode = 'rollback' | 'reset' | 'none'

/** The mariadb pool options this drop-in maps onto the engine (the rest go to each connection). */
const POOL_KEYS = [
  'pools',
  'connectionLimit',
  'minimumIdle',
  'idleTimeout',
  'acquireTimeout',
  'initializationTimeout',
  'leakDetectionTimeout',
  'resetAfterUse',
  'noControlAfterUse',
  'minDelayValidation',
  'pingTimeout',
] as const

/**
 * mariadb's pool defaults, used unless the options, a preset or `pools` say otherwise.
 *
 * @example
 * ```ts
 * MARIADB_POOL_DEFAULTS.connectionLimit // 10
 * ```
 */
export const MARIADB_POOL_DEFAULTS = Object.freeze({
  connectionLimit: 10,
  acquireTimeout: 10_000,
  /** seconds */
  idleTimeout: 1_800,
})

/**
 * The outcome of {@link resolveOptions}.
 *
 * @example
 * ```ts
 * const { connection, engine, reset }: ResolvedOptions = resolveOptions('mariadb://app@db/shop')
 * ```
 */
export interface ResolvedOptions {
  connection: ConnectionConfig
  engine: PoolConfigInput
  reset: ResetMode
}

function invalid(key: string, value: unknown, rule: string): PoolError {
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : String(value)
  return new PoolError('POOL_CONFIG_INVALID', `mariadb createPool(): "${key}" ${rule}, got ${shown}.`)
}

function whole(key: string, value: unknown, least: number): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (typeof n !== 'number' || !Number.isInteger(n) || n < least)
    throw invalid(key, value, `must be a whole number >= ${least}`)
  return n
}

/** A `mariadb://user:password@host:port/database?option=value` URL as mariadb reads it (without credentials in errors). */
function parseUrl(url: string): Record<string, unknown> {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new PoolError('POOL_CONFIG_INVALID', 'mariadb createPool(): the connection URL cannot be parsed.')
  }
  if (!/^(mariadb|mysql):$/.test(parsed.protocol)) {
    throw new PoolError(
      'POOL_CONFIG_INVALID',
      `mariadb createPool(): expected a mariadb:// or mysql:// URL, got ${parsed.protocol}//…`,
    )
  }
  const options: Record<string, unknown> = {}
  if (parsed.hostname) options.host = decodeURIComponent(parsed.hostname.replace(/^\[|\]$/g, ''))
  if (parsed.port) options.port = Number(parsed.port)
  if (parsed.username) options.user = decodeURIComponent(parsed.username)
  if (parsed.password) options.password = decodeURIComponent(parsed.password)
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''))
  if (database) options.database = database
  for (const [key, value] of parsed.searchParams) {
    options[key] = value === 'true' ? true : value === 'false' ? false : /^\d+$/.test(value) ? Number(value) : value
  }
  return options
}

/**
 * Split mariadb pool options into the connection settings, the engine configuration and the release reset.
 * Defaults are mariadb's (`connectionLimit` 10, `acquireTimeout` 10 s, `idleTimeout` 1800 s), except that no
 * connection is opened before it is needed unless `minimumIdle` is given.
 *
 * @example
 * ```ts
 * resolveOptions({ host: 'db', connectionLimit: 20, idleTimeout: 60 }).engine // { max: 20, idleTimeoutMs: 60_000, ... }
 * ```
 */
export function resolveOptions(input: string | PoolOptions): ResolvedOptions {
  let source: Record<string, unknown>
  if (typeof input === 'string') source = parseUrl(input)
  else if (input !== null && typeof input === 'object' && !Array.isArray(input)) source = { ...input }
  else
    throw new PoolError(
      'POOL_CONFIG_INVALID',
      'mariadb createPool(options): options must be an object or a connection URL.',
    )

  const given = (key: string) => source[key] !== undefined && source[key] !== null
  const explicit: PoolConfigInput = {}
  if (given('connectionLimit')) explicit.max = whole('connectionLimit', source.connectionLimit, 1)
  if (given('minimumIdle')) explicit.min = whole('minimumIdle', source.minimumIdle, 0)
  if (given('acquireTimeout')) explicit.acquireTimeoutMs = whole('acquireTimeout', source.acquireTimeout, 0)
  if (given('idleTimeout')) explicit.idleTimeoutMs = whole('idleTimeout', source.idleTimeout, 0) * 1_000
  if (given('leakDetectionTimeout')) {
    explicit.leakDetectionThresholdMs = whole('leakDetectionTimeout', source.leakDetectionTimeout, 0)
  }
  if (given('connectTimeout')) explicit.createTimeoutMs = Math.max(1, whole('connectTimeout', source.connectTimeout, 0))
  if (explicit.min !== undefined && explicit.max !== undefined && explicit.min > explicit.max)
    explicit.min = explicit.max

  const where =
    typeof source.socketPath === 'string' ? source.socketPath : `${source.host ?? 'localhost'}:${source.port ?? 3306}`
  const defaults: PoolConfigInput = {
    // user@host/database only: never the password
    name: `mariadb ${String(source.user ?? '')}@${where}/${String(source.database ?? '')}`.slice(0, 120),
    max: MARIADB_POOL_DEFAULTS.connectionLimit,
    acquireTimeoutMs: MARIADB_POOL_DEFAULTS.acquireTimeout,
    idleTimeoutMs: MARIADB_POOL_DEFAULTS.idleTimeout * 1_000,
  }
  const pools = source.pools
  let engine: PoolConfigInput
  if (pools === undefined || pools === null) engine = { ...defaults, ...explicit }
  else if (typeof pools === 'string') engine = { ...defaults, ...preset(pools as PresetName), ...explicit }
  else if (typeof pools === 'object' && !Array.isArray(pools))
    engine = { ...defaults, ...explicit, ...(pools as PoolConfigInput) }
  else throw invalid('pools', pools, 'must be an object of @pools/core options or a preset name')

  const reset: ResetMode =
    source.noControlAfterUse === true ? 'none' : source.resetAfterUse === true ? 'reset' : 'rollback'
  const connection: Record<string, unknown> = { ...source }
  for (const key of POOL_KEYS) delete connection[key]
  return { connection: connection as ConnectionConfig, engine, reset }
}
