import {
  ENGINE,
  type Pool as EnginePool,
  isPoolError,
  type LeakReport,
  type PoolHealth,
  type PoolStats,
} from '@pools/core'
import knex from 'knex'

/** The marks knex leaves on a connection: `__knex__disposed` once it must not be reused. */
interface KnexMarks {
  __knex__disposed?: unknown
}

/**
 * What knex reads from `acquire()`: tarn's pending operation, of which knex uses `promise` only.
 *
 * @example
 * ```ts
 * const connection = await pool.acquire().promise
 * ```
 */
export interface PendingAcquire<T> {
  readonly promise: Promise<T>
}

const KNEX_TIMEOUT_MESSAGE =
  'Knex: Timeout acquiring a connection. The pool is probably full. Are you missing a .transacting(trx) call?'

/**
 * A failed checkout in knex's words: a timeout is knex's `KnexTimeoutError` (the engine's
 * `PoolError` is its `cause`), a failed connect is the driver's own error, as with knex's tarn pool.
 */
export function knexErrorOf(error: unknown): unknown {
  if (isPoolError(error, 'POOL_ACQUIRE_TIMEOUT')) {
    const timeout = new knex.KnexTimeoutError(`${KNEX_TIMEOUT_MESSAGE} ${error.message}`)
    ;(timeout as Error & { cause?: unknown }).cause = error
    return timeout
  }
  if (isPoolError(error, 'POOL_CREATE_FAILED') && error.cause instanceof Error) return error.cause
  return error
}

function knexError(error: unknown): never {
  throw knexErrorOf(error)
}

/**
 * The pool knex talks to (`knex.client.pool`), directly on a `@pools/core` engine: tarn's
 * `acquire().promise` / `release()` / `destroy()` / `numFree()`… names, which knex detects by duck
 * typing, mapped one to one onto the engine. It owns no queue, timer or counter: waiting, timeouts,
 * validation, lifetimes and leak detection are the engine's.
 *
 * A connection knex marks disposed (`__knex__disposed`, set on a connection error) is destroyed on
 * release instead of being reused. `destroy()` closes the engine only when this pool created it.
 *
 * @example
 * ```ts
 * import knex from 'knex'
 * import { withPools, knexEngine } from '@pools/knex'
 *
 * const db = knex(withPools({ client: 'pg', connection: process.env.DATABASE_URL }))
 * console.log(knexEngine(db).stats().borrowed)
 * ```
 */
export class KnexEnginePool<T extends object> {
  /** The `@pools/core` engine: `stats()`, `health()`, `leaks()`, `on(...)`, `resize()`. */
  readonly engine: EnginePool<T>
  readonly #owned: boolean

  /**
   * @param engine the engine to borrow from
   * @param owned true when `destroy()` (called by `knex.destroy()`) should close the engine
   */
  constructor(engine: EnginePool<T>, owned: boolean) {
    this.engine = engine
    this.#owned = owned
  }

  /** The engine, under the handle every @pools facade shares. */
  get [ENGINE](): EnginePool<T> {
    return this.engine
  }

  /** Borrow a connection: tarn's pending operation, whose `promise` knex awaits. */
  acquire(): PendingAcquire<T> {
    return { promise: this.engine.acquire().then(undefined, knexError) }
  }

  /**
   * Give a connection back; one knex marked disposed is destroyed instead. Returns false (as tarn
   * does) for a connection this pool does not hold, e.g. one the engine already reclaimed as leaked.
   */
  release(connection: T): boolean {
    try {
      if ((connection as KnexMarks).__knex__disposed) this.engine.destroy(connection)
      else this.engine.release(connection)
      return true
    } catch (error) {
      if (isPoolError(error, 'POOL_RELEASE_INVALID')) return false
      throw error
    }
  }

  /** Called by `knex.destroy()` for a pool knex owns: closes the engine when this pool created it. */
  destroy(): Promise<void> {
    return this.#owned ? this.engine.close() : Promise.resolve()
  }

  /** Idle connections (tarn's `numFree`). */
  numFree(): number {
    return this.engine.idle
  }

  /** Borrowed connections (tarn's `numUsed`). */
  numUsed(): number {
    return this.engine.borrowed
  }

  /** Callers waiting for a connection (tarn's `numPendingAcquires`). */
  numPendingAcquires(): number {
    return this.engine.pending
  }

  /** Connections being opened (tarn's `numPendingCreates`). */
  numPendingCreates(): number {
    return this.engine.creating
  }

  /** The engine's gauges, counters and latencies. */
  stats(): PoolStats {
    return this.engine.stats()
  }

  /** `healthy` / `degraded` / `unhealthy`, with reasons. */
  health(): PoolHealth {
    return this.engine.health()
  }

  /** Connections held longer than `leakDetectionThresholdMs`, with where they were acquired. */
  leaks(): LeakReport<T>[] {
    return this.engine.leaks()
  }
}
