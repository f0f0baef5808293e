import { EventEmitter } from 'node:events'
import type { Connection } from 'mariadb'
import {
  createPool as createEnginePool,
  ENGINE,
  type Pool as EnginePool,
  isPoolError,
  type LeakReport,
  type PoolHealth,
  type PoolRuntime,
  type PoolStats,
} from '../index.js'
import { createMariadbDriver } from './driver.js'
import { type PoolOptions, resolveOptions } from './options.js'

/**
 * A connection lent by the pool: mariadb's `Connection`, with `release()` (and `end()`, which releases).
 *
 * @example
 * ```ts
 * const conn: PoolConnection = await pool.getConnection()
 * try { await conn.query('SELECT 1') } finally { await conn.release() }
 * ```
 */
export type PoolConnection = Connection & { release(): Promise<void> }

type QueryArgs = Parameters<Connection['query']>

/**
 * The `mariadb` driver's promise pool (`mariadb.createPool()`), backed by the @pools engine: `getConnection()`,
 * `query()`, `execute()`, `batch()`, `end()`, the connection counters and the `acquire` / `connection` /
 * `enqueue` / `release` events, lending mariadb's own connections. Added: `engine`, `stats()`, `health()`,
 * `leaks()`, `ready()`, and a release that rolls back a transaction left open (mariadb's does too).
 *
 * @example
 * ```ts
 * import mariadb from '@pools/core/mariadb' // was: import mariadb from 'mariadb'
 * const pool = mariadb.createPool({ host: 'db', user: 'app', database: 'shop', connectionLimit: 10 })
 * const rows = await pool.query('SELECT ? AS answer', [42])
 * await pool.end()
 * ```
 */
export class Pool extends EventEmitter {
  /** The @pools engine doing the work: `stats()`, `health()`, `leaks()`, `resize()`, events. */
  readonly engine: EnginePool<Connection>
  #closed = false
  readonly #lendables = new WeakSet<Connection>()

  /**
   * @param options mariadb pool options or a connection URL, plus `pools` (any @pools option or a preset name)
   * @param runtime the engine's runtime: a `FakeClock`, a logger, or `logger: false` for silence
   */
  constructor(options: string | PoolOptions, runtime: PoolRuntime = {}) {
    super()
    const resolved = resolveOptions(options)
    const driver = createMariadbDriver({ connection: resolved.connection, reset: resolved.reset })
    this.engine = createEnginePool(driver, resolved.engine, runtime)
    this.engine.on('create', ({ resource }) => this.emit('connection', this.#lendable(resource)))
    this.engine.on('enqueue', () => this.emit('enqueue'))
    this.engine.on('acquire', ({ resource }) => this.emit('acquire', resource))
    this.engine.on('release', ({ resource }) => this.emit('release', resource))
    Object.defineProperty(this, ENGINE, { get: () => this.engine })
  }

  /** Whether `end()` has been called. */
  get closed(): boolean {
    return this.#closed
  }

  /** Borrow a connection; give it back with `connection.release()`. */
  async getConnection(): Promise<PoolConnection> {
    return this.#lendable(await this.engine.acquire())
  }

  /** Run one statement (text protocol) on a pooled connection. */
  query<T = unknown>(...args: QueryArgs): Promise<T> {
    return this.#run((connection) => connection.query(...args) as Promise<T>)
  }

  /** Run one statement (binary protocol, prepared) on a pooled connection. */
  execute<T = unknown>(...args: Parameters<Connection['execute']>): Promise<T> {
    return this.#run((connection) => connection.execute(...args) as Promise<T>)
  }

  /** Run one statement for many parameter sets on a pooled connection. */
  batch<T = unknown>(...args: Parameters<Connection['batch']>): Promise<T> {
    return this.#run((connection) => connection.batch(...args) as Promise<T>)
  }

  /** Close every connection (waiting up to `closeGraceMs` for borrowed ones); then the pool refuses work. */
  async end(): Promise<void> {
    this.#closed = true
    await this.engine.close()
  }

  /** Open connections (idle and in use). */
  totalConnections(): number {
    return this.engine.total
  }

  /** Connections in use. */
  activeConnections(): number {
    return this.engine.total - this.engine.idle
  }

  /** Idle connections. */
  idleConnections(): number {
    return this.engine.idle
  }

  /** Callers waiting for a connection. */
  taskQueueSize(): number {
    return this.engine.pending
  }

  /** A snapshot of gauges, counters and latency percentiles. */
  stats(): PoolStats {
    return this.engine.stats()
  }

  /** `healthy`, `degraded` or `unhealthy`, with the reasons. */
  health(): PoolHealth {
    return this.engine.health()
  }

  /** Connections held longer than `leakDetectionThresholdMs`. */
  leaks(): LeakReport<Connection>[] {
    return this.engine.leaks()
  }

  /** Resolves once `max(min, 1)` connections are open; rejects at once if the server refuses. */
  ready(): Promise<void> {
    return this.engine.ready()
  }

  /** The connection with `release()` (and `end()` meaning release, as in mariadb), installed once. */
  #lendable(connection: Connection): PoolConnection {
    const lent = connection as PoolConnection
    if (this.#lendables.has(connection)) return lent
    this.#lendables.add(connection)
    const release = (): Promise<void> => {
      try {
        this.engine.release(connection)
      } catch (error) {
        if (!isPoolError(error, 'POOL_RELEASE_INVALID')) throw error // a second release is ignored, as in mariadb
      }
      return Promise.resolve()
    }
    Object.defineProperty(lent, 'release', { value: release, configurable: true, writable: true })
    Object.defineProperty(lent, 'end', { value: release, configurable: true, writable: true })
    return lent
  }

  async #run<T>(work: (connection: Connection) => Promise<T>): Promise<T> {
    const connection = await this.engine.acquire()
    try {
      return await work(connection)
    } finally {
      // a connection the error broke is destroyed by the engine (the driver's isBroken), not reused
      this.engine.release(connection)
    }
  }
}

/**
 * Create a `mariadb`-compatible promise pool backed by the @pools engine. Same options as mariadb's
 * `createPool`, plus `pools`.
 *
 * @example
 * ```ts
 * import { createPool } from '@pools/core/mariadb'
 * const pool = createPool({ host: '127.0.0.1', user: 'root', database: 'test', pools: { leakDetectionThresholdMs: 5_000 } })
 * const conn = await pool.getConnection()
 * try { await conn.query('SELECT 1') } finally { await conn.release() }
 * ```
 */
export function createPool(options: string | PoolOptions, runtime?: PoolRuntime): Pool {
  return new Pool(options, runtime)
}
