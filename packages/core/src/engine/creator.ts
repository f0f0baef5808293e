import type { Clock, TimerHandle } from '../clock/clock.js'
import type { RetryConfig } from '../config/schema.js'
import type { ResourceDriver } from '../driver/resource-driver.js'
import { describeCause, PoolError } from '../errors/pool-error.js'

/** What the creator reports back to the pool. */
export interface CreatorHost<T> {
  /** A create succeeded in time. Returns an error to refuse the resource (it then counts as a failed create). */
  created(resource: T, createMs: number): PoolError | undefined
  /** A create failed or timed out. `retryInMs` is when `retry()` will be called. */
  failed(error: PoolError, timedOut: boolean, attempt: number, retryInMs: number, fatal: boolean): void
  /** A resource arrived after its create had already timed out or been aborted. */
  abandoned(resource: T): void
  /** The backoff delay has passed: start whatever creates are still needed. */
  retry(): void
}

/**
 * Starts creates with a timeout and, after failures, holds further creates
 * back with exponential backoff and jitter. There is never a hot loop: while
 * backing off, `start()` is refused and only the retry timer starts new work,
 * even when `create` throws synchronously or returns junk. While failing, one
 * create probes at a time, and failures that land while already backing off
 * (a burst of concurrent creates failing together) count as one step.
 */
export class Creator<T> {
  /** Creates started and not yet settled (succeeded, failed or timed out). */
  inFlight = 0
  /** Consecutive failed backoff steps; reset by a success. */
  failures = 0
  lastError: PoolError | undefined
  lastErrorAt = Number.NEGATIVE_INFINITY
  readonly #controllers = new Set<AbortController>()
  #retryTimer: TimerHandle | undefined
  #retryAt = 0
  #stopped = false

  constructor(
    private readonly driver: ResourceDriver<T>,
    private readonly clock: Clock,
    private readonly createTimeoutMs: number,
    private readonly retry: RetryConfig,
    private readonly random: () => number,
    private readonly poolName: string,
    private readonly host: CreatorHost<T>,
  ) {}

  /** True while failed creates are being backed off. */
  get backingOff(): boolean {
    return this.#retryTimer !== undefined
  }

  /**
   * Start one create, unless stopped, backing off, or a probe is already in flight after failures;
   * returns whether it started. `now`: a caller's own attempt (`failWaiterOnCreateError`), started
   * even while backing off; the pool starts at most one per waiting caller, and a failed one rejects
   * its caller, so they cannot loop.
   */
  start(now = false): boolean {
    if (this.#stopped) return false
    if (!now && (this.#retryTimer !== undefined || (this.failures > 0 && this.inFlight > 0))) return false
    this.inFlight++
    const controller = new AbortController()
    this.#controllers.add(controller)
    const startedAt = this.clock.now()
    let settled = false
    const settle = (): boolean => {
      if (settled) return false
      settled = true
      this.inFlight--
      this.#controllers.delete(controller)
      this.clock.clearTimeout(timer)
      return true
    }
    const timer = this.clock.setTimeout(() => {
      if (!settle()) return
      const error = new PoolError(
        'POOL_CREATE_TIMEOUT',
        `Pool "${this.poolName}": creating a resource took longer than createTimeoutMs (${this.createTimeoutMs} ms). ` +
          'The server may be unreachable or overloaded; a resource that still arrives will be closed.',
        { poolName: this.poolName },
      )
      controller.abort(error)
      this.#fail(error, true)
    }, this.createTimeoutMs)

    let pending: Promise<T>
    try {
      pending = Promise.resolve(this.driver.create(controller.signal))
    } catch (error) {
      pending = Promise.reject(error)
    }
    pending.then(
      (resource) => {
        if (!settle()) {
          if (resource !== undefined && resource !== null) this.host.abandoned(resource)
          return
        }
        if (resource === undefined || resource === null) {
          this.#fail(
            new PoolError(
              'POOL_CREATE_FAILED',
              `Pool "${this.poolName}": the driver's create() resolved with ${String(resource)} instead of a resource.`,
              { poolName: this.poolName },
            ),
            false,
          )
          return
        }
        // reset first: accepting it lets the pool start the creates it still needs at once
        const failures = this.failures
        this.failures = 0
        const refused = this.host.created(resource, this.clock.now() - startedAt)
        if (refused !== undefined) {
          this.failures = failures
          this.#fail(refused, false)
        }
      },
      (cause: unknown) => {
        if (!settle()) return
        const aborted = controller.signal.aborted
        this.#fail(
          new PoolError(
            'POOL_CREATE_FAILED',
            `Pool "${this.poolName}": could not create a resource${aborted ? ' (aborted)' : ''}: ${describeCause(cause)}`,
            { cause, poolName: this.poolName },
          ),
          false,
          this.#isFatal(cause),
        )
      },
    )
    return true
  }

  /** Abort every in-flight create and cancel the retry timer; no create starts again. */
  stop(reason: unknown): void {
    this.#stopped = true
    if (this.#retryTimer !== undefined) this.clock.clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
    for (const controller of this.#controllers) controller.abort(reason)
  }

  #isFatal(cause: unknown): boolean {
    const judge = this.driver.isFatalCreateError
    if (judge === undefined) return false
    try {
      return judge.call(this.driver, cause) === true
    } catch {
      return false
    }
  }

  #fail(error: PoolError, timedOut: boolean, fatal = false): void {
    const now = this.clock.now()
    this.lastError = error
    this.lastErrorAt = now
    if (this.#retryTimer === undefined) {
      this.failures++
      const { initialDelayMs, maxDelayMs, multiplier, jitterRatio } = this.retry
      const base = Math.min(maxDelayMs, initialDelayMs * multiplier ** Math.min(this.failures - 1, 64))
      const delay = Math.max(1, Math.round(base * (1 - jitterRatio * this.random())))
      this.#retryAt = now + delay
      if (!this.#stopped) {
        this.#retryTimer = this.clock.setTimeout(() => {
          this.#retryTimer = undefined
          this.host.retry()
        }, delay)
      }
    }
    this.host.failed(error, timedOut, this.failures, Math.max(0, this.#retryAt - now), fatal)
  }
}
