import type { HealthConfig } from '../config/schema.js'
import type { PoolStats } from '../stats/pool-stats.js'
import type { RecentActivity } from '../stats/recent-window.js'

/** Overall verdict, worst of all checks. */
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy'

/** The name of one health check. */
export type HealthCheckName =
  | 'state'
  | 'utilization'
  | 'pending'
  | 'timeouts'
  | 'create-errors'
  | 'acquire-wait'
  | 'leak-suspects'

/** Why a check is not healthy. */
export interface HealthReason {
  check: HealthCheckName
  status: Exclude<HealthStatus, 'healthy'>
  /** One sentence a human can act on. */
  message: string
  value: number
  threshold: number
}

/** `pool.health()`: a verdict, its reasons, and the numbers it was made from. */
export interface PoolHealth {
  status: HealthStatus
  reasons: HealthReason[]
  /** Recent window used for rate-based checks. */
  recent: { windowMs: number; timeouts: number; created: number; createErrors: number; acquireWaitP95Ms: number }
  stats: PoolStats
}

const rank: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 }

/** Judge a pool from its stats, its recent activity and the configured thresholds. */
export function evaluateHealth(stats: PoolStats, recent: RecentActivity, t: HealthConfig): PoolHealth {
  const reasons: HealthReason[] = []
  const add = (
    check: HealthCheckName,
    status: HealthReason['status'],
    value: number,
    threshold: number,
    message: string,
  ) => {
    reasons.push({ check, status, value, threshold, message })
  }

  if (stats.state === 'closing' || stats.state === 'closed') {
    add('state', 'unhealthy', 1, 0, `the pool is ${stats.state} and serves no new acquires`)
  } else if (stats.state === 'suspended') {
    add('state', 'degraded', 1, 0, 'the pool is suspended: acquires wait until resume()')
  }

  const utilization = stats.max === 0 ? 0 : stats.used / stats.max
  if (utilization >= t.degradedUtilization) {
    add(
      'utilization',
      'degraded',
      utilization,
      t.degradedUtilization,
      `${stats.used} of ${stats.max} resources in use (${Math.round(utilization * 100)}%)`,
    )
  }
  if (stats.pending >= t.degradedPending) {
    add(
      'pending',
      'degraded',
      stats.pending,
      t.degradedPending,
      `${stats.pending} callers are pending (queued for a resource)`,
    )
  }

  if (recent.timeouts >= t.unhealthyAcquireTimeouts) {
    add(
      'timeouts',
      'unhealthy',
      recent.timeouts,
      t.unhealthyAcquireTimeouts,
      `${recent.timeouts} acquire timeouts recently`,
    )
  } else if (recent.timeouts >= t.degradedAcquireTimeouts) {
    add(
      'timeouts',
      'degraded',
      recent.timeouts,
      t.degradedAcquireTimeouts,
      `${recent.timeouts} acquire timeouts recently`,
    )
  }

  const attempts = recent.created + recent.createErrors
  const errorRate = attempts === 0 ? 0 : recent.createErrors / attempts
  if (attempts > 0 && errorRate >= t.unhealthyCreateErrorRate) {
    add(
      'create-errors',
      'unhealthy',
      errorRate,
      t.unhealthyCreateErrorRate,
      `${recent.createErrors} of ${attempts} recent creates failed`,
    )
  } else if (attempts > 0 && errorRate >= t.degradedCreateErrorRate) {
    add(
      'create-errors',
      'degraded',
      errorRate,
      t.degradedCreateErrorRate,
      `${recent.createErrors} of ${attempts} recent creates failed`,
    )
  }

  const p95 = recent.acquireWait.quantile(0.95)
  if (recent.acquireWait.count > 0 && p95 >= t.unhealthyAcquireWaitP95Ms) {
    add(
      'acquire-wait',
      'unhealthy',
      p95,
      t.unhealthyAcquireWaitP95Ms,
      `recent acquire wait p95 is ${Math.round(p95)} ms`,
    )
  } else if (recent.acquireWait.count > 0 && p95 >= t.degradedAcquireWaitP95Ms) {
    add('acquire-wait', 'degraded', p95, t.degradedAcquireWaitP95Ms, `recent acquire wait p95 is ${Math.round(p95)} ms`)
  }

  if (stats.leakSuspects >= t.degradedLeakSuspects) {
    add(
      'leak-suspects',
      'degraded',
      stats.leakSuspects,
      t.degradedLeakSuspects,
      `${stats.leakSuspects} borrowed resources look leaked`,
    )
  }

  let status: HealthStatus = 'healthy'
  for (const reason of reasons) if (rank[reason.status] > rank[status]) status = reason.status
  return {
    status,
    reasons,
    recent: {
      windowMs: recent.windowMs,
      timeouts: recent.timeouts,
      created: recent.created,
      createErrors: recent.createErrors,
      acquireWaitP95Ms: p95,
    },
    stats,
  }
}
