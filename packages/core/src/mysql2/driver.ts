import type { ConnectionOptions, PoolConnection as Mysql2PoolConnection } from 'mysql2'
import mysql from 'mysql2'
import { type Pool as EnginePool, isPoolError, PoolError, type ResourceDriver } from '../index.js'
import {
  close,
  isBroken,
  killRunningQuery,
  mayBeInTransaction,
  NO_STATUS,
  PooledConnection,
  type PoolHost,
} from './connection.js'
import type { ResetMode, ResetOnRelease } from './options.js'

/**
 * mysql2's connection options (what `mysql.createConnection` takes), plus how a released connection is cleaned.
 *
 * @example
 * ```ts
 * const options: Mysql2DriverOptions = { host: '127.0.0.1', user: 'app', database: 'shop', resetOnRelease: true }
 * const engine = createPool(createMysql2Driver(options), { max: 10 })
 * ```
 */
export interface Mysql2DriverOptions extends ConnectionOptions {
  /** See {@link ResetOnRelease}. Default `'rollback'`. */
  resetOnRelease?: ResetOnRelease
}

/**
 * The mysql2 driver's hooks, including the signal of `destroy` and `ref`/`unref`. Hand it to `@pools/core`'s
 * `createPool`; the engine calls the hooks.
 *
 * @example
 * ```ts
 * const driver: Mysql2Driver = createMysql2Driver(process.env.DATABASE_URL!)
 * const engine = createPool(driver, { max: 10, allowExitOnIdle: true })
 * ```
 */
export interface Mysql2Driver extends ResourceDriver<Mysql2PoolConnection> {
  destroy(connection: Mysql2PoolConnection, signal?: AbortSignal): Promise<void>
  /** The engine calls it when a connection is lent (only with `allowExitOnIdle`): its socket holds the process open. */
  ref(connection: Mysql2PoolConnection): void
  /** The engine calls it when a connection goes idle (only with `allowExitOnIdle`): the process may exit. */
  unref(connection: Mysql2PoolConnection): void
}

/** mysql2's runtime `ConnectionConfig` (the typings only describe its instances). */
export interface Mysql2ConnectionConfig {
  host?: string
  port?: number
  socketPath?: string
  user?: string
  database?: string
  connectTimeout?: number
  trace?: boolean
}

interface ConnectionConfigClass {
  new (options: Record<string, unknown> | string): Mysql2ConnectionConfig
  parseUrl(url: string): Record<string, unknown>
}

const ConnectionConfig = (mysql as unknown as { ConnectionConfig: ConnectionConfigClass }).ConnectionConfig

/** What mysql2 keeps of the credentials in a `ConnectionConfig`. */
const SECRET_FIELDS = ['password', 'password1', 'password2', 'password3', 'passwordSha1'] as const

/**
 * Make the credentials of a mysql2 `ConnectionConfig` non-enumerable: still read (and written, by
 * `changeUser`) by mysql2, never shown by `util.inspect`, `JSON.stringify`, `Object.keys` or a spread.
 * The per-connection copies (made with the property descriptors) keep it so.
 */
export function hideSecrets<C extends object>(config: C): C {
  for (const field of SECRET_FIELDS) {
    const descriptor = Object.getOwnPropertyDescriptor(config, field)
    if (descriptor?.enumerable && 'value' in descriptor) {
      Object.defineProperty(config, field, { ...descriptor, enumerable: false })
    }
  }
  return config
}

/**
 * Run mysql2 code that parses connection options. Its URL parser throws Node's `ERR_INVALID_URL`, whose
 * `input` property holds the whole URL, password included (shown by `util.inspect` and `JSON.stringify`):
 * every such error becomes a `PoolError` that carries neither the URL nor the original error.
 */
export function parsingOptions<R>(what: string, parse: () => R): R {
  try {
    return parse()
  } catch (error) {
    if (isPoolError(error)) throw error
    const code = (error as { code?: unknown } | null)?.code
    if (code === 'ERR_INVALID_URL' || error instanceof URIError) {
      throw new PoolError(
        'POOL_CONFIG_INVALID',
        `${what}: the connection URL is not a valid URL (expected mysql://user:password@host:port/database; the URL is not repeated here because it may hold a password).`,
      )
    }
    const message = error instanceof Error ? error.message : String(error)
    throw new PoolError('POOL_CONFIG_INVALID', `${what}: mysql2 refused the connection options: ${message}`)
  }
}

/** Connect errors that retrying soon will not fix: callers fail at once instead of waiting out their timeout. */
const FATAL_CONNECT_ERRORS: ReadonlySet<string> = new Set([
  'ER_ACCESS_DENIED_ERROR',
  'ER_ACCESS_DENIED_NO_PASSWORD_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
])

/** The host of a driver's connections (their `_pool`): gives them back to the engine the driver serves. */
class DriverHost implements PoolHost {
  engine: EnginePool<Mysql2PoolConnection> | undefined

