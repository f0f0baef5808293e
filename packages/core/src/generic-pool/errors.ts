import { isPoolError, PoolError, type PoolErrorCode, type PoolStats } from '../index.js'

/** generic-pool's messages, kept word for word: code that matches on them keeps working. */
export const MESSAGES = {
  timeout: 'ResourceRequest timed out',
  draining: 'pool is draining and cannot accept work',
  queueFull: 'max waitingClients count exceeded',
  notBorrowed: 'Resource not currently part of this pool',
  destroyTimeout: 'destroy timed out',
} as const

/**
 * The rejection of an acquire that waited `acquireTimeoutMillis`: generic-pool's
 * `name` (`'TimeoutError'`) and message (`'ResourceRequest timed out'`), and
 * also a {@link PoolError} with code `POOL_ACQUIRE_TIMEOUT` whose `cause` is
 * the engine's detailed error (how long it waited, how many were in use, the
 * last create failure) and whose `stats` is the pool at that moment.
 *
 * `instanceof TimeoutError`, `instanceof PoolError`, `instanceof Error` and
 * `isPoolError(err, 'POOL_ACQUIRE_TIMEOUT')` are all true.
 */
export class TimeoutError extends PoolError {
  constructor(message: string, options: { cause?: unknown; stats?: PoolStats; poolName?: string } = {}) {
    super('POOL_ACQUIRE_TIMEOUT', message, options)
    // PoolError types `name` as the literal 'PoolError'; generic-pool callers test `err.name === 'TimeoutError'`.
    Object.defineProperty(this, 'name', { value: 'TimeoutError', enumerable: true, writable: true, configurable: true })
  }
}

/** A PoolError with generic-pool's message; the engine's own error, when there is one, is the `cause`. */
function relabel(code: PoolErrorCode, message: string, engineError: PoolError): PoolError {
  return new PoolError(code, message, {
    cause: engineError,
    stats: engineError.stats,
    poolName: engineError.poolName,
  })
}

/** Translate an engine rejection of `acquire` into what a generic-pool caller expects. */
export function acquireError(error: unknown): unknown {
  if (!isPoolError(error)) return error
  switch (error.code) {
    case 'POOL_ACQUIRE_TIMEOUT':
      return new TimeoutError(MESSAGES.timeout, { cause: error, stats: error.stats, poolName: error.poolName })
    case 'POOL_CLOSED':
      return relabel('POOL_CLOSED', MESSAGES.draining, error)
    case 'POOL_QUEUE_FULL':
      return relabel('POOL_QUEUE_FULL', MESSAGES.queueFull, error)
    default:
      return error
  }
}

/** Translate an engine refusal of `release`/`destroy` into generic-pool's rejection. */
export function returnError(error: unknown): unknown {
  return isPoolError(error, 'POOL_RELEASE_INVALID')
    ? relabel('POOL_RELEASE_INVALID', MESSAGES.notBorrowed, error)
    : error
}
