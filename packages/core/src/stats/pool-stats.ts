import type { HistogramSnapshot, LatencySummary } from './histogram.js'

export type { HistogramSnapshot, LatencySummary } from './histogram.js'

/** Why a resource was destroyed. Used in `destroy` events, counters and metrics. */
export type DestroyReason =
  /** Idle longer than `idleTimeoutMs` while above `min`. */
  | 'idle-timeout'
  /** One idle resource too many (`maxIdle`) at a housekeeping pass, while above `min`. */
  | 'max-idle'
  /** Older than `maxLifetimeMs` (minus jitter). */
  | 'max-lifetime'
  /** Borrowed `maxUses` times. */
  | 'max-uses'
  /** Validation returned false, threw, rejected or timed out. */
  | 'validation-failed'
  /** The caller called `pool.destroy()`, or the driver's `isBroken()` said so. */
  | 'broken'
  /** The driver's `reset()` failed on release. */
  | 'reset-failed'
  /** Held past `leakReclaimAfterMs` and reclaimed. */
  | 'leak-reclaimed'
  /** Above the new `max` after `resize()`. */
  | 'resized'
  /** Destroyed by `evictIdle()`. */
  | 'evicted'
  /** The pool closed. */
  | 'closed'
  /** Still borrowed when the close grace period ran out. */
  | 'close-forced'
  /** Arrived after its create timed out or after the pool closed. */
  | 'create-abandoned'

/** All destroy reasons, in a stable order (for metrics and docs). */
export const DESTROY_REASONS: readonly DestroyReason[] = [
  'idle-timeout',
  'max-idle',
  'max-lifetime',
  'max-uses',
  'validation-failed',
  'broken',
  'reset-failed',
  'leak-reclaimed',
  'resized',
  'evicted',
  'closed',
  'close-forced',
  'create-abandoned',
]

/** Lifecycle state of a pool. */
export type PoolState = 'running' | 'suspended' | 'closing' | 'closed'

/** Monotonic counters since the pool was created. */
export interface PoolCounters {
  created: number
  createErrors: number
  createTimeouts: number
  destroyed: number
  destroyedBy: Record<DestroyReason, number>
  destroyErrors: number
  acquired: number
  released: number
  timeouts: number
  aborted: number
  queueFull: number
  validations: number
  validationFailures: number
  leaks: number
  leaksReclaimed: number
}

/**
 * A point-in-time snapshot of a pool: `pool.stats()`.
 * Gauges: `total = idle + used`; `used` counts borrowed resources plus those
 * being validated or reset; `creating` are not in `total` yet.
 */
export interface PoolStats {
  name: string
  state: PoolState
  min: number
  max: number
  total: number
  idle: number
  used: number
  borrowed: number
  pending: number
  creating: number
  leakSuspects: number
  counters: PoolCounters
  /** How long acquire() waited (0 on the idle fast path). */
  acquireWaitMs: LatencySummary
  /** How long a resource was held between acquire and release. */
  useTimeMs: LatencySummary
  /** How long a successful create took. */
  createTimeMs: LatencySummary
  /** The buckets behind the three latencies; only with `pool.stats({ histograms: true })`. */
  histograms?: PoolHistograms
}

/**
 * The latency histograms of a pool, bucket by bucket (`pool.stats({ histograms: true })`):
 * the same samples as `acquireWaitMs`, `useTimeMs` and `createTimeMs` (acquire and use times are
 * sampled, see `timingSampleEvery`; every create is recorded).
 *
 * @example
 * ```ts
 * const { useTimeMs } = pool.stats({ histograms: true }).histograms!
 * console.log(useTimeMs.count, useTimeMs.max)
 * ```
 */
export interface PoolHistograms {
  acquireWaitMs: HistogramSnapshot
  useTimeMs: HistogramSnapshot
  createTimeMs: HistogramSnapshot
}

/**
 * Options of `pool.stats()`.
 *
 * @example
 * ```ts
 * pool.stats({ histograms: true })
 * ```
 */
export interface StatsOptions {
  /** Include {@link PoolHistograms} (three arrays of 448 counts; leave off for a cheap snapshot). */
  histograms?: boolean
}
