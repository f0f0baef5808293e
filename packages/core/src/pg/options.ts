import type pg from 'pg'
import { type PresetName, preset } from '../config/presets.js'
import type { PoolConfigInput } from '../config/schema.js'
import { PoolError } from '../errors/pool-error.js'

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
   *
   * - an object is applied on top of the pg-pool options (it wins where both say something);
   * - a preset name replaces pg-pool's defaults, and the pg-pool options you did write override it.
   *
   * @example
   * ```ts
   * new Pool({ connectionString, max: 20, pools: { name: 'orders', leakDetectionThresholdMs: 5_000 } })
   * new Pool({ connectionString, pools: 'serverless' })
   * ```
   */
  pools?: PoolConfigInput | PresetName | undefined
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
 * What pg-pool does when an option is left out, in engine terms. Only used without a preset:
 * a bare `new Pool({...})` behaves like `pg.Pool`; the engine's own features (validation, create
 * timeout and backoff, close grace, leak detection) keep their engine defaults.
 */
export const PG_POOL_DEFAULTS = Object.freeze({
  max: 10,
  min: 0,
  idleTimeoutMs: 10_000,
  acquireTimeoutMs: 0,
  maxLifetimeMs: 0,
  maxUses: 0,
  allowExitOnIdle: false,
  // pg-pool rejects the connect() whose new client failed to connect, at once
  failWaiterOnCreateError: true,
} satisfies PoolConfigInput)

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

/** pg-pool coerces loosely (`max: process.env.PG_MAX` works); so do we, and refuse what it would hang on. */
function toNumber(key: string, value: unknown): number {
  if (value === undefined || value === null || value === false || value === '') return 0
  const n = typeof value === 'number' ? value : Number(value)
  if (Number.isNaN(n)) throw invalid(`${key} must be a number, got ${JSON.stringify(String(value))}`)
  if (n < 0) throw invalid(`${key} must not be negative, got ${n}`)
  return n
}

function toMs(key: string, value: unknown, scale = 1): number {
  const n = toNumber(key, value)
  return Number.isFinite(n) ? Math.ceil(n * scale) : 0
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

/** The pg-pool options the caller actually wrote, in engine terms. */
export function translatePgPoolOptions(options: PoolConfig): PoolConfigInput {
  const out: PoolConfigInput = {}
  const raw = options as PoolConfig & { poolSize?: unknown }
  const max = toNumber('max', raw.max) || toNumber('poolSize', raw.poolSize)
  if (max > 0) out.max = Number.isFinite(max) ? Math.ceil(max) : Number.MAX_SAFE_INTEGER
  const min = toNumber('min', raw.min)
  if (min > 0) out.min = Math.ceil(min)
  if (raw.idleTimeoutMillis !== undefined) out.idleTimeoutMs = toMs('idleTimeoutMillis', raw.idleTimeoutMillis)
  if (raw.connectionTimeoutMillis !== undefined) {
    const ms = toMs('connectionTimeoutMillis', raw.connectionTimeoutMillis)
    out.acquireTimeoutMs = ms
    if (ms > 0) out.createTimeoutMs = ms
  }
  if (raw.maxUses !== undefined) {
    const uses = toNumber('maxUses', raw.maxUses)
    out.maxUses = Number.isFinite(uses) ? Math.ceil(uses) : 0
  }
  if (raw.maxLifetimeSeconds !== undefined) {
    out.maxLifetimeMs = toMs('maxLifetimeSeconds', raw.maxLifetimeSeconds, 1_000)
  }
  if (raw.allowExitOnIdle !== undefined) out.allowExitOnIdle = Boolean(raw.allowExitOnIdle)
  return out
}

/**
 * The engine configuration for a pg pool:
 * - no `pools`: pg-pool's defaults, then the pg-pool options given;
 * - `pools: 'preset'`: the preset, then the pg-pool options given;
 * - `pools: {...}`: pg-pool's defaults, then the pg-pool options given, then `pools`.
 */
export function engineConfigOf(options: PoolConfig): PoolConfigInput {
  const name = poolNameOf(options)
  const given = translatePgPoolOptions(options)
  const pools: unknown = options.pools
  if (pools === undefined || pools === null) return { ...PG_POOL_DEFAULTS, ...given, name }
  if (typeof pools === 'string') {
    return preset(pools as PresetName, { failWaiterOnCreateError: true, ...given, name })
  }
  if (typeof pools === 'object' && !Array.isArray(pools)) {
    return { ...PG_POOL_DEFAULTS, ...given, name, ...(pools as PoolConfigInput) }
  }
  throw invalid(`"pools" must be a preset name or an object of @pools options, got ${typeof pools}`, name)
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
