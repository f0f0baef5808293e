import {
  createPool,
  type Pool as EnginePool,
  engineOf,
  type FilePool,
  filePoolOptions,
  filePoolSettings,
  isFilePool,
  type PoolConfigInput,
  PoolError,
  parsePoolConfig,
} from '@pools/core'
import type { Knex } from 'knex'
import ClientMysql2 from 'knex/lib/dialects/mysql2/index.js'
import ClientPg from 'knex/lib/dialects/postgres/index.js'
import { engineFrom } from './engine-of.js'
import { knexDriver } from './knex-driver.js'
import { engineConfigOf, type KnexPoolOptions, type PoolsOption } from './knex-options.js'
import { KnexEnginePool, knexErrorOf } from './knex-pool.js'

type ClientClass = typeof Knex.Client

/** knex's client names this package runs on, and the dialect each one loads. */
const DIALECTS: Readonly<Record<string, ClientClass>> = Object.freeze({
  pg: ClientPg as unknown as ClientClass,
  postgres: ClientPg as unknown as ClientClass,
  postgresql: ClientPg as unknown as ClientClass,
  mysql2: ClientMysql2 as unknown as ClientClass,
})

/**
 * The knex client names `withPools` accepts (or pass a dialect class, e.g. your own subclass of knex's pg client).
 *
 * @example
 * ```ts
 * const client: PoolsKnexClient = process.env.DB === 'mysql' ? 'mysql2' : 'pg'
 * ```
 */
export type PoolsKnexClient = 'pg' | 'postgres' | 'postgresql' | 'mysql2'

/**
 * A knex configuration, as you already write it, for {@link withPools}: `client` and `connection`,
 * knex's `pool` options (mapped onto the engine), plus `pools`. Or `client` and `connectionPool` set
 * to an existing `@pools` engine or facade, to share it.
 *
 * @example
 * ```ts
 * const config: PoolsKnexConfig = { client: 'mysql2', connection: process.env.DATABASE_URL, pool: { max: 20 }, pools: 'web' }
 * const db = knex(withPools(config))
 * ```
 */
export interface PoolsKnexConfig extends Omit<Knex.Config, 'client' | 'pool' | 'connectionPool'> {
  /** `'pg'` (or `'postgres'`, `'postgresql'`), `'mysql2'`, or a knex dialect class. */
  client: PoolsKnexClient | ClientClass
  /** knex's pool options (tarn's plus `afterCreate`, `validate`, `maxConnectionLifetimeMillis`), mapped onto the engine. */
  pool?: KnexPoolOptions
  /**
   * An existing `@pools/core` engine, or a `@pools` facade over one (a `@pools/core/pg` Pool, a
   * `@pools/core/mysql2` pool, a TypeORM data source's pool): knex borrows from it and never closes
   * it. Instead of `connection`, as in knex.
   */
  connectionPool?: unknown
  /**
   * Any `@pools/core` option (`leakDetectionThresholdMs`, `keepaliveIntervalMs`, ...) or a preset name;
   * or a pool of the config file, `await resolvePool('primary')` from `@pools/core/config-file`: its
   * options configure the engine (so `pool` and `acquireConnectionTimeout` are refused beside it) and
   * its connection settings are the `connection` when none is given.
   */
  pools?: PoolsOption | FilePool
}

/** `pools: <a config file's pool>`: its options for the engine, its connection settings for knex's `connection`. */
function expandFilePool(config: PoolsKnexConfig): PoolsKnexConfig {
  const file = config.pools
  if (!isFilePool(file)) return config
  const pg = config.client === 'pg' || config.client === 'postgres' || config.client === 'postgresql'
  const wanted = pg ? 'pg' : config.client === 'mysql2' ? 'mysql2' : undefined
  const driver = file.connection.driver
  if (driver !== undefined && wanted !== undefined && driver !== wanted) {
    throw invalid(`pool "${file.name}" of the config file is a ${driver} pool, and client is ${String(config.client)}.`)
  }
  const given = (['pool', 'acquireConnectionTimeout'] as const).filter((key) => config[key] !== undefined)
  if (given.length > 0) {
    throw invalid(
      `pools: pool "${file.name}" comes from the config file, which sets every pool option; ${given.join(' and ')} cannot be given beside it: set them in the file instead.`,
    )
  }
  const connection = config.connection ?? filePoolSettings(file, pg ? 'connectionString' : 'uri')
  return { ...config, connection: connection as Knex.Config['connection'], pools: filePoolOptions(file) }
}

