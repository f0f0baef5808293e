import type { Clock } from '../clock/clock.js'
import type { ResourceDriver } from '../driver/resource-driver.js'
import type { AcquirePriority } from '../events/pool-events.js'
import type { PoolObserver } from '../stats/pool-observer.js'
import { MAX_POOL_SIZE } from './limits.js'
import { PRIORITY_INDEX } from './waiter.js'

/**
 * Per-call options of {@link Pool.acquire} and {@link Pool.use}.
 *
 * @example
 * ```ts
 * await pool.use(run, { timeoutMs: 500, priority: 'high', signal: AbortSignal.timeout(2_000) })
 * ```
 */
export interface AcquireOptions {
  /** Cancel the wait; the acquire rejects with `POOL_ACQUIRE_ABORTED`. */
  signal?: AbortSignal
  /** Queue priority (default `normal`): high before normal before low, FIFO within each. */
  priority?: AcquirePriority
  /** Override `acquireTimeoutMs` for this call (0 = wait without a timeout). */
  timeoutMs?: number
  /**
   * `false`: do not wait for another caller to release. When nothing is idle and no new resource may
   * be opened (all `max` are open or being created), reject at once with `POOL_QUEUE_FULL` (counted in
   * `queueFull`). A caller for whom a new resource can be opened still waits for it (mysql2's
   * `waitForConnections: false`). Default `true`.
   */
  waitForRelease?: boolean
}

/**
 * Options of {@link Pool.close}.
 *
 * @example
 * ```ts
 * await pool.close({ graceMs: 5_000, serveWaiting: true }) // pg.Pool's end()
 * ```
 */
export interface CloseOptions {
  /** How long to wait for borrowed resources before destroying them (default `closeGraceMs`). */
  graceMs?: number
  /**
   * `true`: callers already queued when `close()` starts are still served (by releases, idle
   * resources, and creates when nothing is open) before the pool finishes closing, as pg.Pool's
   * `end()` does; their timeouts and signals still apply, and the grace period still bounds the
   * whole close (queued callers left when it ends get `POOL_CLOSED`). New acquires are refused
   * with `POOL_CLOSED` at once either way. Default `false`: queued callers get `POOL_CLOSED` now.
   */
  serveWaiting?: boolean
}

/**
 * Where the pool writes its few log lines (leaks, create failure streaks, background errors, a
 * throwing listener or observer). A logger that throws is ignored, never propagated.
 *
 * @example
 * ```ts
 * const logger: PoolLogger = { warn: (m) => log.warn(m), info: (m) => log.info(m) }
 * const pool = createPool(driver, config, { logger })
 * ```
 */
export interface PoolLogger {
  warn(message: string): void
  info?(message: string): void
}

/**
 * Things a pool needs that are not configuration: time, randomness, logging, metrics.
 *
 * @example
 * ```ts
 * import { FakeClock } from '@pools/core/testing'
 * const pool = createPool(driver, { max: 4 }, { clock: new FakeClock(), logger: false })
 * ```
 */
export interface PoolRuntime {
  /** Source of time; `FakeClock` from `@pools/core/testing` in tests. */
  clock?: Clock
  /** Source of randomness for jitter (default `Math.random`). */
  random?: () => number
  /** Where leak reports and warnings go (default: `console.warn`); `false` for silence. */
  logger?: PoolLogger | false
  /** A metrics observer registered from the start (more can be added with `pool.observe()`). */
  observer?: PoolObserver
}

/** Longest delay a Node timer takes (≈ 24.8 days); a longer one fires after 1 ms. Same cap as the config's durations. */
export const MAX_TIMER_MS = 2_147_483_647

const consoleLogger: PoolLogger = {
  warn: (message) => console.warn(message),
  info: (message) => console.info(message),
}

/** The runtime's logger behind a guard (a throwing logger must never break the pool or reach a timer); `undefined` for silence. */
export function resolveLogger(logger: PoolLogger | false | undefined): PoolLogger | undefined {
  if (logger === false) return undefined
  const target = logger ?? consoleLogger
  return {
    warn(message) {
      try {
        target.warn(message)
      } catch {
        // nowhere left to report it
      }
    },
    info(message) {
      try {
        target.info?.(message)
      } catch {
        // nowhere left to report it
      }
    },
  }
}