  get _closed(): boolean {
    return this.engine?.state === 'closed'
  }

  /** `connection.release()` (a promise connection wraps the core one in `.connection`). A second release is ignored. */
  releaseConnection(connection: Mysql2PoolConnection): void {
    const core = ((connection as unknown as { connection?: Mysql2PoolConnection }).connection ??
      connection) as Mysql2PoolConnection
    const engine = this.engine
    if (engine === undefined) {
      throw new PoolError(
        'POOL_RELEASE_INVALID',
        'connection.release() needs the mysql2 pool around the engine: give the connection back with engine.release(connection), or wrap the engine with createPool({ engine }) from @pools/core/mysql2.',
      )
    }
    try {
      engine.release(core)
    } catch (error) {
      if (!isPoolError(error, 'POOL_RELEASE_INVALID')) throw error
    }
  }

  /** A connection reported an error or its end (mysql2's PoolConnection calls this). */
  _removeConnection(connection: Mysql2PoolConnection): void {
    this.lost(connection as unknown as PooledConnection)
  }

  /** Take a failed connection out of the pool: now if idle; a borrowed one's slot is freed at once, as in mysql2. */
  lost(connection: PooledConnection): void {
    // Detached: isBroken() is true from now on, so an engine that is not known yet drops it at the next check.
    connection._pool = null
    const engine = this.engine
    if (engine === undefined) return
    const resource = connection as unknown as Mysql2PoolConnection
    if (engine.isBorrowed(resource)) engine.destroy(resource)
    else engine.invalidate(resource)
  }
}

/** What a facade needs to know about a driver made here. */
export interface DriverState {
  /** The connection config every connection copies (its credentials are non-enumerable). */
  readonly connectionConfig: Mysql2ConnectionConfig
  readonly reset: ResetMode
  readonly host: DriverHost
}

const states = new WeakMap<object, DriverState>()

/** The state of a driver made by {@link createMysql2Driver}; `undefined` for any other value. */
export function driverState(driver: unknown): DriverState | undefined {
  return typeof driver === 'object' && driver !== null ? states.get(driver) : undefined
}

/**
 * Bind a driver to the engine it serves, so its connections' `release()` and failures reach that engine.
 * A driver serves one engine.
 */
export function attachEngine(state: DriverState, engine: EnginePool<Mysql2PoolConnection>): void {
  const current = state.host.engine
  if (current !== undefined && current !== engine) {
    throw new PoolError(
      'POOL_CONFIG_INVALID',
      'This mysql2 driver already serves another engine: create one driver per engine (createMysql2Driver(options)).',
    )
  }
  state.host.engine = engine
}

/** Internal settings of a driver built by the drop-in pool or a cluster node. */
export interface DriverSettings {
  reset: ResetMode
  /**
   * Every connect error fails the callers waiting on an empty pool at once (a pool-cluster node:
   * mysql2's cluster counts the error against the node and tries another one).
   */
  failFast?: boolean
}

/** Does this mysql2 version have `connection.reset()` (COM_RESET_CONNECTION)? */
export function supportsReset(): boolean {
  return typeof (PooledConnection.prototype as { reset?: unknown }).reset === 'function'
}

/** Read `resetOnRelease` as the drop-in does. */
export function resetMode(resetOnRelease: unknown): ResetMode {
  if (resetOnRelease === undefined || resetOnRelease === 'rollback') return 'rollback'
  if (typeof resetOnRelease === 'boolean') {
    if (resetOnRelease && !supportsReset()) {
      throw new PoolError(
        'POOL_CONFIG_INVALID',
        'resetOnRelease: true needs connection.reset() (COM_RESET_CONNECTION), which this mysql2 version lacks. Upgrade mysql2, or use resetOnRelease: "rollback".',
      )
    }
    return resetOnRelease ? 'reset' : 'none'
  }
  throw new PoolError(
    'POOL_CONFIG_INVALID',
    `Invalid mysql2 option: resetOnRelease must be true, false or 'rollback', got ${String(resetOnRelease)}.`,
  )
}

/** A fresh copy of the connection config per connection (changeUser mutates it in place), as mysql2 does. */
function copyOf(config: Mysql2ConnectionConfig): Mysql2ConnectionConfig {
  return Object.create(Object.getPrototypeOf(config), Object.getOwnPropertyDescriptors(config))
}

