import { describeCause, PoolError, type PoolErrorCode } from '../errors/pool-error.js'
import type { PoolState, PoolStats } from '../stats/pool-stats.js'

/**
 * Builds the pool's errors: every message names the pool, says what happened and what to do, and
 * carries a stats snapshot (counts only, never credentials).
 */
export class PoolErrors {
  constructor(
    private readonly name: string,
    private readonly stats: () => PoolStats,
    private readonly state: () => PoolState,
  ) {}

  error(code: PoolErrorCode, message: string, cause?: unknown): PoolError {
    return new PoolError(code, `Pool "${this.name}": ${message}`, {
      cause,
      stats: this.stats(),
      poolName: this.name,
    })
  }

  closed(what: string): PoolError {
    return this.error(
      'POOL_CLOSED',
      `${what} was called on a pool that is ${this.state()}. Create a new pool, or stop using this one.`,
    )
  }

  closedWhileWaiting(what: string): PoolError {
    return this.error(
      'POOL_CLOSED',
      `the pool was closed while ${what} was waiting. Create a new pool, or stop using this one.`,
    )
  }

  aborted(signal: AbortSignal, waitMs: number): PoolError {
    return this.error(
      'POOL_ACQUIRE_ABORTED',
      `acquire() was aborted by its AbortSignal after ${Math.round(waitMs)} ms.`,
      signal.reason,
    )
  }

  /** `createCause`: the last create error while creates are failing (the reason nothing came). */
  acquireTimeout(waitMs: number, createCause: PoolError | undefined): PoolError {
    const stats = this.stats()
    return new PoolError(
      'POOL_ACQUIRE_TIMEOUT',
      `Pool "${this.name}": waited ${Math.round(waitMs)} ms for a resource (acquire timeout); ` +
        `${stats.used} of ${stats.max} in use, ${stats.pending} waiting` +
        (createCause
          ? `; the last attempt to create one failed: ${describeCause(createCause.cause ?? createCause)}`
          : '') +
        '. Raise max or acquireTimeoutMs, hold resources for less time, or look for leaks (leakDetectionThresholdMs).',
      { cause: createCause, stats, poolName: this.name },
    )
  }

  queueFull(waiting: number, maxPending: number): PoolError {
    return this.error(
      'POOL_QUEUE_FULL',
      `${waiting} callers are already waiting (maxPending ${maxPending}); this acquire was refused at once. ` +
        'The pool is overloaded: raise max or maxPending, or shed load upstream.',
    )
  }

  nothingAvailable(max: number): PoolError {
    return this.error(
      'POOL_QUEUE_FULL',
      `nothing available: all ${max} resources are in use or being opened, and this acquire does not wait ` +
        'for a release (waitForRelease: false). Retry later, raise max, or let callers wait.',
    )
  }
}
