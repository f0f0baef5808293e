import {
  knexDialect,
  mergeOptionLayers,
  type PoolConfigInput,
  PoolError,
  type PresetName,
  translateOptions,
} from '@pools/core'

/**
 * knex's `pool` option: tarn's options plus knex's own extras. Every key is mapped onto the @pools
 * engine (see docs/knex.md, "Option mapping"); an unknown key is refused, as tarn refuses it.
 *
 * @example
 * ```ts
 * const pool: KnexPoolOptions = { min: 0, max: 20, idleTimeoutMillis: 10_000, afterCreate: (conn, done) => done(null, conn) }
 * knex(withPools({ client: 'pg', connection, pool }))
 * ```
 */
export interface KnexPoolOptions {
  /** Connections kept open (knex default 2). */
  min?: number
  /** Upper bound of open connections (knex default 10). */
  max?: number
  /** How long a caller waits for a connection (tarn default 60 000); with `acquireConnectionTimeout`, the smaller wins. */
  acquireTimeoutMillis?: number
  /** How long one connect may take (tarn default 30 000). */
  createTimeoutMillis?: number
  /** How long closing one connection may take (tarn default 5 000). */
  destroyTimeoutMillis?: number
  /** An idle connection above `min` is closed after this long (tarn default 30 000). */
  idleTimeoutMillis?: number
  /** How often idle and lifetime checks run (tarn default 1 000). */
  reapIntervalMillis?: number
  /** Delay before retrying a failed connect (tarn default 200). */
  createRetryIntervalMillis?: number
  /** A failed connect rejects the waiting caller at once (knex default true). */
  propagateCreateError?: boolean
  /** Runs once per new connection, before first use: session set-up. */
  afterCreate?: (connection: unknown, done: (error?: Error | null, connection?: unknown) => void) => void
  /** Is this connection still usable? Asked before every checkout, as tarn does. */
  validate?: (connection: unknown) => boolean | Promise<boolean>
  /** A connection is retired after this long (knex; off by default). */
  maxConnectionLifetimeMillis?: number
  /** Up to this much is added to each connection's lifetime so they do not all retire at once. */
  maxConnectionLifetimeJitterMillis?: number
  /** tarn's debug logger: accepted and unused (the engine logs through its own events). */
  log?: (message: string, level: string) => void
}

/**
 * The `pools` option: any `@pools/core` option, or the name of a preset.
 *
 * @example
 * ```ts
 * const pools: PoolsOption = { leakDetectionThresholdMs: 10_000, keepaliveIntervalMs: 60_000 } // or 'web'
 * ```
 */
export type PoolsOption = PoolConfigInput | PresetName

/**
 * knex's own pool defaults (tarn via knex 3.3), in engine terms: what a knex pool gets when you say
 * nothing. The same object as `@pools/core`'s `knexDialect.defaults`.
 *
 * @example
 * ```ts
 * console.log(KNEX_DEFAULTS.min, KNEX_DEFAULTS.acquireTimeoutMs) // 2 60000
 * ```
 */
export const KNEX_DEFAULTS: Readonly<PoolConfigInput> = knexDialect.defaults as Readonly<PoolConfigInput>

const KNOWN_POOL_KEYS = new Set<string>([
  'min',
  'max',
  'acquireTimeoutMillis',
  'createTimeoutMillis',
  'destroyTimeoutMillis',
  'idleTimeoutMillis',
  'reapIntervalMillis',
  'createRetryIntervalMillis',
  'propagateCreateError',
  'afterCreate',
  'validate',
  'maxConnectionLifetimeMillis',
  'maxConnectionLifetimeJitterMillis',
  'log',
])

function invalid(message: string): PoolError {
  return new PoolError('POOL_CONFIG_INVALID', `@pools/knex: ${message}`)
}

/** A non-negative number of milliseconds (or a count); tarn reads `0` as "use the default", so `0` is unset. */
function amount(key: string, value: unknown): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalid(`${key} must be a number ≥ 0, got ${typeof value === 'number' ? value : typeof value}.`)
  }
  return value
}