interface ClientInternals {
  config: Knex.Config
  pool: unknown
  _ownsPool: boolean
  logger: { warn(message: string): void; debug?(message: string): void }
}

function invalid(message: string): PoolError {
  return new PoolError('POOL_CONFIG_INVALID', `@pools/knex: ${message}`)
}

function dialectOf(client: unknown): ClientClass {
  if (typeof client === 'function') return client as ClientClass
  if (typeof client === 'string' && Object.hasOwn(DIALECTS, client)) return DIALECTS[client] as ClientClass
  const shown = typeof client === 'string' ? JSON.stringify(client.slice(0, 40)) : typeof client
  throw invalid(`client must be one of ${Object.keys(DIALECTS).join(', ')} or a knex dialect class, got ${shown}.`)
}

/**
 * knex's dialect client with its pool replaced: `initializePool()` puts a {@link KnexEnginePool}
 * where knex would put tarn, and `acquireConnection()` / `releaseConnection()` talk to it directly.
 * Owned (built from `connection`): knex's `destroy()` closes the engine, whose log lines go to knex's
 * logger. Shared (`connectionPool`): knex borrows from the engine and `destroy()` leaves it open.
 */
function poolsClientOf(
  Base: ClientClass,
  plan: { engine: EnginePool<object> } | { config: PoolConfigInput; pool: KnexPoolOptions | undefined },
): ClientClass {
  // knex's Client is CommonJS with a constructor that calls initializePool(); a subclass is knex's
  // documented way to customise a dialect (`client` accepts a class).
  const PoolsClient = class extends (Base as unknown as new (config: Knex.Config) => object) {
    initializePool(this: ClientInternals & Knex.Client): void {
      if (this.pool) {
        this.logger.warn('The pool has already been initialized')
        return
      }
      if ('engine' in plan) {
        this.pool = new KnexEnginePool(plan.engine, false)
        this._ownsPool = false
        return
      }
      // the engine's few log lines (create failure streaks, leaks) go where knex's own go (`log` option)
      const logger = this.logger
      const engine = createPool(knexDriver(this, plan.pool), plan.config, {
        logger: { warn: (message) => logger.warn(message), info: (message) => logger.debug?.(message) },
      })
      this.pool = new KnexEnginePool(engine, true)
      this._ownsPool = true
    }

    /**
     * knex's acquireConnection() without the tarn detour: straight to the engine, errors in knex's
     * words and logged as knex logs them. (Passwords in a connection's config are hidden once, when
     * it is created, rather than on every checkout.)
     */
    async acquireConnection(this: ClientInternals): Promise<object> {
      const pool = this.pool as KnexEnginePool<object> | undefined
      if (pool === undefined) throw new Error('Unable to acquire a connection')
      try {
        return await pool.engine.acquire()
      } catch (error) {
        const converted = knexErrorOf(error)
        const shown = converted instanceof Error ? (converted.stack ?? converted.message) : String(converted)
        this.logger.warn(`Acquire connection error: ${shown}`)
        throw converted
      }
    }

    /** knex's releaseConnection(), straight to the pool. */
    releaseConnection(this: ClientInternals, connection: object): Promise<void> {
      // after destroy() the engine has already closed this connection
      ;(this.pool as KnexEnginePool<object> | undefined)?.release(connection)
      return Promise.resolve()
    }
  }
  Object.defineProperty(PoolsClient, 'name', { value: `Pools${Base.name || 'Client'}` })
  return PoolsClient as unknown as ClientClass
}

