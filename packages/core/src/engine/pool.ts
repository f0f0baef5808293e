import type { Clock } from '../clock/clock.js'
import { systemClock } from '../clock/system-clock.js'
import { parsePoolConfig } from '../config/parse-pool-config.js'
import type { PoolConfig, PoolConfigInput } from '../config/schema.js'
import type { ResourceDriver } from '../driver/resource-driver.js'
import { describeCause, PoolError } from '../errors/pool-error.js'
import { EventHub } from '../events/event-hub.js'
import type { LeakReport, PoolEventName, PoolListener } from '../events/pool-events.js'
import { evaluateHealth, type PoolHealth } from '../health/pool-health.js'
import { OBSERVER_METHODS, ObserverSet, type PoolObserver } from '../stats/pool-observer.js'
import type { DestroyReason, PoolState, PoolStats, StatsOptions } from '../stats/pool-stats.js'
import { StatsRecorder } from '../stats/stats-recorder.js'
import { snapshotStats } from '../stats/stats-snapshot.js'
import { CreateLog } from './create-log.js'
import { Creator } from './creator.js'
import { DeadlineQueue } from './deadline-queue.js'
import { announceClosed, announceCreated } from './discovery.js'
import { type EndedLoanReason, EndedLoans } from './ended-loans.js'
import { ENGINE } from './engine-handle.js'
import { Housekeeper } from './housekeeper.js'
import { LeakDetector } from './leak-detector.js'
import { leakReturnedInfo, leakWarning, reclaimWarning } from './leak-messages.js'
import { deferToMicrotask } from './microtask.js'
import { PoolErrors } from './pool-errors.js'
import {
  type AcquireOptions,
  acquireOptionsProblem,
  type CloseOptions,
  closeOptionsProblem,
  driverProblem,
  type PoolLogger,
  type PoolRuntime,
  resizeProblem,
  resolveLogger,
} from './pool-options.js'
import { BORROWED, BUSY, DESTROYED, IDLE, PooledResource } from './pooled-resource.js'
import { ReadyGate } from './ready-gate.js'
import { ResourceChecks, type ValidationPhase } from './resource-checks.js'
import { Shutdown } from './shutdown.js'
import { destroyBounded } from './validator.js'
import { AbortHook, type AcquireCallback, PRIORITY_INDEX, PRIORITY_NAMES, Waiter, waitFor } from './waiter.js'
import { WaiterQueue } from './waiter-queue.js'

export type { AcquireOptions, CloseOptions, PoolLogger, PoolRuntime } from './pool-options.js'
export type { AcquireCallback } from './waiter.js'

/**
 * A pool of resources made by a {@link ResourceDriver}. Create one with
 * {@link createPool}.
 *
 * The hot path (an idle resource, nobody waiting) allocates one resolved
 * promise and touches no timer; waiting callers share a single timeout timer;
 * housekeeping (idle timeout, lifetime, keepalive, leaks) runs on one unref'd
 * timer. This class holds the hot path (lend, return, queue, create/destroy
 * bookkeeping) and the wiring; the cold concerns live beside it: option checks
 * (`pool-options.ts`), errors (`pool-errors.ts`), `ready()` (`ready-gate.ts`),
 * closing (`shutdown.ts`), validation and reset (`resource-checks.ts`), leak
 * messages (`leak-messages.ts`), ended loans (`ended-loans.ts`), create logging
 * (`create-log.ts`) and the stats snapshot (`stats/stats-snapshot.ts`).
 */
