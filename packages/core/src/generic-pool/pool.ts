import { EventEmitter } from 'node:events'
import {
  type AcquireOptions,
  createPool as createEnginePool,
  describeCause,
  ENGINE,
  type Pool as EnginePool,
  isPoolError,
  type LeakReport,
  PoolError,
  type PoolErrorCode,
  type PoolHealth,
  type PoolLogger,
  type PoolRuntime,
  type PoolStats,
  parsePoolConfig,
  type ResourceDriver,
  systemClock,
} from '../index.js'
import { acquireError, MESSAGES, returnError } from './errors.js'
import { Evictor, evictionSettings } from './evictor.js'
import { type Factory, type Options, type PromiseLibrary, resolveOptions } from './options.js'

const HIGH: AcquireOptions = Object.freeze({ priority: 'high' })
const NORMAL: AcquireOptions = Object.freeze({ priority: 'normal' })
const LOW: AcquireOptions = Object.freeze({ priority: 'low' })

/** Engine events after which a drain may be complete: a waiter left the queue or a loan ended. */
const SETTLING_EVENTS = ['release', 'destroy', 'timeout', 'abort', 'closed'] as const

const consoleLogger: PoolLogger = { warn: (message) => console.warn(message) }

/** generic-pool's factory checks, with its TypeErrors and messages. */
function checkFactory(factory: unknown): void {
  const f = (factory ?? {}) as Record<string, unknown>
  if (typeof f.create !== 'function') throw new TypeError('factory.create must be a function')
  if (typeof f.destroy !== 'function') throw new TypeError('factory.destroy must be a function')
  if (f.validate !== undefined && typeof f.validate !== 'function') {
    throw new TypeError('factory.validate must be a function')
  }
}

/**
 * generic-pool 3.x's `Pool`, backed by the `@pools/core` engine: same methods,
 * properties, events, errors and option names, plus {@link engine} (and the
 * {@link stats}, {@link health} and {@link leaks} shortcuts) for what the
 * engine adds. Create one with {@link createPool}.
 *
 * Events (Node `EventEmitter`): `factoryCreateError` with the error
 * `factory.create` threw or rejected with, `factoryDestroyError` with the error
 * of `factory.destroy` (or its timeout). Every other engine event is on
 * `pool.engine.on(...)`.
 */
export class Pool<T> extends EventEmitter {
  /** The `@pools/core` pool doing the work: events, `stats()`, `health()`, `leaks()`, `resize()`. */
  readonly engine: EnginePool<T>
  readonly #min: number
  readonly #autostart: boolean
  readonly #priorityRange: number
  readonly #maxWaitingClients: number
  readonly #promise: PromiseLibrary | undefined
  readonly #logger: PoolLogger | undefined
  readonly #evictor: Evictor<T>
  #started: boolean
  #draining = false
  #drained: Promise<void> | undefined

