import type { PoolStats } from '../stats/pool-stats.js'

/** Every error code the pool can raise. The same words are used in events, metrics and docs. */
export type PoolErrorCode =
  /** No resource became available within the acquire timeout. */
  | 'POOL_ACQUIRE_TIMEOUT'
  /** The acquire was cancelled through its AbortSignal. */
  | 'POOL_ACQUIRE_ABORTED'
  /** `maxPending` callers are already queued. */
  | 'POOL_QUEUE_FULL'
  /** The pool is closing or closed. */
  | 'POOL_CLOSED'
  /** The driver's `create` did not finish within `createTimeoutMs`. */
  | 'POOL_CREATE_TIMEOUT'
  /** The driver's `create` threw, rejected or returned nothing usable. */
  | 'POOL_CREATE_FAILED'
  /** The driver's `destroy` threw, rejected or timed out. */
  | 'POOL_DESTROY_FAILED'
  /** The driver's `reset` failed; the resource was destroyed instead of reused. */
  | 'POOL_RESET_FAILED'
  /** A release/destroy of something that is not currently borrowed from this pool. */
  | 'POOL_RELEASE_INVALID'
  /** A configuration value is missing, of the wrong type, or out of range. */
  | 'POOL_CONFIG_INVALID'

/** Options for {@link PoolError}. */
export interface PoolErrorOptions {
  cause?: unknown
  stats?: PoolStats
  /** The pool's name, when known. */
  poolName?: string
}

/**
 * The one error type of @pools. Check `code`, not the message.
 *
 * @example
 * ```ts
 * try {
 *   await pool.use(run)
 * } catch (err) {
 *   if (isPoolError(err) && err.code === 'POOL_ACQUIRE_TIMEOUT') console.log(err.stats?.pending)
 * }
 * ```
 */
/** Marks every PoolError, from any copy of @pools/core loaded in the process (ESM and CommonJS builds). */
const POOL_ERROR_BRAND = Symbol.for('@pools/core.PoolError')

export class PoolError extends Error {
  /**
   * `err instanceof PoolError` holds for a PoolError made by either build of @pools/core (an app can
   * load the ES-module build and a CommonJS dependency the CommonJS one): it checks a `Symbol.for`
   * brand, not one copy's prototype chain. Subclasses keep the ordinary prototype check.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class `instanceof` was asked about (a subclass or PoolError)
    if (this !== PoolError) return Function.prototype[Symbol.hasInstance].call(this, value)
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[POOL_ERROR_BRAND] === true
  }

  override readonly name = 'PoolError'
  readonly code: PoolErrorCode
  /** A snapshot of the pool when the error was raised (counts only, never credentials). */
  declare readonly stats: PoolStats | undefined
  readonly poolName: string | undefined

  constructor(code: PoolErrorCode, message: string, options: PoolErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    Object.defineProperty(this, POOL_ERROR_BRAND, { value: true, enumerable: false })
    // non-enumerable: a printed or logged error stays readable; the snapshot is still there to read
    Object.defineProperty(this, 'stats', { value: options.stats, enumerable: false, writable: false })
    this.poolName = options.poolName
  }
}

/**
 * True for a {@link PoolError}, including one thrown by a second copy of
 * `@pools/core` in the same process (checked by `name` and `code`, not only `instanceof`).
 */
export function isPoolError(value: unknown, code?: PoolErrorCode): value is PoolError {
  if (value === null || typeof value !== 'object') return false
  const ok =
    value instanceof PoolError ||
    ((value as { name?: unknown }).name === 'PoolError' && typeof (value as { code?: unknown }).code === 'string')
  return ok && (code === undefined || (value as PoolError).code === code)
}

/**
 * A short description of an unknown thrown value for an error message or log line: the error's
 * `code` (when it has one the message does not already contain) and its message, or `String(value)`.
 * It never adds anything beyond those, so it is as credential-free as the value's own message
 * (drivers' connect errors name host and port, never the password). Never throws.
 *
 * @example
 * ```ts
 * import { describeCause } from '@pools/core'
 * describeCause(Object.assign(new Error('connect refused'), { code: 'ECONNREFUSED' }))
 * // 'ECONNREFUSED: connect refused'
 * ```
 */
export function describeCause(cause: unknown): string {
  try {
    if (cause instanceof Error) {
      const code = (cause as { code?: unknown }).code
      const message = String(cause.message)
      return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message
    }
    return String(cause)
  } catch {
    return Object.prototype.toString.call(cause)
  }
}