export class Pool<T> implements AsyncDisposable {
  /** The resolved configuration. */
  readonly config: PoolConfig
  readonly #driver: ResourceDriver<T>
  readonly #clock: Clock
  readonly #random: () => number
  readonly #logger: PoolLogger | undefined
  readonly #hub = new EventHub<T>((error, event) =>
    this.#logger?.warn(`[pools:${this.config.name}] a '${event}' listener threw: ${describeCause(error)}`),
  )
  readonly #records = new Map<T, PooledResource<T>>()
  readonly #observers = new ObserverSet((error, method) =>
    this.#logger?.warn(`[pools:${this.config.name}] an observer's ${method}() threw: ${describeCause(error)}`),
  )
  readonly #idle: PooledResource<T>[] = []
  readonly #waiters = new WaiterQueue<T>()
  readonly #deadlines: DeadlineQueue<T>
  readonly #stats: StatsRecorder
  readonly #creator: Creator<T>
  readonly #housekeeper: Housekeeper<T>
  readonly #leaks: LeakDetector<T>
  readonly #checks: ResourceChecks<T>
  readonly #errors: PoolErrors
  readonly #ready = new ReadyGate()
  readonly #shutdown: Shutdown
  readonly #createLog: CreateLog
  readonly #endedLoans = new EndedLoans<T>()
  readonly #validateOnBorrow: boolean
  readonly #validationBypassMs: number
  /** The driver has `isBroken`: idle resources must be checked before lending. */
  readonly #checkBroken: boolean
  /** A release has work to do before reuse: the driver's `reset`, or validation on return. */
  readonly #returnWork: boolean
  /** `failWaiterOnCreateError`: every caller gets its own create attempt, backoff or not. */
  readonly #ownAttempts: boolean
  /** `allowExitOnIdle` is on and the driver has `ref`/`unref`: lending refs, going idle unrefs. */
  readonly #refs: boolean
  /** `idleTimeoutMs` is on and shorter than the housekeeping interval: going idle may need an earlier wake-up. */
  readonly #idleWake: boolean
  /** Time 1 in this many loans exactly (`timingSampleEvery`); 1 = every loan. */
  readonly #sampleEvery: number
  /** Every loan starts on an exact reading: leak detection measures each loan's hold from it. */
  readonly #exactStart: boolean
  /** Loans until the next timed one. */
  #untilSample = 1
  /**
   * The pool's coarse clock: the latest reading any part of the pool took (every read goes
   * through `#clock`, which records it here; the housekeeper reads at least once per
   * `housekeepingIntervalMs`). Untimed loans use it instead of reading the clock.
   */
  #now: number
  /**
   * `#now` was read by a caller joining the queue in the current run of microtasks: until the
   * microtasks queued before that reading have run, it is no older than they took, which is as
   * fresh as the loop time Node's own timers count from, so the next caller to queue may count its
   * deadline from it (see `#enqueue`). Only `#enqueue` sets it: one queued microtask per run of
   * callers that wait, none on paths that never wait.
   */
  #nowFresh = false
  readonly #staleNow = (): void => {
    this.#nowFresh = false
  }
  readonly #sink = { abortWaiter: (waiter: Waiter<T>) => this.#abort(waiter) }
  #state: PoolState = 'running'
  /** `#state` is 'closing' or 'closed' (it never goes back): one flag for the checks on every release. */
  #stopping = false
  /** `maxUses`, or `Infinity` when unlimited (0), so a release compares once. */
  readonly #maxUses: number
  /** Twice the housekeeping interval: how far the coarse time can lag, with margin (see #return). */
  readonly #coarseSlackMs: number
  #min: number
  #max: number
  #seq = 0
  #dispatchQueued = false
  readonly #queuedDispatch = (): void => {
    this.#dispatchQueued = false
    this.#dispatch()
  }
  /** Resources lent out right now (kept as a counter: adapters read it often). */
  #borrowed = 0
  #pendingDestroys = 0

  constructor(driver: ResourceDriver<T>, config?: PoolConfigInput | PoolConfig, runtime: PoolRuntime = {}) {
    const problem = driverProblem(driver)
    if (problem !== undefined) throw new PoolError('POOL_CONFIG_INVALID', problem)
    this.config = parsePoolConfig(config as PoolConfigInput)
    const c = this.config
    this.#driver = driver
    const clock = runtime.clock ?? systemClock
    this.#clock = {
      now: () => (this.#now = clock.now()),
      setTimeout: (callback, delayMs, unref) => clock.setTimeout(callback, delayMs, unref),
      clearTimeout: (handle) => clock.clearTimeout(handle),
    }
    this.#now = clock.now()
    this.#random = runtime.random ?? Math.random
    this.#logger = resolveLogger(runtime.logger)
    this.#min = c.min
    this.#max = c.max
    this.#validateOnBorrow = c.validateOnBorrow && typeof driver.validate === 'function'
    this.#validationBypassMs = c.validationBypassMs
    this.#sampleEvery = c.timingSampleEvery
    this.#maxUses = c.maxUses > 0 ? c.maxUses : Number.POSITIVE_INFINITY
    this.#coarseSlackMs = 2 * c.housekeepingIntervalMs
    this.#exactStart = c.leakDetectionThresholdMs > 0 || this.#validateOnBorrow
    this.#checkBroken = typeof driver.isBroken === 'function'
    this.#ownAttempts = c.failWaiterOnCreateError
    this.#refs = c.allowExitOnIdle && (typeof driver.ref === 'function' || typeof driver.unref === 'function')
    this.#idleWake = c.idleTimeoutMs > 0 && c.idleTimeoutMs < c.housekeepingIntervalMs
    this.#returnWork =
      typeof driver.reset === 'function' || (c.validateOnRelease && typeof driver.validate === 'function')
    this.#stats = new StatsRecorder(c.health.windowMs)
    this.#errors = new PoolErrors(
      c.name,
      () => this.stats(),
      () => this.#state,
    )
    this.#createLog = new CreateLog(this.#logger, c.name)
    this.#shutdown = new Shutdown(this.#clock, {
      waiting: () => this.#waiters.size,
      endDrain: () => this.#endDrain(),
      graceOver: () => this.#graceOver(),
    })
    this.#deadlines = new DeadlineQueue(this.#clock, this.#waiters, (waiter, now) => this.#expire(waiter, now))
    this.#leaks = new LeakDetector(c.leakDetectionThresholdMs, c.leakReclaimAfterMs, c.leakCaptureStack)
    this.#checks = new ResourceChecks(driver, this.#clock, c.validationTimeoutMs, c.validateOnRelease, {
      available: (record, verified, now) => this.#makeAvailable(record, verified, now),
      validated: () => {
        this.#stats.counters.validations++
      },
      validationFailed: (record, phase, error) => this.#validationFailed(record, phase, error),
      resetFailed: (record, error) => this.#resetFailed(record, error),
    })
    this.#creator = new Creator(driver, this.#clock, c.createTimeoutMs, c.retry, this.#random, c.name, {
      created: (resource, createMs) => this.#onCreated(resource, createMs),
      failed: (error, timedOut, attempt, retryInMs, fatal) =>
        this.#onCreateFailed(error, timedOut, attempt, retryInMs, fatal),
      abandoned: (resource) => this.#abandon(resource),
      retry: () => this.#fill(),
    })
    this.#housekeeper = new Housekeeper(
      this.#clock,
      {
        intervalMs: c.housekeepingIntervalMs,
        idleTimeoutMs: c.idleTimeoutMs,
        maxIdle: c.maxIdle,
        keepaliveIntervalMs: c.keepaliveIntervalMs,
      },
      {
        idle: this.#idle,
        total: () => this.#records.size,
        min: () => this.#min,
        evict: (index, reason) => {
          const [record] = this.#idle.splice(index, 1)
          if (record) this.#destroy(record, reason)
        },
        keepalive: (index) => {
          const [record] = this.#idle.splice(index, 1)
          if (record) void this.#checks.keepalive(record)
        },
        scanLeaks: (now) =>
          this.#leaks.scan(
            this.#records.values(),
            now,
            (record, heldMs) => this.#reportLeak(record, heldMs),
            (record, heldMs) => this.#reclaim(record, heldMs),
          ),
        refill: () => this.#fill(),
      },
    )
    if (runtime.observer !== undefined) this.observe(runtime.observer)
    this.#housekeeper.start()
    this.#fill()
    announceCreated(this as Pool<unknown>)
  }

  // ── public API ──────────────────────────────────────────────────────────

  /**
   * The driver this pool was created with: lets a facade built over an existing pool (e.g. mysql2's
   * `createPool({ engine })`) find the driver's own settings.
   */
  get driver(): ResourceDriver<T> {
    return this.#driver
  }

  /** A pool is its own engine: `engineOf(pool) === pool` (see {@link ENGINE}). */
  get [ENGINE](): Pool<T> {
    return this
  }

  /** The pool's name (from config). */
  get name(): string {
    return this.config.name
  }
  /** `running`, `suspended`, `closing` or `closed`. */
  get state(): PoolState {
    return this.#state
  }
  /** Current lower bound (changes with `resize`). */
  get min(): number {
    return this.#min
  }
  /** Current upper bound (changes with `resize`). */
  get max(): number {
    return this.#max
  }
  /** Open resources: idle + used. */
  get total(): number {
    return this.#records.size
  }
  /** Resources in the idle stack. */
  get idle(): number {
    return this.#idle.length
  }
  /** Resources not idle: borrowed, or being validated or reset. */
  get used(): number {
    return this.#records.size - this.#idle.length
  }
  /** Resources lent out right now (a subset of `used`). */
  get borrowed(): number {
    return this.#borrowed
  }
  /** Callers waiting in the queue. */
  get pending(): number {
    return this.#waiters.size
  }
  /** Creates in flight. */
  get creating(): number {
    return this.#creator.inFlight
  }
  /**
   * Borrowed resources already past their max lifetime (jitter included): each is destroyed
   * (`max-lifetime`) when it is released. O(open resources); pg's `expiredCount`.
   */
  get expired(): number {
    const now = this.#clock.now()
    let expired = 0
    for (const record of this.#records.values()) if (record.state === BORROWED && now >= record.retireAt) expired++
    return expired
  }

  /**
   * Borrow a resource. Resolves with an idle one at once when there is one,
   * otherwise queues (creating a resource if below `max`).
   *
   * @throws PoolError `POOL_ACQUIRE_TIMEOUT`, `POOL_QUEUE_FULL`, `POOL_ACQUIRE_ABORTED`, `POOL_CLOSED` (as rejections)
   * @example
   * ```ts
   * const conn = await pool.acquire({ timeoutMs: 2_000, priority: 'high' })
   * try { await conn.query('SELECT 1') } finally { pool.release(conn) }
   * ```
   */
  acquire(options?: AcquireOptions): Promise<T> {
    // The hot path: nobody waiting and a usable idle resource. A few field writes, a counter
    // and one resolved promise; no timer, no closure, and no clock read unless this loan is
    // timed (1 in timingSampleEvery) or the bypass window needs the exact time.
    if (options === undefined) {
      const record = this.#lendIdle(this.acquire)
      if (record !== undefined) return Promise.resolve(record.resource)
    }
    return this.#acquireSlow(options, undefined) as Promise<T>
  }

  /**
   * `acquire()` in callback form, for callback APIs (mysql2's `getConnection(cb)`, pg's
   * `connect(cb)`): the same queue, priorities, timeout, abort and errors, without a promise per
   * checkout. `callback` runs exactly once, on a later tick (`process.nextTick`), never inside this
   * call or inside the `release()` that frees a resource for it. A throw from `callback` is not
   * caught here: it is an uncaught exception, as in mysql2's and pg-pool's callback APIs.
   *
   * @example
   * ```ts
   * pool.acquireWith((error, conn) => {
   *   if (error) return done(error) // a PoolError: POOL_ACQUIRE_TIMEOUT, POOL_CLOSED, …
   *   conn!.query('SELECT 1', () => pool.release(conn!))
   * })
   * ```
   */
  acquireWith(callback: AcquireCallback<T>, options?: AcquireOptions): void {
    if (typeof callback !== 'function') {
      throw this.#errors.error(
        'POOL_CONFIG_INVALID',
        `acquireWith() needs a callback function, got ${typeof callback}.`,
      )
    }
    if (options === undefined) {
      const record = this.#lendIdle(this.acquireWith)
      if (record !== undefined) {
        process.nextTick(callback, null, record.resource)
        return
      }
    }
    this.#acquireSlow(options, callback)
  }

  /** Lend an idle resource at once when nobody waits and one passes the cheap checks; else undefined. */
  #lendIdle(caller: Pool<T>['acquire'] | Pool<T>['acquireWith']): PooledResource<T> | undefined {
    if (this.#waiters.size !== 0 || this.#state !== 'running') return undefined
    const record = this.#idle.pop()
    if (record === undefined) return undefined
    if (!record.broken && !(this.#checkBroken && this.#isBroken(record))) {
      const timed = this.#timeLoan()
      const now = timed || this.#exactStart ? this.#clock.now() : this.#now
      if (!this.#validateOnBorrow || now - record.lastAliveAt < this.#validationBypassMs) {
        const site = this.#leaks.capturing ? this.#leaks.captureSite(caller) : undefined
        this.#lend(record, ++this.#seq, now, now, site, timed)
        return record
      }
    }
    this.#idle.push(record)
    return undefined
  }

  /**
   * Give a borrowed resource back. Synchronous; the resource is reset and/or
   * validated in the background if the driver/config ask for it.
   *
   * @throws PoolError `POOL_RELEASE_INVALID` for a resource that is not currently borrowed from this pool (nothing changes).
   */
  release(resource: T): void {
    const record = this.#records.get(resource)
    if (record === undefined || record.state !== BORROWED) {
      this.#invalidReturn(resource, record, 'release')
      return
    }
    const now = this.#endLoan(record)
    this.#return(record, now)
  }

  /**
   * Give back a resource the caller knows is broken: it is destroyed, not reused,
   * and its slot is freed for the next caller.
   *
   * @throws PoolError `POOL_RELEASE_INVALID` for a resource that is not currently borrowed from this pool.
   */
  destroy(resource: T): void {
    const record = this.#records.get(resource)
    if (record === undefined || record.state !== BORROWED) {
      this.#invalidReturn(resource, record, 'destroy')
      return
    }
    this.#endLoan(record)
    this.#destroy(record, 'broken')
    this.#fill()
  }

  /**
   * Borrow a resource for the duration of `fn` and always give it back, also
   * when `fn` throws. The primary API.
   *
   * @example
   * ```ts
   * const rows = await pool.use((client) => client.query('SELECT now()'))
   * ```
   */
  async use<R>(fn: (resource: T) => R | PromiseLike<R>, options?: AcquireOptions): Promise<R> {
    const resource = await this.acquire(options)
    const loan = this.#records.get(resource)?.loanId
    try {
      return await fn(resource)
    } finally {
      const record = this.#records.get(resource)
      if (record !== undefined && record.state === BORROWED && record.loanId === loan) this.release(resource)
      else if (this.#endedLoans.get(resource)?.id === loan) this.#invalidReturn(resource, record, 'release')
    }
  }

  /**
   * Mark a resource as broken from the outside, e.g. when an idle database
   * connection reports an error (the server terminated it). An idle one is
   * destroyed now and its slot refilled as needed; a borrowed one is destroyed
   * when released instead of being reused. Returns false if the pool does not
   * hold `resource` (already destroyed, or foreign): there is nothing to do.
   *
   * `reason` `'idle-timeout'` is for a facade that runs its own idle eviction
   * (generic-pool's evictor): an idle resource is destroyed with that reason, and
   * a resource that is not idle is left alone (returns false).
   */
  invalidate(resource: T, reason: 'broken' | 'idle-timeout' = 'broken'): boolean {
    const record = this.#records.get(resource)
    if (record === undefined || record.state === DESTROYED) return false
    if (reason === 'idle-timeout' && record.state !== IDLE) return false
    record.broken = true
    if (record.state === IDLE) {
      const index = this.#idle.indexOf(record)
      if (index !== -1) this.#idle.splice(index, 1)
      this.#destroy(record, reason)
      this.#fill()
    }
    return true
  }

  /**
   * Destroy every idle resource now (borrowed ones are untouched), e.g. after a
   * failover when idle connections point at the old primary. `min` is refilled
   * afterwards as usual. Returns how many were destroyed.
   */
  evictIdle(): number {
    this.#assertOpen('evictIdle()')
    const count = this.#idle.length
    while (this.#idle.length > 0) this.#destroy(this.#idle.pop()!, 'evicted')
    this.#fill()
    return count
  }

  /** Is `resource` currently borrowed from this pool? */
  isBorrowed(resource: T): boolean {
    return this.#records.get(resource)?.state === BORROWED
  }

  /**
   * Resolves once `max(min, 1)` resources are open, proving the server is
   * reachable. Rejects with `POOL_CREATE_FAILED`/`POOL_CREATE_TIMEOUT` at the
   * first failed create (fail fast at start-up); the pool keeps retrying with
   * backoff in the background.
   */
  ready(): Promise<void> {
    if (this.#stopping) return Promise.reject(this.#errors.closed('ready()'))
    const target = Math.max(this.#min, 1)
    if (this.#records.size >= target) return Promise.resolve()
    return this.#ready.wait(target, () => this.#fill())
  }

  /**
   * Change `min` and/or `max` at runtime. Idle resources above the new `max`
   * are closed now; borrowed ones above it are closed when released.
   *
   * @throws PoolError `POOL_CONFIG_INVALID` unless `min` and `max` are whole numbers with
   * `0 ≤ min ≤ max` and `1 ≤ max ≤ MAX_POOL_SIZE` (10,000); nothing changes then.
   * @example
   * ```ts
   * pool.resize({ max: 20 })
   * ```
   */
  resize(size: { min?: number; max?: number }): void {
    this.#assertOpen('resize()')
    const min = size?.min ?? this.#min
    const max = size?.max ?? this.#max
    const problem = resizeProblem(size, min, max)
    if (problem !== undefined) throw this.#errors.error('POOL_CONFIG_INVALID', problem)
    this.#min = min
    this.#max = max
    while (this.#records.size > max && this.#idle.length > 0) this.#destroy(this.#idle.shift()!, 'resized')
    if (this.#hub.has('resize')) this.#hub.emit('resize', { min, max })
    this.#dispatch()
  }

  /** Stop handing out resources (acquires queue; their timeouts still run) until {@link resume}. */
  suspend(): void {
    this.#assertOpen('suspend()')
    if (this.#state === 'suspended') return
    this.#state = 'suspended'
    if (this.#hub.has('suspend')) this.#hub.emit('suspend', {})
  }

  /** Serve queued and new acquires again after {@link suspend}. */
  resume(): void {
    this.#assertOpen('resume()')
    if (this.#state !== 'suspended') return
    this.#state = 'running'
    if (this.#hub.has('resume')) this.#hub.emit('resume', {})
    this.#dispatch()
  }

  /**
   * Shut down: new and queued acquires fail with `POOL_CLOSED`, idle resources
   * and in-flight creates are destroyed, borrowed ones are awaited for
   * `graceMs` (`Infinity`: for as long as it takes) and then destroyed.
   * With `serveWaiting: true`, callers already queued are served first (see {@link CloseOptions}).
   * Idempotent: every call returns the same promise.
   *
   * @example
   * ```ts
   * await pool.close({ graceMs: 5_000, serveWaiting: true })
   * ```
   */
  close(options?: CloseOptions): Promise<void> {
    const closing = this.#shutdown.promise
    if (closing !== undefined) return closing
    const graceMs = options?.graceMs ?? this.config.closeGraceMs
    const serveWaiting = options?.serveWaiting
    const problem = closeOptionsProblem(graceMs, serveWaiting)
    if (problem !== undefined) return Promise.reject(this.#errors.error('POOL_CONFIG_INVALID', problem))
    this.#state = 'closing'
    this.#stopping = true
    const promise = this.#shutdown.begin(graceMs)
    if (this.#hub.has('close')) this.#hub.emit('close', { graceMs })
    this.#housekeeper.stop()
    this.#ready.fail(() => this.#errors.closedWhileWaiting('ready()'))
    if (serveWaiting === true && this.#waiters.size > 0) {
      // queued callers keep their places, timeouts and signals; idle resources go to them first
      this.#shutdown.draining = true
      this.#dispatch()
      if (this.#waiters.size > 0) return promise
      this.#shutdown.draining = false
    }
    this.#endDrain()
    return promise
  }

  /** `await using pool = createPool(...)` closes the pool at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  /**
   * A snapshot of gauges, counters and latency percentiles; with `{ histograms: true }` also the
   * histogram buckets behind the percentiles (for exporters).
   *
   * @example
   * ```ts
   * const { pending, counters, acquireWaitMs } = pool.stats()
   * const buckets = pool.stats({ histograms: true }).histograms!.acquireWaitMs
   * ```
   */
  stats(options?: StatsOptions): PoolStats {
    return snapshotStats(
      {
        name: this.config.name,
        state: this.#state,
        min: this.#min,
        max: this.#max,
        total: this.#records.size,
        idle: this.#idle.length,
        borrowed: this.#borrowed,
        pending: this.#waiters.size,
        creating: this.#creator.inFlight,
        leakSuspects: this.#leaks.countSuspects(this.#records.values(), this.#clock.now()),
      },
      this.#stats,
      options,
    )
  }

  /**
   * Register a metrics observer (see {@link PoolObserver}); returns a function that removes it.
   * The observer receives the timings the pool already takes, so it adds no clock reading.
   *
   * @throws PoolError `POOL_CONFIG_INVALID` when `observer` is not an object, or one of its
   * `record…` members is not a function.
   * @example
   * ```ts
   * const stop = pool.observe({ recordTimeout: () => timeouts.add(1) })
   * // later
   * stop()
   * ```
   */
  observe(observer: PoolObserver): () => void {
    if (observer === null || typeof observer !== 'object') {
      throw this.#errors.error('POOL_CONFIG_INVALID', `observe() needs an observer object, got ${String(observer)}.`)
    }
    for (const method of OBSERVER_METHODS) {
      const member = observer[method]
      if (member !== undefined && typeof member !== 'function') {
        throw this.#errors.error(
          'POOL_CONFIG_INVALID',
          `observe(): the observer's ${method} must be a function when present, got ${typeof member}.`,
        )
      }
    }
    return this.#observers.add(observer)
  }

  /** `healthy`, `degraded` or `unhealthy`, with the reasons, judged by `config.health`. */
  health(): PoolHealth {
    return evaluateHealth(this.stats(), this.#stats.window.recent(this.#clock.now()), this.config.health)
  }

  /** Borrowed resources currently held longer than the leak threshold, with their acquire sites. */
  leaks(): LeakReport<T>[] {
    return this.#leaks.suspects(this.#records.values(), this.#clock.now())
  }

  /** Listen to a pool event. A throwing listener never breaks the pool. */
  on<K extends PoolEventName>(event: K, listener: PoolListener<T, K>): this {
    this.#hub.on(event, listener)
    return this
  }

  /** Remove a listener added with {@link on} or {@link once}. */
  off<K extends PoolEventName>(event: K, listener: PoolListener<T, K>): this {
    this.#hub.off(event, listener)
    return this
  }

  /** Listen to the next occurrence of an event only. */
  once<K extends PoolEventName>(event: K, listener: PoolListener<T, K>): this {
    this.#hub.once(event, listener)
    return this
  }

  /** Run one housekeeping pass now (idle timeout, lifetime, keepalive, leaks, refill). */
  runHousekeeping(): void {
    if (this.#state === 'running' || this.#state === 'suspended') this.#housekeeper.run()
  }

  // ── lending ─────────────────────────────────────────────────────────────

  /** Answer a caller: its promise (`acquire()`), or its callback on the next tick (`acquireWith()`). */
  #refuse(error: PoolError, callback: AcquireCallback<T> | undefined): Promise<T> | undefined {
    if (callback === undefined) return Promise.reject(error)
    process.nextTick(callback, error)
    return undefined
  }

  #grant(resource: T, callback: AcquireCallback<T> | undefined): Promise<T> | undefined {
    if (callback === undefined) return Promise.resolve(resource)
    process.nextTick(callback, null, resource)
    return undefined
  }

  /** Everything but the hot path; returns the caller's promise, or undefined for a callback caller. */
  #acquireSlow(options: AcquireOptions | undefined, callback: AcquireCallback<T> | undefined): Promise<T> | undefined {
    const state = this.#state
    if (state === 'closing' || state === 'closed')
      return this.#refuse(this.#errors.closed(callback === undefined ? 'acquire()' : 'acquireWith()'), callback)
    if (options !== undefined) {
      const problem = acquireOptionsProblem(options)
      if (problem !== undefined) return this.#refuse(this.#errors.error('POOL_CONFIG_INVALID', problem), callback)
      if (options.signal?.aborted) {
        this.#stats.counters.aborted++
        this.#observers.sink?.recordAbort(0)
        return this.#refuse(this.#errors.aborted(options.signal, 0), callback)
      }
    }
    const id = ++this.#seq
    const site = this.#leaks.capturing
      ? this.#leaks.captureSite(callback === undefined ? this.acquire : this.acquireWith)
      : undefined
    if (this.#waiters.size === 0 && state === 'running') {
      const record = this.#popIdle()
      if (record !== undefined) {
        const timed = this.#timeLoan()
        const now = timed || this.#exactStart ? this.#clock.now() : this.#now
        if (!this.#validateOnBorrow || now - record.lastAliveAt < this.#validationBypassMs) {
          this.#lend(record, id, now, now, site, timed)
          return this.#grant(record.resource, callback)
        }
        this.#idle.push(record)
      }
    }
    return this.#enqueue(id, options, site, callback)
  }

  /**
   * Is the loan starting now timed exactly? One in `timingSampleEvery` is (its wait and use
   * time go into the percentiles); every one is while someone listens to `acquire`/`release`
   * (their payloads carry the times). An untimed loan reads no clock at release; it reads one
   * at its start only when leak detection (or the bypass window) needs that start exactly.
   */
  #timeLoan(): boolean {
    if (--this.#untilSample === 0) {
      this.#untilSample = this.#sampleEvery
      return true
    }
    return this.#hub.listeners.acquire !== undefined || this.#hub.listeners.release !== undefined
  }

  /** The one way a resource is lent: from the idle fast path, the slow path, or to a waiter. */
  #lend(
    record: PooledResource<T>,
    id: number,
    since: number,
    now: number,
    site: Error | undefined,
    timed: boolean,
  ): void {
    record.state = BORROWED
    record.uses++
    record.borrowedAt = now
    record.timed = timed
    record.loanId = id
    record.site = site
    record.leakReported = false
    this.#borrowed++
    if (this.#refs) this.#ref(record, true)
    if (timed) {
      this.#stats.acquired(now - since, now)
      this.#observers.sink?.recordAcquire(now - since)
    } else this.#stats.counters.acquired++
    if (this.#hub.listeners.acquire !== undefined) {
      this.#hub.emit('acquire', { id, resource: record.resource, waitMs: now - since })
    }
  }

  #enqueue(
    id: number,
    options: AcquireOptions | undefined,
    site: Error | undefined,
    callback: AcquireCallback<T> | undefined,
  ): Promise<T> | undefined {
    // a caller that an idle resource will serve once it is checked is not waiting for capacity
    const available = this.#state === 'running' ? this.#idle.length : 0
    if (this.#waiters.size >= this.config.maxPending + available) {
      this.#stats.counters.queueFull++
      this.#observers.sink?.recordQueueFull()
      return this.#refuse(this.#errors.queueFull(this.#waiters.size, this.config.maxPending), callback)
    }
    let timeoutMs = this.config.acquireTimeoutMs
    let priority = PRIORITY_INDEX.normal
    let signal: AbortSignal | undefined
    if (options !== undefined) {
      if (
        options.waitForRelease === false &&
        available === 0 &&
        this.#records.size + this.#creator.inFlight >= this.#max
      ) {
        this.#stats.counters.queueFull++
        this.#observers.sink?.recordQueueFull()
        return this.#refuse(this.#errors.nothingAvailable(this.#max), callback)
      }
      // already checked by acquire()
      if (options.timeoutMs !== undefined) timeoutMs = options.timeoutMs
      if (options.priority !== undefined) priority = PRIORITY_INDEX[options.priority]
      signal = options.signal
    }
    // A fresh coarse time is as good a start for the deadline as Node's timer clock would be.
    let now: number
    if (this.#nowFresh) now = this.#now
    else {
      now = this.#clock.now()
      this.#nowFresh = true
      deferToMicrotask(this.#staleNow)
    }
    const waiter = new Waiter<T>(
      id,
      priority,
      now,
      timeoutMs > 0 ? now + timeoutMs : Number.POSITIVE_INFINITY,
      timeoutMs > 0 && timeoutMs === this.config.acquireTimeoutMs,
      site,
    )
    let promise: Promise<T> | undefined
    if (callback === undefined) promise = waitFor(waiter)
    else waiter.callback = callback
    this.#waiters.push(waiter)
    if (timeoutMs > 0) this.#deadlines.add(waiter)
    if (signal !== undefined) {
      const hook = new AbortHook(signal, waiter, this.#sink)
      waiter.abort = hook
      signal.addEventListener('abort', hook, { once: true })
    }
    if (this.#hub.listeners.enqueue !== undefined) {
      this.#hub.emit('enqueue', { id, priority: PRIORITY_NAMES[priority]!, pending: this.#waiters.size })
    }
    // Saturated (nothing idle, nothing more may open): pairing and filling would find nothing to do.
    if (this.#idle.length > 0 || this.#records.size + this.#creator.inFlight < this.#max) this.#dispatch()
    return promise
  }

  /** `waiter` is out of the queue (served, timed out, aborted, failed): nothing may settle it again. */
  #settle(waiter: Waiter<T>): void {
    waiter.settled = true
    const abort = waiter.abort
    if (abort !== undefined) abort.signal.removeEventListener('abort', abort)
    if (this.#waiters.size === 0) {
      this.#deadlines.clear()
      if (this.#stopping) this.#shutdown.queueEmptied()
    } else if (!waiter.inOrder && waiter.deadline !== Number.POSITIVE_INFINITY) {
      this.#deadlines.settledOwn(this.#waiters.size)
    }
  }

  /** `exactNow`: a clock reading the caller just took, so the loan does not read it again. */
  #serve(waiter: Waiter<T>, record: PooledResource<T>, exactNow?: number): void {
    this.#settle(waiter)
    // waiter.enqueuedAt is one of the pool's readings, so the coarse time is never earlier than it
    const timed = this.#timeLoan()
    const now = exactNow ?? (timed || this.#exactStart ? this.#clock.now() : this.#now)
    this.#lend(record, waiter.id, waiter.enqueuedAt, now, waiter.site, timed)
    waiter.grant(record.resource)
  }

  /** Pair idle resources with waiters, then create what demand and `min` still need. */
  #dispatch(): void {
    if (this.#state !== 'running' && !this.#shutdown.draining) return
    // at most one check in flight per waiter: a failed one makes room for the next idle resource
    while (this.#waiters.size > this.#checks.validatingForWaiters) {
      const record = this.#popIdle()
      if (record === undefined) break
      let now: number | undefined
      if (this.#validateOnBorrow) {
        now = this.#clock.now()
        if (now - record.lastAliveAt >= this.#validationBypassMs) {
          void this.#checks.forWaiter(record)
          continue
        }
      }
      this.#serve(this.#waiters.shift()!, record, now)
    }
    this.#fill()
  }

  /**
   * Start creates for unmet demand, `min` and `ready()`, within `max`. With
   * `failWaiterOnCreateError` each caller not covered by a create in flight gets its own attempt at
   * once, even while backing off (pg.Pool semantics); `min` and `ready()` wait for the backoff.
   */
  #fill(): void {
    if (this.#state !== 'running' && !this.#shutdown.draining) return
    const creator = this.#creator
    const open = this.#records.size + creator.inFlight
    const demand = this.#waiters.size - this.#checks.validatingForWaiters - creator.inFlight
    const floor = this.#stopping ? 0 : Math.max(this.#min, this.#ready.target) - open
    let wanted = Math.min(Math.max(demand, floor), this.#max - open)
    if (this.#ownAttempts && demand > 0) {
      let own = Math.min(demand, wanted)
      wanted -= own
      while (own-- > 0 && creator.start(true)) {
        // started one caller's own attempt
      }
    }
    while (wanted-- > 0 && creator.start()) {
      // started one create
    }
  }

  /**
   * A resource is available (created, released, reset or validated). `verified`:
   * it was just created or validated, so a waiter gets it without another check.
   * `now`: the release's time (exact or coarse), for the bypass check; the resource was alive then.
   */
  #makeAvailable(record: PooledResource<T>, verified = false, now?: number): void {
    if (this.#stopping && !this.#shutdown.draining) {
      this.#destroy(record, 'closed')
      return
    }
    if (record.broken) {
      this.#destroy(record, 'broken')
      this.#fill()
      return
    }
    if (this.#waiters.size > 0 && (this.#state === 'running' || this.#shutdown.draining)) {
      if (this.#checkBroken && !verified) {
        // A release often happens inside the driver's own callback, before it has finished reading
        // the data that came with it, which may say the connection is dead. Hand over one microtask
        // later, when isBroken() sees the final state, instead of lending a resource about to fail.
        this.#pushIdle(record)
        if (!this.#dispatchQueued) {
          this.#dispatchQueued = true
          deferToMicrotask(this.#queuedDispatch)
        }
        return
      }
      if (
        verified ||
        !this.#validateOnBorrow ||
        (now ?? this.#clock.now()) - record.lastAliveAt < this.#validationBypassMs
      ) {
        this.#serve(this.#waiters.shift()!, record)
        return
      }
      if (this.#waiters.size > this.#checks.validatingForWaiters) {
        void this.#checks.forWaiter(record)
        return
      }
    }
    this.#pushIdle(record)
  }

  /** `record` goes into the idle stack. */
  #pushIdle(record: PooledResource<T>): void {
    record.state = IDLE
    this.#idle.push(record)
    if (this.#refs) this.#ref(record, false)
    // With an idle timeout shorter than the housekeeping interval, this resource may expire before
    // the housekeeper's next run: wake it up in time. (Otherwise each run arms the timer for the
    // earliest idle expiry it saw, and a resource going idle now expires after that.)
    if (this.#idleWake) this.#housekeeper.wakeBy(record.lastUsedAt + this.config.idleTimeoutMs)
  }

  /** `ref` (lent) or `unref` (idle) the resource through the driver; a throwing hook is ignored. */
  #ref(record: PooledResource<T>, ref: boolean): void {
    try {
      if (ref) this.#driver.ref?.(record.resource)
      else this.#driver.unref?.(record.resource)
    } catch {
      // a resource that cannot be unref'd only keeps the process alive a little longer
    }
  }

  #validationFailed(record: PooledResource<T>, phase: ValidationPhase, error: Error): void {
    this.#stats.counters.validationFailures++
    this.#observers.sink?.recordValidationFailure(phase)
    if (this.#hub.has('validationFailed')) {
      this.#hub.emit('validationFailed', { resource: record.resource, phase, error })
    }
    this.#destroy(record, 'validation-failed')
    this.#dispatch()
  }

  #resetFailed(record: PooledResource<T>, failure: Error): void {
    this.#backgroundError(
      this.#errors.error(
        'POOL_RESET_FAILED',
        `reset() failed, so the resource was destroyed instead of reused: ${failure.message}`,
        failure,
      ),
      record.resource,
    )
    this.#destroy(record, 'reset-failed')
    this.#dispatch()
  }

  // ── returning ───────────────────────────────────────────────────────────

  /** Close the books on a loan; returns the time (exact for a timed loan, else the coarse time). */
  #endLoan(record: PooledResource<T>): number {
    record.state = BUSY
    this.#borrowed--
    const now =
      record.timed || record.leakReported || this.#hub.listeners.release !== undefined ? this.#clock.now() : this.#now
    const heldMs = now - record.borrowedAt
    if (record.timed) {
      this.#stats.released(heldMs)
      this.#observers.sink?.recordUse(heldMs)
    } else this.#stats.counters.released++
    if (this.#hub.listeners.release !== undefined) {
      this.#hub.emit('release', { id: record.loanId, resource: record.resource, heldMs })
    }
    if (record.leakReported) this.#leakReturned(record.loanId, record.resource, heldMs, false)
    record.site = undefined
    record.lastUsedAt = now
    record.lastAliveAt = now
    return now
  }

  #return(record: PooledResource<T>, now: number): void {
    let reason: DestroyReason | undefined
    if (this.#stopping && !this.#shutdown.draining) reason = 'closed'
    // `now` may be the coarse time (at most one housekeeping interval old): a loan past its lifetime
    // (as `expired` reports it, on an exact reading) must still retire, so a loan that close to its
    // retirement reads the clock; every other release reads none
    else if (
      now >= record.retireAt ||
      (now >= record.retireAt - this.#coarseSlackMs && this.#clock.now() >= record.retireAt)
    )
      reason = 'max-lifetime'
    else if (record.uses >= this.#maxUses) reason = 'max-uses'
    else if (this.#records.size > this.#max) reason = 'resized'
    else if (record.broken || (this.#checkBroken && this.#isBroken(record))) reason = 'broken'
    if (reason !== undefined) {
      this.#destroy(record, reason)
      this.#fill()
      return
    }
    if (this.#returnWork) {
      this.#checks.afterReturn(record, now)
      return
    }
    this.#makeAvailable(record, false, now)
  }

  /** Pop the most recently used idle resource, destroying any found broken on the way. */
  #popIdle(): PooledResource<T> | undefined {
    const checkDriver = this.#driver.isBroken !== undefined
    for (;;) {
      const record = this.#idle.pop()
      if (record === undefined) return undefined
      if (!record.broken && !(checkDriver && this.#isBroken(record))) return record
      this.#destroy(record, 'broken')
      this.#fill()
    }
  }

  #isBroken(record: PooledResource<T>): boolean {
    try {
      return this.#driver.isBroken!(record.resource) === true
    } catch {
      return true
    }
  }

  #invalidReturn(resource: T, record: PooledResource<T> | undefined, what: 'release' | 'destroy'): void {
    if (record === undefined) {
      const ended = this.#endedLoans.take(resource)
      if (ended !== undefined) {
        // The loan was already ended for the borrower (leak reclaim or forced close): accept quietly.
        if (ended.reason === 'leak-reclaimed') {
          this.#leakReturned(ended.id, resource, this.#clock.now() - ended.borrowedAt, true)
        }
        return
      }
    }
    const detail =
      record === undefined
        ? 'a resource this pool does not own (it was already destroyed, or belongs to another pool)'
        : 'a resource that is not borrowed (was it released twice?)'
    throw this.#errors.error('POOL_RELEASE_INVALID', `${what}() was given ${detail}. Nothing was changed.`)
  }

  #rememberEndedLoan(record: PooledResource<T>, reason: EndedLoanReason): void {
    this.#endedLoans.remember(record.resource, { id: record.loanId, reason, borrowedAt: record.borrowedAt })
  }

  // ── creating and destroying ─────────────────────────────────────────────

  /** A create succeeded; returns an error to refuse the resource (counted as a failed create). */
  #onCreated(resource: T, createMs: number): PoolError | undefined {
    if (this.#stopping && !this.#shutdown.draining) {
      this.#abandon(resource)
      this.#checkClosed()
      return undefined
    }
    if (this.#records.has(resource)) {
      return this.#errors.error(
        'POOL_CREATE_FAILED',
        "the driver's create() returned a resource that is already in the pool.",
      )
    }
    const now = this.#clock.now()
    const lifetime = this.config.maxLifetimeMs
    const retireAt =
      lifetime > 0 ? now + lifetime - this.#random() * this.config.maxLifetimeJitterMs : Number.POSITIVE_INFINITY
    const record = new PooledResource(resource, now, retireAt)
    record.state = BUSY
    this.#records.set(resource, record)
    this.#stats.created(createMs, now)
    this.#observers.sink?.recordCreate(createMs)
    this.#createLog.succeeded()
    if (this.#hub.has('create')) this.#hub.emit('create', { resource, createMs })
    this.#ready.opened(this.#records.size)
    if (this.#records.size > this.#max) {
      this.#destroy(record, 'resized')
      return undefined
    }
    this.#makeAvailable(record, true)
    this.#dispatch()
    return undefined
  }

  #onCreateFailed(error: PoolError, timedOut: boolean, attempt: number, retryInMs: number, fatal: boolean): void {
    if (this.#stopping && !this.#shutdown.draining) {
      this.#checkClosed()
      return
    }
    this.#stats.createFailed(timedOut, this.#clock.now())
    this.#observers.sink?.recordCreateError(error, timedOut)
    this.#createLog.failed(error)
    if (this.#hub.has('createError')) {
      this.#hub.emit('createError', { error, attempt, retryInMs: this.#creator.backingOff ? retryInMs : undefined })
    }
    this.#ready.fail(() => error)
    // Nothing is open and nothing is on its way, so no release or create can serve the queue, and
    // retrying soon will not help (e.g. a wrong password): fail the waiters now, not at their timeouts.
    if (fatal && this.#records.size === 0 && this.#creator.inFlight === 0) this.#failWaiters(error)
    else if (this.#ownAttempts) {
      // pg.Pool semantics: each caller gets its own attempt, and the caller this one was serving
      // gets its error. The creates still in flight serve the callers queued first; the caller
      // left over is the one this attempt was for. The others keep their places.
      if (this.#waiters.size - this.#checks.validatingForWaiters > this.#creator.inFlight) this.#failOneWaiter(error)
      // the callers still uncovered get their next attempt now, without a backoff wait
      this.#fill()
    }
  }

  /** The caller waiting longest gets the create error (the create it was waiting for failed). */
  #failOneWaiter(error: PoolError): void {
    const waiter = this.#waiters.shift()
    if (waiter === undefined) return
    this.#settle(waiter)
    waiter.refuse(error)
  }

  #failWaiters(error: PoolError): void {
    for (const waiter of this.#waiters.drain()) {
      this.#settle(waiter)
      waiter.refuse(error)
    }
  }

  #destroy(record: PooledResource<T>, reason: DestroyReason): void {
    if (record.state === DESTROYED) return
    if (record.state === BORROWED) this.#borrowed--
    record.state = DESTROYED
    record.site = undefined
    this.#records.delete(record.resource)
    this.#stats.destroyed(reason)
    this.#observers.sink?.recordDestroy(reason)
    if (this.#hub.has('destroy')) this.#hub.emit('destroy', { resource: record.resource, reason })
    this.#destroyOrphan(record.resource)
  }

  /** Destroy a resource that arrived after its create timed out or the pool closed; it was never in the pool. */
  #abandon(resource: T): void {
    // a driver that hands out the same object twice: never destroy the pooled one
    if (this.#records.has(resource)) return
    this.#stats.destroyed('create-abandoned')
    this.#observers.sink?.recordDestroy('create-abandoned')
    if (this.#hub.has('destroy')) this.#hub.emit('destroy', { resource, reason: 'create-abandoned' })
    this.#destroyOrphan(resource)
  }

  /** Run the driver's destroy on a resource that is no longer (or never was) in the pool. */
  #destroyOrphan(resource: T): void {
    this.#pendingDestroys++
    void destroyBounded(this.#driver, resource, this.config.destroyTimeoutMs, this.#clock).then((failure) => {
      this.#pendingDestroys--
      if (failure !== undefined) {
        this.#stats.counters.destroyErrors++
        this.#backgroundError(
          this.#errors.error('POOL_DESTROY_FAILED', `destroy() failed: ${failure.message}`, failure),
          resource,
        )
      }
      this.#checkClosed()
    })
  }

  // ── timeouts, aborts, leaks ─────────────────────────────────────────────

  #expire(waiter: Waiter<T>, now: number): void {
    if (waiter.settled) return
    this.#waiters.remove(waiter)
    this.#settle(waiter)
    this.#stats.timedOut(now)
    const waitMs = now - waiter.enqueuedAt
    this.#observers.sink?.recordTimeout(waitMs)
    const creator = this.#creator
    // the pool is failing to create (no success since the last failure): that is why nothing came
    const error = this.#errors.acquireTimeout(waitMs, creator.failures > 0 ? creator.lastError : undefined)
    if (this.#hub.has('timeout')) this.#hub.emit('timeout', { id: waiter.id, waitMs, error })
    waiter.refuse(error)
    this.#fill()
  }

  #abort(waiter: Waiter<T>): void {
    if (waiter.settled) return
    this.#waiters.remove(waiter)
    this.#settle(waiter)
    this.#stats.counters.aborted++
    const waitMs = this.#clock.now() - waiter.enqueuedAt
    this.#observers.sink?.recordAbort(waitMs)
    if (this.#hub.has('abort')) this.#hub.emit('abort', { id: waiter.id, waitMs })
    waiter.refuse(this.#errors.aborted(waiter.abort!.signal, waitMs))
  }

  #reportLeak(record: PooledResource<T>, heldMs: number): void {
    this.#stats.counters.leaks++
    this.#observers.sink?.recordLeak(heldMs)
    const report = this.#leaks.report(record, heldMs)
    this.#logger?.warn(
      leakWarning(this.config.name, report, this.config.leakDetectionThresholdMs, () => this.#leaks.noteLeak()),
    )
    if (this.#hub.has('leak')) this.#hub.emit('leak', report)
  }

  #reclaim(record: PooledResource<T>, heldMs: number): void {
    this.#stats.counters.leaksReclaimed++
    this.#logger?.warn(reclaimWarning(this.config.name, record.loanId, heldMs, this.config.leakReclaimAfterMs))
    this.#rememberEndedLoan(record, 'leak-reclaimed')
    this.#destroy(record, 'leak-reclaimed')
    this.#dispatch()
  }

  #leakReturned(id: number, resource: T, heldMs: number, reclaimed: boolean): void {
    this.#logger?.info?.(leakReturnedInfo(this.config.name, id, heldMs, reclaimed))
    if (this.#hub.has('leakReturned')) this.#hub.emit('leakReturned', { id, resource, heldMs, reclaimed })
  }

  // ── closing and errors ──────────────────────────────────────────────────

  /**
   * The part of closing that waits for no one: refuse the callers still queued, stop creating,
   * destroy idle resources. Runs when `close()` starts, or once the queue it serves is empty.
   */
  #endDrain(): void {
    this.#shutdown.draining = false
    const closed = this.#errors.closedWhileWaiting('acquire()')
    this.#deadlines.clear()
    this.#creator.stop(closed)
    for (const waiter of this.#waiters.drain()) {
      this.#settle(waiter)
      waiter.refuse(closed)
    }
    while (this.#idle.length > 0) this.#destroy(this.#idle.pop()!, 'closed')
    this.#checkClosed()
  }

  /** The close grace period is over: whatever is still out is destroyed (`close-forced`). */
  #graceOver(): void {
    if (this.#shutdown.draining) this.#endDrain()
    for (const record of [...this.#records.values()]) {
      if (record.state === BORROWED) this.#rememberEndedLoan(record, 'close-forced')
      this.#destroy(record, 'close-forced')
    }
    this.#checkClosed()
  }

  #checkClosed(): void {
    if (this.#state !== 'closing' || this.#shutdown.draining) return
    if (this.#records.size > 0 || this.#creator.inFlight > 0 || this.#pendingDestroys > 0) return
    this.#state = 'closed'
    if (this.#hub.has('closed')) this.#hub.emit('closed', {})
    this.#observers.sink?.closed()
    announceClosed(this as Pool<unknown>)
    this.#shutdown.finish()
  }

  #assertOpen(what: string): void {
    if (this.#stopping) throw this.#errors.closed(what)
  }

  #backgroundError(error: PoolError, resource: T | undefined): void {
    if (this.#hub.has('error')) this.#hub.emit('error', { error, resource })
    else this.#logger?.warn(`[pools:${this.config.name}] ${error.message}`)
  }
}

/**
 * Create a pool of resources made by `driver`.
 *
 * @example
 * ```ts
 * import { createPool } from '@pools/core'
 *
 * const pool = createPool(
 *   { create: async () => ({ id: Math.random() }), destroy: async () => {} },
 *   { name: 'things', max: 10, acquireTimeoutMs: 2_000 },
 * )
 * await pool.ready()
 * const answer = await pool.use(async (thing) => thing.id)
 * await pool.close()
 * ```
 */
export function createPool<T>(
  driver: ResourceDriver<T>,
  config?: PoolConfigInput | PoolConfig,
  runtime?: PoolRuntime,
): Pool<T> {
  return new Pool(driver, config, runtime)
}