/**
 * Your knex configuration, running on the @pools engine: pass the result to `knex()`.
 *
 * knex's `pool` options (`min`, `max`, `acquireTimeoutMillis`, `idleTimeoutMillis`, `afterCreate`,
 * `validate`, `maxConnectionLifetimeMillis`, ...) and `acquireConnectionTimeout` are mapped onto the
 * engine; `pools` adds any engine option or a preset. Connections are opened by knex's own dialect
 * code (version check, `searchPath`, `afterCreate`), so sessions look exactly as before.
 * `knex.destroy()` closes the engine this created.
 *
 * With `connectionPool` set to an existing engine or `@pools` facade instead of `connection`, knex
 * borrows from that engine (shared with whatever else uses it) and `knex.destroy()` leaves it open.
 *
 * Throws `PoolError('POOL_CONFIG_INVALID')` for an unknown client, a bad pool option, or both
 * `connection` and `connectionPool`.
 *
 * @example
 * ```ts
 * import knex from 'knex'
 * import { withPools, knexEngine } from '@pools/knex'
 *
 * const db = knex(
 *   withPools({
 *     client: 'pg',
 *     connection: process.env.DATABASE_URL,
 *     pool: { min: 0, max: 20 },
 *     pools: { leakDetectionThresholdMs: 10_000 },
 *   }),
 * )
 * await db('users').where({ id: 1 }).first()
 * console.log(knexEngine(db).health().status)
 * await db.destroy() // closes the pool
 * ```
 */
export function withPools(config: PoolsKnexConfig): Knex.Config {
  if (config === null || typeof config !== 'object')
    throw invalid(`the configuration must be an object, got ${typeof config}.`)
  const { client, pool, pools, connectionPool, ...rest } = expandFilePool(config)
  const Base = dialectOf(client)
  if (connectionPool !== undefined && connectionPool !== null) {
    if (rest.connection !== undefined)
      throw invalid("'connectionPool' and 'connection' are mutually exclusive, as in knex.")
    if (pool !== undefined || pools !== undefined) {
      throw invalid(
        "'pool' and 'pools' configure a pool withPools() creates; an existing engine given as 'connectionPool' keeps its own configuration.",
      )
    }
    const engine = engineFrom(connectionPool, 'connectionPool')
    return {
      ...rest,
      client: poolsClientOf(Base, { engine }),
      connectionPool: engine as unknown as Knex.Config['connectionPool'],
    }
  }
  const engineConfig = engineConfigOf(pool, rest.acquireConnectionTimeout, pools)
  parsePoolConfig(engineConfig) // refuse a bad configuration here, not on the first query
  const out: Knex.Config = { ...rest, client: poolsClientOf(Base, { config: engineConfig, pool }) }
  if (pool !== undefined) out.pool = pool as Knex.PoolConfig
  return out
}

/**
 * The `@pools/core` engine behind a knex instance made with {@link withPools}: `stats()`,
 * `health()`, `leaks()`, `on('leak' | 'timeout' | ...)`, `resize()`.
 *
 * Throws `PoolError('POOL_CONFIG_INVALID')` when that knex instance is not on the @pools engine
 * (or has been destroyed).
 *
 * @example
 * ```ts
 * knexEngine(db).on('leak', ({ heldMs, stack }) => log.warn({ heldMs, stack }, 'connection held too long'))
 * ```
 */
export function knexEngine<T extends object = object>(instance: Knex | { client: unknown }): EnginePool<T> {
  const pool = (instance as { client?: { pool?: unknown } } | null)?.client?.pool
  try {
    // through the ENGINE handle, not instanceof: a CommonJS and an ES copy of this package may both be loaded
    return engineOf(pool) as EnginePool<T>
  } catch {
    throw invalid('this knex instance is not running on a @pools engine (made without withPools(), or destroyed).')
  }
}
