import type { Pool as Mysql2Pool, PoolConnection as Mysql2PoolConnection } from 'mysql2'
import mysql from 'mysql2'
import type { Pool as Mysql2PromisePool, PoolConnection as Mysql2PromisePoolConnection } from 'mysql2/promise'
import mysqlPromise from 'mysql2/promise'
import {
  type AcquireOptions,
  createPool as createEnginePool,
  type Pool as EnginePool,
  type PoolLogger,
  type PoolRuntime,
} from '../engine/pool.js'
import { isPoolError, PoolError } from '../errors/pool-error.js'
import type { LeakReport } from '../events/pool-events.js'
import type { PoolHealth } from '../health/pool-health.js'
import type { PoolStats } from '../stats/pool-stats.js'
import { createDriver, isBroken, type PooledConnection, type PoolHost, supportsReset } from './connection.js'
import { type Mysql2PoolConfig, type PoolOptions, resolveOptions } from './options.js'

/** The engine behind a mysql2-compatible pool: lends mysql2 `PoolConnection`s. */
export type Mysql2EnginePool = EnginePool<Mysql2PoolConnection>

type ErrorCallback = (error: NodeJS.ErrnoException | null) => unknown
type ConnectionCallback = (error: NodeJS.ErrnoException | null, connection: Mysql2PoolConnection) => unknown

type Mysql2PoolClass = new (options: { config: Mysql2PoolConfig }) => Mysql2Pool
type PromisePoolClass = new (pool: Mysql2Pool, promiseImpl?: PromiseConstructor) => Mysql2PromisePool

const Mysql2PoolBase = (mysql as unknown as { Pool: Mysql2PoolClass }).Pool
const PromisePoolBase = (mysqlPromise as unknown as { PromisePool: PromisePoolClass }).PromisePool

const consoleLogger: PoolLogger = { warn: (message) => console.warn(message) }
/** `waitForConnections: false`: the engine refuses at once instead of waiting for a release. */
const NO_WAIT_FOR_RELEASE: AcquireOptions = Object.freeze({ waitForRelease: false })

/** The mysql2 events this pool emits, and the engine events they come from. */
const FORWARDED = ['connection', 'acquire', 'release', 'enqueue'] as const
type ForwardedEvent = (typeof FORWARDED)[number]

function asConnection(connection: unknown): PooledConnection {
  return connection as PooledConnection
}

/**
 * mysql2's `Pool` (it is `instanceof` mysql2's Pool and EventEmitter, and lends
 * mysql2 `PoolConnection`s), backed by the `@pools/core` engine: same methods,
 * options, callbacks and events. `query()`, `execute()`, `escape()`,
 * `format()` and `promise()` are mysql2's own code running on top of
 * `getConnection()`, so they behave exactly as in mysql2 and every checkout is
 * seen by the engine's stats, health and leak detection.
 *
 * Added: {@link engine} (`stats()`, `health()`, `leaks()`, `ready()`,
 * `resize()`, events), and a safe release (an open transaction is rolled back
 * before the next borrower gets the connection).
 */
export class Pool extends Mysql2PoolBase implements PoolHost {
  /** The `@pools/core` pool doing the work: `stats()`, `health()`, `leaks()`, `ready()`, `resize()`, events. */
  readonly engine: Mysql2EnginePool
  readonly #waitForConnections: boolean
  readonly #promise: PromiseConstructor | undefined
  readonly #logger: PoolLogger | undefined
  readonly #forwarded = new Set<ForwardedEvent>()