  /**
   * @param factory `{ create(), destroy(resource), validate?(resource) }`
   * @param options generic-pool options, plus `pools` for any `@pools/core` option
   * @param runtime the engine's runtime (a `FakeClock` in tests, a logger, `logger: false` for silence)
   */
  constructor(factory: Factory<T>, options?: Options, runtime: PoolRuntime = {}) {
    super()
    checkFactory(factory)
    const resolved = resolveOptions(options)
    // Validate everything (also a `pools.min` the engine will only see at start()) with the engine's messages.
    const config = parsePoolConfig(resolved.config)
    this.#min = config.min
    this.#autostart = resolved.autostart
    this.#started = resolved.autostart
    this.#priorityRange = resolved.priorityRange
    this.#maxWaitingClients = resolved.maxWaitingClients
    this.#promise = resolved.promise === Promise ? undefined : resolved.promise
    this.#logger = runtime.logger === false ? undefined : (runtime.logger ?? consoleLogger)

    const validate = factory.validate
    /** Resources whose destroy ran past destroyTimeoutMillis: reported with generic-pool's wording. */
    const destroyTimedOut = new Set<T>()
    const driver: ResourceDriver<T> = {
      create: () => factory.create() as Promise<T>,
      destroy: (resource, signal) => {
        signal?.addEventListener('abort', () => destroyTimedOut.add(resource), { once: true })
        return factory.destroy(resource) as Promise<void>
      },
      validate: validate === undefined ? undefined : (resource) => factory.validate!(resource),
    }
    // autostart: false defers `min`: the engine starts at 0 and is resized by start(). Idle resources are
    // evicted by generic-pool's own evictor (below), not by the engine's idle timeout, unless `pools` says so.
    const engineConfig = { ...resolved.config, min: this.#started ? config.min : 0 }
    const pools: unknown = options?.pools
    const ownIdleTimeout =
      typeof pools === 'object' && pools !== null && (pools as { idleTimeoutMs?: unknown }).idleTimeoutMs !== undefined
    // (a preset's idle timeout does not count: the generic-pool behaviour wins over a preset)
    if (!ownIdleTimeout) engineConfig.idleTimeoutMs = 0
    const engine = createEnginePool(driver, engineConfig, runtime)
    this.engine = engine
    this.#evictor = new Evictor(engine, runtime.clock ?? systemClock, evictionSettings(options ?? {}, config.min))
    engine.on('createError', ({ error }) => {
      this.#emit('factoryCreateError', error.cause !== undefined ? error.cause : error)
    })
    // Listening to `error` stops the engine's own logging of background errors, so the rest is logged here.
    engine.on('error', ({ error, resource }) => {
      let reported: unknown = error.cause !== undefined ? error.cause : error
      if (isPoolError(error, 'POOL_DESTROY_FAILED') && resource !== undefined && destroyTimedOut.delete(resource)) {
        // generic-pool: `new Error('destroy timed out')` after destroyTimeoutMillis
        reported = new PoolError('POOL_DESTROY_FAILED', MESSAGES.destroyTimeout, {
          cause: error,
          poolName: engine.name,
        })
      }
      if (isPoolError(error, 'POOL_DESTROY_FAILED') && this.listenerCount('factoryDestroyError') > 0) {
        this.#emit('factoryDestroyError', reported)
      } else {
        this.#logger?.warn(`[pools:${engine.name}] ${error.message}`)
      }
    })
    if (this.#started) this.#evictor.start()
  }

  /** The engine, for `engineOf(pool)` and other `@pools/core` tools. */
  get [ENGINE](): EnginePool<T> {
    return this.engine
  }

  // ── generic-pool properties ─────────────────────────────────────────────

  /** Resources open or being created (generic-pool: `size`). */
  get size(): number {
    return this.engine.total + this.engine.creating
  }
  /** Idle resources ready to lend. */
  get available(): number {
    return this.engine.idle
  }
  /** Resources currently lent out (not those being validated). */
  get borrowed(): number {
    return this.engine.borrowed
  }
  /** Acquires waiting for a resource. */
  get pending(): number {
    return this.engine.pending
  }
  /** Upper bound on resources. */
  get max(): number {
    return this.engine.max
  }
  /** Resources kept open (as configured, also before `start()` and while draining, like generic-pool). */
  get min(): number {
    return this.#min
  }
  /** How many more resources the pool may create before reaching `max`. */
  get spareResourceCapacity(): number {
    return this.engine.max - (this.engine.total + this.engine.creating)
  }

  // ── generic-pool methods ────────────────────────────────────────────────

  /**
   * Create the `min` resources and start evicting idle ones. Called by the
   * constructor unless `autostart: false`, then by the first `acquire`/`use`.
   */
  start(): void {
    if (this.#draining || this.#started) return
    this.#started = true
    this.#evictor.start()
    if (this.#min > 0) this.engine.resize({ min: this.#min })
  }

  /**
   * Borrow a resource. `priority` is an integer from 0 (highest, the default)
   * to `priorityRange - 1`; out-of-range values count as the lowest.
   *
   * Rejects with {@link TimeoutError} after `acquireTimeoutMillis`, and with a
   * `PoolError` (generic-pool's message) while draining (`POOL_CLOSED`) or
   * when `maxWaitingClients` are already queued at `max` (`POOL_QUEUE_FULL`).
   */
  acquire(priority?: number): Promise<T> {
    const refused = this.#refuse()
    if (refused !== undefined) return this.#wrap(Promise.reject(refused))
    return this.#wrap(
      this.engine.acquire(this.#priority(priority)).catch((error: unknown) => {
        throw acquireError(error)
      }),
    )
  }

  /**
   * Borrow a resource for `fn` and give it back: released when `fn` resolves,
   * destroyed when it throws or rejects (as generic-pool does). Resolves with
   * `fn`'s result.
   */
  use<U>(fn: (resource: T) => U | PromiseLike<U>, priority?: number): Promise<U> {
    const refused = this.#refuse()
    if (refused !== undefined) return this.#wrap(Promise.reject(refused))
    const engine = this.engine
    let lent = false
    const run = engine.use(async (resource) => {
      lent = true
      try {
        return await fn(resource)
      } catch (error) {
        // generic-pool destroys a resource whose user failed; the engine's use() then has nothing to release.
        if (engine.isBorrowed(resource)) engine.destroy(resource)
        throw error
      }
    }, this.#priority(priority))
    return this.#wrap(
      run.catch((error: unknown) => {
        throw lent ? error : acquireError(error)
      }) as Promise<U>,
    )
  }

  /** Give a borrowed resource back. Rejects (changing nothing) for one that is not borrowed from this pool. */
  release(resource: T): Promise<void> {
    try {
      this.engine.release(resource)
    } catch (error) {
      return this.#wrap(Promise.reject(returnError(error)))
    }
    return this.#wrap(Promise.resolve())
  }

  /** Give a borrowed resource back to be destroyed (e.g. it broke). Rejects like {@link release}. */
  destroy(resource: T): Promise<void> {
    try {
      this.engine.destroy(resource)
    } catch (error) {
      return this.#wrap(Promise.reject(returnError(error)))
    }
    return this.#wrap(Promise.resolve())
  }

  /** Is `resource` currently lent out by this pool? */
  isBorrowedResource(resource: T): boolean {
    return this.engine.isBorrowed(resource)
  }

  /**
   * Refuse new acquires from now on, serve the ones already queued, and
   * resolve once they are served and every borrowed resource is back. Idle
   * resources stay open (and `min` is no longer maintained) until {@link clear}.
   */
  drain(): Promise<void> {
    if (this.#drained !== undefined) return this.#wrap(this.#drained)
    this.#draining = true
    const engine = this.engine
    if ((engine.state === 'running' || engine.state === 'suspended') && engine.min > 0) engine.resize({ min: 0 })
    this.#drained = new Promise<void>((resolve) => {
      const check = (): void => {
        if (engine.pending > 0 || (engine.state !== 'closed' && engine.borrowed > 0)) return
        for (const event of SETTLING_EVENTS) engine.off(event, check)
        // generic-pool stops its evictor once drained
        this.#evictor.stop()
        resolve()
      }
      for (const event of SETTLING_EVENTS) engine.on(event, check)
      check()
    })
    return this.#wrap(this.#drained)
  }

  /**
   * After {@link drain}: close the pool (idle resources and in-flight creates
   * destroyed; a resource still borrowed gets `closeGraceMs`, default 10 s),
   * resolving when every `factory.destroy` has finished.
   *
   * Without a drain first: destroy the idle resources and keep working
   * (`min` is refilled), as generic-pool does.
   */
  clear(): Promise<void> {
    const engine = this.engine
    if (this.#draining || engine.state === 'closing' || engine.state === 'closed') return this.#wrap(engine.close())
    engine.evictIdle()
    return this.#wrap(Promise.resolve())
  }

  /**
   * Resolves once `min` resources are open (at once when `min` is 0). Unlike
   * generic-pool, which polls forever, it rejects with the `PoolError` of the
   * first failed create (the pool keeps retrying with backoff). Starts a pool
   * created with `autostart: false`.
   */
  ready(): Promise<void> {
    if (this.#draining || this.#min === 0) return this.#wrap(Promise.resolve())
    this.start()
    return this.#wrap(this.engine.ready())
  }

  // ── what the engine adds ────────────────────────────────────────────────

  /** Gauges, counters and latency percentiles (`pool.engine.stats()`). */
  stats(): PoolStats {
    return this.engine.stats()
  }

  /** `healthy`, `degraded` or `unhealthy`, with the reasons (`pool.engine.health()`). */
  health(): PoolHealth {
    return this.engine.health()
  }

  /** Resources held past `pools.leakDetectionThresholdMs`, with their acquire sites (`pool.engine.leaks()`). */
  leaks(): LeakReport<T>[] {
    return this.engine.leaks()
  }

  // ── internals ───────────────────────────────────────────────────────────

  /** generic-pool's checks before queueing an acquire; the error to reject with, if any. */
  #refuse(): PoolError | undefined {
    if (!this.#started && !this.#autostart) this.start()
    if (this.#draining) return this.#refusal('POOL_CLOSED', MESSAGES.draining)
    const engine = this.engine
    if (
      engine.pending >= this.#maxWaitingClients &&
      engine.idle < 1 &&
      engine.max - (engine.total + engine.creating) < 1
    ) {
      return this.#refusal('POOL_QUEUE_FULL', MESSAGES.queueFull)
    }
    return undefined
  }

  #refusal(code: PoolErrorCode, message: string): PoolError {
    return new PoolError(code, message, { stats: this.engine.stats(), poolName: this.engine.name })
  }

  /** generic-pool's priority (0 = highest … priorityRange - 1) as one of the engine's three. */
  #priority(priority: number | undefined): AcquireOptions {
    const range = this.#priorityRange
    if (range === 1) return NORMAL
    let p = +(priority ?? 0) | 0
    if (p < 0 || p >= range) p = range - 1
    return p === 0 ? HIGH : p === range - 1 ? LOW : NORMAL
  }

  #emit(event: 'factoryCreateError' | 'factoryDestroyError', error: unknown): void {
    try {
      this.emit(event, error)
    } catch (thrown) {
      this.#logger?.warn(`[pools:${this.engine.name}] a ${event} listener threw: ${describeCause(thrown)}`)
    }
  }

  #wrap<X>(promise: Promise<X>): Promise<X> {
    return this.#promise === undefined ? promise : (this.#promise.resolve(promise) as Promise<X>)
  }
}

/**
 * generic-pool 3.x's `createPool`, backed by the `@pools/core` engine.
 *
 * @example
 * ```ts
 * import { createPool } from '@pools/core/generic-pool' // was: from 'generic-pool'
 *
 * const pool = createPool(
 *   { create: async () => connect(), destroy: async (conn) => conn.end() },
 *   { max: 10, min: 2, acquireTimeoutMillis: 2_000, pools: { name: 'db', leakDetectionThresholdMs: 30_000 } },
 * )
 * const rows = await pool.use((conn) => conn.query('SELECT 1'))
 * console.log(pool.health().status)
 * await pool.drain()
 * await pool.clear()
 * ```
 */
export function createPool<T>(factory: Factory<T>, options?: Options, runtime?: PoolRuntime): Pool<T> {
  return new Pool(factory, options, runtime)
}