/**
 * knex's pool options, as the knex user wrote them, in engine terms: `@pools/core`'s shared knex
 * table (`translateOptions('knex')`: tarn's options and `acquireConnectionTimeout`, the smaller
 * acquire timeout winning), plus knex's own extras (lifetime and jitter, `validate` on every
 * checkout). Only the keys given are returned; defaults are layered by {@link engineConfigOf}.
 * Throws `PoolError('POOL_CONFIG_INVALID')` naming a bad or unknown key.
 *
 * @example
 * ```ts
 * translateKnexOptions({ min: 0, max: 7, idleTimeoutMillis: 5_000 }, 10_000)
 * // { min: 0, max: 7, acquireTimeoutMs: 10000, idleTimeoutMs: 5000 }
 * ```
 */
export function translateKnexOptions(
  pool: KnexPoolOptions | undefined,
  acquireConnectionTimeout: unknown,
): PoolConfigInput {
  const given = (pool ?? {}) as Record<string, unknown>
  if (typeof given !== 'object' || Array.isArray(given)) throw invalid(`pool must be an object, got ${typeof pool}.`)
  for (const key of Object.keys(given)) {
    if (!KNOWN_POOL_KEYS.has(key)) {
      throw invalid(`unknown pool option "${key}". Known: ${[...KNOWN_POOL_KEYS].join(', ')}.`)
    }
  }
  for (const hook of ['afterCreate', 'validate', 'log'] as const) {
    if (given[hook] !== undefined && typeof given[hook] !== 'function') {
      throw invalid(`pool.${hook} must be a function, got ${typeof given[hook]}.`)
    }
  }
  const out = translateOptions('knex', { pool: given, acquireConnectionTimeout }) as PoolConfigInput
  const lifetimeMs = amount('pool.maxConnectionLifetimeMillis', given.maxConnectionLifetimeMillis)
  if (lifetimeMs) {
    // knex adds up to the jitter to the lifetime; the engine takes up to its jitter off: same window.
    const jitterMs = amount('pool.maxConnectionLifetimeJitterMillis', given.maxConnectionLifetimeJitterMillis) ?? 0
    out.maxLifetimeMs = Math.ceil(lifetimeMs + jitterMs)
    out.maxLifetimeJitterMs = Math.floor(jitterMs)
  }
  if (given.validate !== undefined) {
    // tarn asks validate() before every checkout: no bypass window
    out.validateOnBorrow = true
    out.validationBypassMs = 0
  }
  return out
}

/**
 * The engine configuration for a knex pool, with `@pools/core`'s one precedence
 * (`mergeOptionLayers`): knex's defaults < a preset < the knex options given < the `pools` object.
 * A preset (`pools: 'web'`) replaces knex's defaults; the pool is named `knex` unless `pools` says.
 *
 * @example
 * ```ts
 * engineConfigOf({ max: 20 }, undefined, { leakDetectionThresholdMs: 10_000 })
 * // { min: 2, max: 20, acquireTimeoutMs: 60000, ..., name: 'knex', leakDetectionThresholdMs: 10000 }
 * ```
 */
export function engineConfigOf(
  pool: KnexPoolOptions | undefined,
  acquireConnectionTimeout: unknown,
  pools: unknown,
): PoolConfigInput {
  const driver = translateKnexOptions(pool, acquireConnectionTimeout)
  if (
    pools !== undefined &&
    pools !== null &&
    typeof pools !== 'string' &&
    (typeof pools !== 'object' || Array.isArray(pools))
  ) {
    throw invalid(`"pools" must be a preset name or an object of @pools options, got ${typeof pools}.`)
  }
  return mergeOptionLayers({
    defaults: knexDialect.defaults,
    behaviour: { name: 'knex' },
    driver,
    pools: (pools ?? undefined) as PoolsOption | undefined,
  }) as PoolConfigInput
}
