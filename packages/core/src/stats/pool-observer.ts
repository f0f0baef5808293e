import type { PoolError } from '../errors/pool-error.js'
import type { DestroyReason } from './pool-stats.js'

/**
 * A metrics sink the pool calls at the moments it already measures, modelled on HikariCP's
 * `IMetricsTracker`. Exporters (OpenTelemetry, Prometheus, StatsD, a Nest health indicator)
 * implement the methods they need and read gauges on demand from `pool.stats()`; the pool never
 * takes an extra clock reading for an observer.
 *
 * Every method is optional and is called synchronously. An observer that throws is isolated: the
 * pool logs it and carries on. With no observer registered, none of this costs anything.
 *
 * **Sampled timings.** `recordAcquire` and `recordUse` are called for the *timed* loans only:
 * 1 in `timingSampleEvery` (16 by default), or every loan while someone listens to the `acquire`
 * or `release` event or `timingSampleEvery` is 1. Treat them as a sample for latency
 * distributions; take counts from `pool.stats().counters`, which are always exact.
 *
 * @example
 * ```ts
 * import { createPool, type PoolObserver } from '@pools/core'
 *
 * const observer: PoolObserver = {
 *   recordAcquire: (waitMs) => waitHistogram.record(waitMs),
 *   recordTimeout: () => timeouts.add(1),
 *   recordDestroy: (reason) => destroyed.add(1, { reason }),
 * }
 * const pool = createPool(driver, { name: 'orders' }, { observer })
 * // or later, with a way to stop:
 * const stop = pool.observe(observer)
 * stop()
 * ```
 */
export interface PoolObserver {
  /** A timed loan started, after waiting `waitMs` (0 on the idle fast path). Sampled: see above. */
  recordAcquire?(waitMs: number): void
  /** A timed loan ended: the resource was held `heldMs`. Sampled: see above. */
  recordUse?(heldMs: number): void
  /** A create succeeded in `createMs` (every create, not sampled). */
  recordCreate?(createMs: number): void
  /** A create failed; `timedOut` when it hit `createTimeoutMs` (`error.code` is `POOL_CREATE_TIMEOUT`). */
  recordCreateError?(error: PoolError, timedOut: boolean): void
  /** An acquire gave up after `waitMs` (`POOL_ACQUIRE_TIMEOUT`). */
  recordTimeout?(waitMs: number): void
  /** An acquire was cancelled by its `AbortSignal` after `waitMs`. */
  recordAbort?(waitMs: number): void
  /** An acquire was refused at once (`POOL_QUEUE_FULL`). */
  recordQueueFull?(): void
  /** A resource was destroyed, and why. */
  recordDestroy?(reason: DestroyReason): void
  /** A loan crossed `leakDetectionThresholdMs` (reported once per loan). */
  recordLeak?(heldMs: number): void
  /** A validation failed (on borrow, on return, or an idle keepalive). */
  recordValidationFailure?(phase: 'borrow' | 'release' | 'idle'): void
  /** The pool finished closing (every resource destroyed): unregister its gauges. Called once. */
  closed?(): void
}

/** The observer methods, in a stable order (used to build the pool's dispatching observer). */
export const OBSERVER_METHODS = [
  'recordAcquire',
  'recordUse',
  'recordCreate',
  'recordCreateError',
  'recordTimeout',
  'recordAbort',
  'recordQueueFull',
  'recordDestroy',
  'recordLeak',
  'recordValidationFailure',
  'closed',
] as const satisfies readonly (keyof PoolObserver)[]

type ObserverMethod = (typeof OBSERVER_METHODS)[number]

/** What the pool calls: every method present. */
export type ObserverSink = Required<PoolObserver>

/**
 * The observers of one pool, behind one object whose methods are all present. `sink` is
 * `undefined` while nobody observes, so the pool pays one field check and nothing else.
 */
export class ObserverSet {
  #observers: PoolObserver[] = []
  sink: ObserverSink | undefined = undefined

  constructor(private readonly failed: (error: unknown, method: ObserverMethod) => void) {}

  add(observer: PoolObserver): () => void {
    this.#observers = [...this.#observers, observer]
    this.#rebuild()
    let removed = false
    return () => {
      if (removed) return
      removed = true
      const i = this.#observers.indexOf(observer)
      if (i !== -1) this.#observers = this.#observers.slice(0, i).concat(this.#observers.slice(i + 1))
      this.#rebuild()
    }
  }

  #rebuild(): void {
    const observers = this.#observers
    if (observers.length === 0) {
      this.sink = undefined
      return
    }
    const sink = {} as Record<ObserverMethod, (...args: unknown[]) => void>
    for (const method of OBSERVER_METHODS) {
      const targets = observers.filter((o) => typeof o[method] === 'function')
      sink[method] = (...args: unknown[]) => {
        for (const observer of targets) {
          try {
            ;(observer[method] as (...a: unknown[]) => void)(...args)
          } catch (error) {
            this.failed(error, method)
          }
        }
      }
    }
    this.sink = sink as unknown as ObserverSink
  }
}
