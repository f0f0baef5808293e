import { isPoolError } from '@pools/core'
import type { ManagedPool } from './pools.factory.js'
import type { PoolHealthData } from './pools.interfaces.js'

/**
 * Options of a health report (`registry.report()`, `PoolsHealthIndicator.isHealthy()`).
 *
 * @example
 * ```ts
 * await indicator.isHealthy('db', { names: ['primary'], pingTimeoutMs: 1_000 })
 * ```
 */
export interface PoolsHealthOptions {
  /** Only these pools (default: every pool of the module). */
  names?: readonly string[]
  /**
   * Also borrow a connection and validate it with the driver's check (`SELECT 1`-like), so an
   * unreachable server shows as `down` before any request fails. Skipped when every connection is
   * busy and the pool is at `max` (the pool's own verdict then speaks). Default `true`.
   */
  ping?: boolean
  /** How long the ping may take, borrowing included (default 2 000 ms). */
  pingTimeoutMs?: number
}

const DEFAULT_PING_TIMEOUT_MS = 2_000

/** Borrow a connection without queueing behind busy ones, validate it, and give it back (or destroy it). */
async function ping(managed: ManagedPool, timeoutMs: number): Promise<string | undefined> {
  const engine = managed.engine
  let resource: unknown
  try {
    resource = await engine.acquire({ timeoutMs, waitForRelease: false, priority: 'high' })
  } catch (error) {
    if (isPoolError(error) && error.code === 'POOL_QUEUE_FULL') return undefined // busy, not broken
    return `ping: could not borrow a connection (${isPoolError(error) ? error.code : 'error'})`
  }
  const validate = engine.driver.validate
  if (validate === undefined) {
    engine.release(resource)
    return undefined
  }
  let ok = false
  try {
    ok = await validate.call(engine.driver, resource, AbortSignal.timeout(timeoutMs))
  } catch {
    ok = false
  }
  if (ok) {
    engine.release(resource)
    return undefined
  }
  engine.destroy(resource)
  return 'ping: the connection failed its check'
}

/** The health data of one pool: the engine's verdict and numbers, plus the ping. */
export async function poolHealth(managed: ManagedPool, options: PoolsHealthOptions = {}): Promise<PoolHealthData> {
  const pingError =
    options.ping === false || managed.engine.state === 'closing' || managed.engine.state === 'closed'
      ? undefined
      : await ping(managed, options.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS)
  const health = managed.engine.health()
  const { stats, recent } = health
  const reasons = health.reasons.map((r) => `${r.check}: ${r.message}`)
  if (pingError !== undefined) reasons.push(pingError)
  const status =
    pingError !== undefined || health.status === 'unhealthy' ? 'down' : health.status === 'degraded' ? 'degraded' : 'up'
  return {
    status,
    driver: managed.driver,
    state: stats.state,
    total: stats.total,
    idle: stats.idle,
    borrowed: stats.borrowed,
    pending: stats.pending,
    max: stats.max,
    saturation: stats.max === 0 ? 0 : stats.used / stats.max,
    acquireWaitP95Ms: recent.acquireWaitP95Ms,
    recentTimeouts: recent.timeouts,
    leakSuspects: stats.leakSuspects,
    reasons,
  }
}

/** The health data of several pools, by name. */
export async function reportPools(
  pools: ReadonlyMap<string, ManagedPool>,
  options: PoolsHealthOptions = {},
): Promise<Record<string, PoolHealthData>> {
  const names = options.names ?? [...pools.keys()]
  const entries = await Promise.all(
    names.map(async (name): Promise<[string, PoolHealthData]> => {
      const managed = pools.get(name)
      if (managed === undefined) {
        const missing: PoolHealthData = {
          status: 'down',
          driver: 'existing',
          state: 'unknown',
          total: 0,
          idle: 0,
          borrowed: 0,
          pending: 0,
          max: 0,
          saturation: 0,
          acquireWaitP95Ms: 0,
          recentTimeouts: 0,
          leakSuspects: 0,
          reasons: [`no pool named "${name}" in the module`],
        }
        return [name, missing]
      }
      return [name, await poolHealth(managed, options)]
    }),
  )
  return Object.fromEntries(entries)
}