/** What is wrong with a driver, as a message for `createPool`, or undefined. */
export function driverProblem(driver: unknown): string | undefined {
  const d = driver as Partial<Record<keyof ResourceDriver<unknown>, unknown>> | null
  if (d === null || typeof d !== 'object' || typeof d.create !== 'function') {
    return 'createPool(driver): the driver must be an object with a create() function.'
  }
  if (typeof d.destroy !== 'function') return 'createPool(driver): the driver must have a destroy() function.'
  for (const hook of ['validate', 'reset', 'isBroken', 'isFatalCreateError', 'ref', 'unref'] as const) {
    if (d[hook] !== undefined && typeof d[hook] !== 'function') {
      return `createPool(driver): the driver's ${hook} must be a function when present, got ${typeof d[hook]}.`
    }
  }
  return undefined
}

/** What is wrong with per-call acquire options, as a message, or undefined. Checked before anything else happens. */
export function acquireOptionsProblem(options: AcquireOptions): string | undefined {
  if (options === null || typeof options !== 'object') {
    return `acquire() options must be an object, got ${String(options)}.`
  }
  const t = options.timeoutMs
  if (t !== undefined && (typeof t !== 'number' || !(t >= 0 && t <= MAX_TIMER_MS))) {
    return `acquire() timeoutMs must be a number from 0 (no timeout) to ${MAX_TIMER_MS}, got ${String(t)}.`
  }
  const signal = options.signal
  if (signal !== undefined && (signal === null || typeof signal.addEventListener !== 'function')) {
    return `acquire() signal must be an AbortSignal, got ${String(signal)}.`
  }
  const w = options.waitForRelease
  if (w !== undefined && typeof w !== 'boolean') return `acquire() waitForRelease must be a boolean, got ${String(w)}.`
  const p = options.priority
  if (p !== undefined && !Object.hasOwn(PRIORITY_INDEX, p)) {
    return `acquire() priority must be "high", "normal" or "low", got ${JSON.stringify(p) ?? String(p)}.`
  }
  return undefined
}

/** What is wrong with a `resize()` argument, as a message, or undefined. */
export function resizeProblem(size: unknown, min: number, max: number): string | undefined {
  if (size === null || typeof size !== 'object') {
    return `resize() was given an invalid size: expected { min?, max? }, got ${String(size)}.`
  }
  const given = size as { min?: unknown; max?: unknown }
  const problems: string[] = []
  if (!Number.isInteger(min) || min < 0 || min > MAX_POOL_SIZE) {
    problems.push(`min must be a whole number from 0 to ${MAX_POOL_SIZE}, got ${String(given.min)}`)
  }
  if (!Number.isInteger(max) || max < 1 || max > MAX_POOL_SIZE) {
    problems.push(`max must be a whole number from 1 to ${MAX_POOL_SIZE} (MAX_POOL_SIZE), got ${String(given.max)}`)
  }
  if (problems.length === 0 && min > max) problems.push(`min (${min}) must not exceed max (${max})`)
  return problems.length > 0 ? `resize() was given an invalid size: ${problems.join('; ')}.` : undefined
}

/** What is wrong with `close()` options, as a message, or undefined. */
export function closeOptionsProblem(graceMs: unknown, serveWaiting: unknown): string | undefined {
  if (
    typeof graceMs !== 'number' ||
    !((graceMs >= 0 && graceMs <= MAX_TIMER_MS) || graceMs === Number.POSITIVE_INFINITY)
  ) {
    return `close() graceMs must be a number from 0 to ${MAX_TIMER_MS}, or Infinity to wait for every loan, got ${String(graceMs)}.`
  }
  if (serveWaiting !== undefined && typeof serveWaiting !== 'boolean') {
    return `close() serveWaiting must be a boolean, got ${String(serveWaiting)}.`
  }
  return undefined
}
