import type { Pool as Mysql2Pool, PoolConnection as Mysql2PoolConnection } from 'mysql2'
import mysql from 'mysql2'
import type { Pool as Mysql2PromisePool, PoolConnection as Mysql2PromisePoolConnection } from 'mysql2/promise'
import mysqlPromise from 'mysql2/promise'
import {
  type AcquireOptions,
  createPool as createEnginePool,
  ENGINE,
  type Pool as EnginePool,
  type LeakReport,
  PoolError,
  type PoolHealth,
  type PoolLogger,
  type PoolRuntime,
  type PoolStats,
} from '../index.js'
import { isBroken, type PooledConnection } from './connection.js'
import { attachEngine, driverFromConfig, driverState, parsingOptions, supportsReset } from './driver.js'
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
 * The mysql2 API over an engine that already exists (created with `createMysql2Driver`): `createPool({ engine })`.
 * The pool lends that engine's connections and never closes it: its `end()` only detaches this pool.
 * Several such pools (and the engine's own users) can share one engine.
 *
 * @example
 * ```ts
 * import { createPool as createEngine } from '@pools/core'
 * import { createMysql2Driver, createPool } from '@pools/core/mysql2'
 *
 * const engine = createEngine(createMysql2Driver(process.env.DATABASE_URL!), { max: 10 })
 * const pool = createPool({ engine, waitForConnections: true })
 * pool.end() // detaches; engine.close() closes the connections
 * ```
 */
export interface EngineFacadeOptions {
  /** A `@pools/core` pool whose driver is `createMysql2Driver(...)`. */
  engine: Mysql2EnginePool
  /** mysql2's `waitForConnections` (default `true`). */
  waitForConnections?: boolean
  /** A Promise implementation for `promise()`. */
  Promise?: PromiseConstructor
}

interface Setup {
  engine: Mysql2EnginePool
  poolConfig: Mysql2PoolConfig
  waitForConnections: boolean
  promise: PromiseConstructor | undefined
  owned: boolean
}

function isEngineOptions(options: unknown): options is EngineFacadeOptions {
  return typeof options === 'object' && options !== null && (options as { engine?: unknown }).engine !== undefined
}

/** Set while a pool-cluster node is built: its driver fails waiting callers at once on any connect error. */
let buildingClusterNode = false

/** The engine of a pool built from mysql2 options: this pool creates it, and closes it on `end()`. */
function ownEngine(options: string | PoolOptions, runtime: PoolRuntime, failFast: boolean): Setup {
  const resolved = parsingOptions('createPool(options)', () => resolveOptions(options))
  if (resolved.reset === 'reset' && !supportsReset()) {
    throw new PoolError(
      'POOL_CONFIG_INVALID',
      'resetOnRelease: true needs connection.reset() (COM_RESET_CONNECTION), which this mysql2 version lacks. Upgrade mysql2, or use resetOnRelease: "rollback".',
    )
  }
  const driver = driverFromConfig(resolved.poolConfig.connectionConfig, { reset: resolved.reset, failFast })
  const engine = createEnginePool(driver, resolved.engine, runtime) as unknown as Mysql2EnginePool
  attachEngine(driverState(driver)!, engine)
  // pool.config tells the truth about the limits actually applied (e.g. by `pools` or a preset).
  const config = resolved.poolConfig
  config.connectionLimit = engine.max
  config.queueLimit = Number.isFinite(engine.config.maxPending) ? engine.config.maxPending : 0
  config.idleTimeout = engine.config.idleTimeoutMs
  config.maxIdle = Math.min(engine.config.maxIdle, engine.max)
  return {
    engine,
    poolConfig: config,
    waitForConnections: resolved.waitForConnections,
    promise: resolved.promise,
    owned: true,
  }
}

/** A pool over an engine someone else created: the engine's settings, this pool's mysql2-only ones. */
function sharedEngine(options: EngineFacadeOptions): Setup {
  const engine = options.engine
  const state = driverState((engine as { driver?: unknown }).driver)
  if (state === undefined) {
    throw new PoolError(
      'POOL_CONFIG_INVALID',
      'createPool({ engine }): the engine must be a @pools/core pool whose driver is createMysql2Driver(...) from @pools/core/mysql2.',
    )
  }
  attachEngine(state, engine)
  const waitForConnections = options.waitForConnections === undefined ? true : Boolean(options.waitForConnections)
  return {
    engine,
    poolConfig: {
      connectionConfig: state.connectionConfig,
      waitForConnections,
      connectionLimit: engine.max,
      maxIdle: Math.min(engine.config.maxIdle, engine.max),
      idleTimeout: engine.config.idleTimeoutMs,
      queueLimit: Number.isFinite(engine.config.maxPending) ? engine.config.maxPending : 0,
      resetOnRelease: state.reset === 'reset',
    },
    waitForConnections,
    promise: typeof options.Promise === 'function' ? options.Promise : undefined,
    owned: false,
  }
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
 * `resize()`, events), also under `Symbol.for('@pools/core.engine')`, and a safe
 * release (an open transaction is rolled back before the next borrower gets the connection).
 *
 * Built from mysql2 options, the pool creates its engine and closes it on `end()`. Built with
 * `{ engine }` over an existing engine (see {@link EngineFacadeOptions}), it never closes it.
 */
export class Pool extends Mysql2PoolBase {
  /** The `@pools/core` pool doing the work: `stats()`, `health()`, `leaks()`, `ready()`, `resize()`, events. */
  readonly engine: Mysql2EnginePool
  readonly #owned: boolean
  readonly #waitForConnections: boolean
  readonly #promise: PromiseConstructor | undefined
  readonly #logger: PoolLogger | undefined
  readonly #forwarded = new Set<ForwardedEvent>()
  /** Engine listeners this pool added (removed when a pool that shares its engine ends). */
  readonly #listeners: [ForwardedEvent, (payload: never) => void][] = []
  /** `end()` was called on a pool that shares its engine: it lends nothing more. */
  #ended = false

  /**
   * @param options mysql2 pool options or a connection URL, plus `pools` (any `@pools/core` option or a
   *   preset name); or `{ engine }` to wrap an existing engine ({@link EngineFacadeOptions})
   * @param runtime the engine's runtime: a `FakeClock`, a logger, or `logger: false` for silence (ignored with `{ engine }`)
   */
  constructor(options: string | PoolOptions | EngineFacadeOptions, runtime: PoolRuntime = {}) {
    const setup = isEngineOptions(options) ? sharedEngine(options) : ownEngine(options, runtime, buildingClusterNode)
    super({ config: setup.poolConfig })
    this.engine = setup.engine
    this.#owned = setup.owned
    this.#waitForConnections = setup.waitForConnections
    this.#promise = setup.promise
    this.#logger = runtime.logger === false ? undefined : (runtime.logger ?? consoleLogger)
    this.on('newListener', (event: string | symbol) => this.#forward(event))
  }

  /** The engine, for `engineOf(pool)` and other `@pools/core` tools. */
  get [ENGINE](): Mysql2EnginePool {
    return this.engine
  }

  // ── mysql2 Pool API ─────────────────────────────────────────────────────

  /**
   * Borrow a connection; give it back with `connection.release()`. With
   * `waitForConnections: false`, fails at once (`POOL_QUEUE_FULL`) when every connection is in use
   * or being opened, but still waits for one it opens below `connectionLimit`, as mysql2 does.
   */
  override getConnection(callback: ConnectionCallback): void {
    if (this.#ended) {
      const error = new PoolError(
        'POOL_CLOSED',
        `Pool "${this.engine.name}": this mysql2 pool was ended (the engine it shares stays open); getConnection() is refused.`,
        { poolName: this.engine.name },
      )
      process.nextTick(() => callback(error, undefined as unknown as Mysql2PoolConnection))
      return
    }
    // the engine's callback form: no promise per checkout, the connection on the next tick (as in mysql2)
    this.engine.acquireWith(
      (error, connection) => {
        if (error !== null) {
          callback(error, undefined as unknown as Mysql2PoolConnection)
          return
        }
        asConnection(connection!)._released = false
        callback(null, connection!)
      },
      this.#waitForConnections ? undefined : NO_WAIT_FOR_RELEASE,
    )
  }

  /**
   * Give a connection back (what `connection.release()` calls). A second release is ignored, as in mysql2.
   * With `resetOnRelease: 'rollback'` (the default), the engine's reset step rolls back a connection whose
   * server status says a transaction may be open before anyone else gets it.
   */
  override releaseConnection(connection: Mysql2PoolConnection | Mysql2PromisePoolConnection): void {
    driverState(this.engine.driver)!.host.releaseConnection(connection as Mysql2PoolConnection)
  }

  /**
   * Close every connection; borrowed ones when released (or after `closeGraceMs`). Queued callers get
   * `POOL_CLOSED`. A pool built over a shared engine (`{ engine }`) only detaches: the engine stays open.
   */
  override end(callback?: ErrorCallback): void {
    const done: ErrorCallback =
      typeof callback === 'function'
        ? callback
        : (error) => {
            if (error) throw error
          }
    if (!this.#owned) {
      this.#ended = true
      for (const [event, listener] of this.#listeners.splice(0)) {
        this.engine.off(event === 'connection' ? 'create' : event, listener as never)
      }
      process.nextTick(() => done(null))
      return
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
    return new Promise((resolve, reject) => this.end((error) => (error ? reject(error) : resolve())))
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

  /** True once the pool is fully closed (while closing, releases still reach the engine), or ended over a shared engine. */
  get _closed(): boolean {
    // read before the fields exist while mysql2's constructor runs
    if (!(#ended in this)) return false
    return this.#ended || this.engine.state === 'closed'
  }

  set _closed(_value: boolean) {
    // mysql2's constructor assigns false; the engine's state is the truth.
  }

  /** mysql2's idle reaper is replaced by the engine's housekeeping. */
  _removeIdleTimeoutConnections(): void {}

  /** A connection reported an error or its end. */
  _removeConnection(connection: Mysql2PoolConnection): void {
    driverState(this.engine.driver)!.host.lost(asConnection(connection))
  }

  #forward(event: string | symbol): void {
    if (typeof event !== 'string' || !FORWARDED.includes(event as ForwardedEvent)) return
    const name = event as ForwardedEvent
    if (this.#forwarded.has(name) || this.#ended) return
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
    const listen = <K extends 'create' | 'acquire' | 'release' | 'enqueue'>(
      engineEvent: K,
      listener: Parameters<typeof engine.on<K>>[1],
    ): void => {
      engine.on(engineEvent, listener)
      this.#listeners.push([name, listener as (payload: never) => void])
    }
    switch (name) {
      case 'connection':
        listen('create', ({ resource }) => emit(resource))
        break
      case 'acquire':
        listen('acquire', ({ resource }) => emit(resource))
        break
      case 'release':
        // Not for a connection that failed and left the pool (mysql2 does not emit it either).
        listen('release', ({ resource }) => {
          if (!isBroken(asConnection(resource))) emit(resource)
        })
        break
      case 'enqueue':
        // mysql2 emits it only when a caller has to wait for a release, not while a connection is being opened.
        listen('enqueue', () => {
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

  /** The engine, for `engineOf(pool)` and other `@pools/core` tools. */
  get [ENGINE](): Mysql2EnginePool {
    return this.engine
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
export function createPool(options: string | PoolOptions | EngineFacadeOptions, runtime?: PoolRuntime): Pool {
  return new Pool(options, runtime)
}

/** A pool for a node of a pool cluster: any connect error fails the callers waiting on an empty pool at once. */
export function createClusterNodePool(options: string | PoolOptions, runtime?: PoolRuntime): Pool {
  buildingClusterNode = true
  try {
    return new Pool(options, runtime)
  } finally {
    buildingClusterNode = false
  }
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
export function createPromisePool(
  options: string | PoolOptions | EngineFacadeOptions,
  runtime?: PoolRuntime,
): PromisePool {
  return new Pool(options, runtime).promise()
}