  /**
   * @param options mysql2 pool options or a connection URL, plus `pools` (any `@pools/core` option or a preset name)
   * @param runtime the engine's runtime: a `FakeClock`, a logger, or `logger: false` for silence
   */
  constructor(options: string | PoolOptions, runtime: PoolRuntime = {}) {
    const resolved = resolveOptions(options)
    if (resolved.reset === 'reset' && !supportsReset()) {
      throw new PoolError(
        'POOL_CONFIG_INVALID',
        'resetOnRelease: true needs connection.reset() (COM_RESET_CONNECTION), which this mysql2 version lacks. Upgrade mysql2, or use resetOnRelease: "rollback".',
      )
    }
    super({ config: resolved.poolConfig })
    this.#waitForConnections = resolved.waitForConnections
    this.#promise = resolved.promise
    this.#logger = runtime.logger === false ? undefined : (runtime.logger ?? consoleLogger)
    const engine = createEnginePool(
      createDriver(this, {
        connectionConfig: () => this.#connectionConfig(),
        lost: (connection) => this.#lost(connection),
        reset: resolved.reset,
      }),
      resolved.engine,
      runtime,
    ) as unknown as Mysql2EnginePool
    this.engine = engine
    // pool.config tells the truth about the limits actually applied (e.g. by `pools` or a preset).
    const config = this.config as unknown as Mysql2PoolConfig
    config.connectionLimit = engine.max
    config.queueLimit = Number.isFinite(engine.config.maxWaiting) ? engine.config.maxWaiting : 0
    config.idleTimeout = engine.config.idleTimeoutMs
    config.maxIdle = Math.min(engine.config.maxIdle, engine.max)
    if (engine.config.allowExitOnIdle) {
      // Sockets are unref'd while idle so the process may exit; ref'd while borrowed.
      engine.on('create', ({ resource }) => asConnection(resource).stream.unref?.())
      engine.on('acquire', ({ resource }) => asConnection(resource).stream.ref?.())
      engine.on('release', ({ resource }) => asConnection(resource).stream.unref?.())
    }
    this.on('newListener', (event: string | symbol) => this.#forward(event))
  }

  // ── mysql2 Pool API ─────────────────────────────────────────────────────

  /**
   * Borrow a connection; give it back with `connection.release()`. With
   * `waitForConnections: false`, fails at once (`POOL_QUEUE_FULL`) when every connection is in use
   * or being opened, but still waits for one it opens below `connectionLimit`, as mysql2 does.
   */
  override getConnection(callback: ConnectionCallback): void {
    this.engine.acquire(this.#waitForConnections ? undefined : NO_WAIT_FOR_RELEASE).then(
      (connection) => {
        asConnection(connection)._released = false
        callback(null, connection)
      },
      (error: PoolError) => callback(error, undefined as unknown as Mysql2PoolConnection),
    )
  }

  /**
   * Give a connection back (what `connection.release()` calls). A second release is ignored, as in mysql2.
   * With `resetOnRelease: 'rollback'` (the default), the engine's reset step rolls back a connection whose
   * server status says a transaction may be open before anyone else gets it.
   */
  override releaseConnection(connection: Mysql2PoolConnection | Mysql2PromisePoolConnection): void {
    // mysql2's promise PoolConnection wraps the core one in `.connection`; a core one has none at runtime.
    const core = ((connection as unknown as { connection?: Mysql2PoolConnection }).connection ??
      connection) as Mysql2PoolConnection
    this.#release(core)
  }

  #release(connection: Mysql2PoolConnection): void {
    try {
      this.engine.release(connection)
    } catch (error) {
      if (!isPoolError(error, 'POOL_INVALID_RELEASE')) throw error
    }
  }

  /** Close every connection; borrowed ones when released (or after `closeGraceMs`). Queued callers get `POOL_CLOSED`. */
  override end(callback?: ErrorCallback): void {
    const done: ErrorCallback =
      typeof callback === 'function'
        ? callback
        : (error) => {
            if (error) throw error
          }
    this.engine.close().then(
      () => done(null),
      (error: PoolError) => done(error),
    )
  }