/** Build the driver over an already parsed mysql2 `ConnectionConfig` (the drop-in pool and cluster nodes). */
export function driverFromConfig(connectionConfig: Mysql2ConnectionConfig, settings: DriverSettings): Mysql2Driver {
  hideSecrets(connectionConfig)
  const host = new DriverHost()
  const state: DriverState = { connectionConfig, reset: settings.reset, host }
  const failFast = settings.failFast === true
  const driver: Mysql2Driver = {
    create: (signal) =>
      new Promise<Mysql2PoolConnection>((resolve, reject) => {
        const connection = new PooledConnection(host, { config: copyOf(connectionConfig) })
        // Always listening: an error on an idle connection (KILL, wait_timeout, network) never crashes
        // the process, and takes the connection out of the pool.
        connection.on('error', () => host.lost(connection))
        const onAbort = (): void => {
          connection._pool = null
          connection.stream.destroy()
          reject(signal.reason)
        }
        signal.addEventListener('abort', onAbort, { once: true })
        connection.connect((error: unknown) => {
          signal.removeEventListener('abort', onAbort)
          if (signal.aborted) return
          if (error) {
            connection._pool = null
            connection.stream.destroy()
            reject(error)
            return
          }
          resolve(connection)
        })
      }),
    destroy: async (resource, signal) => {
      const connection = resource as unknown as PooledConnection
      // destroyTimeoutMs passed (a frozen server, a side connection that never answers): the socket goes now,
      // so close() never resolves with a socket still open.
      const abort = (): void => {
        connection._pool = null
        connection.stream?.destroy()
      }
      if (signal?.aborted) abort()
      signal?.addEventListener('abort', abort, { once: true })
      try {
        await killRunningQuery(connection, copyOf(connectionConfig), signal)
        await close(connection)
      } finally {
        signal?.removeEventListener('abort', abort)
      }
    },
    validate: (connection) =>
      new Promise<boolean>((resolve, reject) => {
        connection.ping((error) => (error ? reject(error) : resolve(true)))
      }),
    isBroken: (connection) => isBroken(connection as unknown as PooledConnection),
    isFatalCreateError: failFast
      ? () => true
      : (error) => FATAL_CONNECT_ERRORS.has((error as { code?: unknown } | null)?.code as string),
    ref: (connection) => {
      ;(connection as unknown as PooledConnection).stream?.ref?.()
    },
    unref: (connection) => {
      ;(connection as unknown as PooledConnection).stream?.unref?.()
    },
  }
  if (settings.reset === 'rollback') {
    driver.reset = (resource) => {
      const connection = resource as unknown as PooledConnection
      // The usual release has nothing to roll back: answered synchronously, so the engine hands the
      // connection on at once (no promise, no timer). Bounded by validationTimeoutMs; a failure or a
      // timeout destroys the connection instead of reusing it.
      if (!mayBeInTransaction(connection)) return
      return new Promise<void>((resolve, reject) => {
        connection.query('ROLLBACK', (error: Error | null) => {
          if (error) reject(new Error(`ROLLBACK on release failed: ${error.message}`, { cause: error }))
          else resolve()
        })
      })
    }
  } else if (settings.reset === 'reset') {
    driver.reset = (resource) =>
      new Promise<void>((resolve, reject) => {
        const connection = resource as unknown as PooledConnection
        // mysql2 clears its client-side prepared statement cache when the reset succeeds.
        connection.reset((error) => {
          if (error) {
            reject(error)
            return
          }
          connection._poolsStatus = NO_STATUS
          resolve()
        })
      })
  }
  states.set(driver, state)
  return driver
}

/**
 * The mysql2 driver of the `@pools/core` engine, on its own: connect (mysql2 `PoolConnection`s), `COM_QUIT`,
 * `PING` validation, the rollback (or `COM_RESET_CONNECTION`) on release, the broken check, a socket torn
 * down when a destroy times out, and `ref`/`unref` for `allowExitOnIdle`. `@pools/core/mysql2`'s
 * `createPool` is built on it; wrap an engine made with it in the mysql2 API with `createPool({ engine })`.
 *
 * Takes mysql2's connection options (or a connection URL) plus `resetOnRelease`. Invalid options, a
 * malformed URL included, throw a `PoolError` with code `POOL_CONFIG_INVALID` (the URL is never repeated).
 *
 * @example
 * ```ts
 * import { createPool } from '@pools/core'
 * import { createMysql2Driver } from '@pools/core/mysql2'
 *
 * const engine = createPool(createMysql2Driver({ uri: process.env.DATABASE_URL }), { max: 10, name: 'orders' })
 * const rows = await engine.use(async (conn) => (await conn.promise().query('SELECT 1 AS one'))[0])
 * await engine.close()
 * ```
 */
export function createMysql2Driver(options: string | Mysql2DriverOptions): Mysql2Driver {
  const what = 'createMysql2Driver(options)'
  if (typeof options !== 'string' && (options === null || typeof options !== 'object')) {
    throw new PoolError(
      'POOL_CONFIG_INVALID',
      `${what}: options must be an object of mysql2 options or a connection URL.`,
    )
  }
  const source: Record<string, unknown> =
    typeof options === 'string' ? parsingOptions(what, () => ConnectionConfig.parseUrl(options)) : { ...options }
  const reset = resetMode(source.resetOnRelease)
  delete source.resetOnRelease
  const connectionConfig = parsingOptions(what, () => new ConnectionConfig(source))
  return driverFromConfig(connectionConfig, { reset })
}
