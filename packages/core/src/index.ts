/**
 * `@pools/core`: one pool engine for every Node.js data stack.
 *
 * @example
 * ```ts
 * import { createPool } from '@pools/core'
 * const pool = createPool({ create: async () => ({}), destroy: () => {} }, { max: 4 })
 * await pool.use(async (resource) => resource)
 * await pool.close()
 * ```
 * @module
 */
export type { Clock, TimerHandle } from './clock/clock.js'
export { systemClock } from './clock/system-clock.js'
export * from './config/index.js'
export type { ResourceDriver } from './driver/resource-driver.js'
export type { PoolChannelMessage } from './engine/discovery.js'
export { livePools, POOL_CLOSED_CHANNEL, POOL_CREATED_CHANNEL } from './engine/discovery.js'
export type { HasEngine } from './engine/engine-handle.js'
export { ENGINE, engineOf, hasEngine } from './engine/engine-handle.js'
export {
  describeClass,
  isPoolsMariadbPool,
  isPoolsMysql2Pool,
  isPoolsPgPool,
  looksLikeClient,
} from './engine/facade-checks.js'
export { MAX_POOL_SIZE } from './engine/limits.js'
export type { AcquireOptions, CloseOptions, PoolLogger, PoolRuntime } from './engine/pool.js'
export { createPool, Pool } from './engine/pool.js'
export type { PoolErrorCode, PoolErrorOptions } from './errors/pool-error.js'
export { describeCause, isPoolError, PoolError } from './errors/pool-error.js'
export type {
  AcquirePriority,
  LeakReport,
  PoolEventName,
  PoolEvents,
  PoolListener,
} from './events/pool-events.js'
export type { HealthCheckName, HealthReason, HealthStatus, PoolHealth } from './health/pool-health.js'
export { evaluateHealth } from './health/pool-health.js'
export * from './logging/index.js'
export * from './sizing/index.js'
export type { HistogramSnapshot } from './stats/histogram.js'
export { cumulativeBuckets, HISTOGRAM_BOUNDS_MS } from './stats/histogram.js'
export type { PoolObserver } from './stats/pool-observer.js'
export type {
  DestroyReason,
  LatencySummary,
  PoolCounters,
  PoolHistograms,
  PoolState,
  PoolStats,
  StatsOptions,
} from './stats/pool-stats.js'
export { DESTROY_REASONS } from './stats/pool-stats.js'
export * from './vocabulary/index.js'
