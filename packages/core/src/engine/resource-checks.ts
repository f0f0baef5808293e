import type { Clock } from '../clock/clock.js'
import type { ResourceDriver } from '../driver/resource-driver.js'
import { BUSY, type PooledResource } from './pooled-resource.js'
import { runBounded, validateResource } from './validator.js'

/** Where a validation happened. */
export type ValidationPhase = 'borrow' | 'release' | 'idle'

/** What the checks report back to the pool. */
export interface ChecksHost<T> {
  /** The resource passed (`verified`: just validated) or needs no check: make it available. */
  available(record: PooledResource<T>, verified: boolean, now?: number): void
  /** A validation ran (counted whatever its outcome). */
  validated(): void
  /** The resource failed validation: destroy it. */
  validationFailed(record: PooledResource<T>, phase: ValidationPhase, error: Error): void
  /** `reset()` failed: destroy the resource. */
  resetFailed(record: PooledResource<T>, error: Error): void
}

/**
 * The checks a resource goes through off the hot path: validation on its way to a waiter, the
 * idle keepalive, and reset and/or validation when it comes back. Each marks the resource BUSY
 * while it runs, and reports nothing if the resource left that state meanwhile (destroyed by close,
 * reclaim or invalidate).
 */
export class ResourceChecks<T> {
  /** Resources being validated on their way to a waiter (each one is for one waiter). */
  validatingForWaiters = 0
  readonly #validateOnRelease: boolean

  constructor(
    private readonly driver: ResourceDriver<T>,
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    validateOnRelease: boolean,
    private readonly host: ChecksHost<T>,
  ) {
    this.#validateOnRelease = validateOnRelease && typeof driver.validate === 'function'
  }

  /** Validate an idle resource before it goes to a waiter. */
  async forWaiter(record: PooledResource<T>): Promise<void> {
    record.state = BUSY
    this.validatingForWaiters++
    const outcome = await validateResource(this.driver, record.resource, this.timeoutMs, this.clock)
    this.validatingForWaiters--
    if (record.state !== BUSY) return
    this.#judge(record, outcome, 'borrow')
  }

  /** Validate an idle resource that is due a keepalive. */
  async keepalive(record: PooledResource<T>): Promise<void> {
    record.state = BUSY
    const outcome = await validateResource(this.driver, record.resource, this.timeoutMs, this.clock)
    if (record.state !== BUSY) return
    this.#judge(record, outcome, 'idle')
  }

  /** Reset (if the driver can) and validate on return (if configured), then make available. */
  afterReturn(record: PooledResource<T>, now: number): void {
    const reset = this.driver.reset
    if (reset !== undefined) {
      let result: Promise<void> | void
      try {
        result = reset.call(this.driver, record.resource)
      } catch (error) {
        this.host.resetFailed(record, error instanceof Error ? error : new Error(String(error)))
        return
      }
      // A reset with nothing to do answers synchronously: no promise, no timer.
      if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
        void this.#awaitReset(record, result as Promise<void>)
        return
      }
    }
    this.#checkOnReturn(record, now)
  }

  async #awaitReset(record: PooledResource<T>, pending: Promise<void>): Promise<void> {
    const failure = await runBounded(() => pending, this.timeoutMs, this.clock, 'reset()')
    if (record.state !== BUSY) return
    if (failure !== undefined) this.host.resetFailed(record, failure)
    else this.#checkOnReturn(record)
  }

  /** `now`: the release's time (exact or coarse) when nothing asynchronous happened since. */
  #checkOnReturn(record: PooledResource<T>, now?: number): void {
    if (this.#validateOnRelease) {
      void validateResource(this.driver, record.resource, this.timeoutMs, this.clock).then((outcome) => {
        if (record.state === BUSY) this.#judge(record, outcome, 'release')
      })
      return
    }
    this.host.available(record, false, now)
  }

  #judge(record: PooledResource<T>, outcome: true | Error, phase: ValidationPhase): void {
    this.host.validated()
    if (outcome === true) {
      record.lastAliveAt = this.clock.now()
      this.host.available(record, true)
      return
    }
    this.host.validationFailed(record, phase, outcome)
  }
}