  /** The promise API of this pool: mysql2's own promise wrapper, plus `engine`, `stats()`, `health()`, `leaks()`. */
  override promise(promiseImpl?: PromiseConstructor): PromisePool {
    return new PromisePool(this, promiseImpl ?? this.#promise)
  }

  /** `await using pool = createPool(...)` ends the pool at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.engine.close()
  }

  // ── @pools additions ────────────────────────────────────────────────────

  /** A snapshot of gauges, counters and latency percentiles (every checkout, `query()` and `execute()` included). */
  stats(): PoolStats {
    return this.engine.stats()
  }

  /** `healthy`, `degraded` or `unhealthy`, with the reasons. */
  health(): PoolHealth {
    return this.engine.health()
  }

  /** Connections held longer than `leakDetectionThresholdMs`, with where they were acquired. */
  leaks(): LeakReport<Mysql2PoolConnection>[] {
    return this.engine.leaks()
  }

  // ── what mysql2's PoolConnection and BasePool call ──────────────────────

  /** True once the pool is fully closed (while closing, releases still reach the engine). */
  get _closed(): boolean {
    // undefined while mysql2's constructor runs
    return (this.engine as Mysql2EnginePool | undefined)?.state === 'closed'
  }

  set _closed(_value: boolean) {
    // mysql2's constructor assigns false; the engine's state is the truth.
  }

  /** mysql2's idle reaper is replaced by the engine's housekeeping. */
  _removeIdleTimeoutConnections(): void {}

  /** A connection reported an error or its end (mysql2's PoolConnection calls this). */
  _removeConnection(connection: Mysql2PoolConnection): void {
    this.#lost(asConnection(connection))
  }

  /** Take a failed connection out of the pool: now if idle; a borrowed one's slot is freed at once, as in mysql2. */
  #lost(connection: PooledConnection): void {
    const engine = this.engine
    const resource = connection as unknown as Mysql2PoolConnection
    if (engine.isBorrowed(resource)) engine.destroy(resource)
    else engine.invalidate(resource)
  }

  /** A fresh copy of the connection config per connection (changeUser mutates it in place), as mysql2 does. */
  #connectionConfig(): unknown {
    const shared = (this.config as unknown as Mysql2PoolConfig).connectionConfig
    return Object.create(Object.getPrototypeOf(shared), Object.getOwnPropertyDescriptors(shared))
  }

  #forward(event: string | symbol): void {
    if (typeof event !== 'string' || !FORWARDED.includes(event as ForwardedEvent)) return
    const name = event as ForwardedEvent
    if (this.#forwarded.has(name)) return
    this.#forwarded.add(name)
    const engine = this.engine
    const emit = (...args: unknown[]): void => {
      try {
        this.emit(name, ...args)
      } catch (error) {
        this.#logger?.warn(
          `[pools:${engine.name}] a '${name}' listener threw: ${error instanceof Error ? error.message : String(error)}`,
        )
      }
    }
    switch (name) {
      case 'connection':
        engine.on('create', ({ resource }) => emit(resource))
        break
      case 'acquire':
        engine.on('acquire', ({ resource }) => emit(resource))
        break
      case 'release':
        // Not for a connection that failed and left the pool (mysql2 does not emit it either).
        engine.on('release', ({ resource }) => {
          if (!isBroken(asConnection(resource))) emit(resource)
        })
        break
      case 'enqueue':
        // mysql2 emits it only when a caller has to wait for a release, not while a connection is being opened.
        engine.on('enqueue', () => {
          if (engine.total + engine.creating >= engine.max) emit()
        })
        break
    }
  }
}

/**
 * mysql2's promise pool (`mysql2/promise`'s `PromisePool`, the class of
 * `pool.promise()`) over a {@link Pool}, plus `engine`, `stats()`, `health()`, `leaks()`.
 */
export class PromisePool extends PromisePoolBase {
  /** The `@pools/core` pool doing the work. */
  get engine(): Mysql2EnginePool {
    return (this.pool as unknown as Pool).engine
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
  leaks(): LeakReport<Mysql2PoolConnection>[] {
    return this.engine.leaks()
  }
}

/**
 * Create a mysql2-compatible pool backed by the `@pools/core` engine. Same
 * options as mysql2's `createPool`, plus `pools`.
 *
 * @example
 * ```ts
 * import mysql from '@pools/core/mysql2' // was: import mysql from 'mysql2'
 *
 * const pool = mysql.createPool({ uri: process.env.DATABASE_URL, connectionLimit: 10, pools: { leakDetectionThresholdMs: 5_000 } })
 * pool.query('SELECT 1 AS one', (err, rows) => console.log(rows))
 * ```
 */
export function createPool(options: string | PoolOptions, runtime?: PoolRuntime): Pool {
  return new Pool(options, runtime)
}

/**
 * Create a pool and return its promise API (what `mysql2/promise`'s `createPool` returns).
 *
 * @example
 * ```ts
 * const pool = createPromisePool({ uri: process.env.DATABASE_URL })
 * const [rows] = await pool.query('SELECT ? AS answer', [42])
 * await pool.end()
 * ```
 */
export function createPromisePool(options: string | PoolOptions, runtime?: PoolRuntime): PromisePool {
  return new Pool(options, runtime).promise()
}
