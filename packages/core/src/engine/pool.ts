import type { Clock, TimerHandle } from '../clock/clock.js'
import { systemClock } from '../clock/system-clock.js'
import { parsePoolConfig } from '../config/parse-pool-config.js'
import type { PoolConfig, PoolConfigInput } from '../config/schema.js'
import type { ResourceDriver } from '../driver/resource-driver.js'
import { describeCause, PoolError, type PoolErrorCode } from '../errors/pool-error.js'
import { EventHub } from '../events/event-hub.js'
import type { AcquirePriority, LeakReport, PoolEventName, PoolListener } from '../events/pool-events.js'
import { evaluateHealth, type PoolHealth } from '../health/pool-health.js'
import type { DestroyReason, PoolState, PoolStats } from '../stats/pool-stats.js'
import { StatsRecorder } from '../stats/stats-recorder.js'
import { Creator } from './creator.js'
import { DeadlineQueue } from './deadline-queue.js'
import { ENGINE } from './engine-handle.js'
import { Housekeeper } from './housekeeper.js'
import { LeakDetector } from './leak-detector.js'
import { MAX_POOL_SIZE } from './limits.js'
import { deferToMicrotask } from './microtask.js'
import { BORROWED, BUSY, DESTROYED, IDLE, PooledResource } from './pooled-resource.js'
import { destroyBounded, runBounded, validateResource } from './validator.js'
import { AbortHook, PRIORITY_INDEX, PRIORITY_NAMES, Waiter, waitFor } from './waiter.js'
import { WaiterQueue } from './waiter-queue.js'

/** Per-call options of {@link Pool.acquire} and {@link Pool.use}. */
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

/** Options of {@link Pool.close}. */
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
 * throwing listener). A logger that throws is ignored, never propagated.
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

/** Things a pool needs that are not configuration: time, randomness, logging. */
export interface PoolRuntime {
  /** Source of time; `FakeClock` from `@pools/core/testing` in tests. */
  clock?: Clock
  /** Source of randomness for jitter (default `Math.random`). */
  random?: () => number
  /** Where leak reports and warnings go (default: `console.warn`); `false` for silence. */
  logger?: PoolLogger | false
}

/** Marks a loan that ended without the borrower (reclaimed as a leak, or forced at close). */
interface EndedLoan {
  id: number
  reason: 'leak-reclaimed' | 'close-forced'
  borrowedAt: number
}

interface ReadyWaiter {
  target: number
  resolve: () => void
  reject: (error: unknown) => void
}

const ENDED_LOANS_LIMIT = 1024
/** Longest delay a Node timer takes (≈ 24.8 days); a longer one fires after 1 ms. Same cap as the config's durations. */
const MAX_TIMER_MS = 2_147_483_647

const consoleLogger: PoolLogger = {
  warn: (message) => console.warn(message),
  info: (message) => console.info(message),
}

/** The user's logger behind a guard: a throwing logger must never break the pool or reach a timer. */
function guardLogger(logger: PoolLogger): PoolLogger {
  return {
    warn(message) {
      try {
        logger.warn(message)
      } catch {
        // nowhere left to report it
      }
    },
    info(message) {
      try {
        logger.info?.(message)
      } catch {
        // nowhere left to report it
      }
    },
  }
}

/**
 * A pool of resources made by a {@link ResourceDriver}. Create one with
 * {@link createPool}.
 *
 * The hot path (an idle resource, nobody waiting) allocates one resolved
 * promise and touches no timer; waiting callers share a single timeout timer;
 * housekeeping (idle timeout, lifetime, keepalive, leaks) runs on one unref'd
 * timer.
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
  readonly #idle: PooledResource<T>[] = []
  readonly #waiters = new WaiterQueue<T>()
  readonly #deadlines: DeadlineQueue<T>
  readonly #stats: StatsRecorder
  readonly #creator: Creator<T>
  readonly #housekeeper: Housekeeper<T>
  readonly #leaks: LeakDetector<T>
  readonly #endedLoans = new Map<T, EndedLoan>()
  readonly #validateOnBorrow: boolean
  readonly #validationBypassMs: number
  /** The driver has `isBroken`: idle resources must be checked before lending. */
  readonly #checkBroken: boolean
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
  /** Resources being validated on their way to a waiter. */
  #validatingForWaiters = 0
  #pendingDestroys = 0
  #readyWaiters: ReadyWaiter[] = []
  #readyTarget = 0
  #closePromise: Promise<void> | undefined
  #closeResolve: (() => void) | undefined
  #graceTimer: TimerHandle | undefined
  /** `close({ serveWaiting: true })` is serving the callers queued before it. */
  #draining = false
  #drainCheckQueued = false
  readonly #drainCheck = (): void => {
    this.#drainCheckQueued = false
    if (this.#draining && this.#waiters.size === 0) this.#endDrain()
  }
  #failureStreakLogged = false

  constructor(driver: ResourceDriver<T>, config?: PoolConfigInput | PoolConfig, runtime: PoolRuntime = {}) {
    if (driver === null || typeof driver !== 'object' || typeof driver.create !== 'function') {
      throw new PoolError(
        'POOL_CONFIG_INVALID',
        'createPool(driver): the driver must be an object with a create() function.',
      )
    }
    if (typeof driver.destroy !== 'function') {
      throw new PoolError('POOL_CONFIG_INVALID', 'createPool(driver): the driver must have a destroy() function.')
    }
    for (const hook of ['validate', 'reset', 'isBroken', 'isFatalCreateError', 'ref', 'unref'] as const) {
      if (driver[hook] !== undefined && typeof driver[hook] !== 'function') {
        throw new PoolError(
          'POOL_CONFIG_INVALID',
          `createPool(driver): the driver's ${hook} must be a function when present, got ${typeof driver[hook]}.`,
        )
      }
    }
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
    this.#logger = runtime.logger === false ? undefined : guardLogger(runtime.logger ?? consoleLogger)
    this.#min = c.min
    this.#max = c.max
    this.#validateOnBorrow = c.validateOnBorrow && typeof driver.validate === 'function'
    this.#validationBypassMs = c.validationBypassMs
    this.#sampleEvery = c.timingSampleEvery
    this.#maxUses = c.maxUses > 0 ? c.maxUses : Number.POSITIVE_INFINITY
    this.#exactStart = c.leakDetectionThresholdMs > 0 || this.#validateOnBorrow
    this.#checkBroken = typeof driver.isBroken === 'function'
    this.#ownAttempts = c.failWaiterOnCreateError
    this.#refs = c.allowExitOnIdle && (typeof driver.ref === 'function' || typeof driver.unref === 'function')
    this.#idleWake = c.idleTimeoutMs > 0 && c.idleTimeoutMs < c.housekeepingIntervalMs
    this.#returnWork =
      typeof driver.reset === 'function' || (c.validateOnReturn && typeof driver.validate === 'function')
    this.#stats = new StatsRecorder(c.health.windowMs)
    this.#deadlines = new DeadlineQueue(this.#clock, this.#waiters, (waiter, now) => this.#expire(waiter, now))
    this.#leaks = new LeakDetector(c.leakDetectionThresholdMs, c.leakReclaimAfterMs, c.leakCaptureStack)
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
          if (record) void this.#keepalive(record)
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
    this.#housekeeper.start()
    this.#fill()
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
    if (options === undefined && this.#waiters.size === 0 && this.#state === 'running') {
      const record = this.#idle.pop()
      if (record !== undefined) {
        if (!record.broken && !(this.#checkBroken && this.#isBroken(record))) {
          const timed = this.#timeLoan()
          const now = timed || this.#exactStart ? this.#clock.now() : this.#now
          if (!this.#validateOnBorrow || now - record.lastAliveAt < this.#validationBypassMs) {
            const id = ++this.#seq
            record.state = BORROWED
            record.uses++
            record.borrowedAt = now
            record.timed = timed
            record.loanId = id
            record.site = this.#leaks.capturing ? this.#leaks.captureSite(this.acquire) : undefined
            record.leakReported = false
            this.#borrowed++
            if (this.#refs) this.#ref(record, true)
            if (timed) this.#stats.acquiredAtOnce(now)
            else this.#stats.counters.acquired++
            if (this.#hub.listeners.acquire !== undefined) {
              this.#hub.emit('acquire', { id, resource: record.resource, waitMs: 0 })
            }
            return Promise.resolve(record.resource)
          }
        }
        this.#idle.push(record)
      }
    }
    return this.#acquireSlow(options)
  }

  /**
   * Give a borrowed resource back. Synchronous; the resource is reset and/or
   * validated in the background if the driver/config ask for it.
   *
   * @throws PoolError `POOL_INVALID_RELEASE` for a resource that is not currently borrowed from this pool (nothing changes).
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
   * @throws PoolError `POOL_INVALID_RELEASE` for a resource that is not currently borrowed from this pool.
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
    if (this.#stopping) return Promise.reject(this.#closedError('ready()'))
    const target = Math.max(this.#min, 1)
    if (this.#records.size >= target) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      this.#readyWaiters.push({ target, resolve, reject })
      if (target > this.#readyTarget) this.#readyTarget = target
      this.#fill()
    })
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
    if (size === null || typeof size !== 'object') {
      throw this.#error(
        'POOL_CONFIG_INVALID',
        `resize() was given an invalid size: expected { min?, max? }, got ${String(size)}.`,
      )
    }
    const min = size.min ?? this.#min
    const max = size.max ?? this.#max
    const problems: string[] = []
    if (!Number.isInteger(min) || min < 0 || min > MAX_POOL_SIZE) {
      problems.push(`min must be a whole number from 0 to ${MAX_POOL_SIZE}, got ${String(size.min)}`)
    }
    if (!Number.isInteger(max) || max < 1 || max > MAX_POOL_SIZE) {
      problems.push(`max must be a whole number from 1 to ${MAX_POOL_SIZE} (MAX_POOL_SIZE), got ${String(size.max)}`)
    }
    if (problems.length === 0 && min > max) problems.push(`min (${min}) must not exceed max (${max})`)
    if (problems.length > 0) {
      throw this.#error('POOL_CONFIG_INVALID', `resize() was given an invalid size: ${problems.join('; ')}.`)
    }
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
    if (this.#closePromise) return this.#closePromise
    const graceMs = options?.graceMs ?? this.config.closeGraceMs
    if (
      typeof graceMs !== 'number' ||
      !((graceMs >= 0 && graceMs <= MAX_TIMER_MS) || graceMs === Number.POSITIVE_INFINITY)
    ) {
      return Promise.reject(
        this.#error(
          'POOL_CONFIG_INVALID',
          `close() graceMs must be a number from 0 to ${MAX_TIMER_MS}, or Infinity to wait for every loan, got ${String(graceMs)}.`,
        ),
      )
    }
    const serveWaiting = options?.serveWaiting
    if (serveWaiting !== undefined && typeof serveWaiting !== 'boolean') {
      return Promise.reject(
        this.#error('POOL_CONFIG_INVALID', `close() serveWaiting must be a boolean, got ${String(serveWaiting)}.`),
      )
    }
    this.#state = 'closing'
    this.#stopping = true
    this.#closePromise = new Promise<void>((resolve) => {
      this.#closeResolve = resolve
    })
    if (this.#hub.has('close')) this.#hub.emit('close', { graceMs })
    this.#housekeeper.stop()
    const readyWaiters = this.#readyWaiters
    this.#readyWaiters = []
    this.#readyTarget = 0
    for (const waiter of readyWaiters) waiter.reject(this.#closedWhileWaiting('ready()'))
    if (graceMs !== Number.POSITIVE_INFINITY) {
      this.#graceTimer = this.#clock.setTimeout(() => {
        this.#graceTimer = undefined
        if (this.#draining) this.#endDrain()
        for (const record of [...this.#records.values()]) {
          if (record.state === BORROWED) this.#rememberEndedLoan(record, 'close-forced')
          this.#destroy(record, 'close-forced')
        }
        this.#checkClosed()
      }, graceMs)
    }
    if (serveWaiting === true && this.#waiters.size > 0) {
      // queued callers keep their places, timeouts and signals; idle resources go to them first
      this.#draining = true
      this.#dispatch()
      if (this.#waiters.size > 0) return this.#closePromise
      this.#draining = false
    }
    this.#endDrain()
    return this.#closePromise
  }

  /** `await using pool = createPool(...)` closes the pool at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  /** A snapshot of gauges, counters and latency percentiles. */
  stats(): PoolStats {
    return {
      name: this.config.name,
      state: this.#state,
      min: this.#min,
      max: this.#max,
      total: this.#records.size,
      idle: this.#idle.length,
      used: this.#records.size - this.#idle.length,
      borrowed: this.#borrowed,
      pending: this.#waiters.size,
      creating: this.#creator.inFlight,
      leakSuspects: this.#leaks.countSuspects(this.#records.values(), this.#clock.now()),
      counters: this.#stats.snapshotCounters(),
      acquireWaitMs: this.#stats.acquireWait.summary(),
      useTimeMs: this.#stats.useTime.summary(),
      createTimeMs: this.#stats.createTime.summary(),
    }
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

  #acquireSlow(options: AcquireOptions | undefined): Promise<T> {
    const state = this.#state
    if (state === 'closing' || state === 'closed') return Promise.reject(this.#closedError('acquire()'))
    if (options !== undefined) {
      const invalid = this.#checkOptions(options)
      if (invalid !== undefined) return Promise.reject(invalid)
      if (options.signal?.aborted) {
        this.#stats.counters.aborted++
        return Promise.reject(this.#abortedError(options.signal, 0))
      }
    }
    const id = ++this.#seq
    const site = this.#leaks.capturing ? this.#leaks.captureSite(this.acquire) : undefined
    if (this.#waiters.size === 0 && state === 'running') {
      const record = this.#popIdle()
      if (record !== undefined) {
        const timed = this.#timeLoan()
        const now = timed || this.#exactStart ? this.#clock.now() : this.#now
        if (!this.#validateOnBorrow || now - record.lastAliveAt < this.#validationBypassMs) {
          this.#lend(record, id, now, now, site, timed)
          return Promise.resolve(record.resource)
        }
        this.#idle.push(record)
      }
    }
    return this.#enqueue(id, options, site)
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
    if (timed) this.#stats.acquired(now - since, now)
    else this.#stats.counters.acquired++
    if (this.#hub.listeners.acquire !== undefined) {
      this.#hub.emit('acquire', { id, resource: record.resource, waitMs: now - since })
    }
  }

  /** Bad per-call options, checked before anything else happens (also on the fast path). */
  #checkOptions(options: AcquireOptions): PoolError | undefined {
    if (options === null || typeof options !== 'object') {
      return this.#error('POOL_CONFIG_INVALID', `acquire() options must be an object, got ${String(options)}.`)
    }
    const t = options.timeoutMs
    if (t !== undefined && (typeof t !== 'number' || !(t >= 0 && t <= MAX_TIMER_MS))) {
      return this.#error(
        'POOL_CONFIG_INVALID',
        `acquire() timeoutMs must be a number from 0 (no timeout) to ${MAX_TIMER_MS}, got ${String(t)}.`,
      )
    }
    const signal = options.signal
    if (signal !== undefined && (signal === null || typeof signal.addEventListener !== 'function')) {
      return this.#error('POOL_CONFIG_INVALID', `acquire() signal must be an AbortSignal, got ${String(signal)}.`)
    }
    const w = options.waitForRelease
    if (w !== undefined && typeof w !== 'boolean') {
      return this.#error('POOL_CONFIG_INVALID', `acquire() waitForRelease must be a boolean, got ${String(w)}.`)
    }
    const p = options.priority
    if (p !== undefined && !Object.hasOwn(PRIORITY_INDEX, p)) {
      return this.#error(
        'POOL_CONFIG_INVALID',
        `acquire() priority must be "high", "normal" or "low", got ${JSON.stringify(p) ?? String(p)}.`,
      )
    }
    return undefined
  }

  #enqueue(id: number, options: AcquireOptions | undefined, site: Error | undefined): Promise<T> {
    // a caller that an idle resource will serve once it is checked is not waiting for capacity
    const available = this.#state === 'running' ? this.#idle.length : 0
    if (this.#waiters.size >= this.config.maxWaiting + available) {
      this.#stats.counters.queueFull++
      return Promise.reject(
        this.#error(
          'POOL_QUEUE_FULL',
          `${this.#waiters.size} callers are already waiting (maxWaiting ${this.config.maxWaiting}); this acquire was refused at once. ` +
            'The pool is overloaded: raise max or maxWaiting, or shed load upstream.',
        ),
      )
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
        return Promise.reject(
          this.#error(
            'POOL_QUEUE_FULL',
            `nothing available: all ${this.#max} resources are in use or being opened, and this acquire does not wait ` +
              'for a release (waitForRelease: false). Retry later, raise max, or let callers wait.',
          ),
        )
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
    const promise = waitFor(waiter)
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
      if (this.#draining && !this.#drainCheckQueued) {
        this.#drainCheckQueued = true
        deferToMicrotask(this.#drainCheck)
      }
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
    waiter.resolve(record.resource)
  }

  /** Pair idle resources with waiters, then create what demand and `min` still need. */
  #dispatch(): void {
    if (this.#state !== 'running' && !this.#draining) return
    // at most one check in flight per waiter: a failed one makes room for the next idle resource
    while (this.#waiters.size > this.#validatingForWaiters) {
      const record = this.#popIdle()
      if (record === undefined) break
      let now: number | undefined
      if (this.#validateOnBorrow) {
        now = this.#clock.now()
        if (now - record.lastAliveAt >= this.#validationBypassMs) {
          void this.#validateForWaiter(record)
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
    if (this.#state !== 'running' && !this.#draining) return
    const creator = this.#creator
    const open = this.#records.size + creator.inFlight
    const demand = this.#waiters.size - this.#validatingForWaiters - creator.inFlight
    const floor = this.#stopping ? 0 : Math.max(this.#min, this.#readyTarget) - open
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
   */
  /** `now`: the release's time (exact or coarse), for the bypass check; the resource was alive then. */
  #makeAvailable(record: PooledResource<T>, verified = false, now?: number): void {
    if (this.#stopping && !this.#draining) {
      this.#destroy(record, 'closed')
      return
    }
    if (record.broken) {
      this.#destroy(record, 'broken')
      this.#fill()
      return
    }
    if (this.#waiters.size > 0 && (this.#state === 'running' || this.#draining)) {
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
      if (this.#waiters.size > this.#validatingForWaiters) {
        void this.#validateForWaiter(record)
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

  async #validateForWaiter(record: PooledResource<T>): Promise<void> {
    record.state = BUSY
    this.#validatingForWaiters++
    const outcome = await validateResource(this.#driver, record.resource, this.config.validationTimeoutMs, this.#clock)
    this.#validatingForWaiters--
    if (record.state !== BUSY) return
    this.#afterValidation(record, outcome, 'borrow')
  }

  async #keepalive(record: PooledResource<T>): Promise<void> {
    record.state = BUSY
    const outcome = await validateResource(this.#driver, record.resource, this.config.validationTimeoutMs, this.#clock)
    if (record.state !== BUSY) return
    this.#afterValidation(record, outcome, 'idle')
  }

  #afterValidation(record: PooledResource<T>, outcome: true | Error, phase: 'borrow' | 'return' | 'idle'): void {
    this.#stats.counters.validations++
    if (outcome === true) {
      record.lastAliveAt = this.#clock.now()
      this.#makeAvailable(record, true)
      return
    }
    this.#stats.counters.validationFailures++
    if (this.#hub.has('validationFailed')) {
      this.#hub.emit('validationFailed', { resource: record.resource, phase, error: outcome })
    }
    this.#destroy(record, 'validation-failed')
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
    if (record.timed) this.#stats.released(heldMs)
    else this.#stats.counters.released++
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
    if (this.#stopping && !this.#draining) reason = 'closed'
    else if (now >= record.retireAt) reason = 'max-lifetime'
    else if (record.uses >= this.#maxUses) reason = 'max-uses'
    else if (this.#records.size > this.#max) reason = 'resized'
    else if (record.broken || (this.#checkBroken && this.#isBroken(record))) reason = 'broken'
    if (reason !== undefined) {
      this.#destroy(record, reason)
      this.#fill()
      return
    }
    if (this.#returnWork) {
      this.#resetAndCheck(record, now)
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

  /** Reset (if the driver can) and validate on return (if configured), then make available. */
  #resetAndCheck(record: PooledResource<T>, now: number): void {
    const reset = this.#driver.reset
    if (reset !== undefined) {
      let result: Promise<void> | void
      try {
        result = reset.call(this.#driver, record.resource)
      } catch (error) {
        this.#resetFailed(record, error instanceof Error ? error : new Error(String(error)))
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
    const failure = await runBounded(() => pending, this.config.validationTimeoutMs, this.#clock, 'reset()')
    if (record.state !== BUSY) return
    if (failure !== undefined) this.#resetFailed(record, failure)
    else this.#checkOnReturn(record)
  }

  #resetFailed(record: PooledResource<T>, failure: Error): void {
    this.#backgroundError(
      this.#error(
        'POOL_RESET_FAILED',
        `reset() failed, so the resource was destroyed instead of reused: ${failure.message}`,
        failure,
      ),
      record.resource,
    )
    this.#destroy(record, 'reset-failed')
    this.#dispatch()
  }

  /** `now`: the release's time (exact or coarse) when nothing asynchronous happened since. */
  #checkOnReturn(record: PooledResource<T>, now?: number): void {
    if (this.config.validateOnReturn && this.#driver.validate !== undefined) {
      void validateResource(this.#driver, record.resource, this.config.validationTimeoutMs, this.#clock).then(
        (outcome) => {
          if (record.state === BUSY) this.#afterValidation(record, outcome, 'return')
        },
      )
      return
    }
    this.#makeAvailable(record, false, now)
  }

  #invalidReturn(resource: T, record: PooledResource<T> | undefined, what: 'release' | 'destroy'): void {
    const ended = this.#endedLoans.get(resource)
    if (ended !== undefined && record === undefined) {
      // The loan was already ended for the borrower (leak reclaim or forced close): accept quietly.
      this.#endedLoans.delete(resource)
      if (ended.reason === 'leak-reclaimed') {
        this.#leakReturned(ended.id, resource, this.#clock.now() - ended.borrowedAt, true)
      }
      return
    }
    const detail =
      record === undefined
        ? 'a resource this pool does not own (it was already destroyed, or belongs to another pool)'
        : 'a resource that is not borrowed (was it released twice?)'
    throw this.#error('POOL_INVALID_RELEASE', `${what}() was given ${detail}. Nothing was changed.`)
  }

  #rememberEndedLoan(record: PooledResource<T>, reason: EndedLoan['reason']): void {
    if (this.#endedLoans.size >= ENDED_LOANS_LIMIT) {
      const oldest = this.#endedLoans.keys().next()
      if (!oldest.done) this.#endedLoans.delete(oldest.value)
    }
    this.#endedLoans.set(record.resource, { id: record.loanId, reason, borrowedAt: record.borrowedAt })
  }

  // ── creating and destroying ─────────────────────────────────────────────

  /** A create succeeded; returns an error to refuse the resource (counted as a failed create). */
  #onCreated(resource: T, createMs: number): PoolError | undefined {
    if (this.#stopping && !this.#draining) {
      this.#abandon(resource)
      this.#checkClosed()
      return undefined
    }
    if (this.#records.has(resource)) {
      return this.#error('POOL_CREATE_FAILED', "the driver's create() returned a resource that is already in the pool.")
    }
    const now = this.#clock.now()
    const lifetime = this.config.maxLifetimeMs
    const retireAt =
      lifetime > 0 ? now + lifetime - this.#random() * this.config.maxLifetimeJitterMs : Number.POSITIVE_INFINITY
    const record = new PooledResource(resource, now, retireAt)
    record.state = BUSY
    this.#records.set(resource, record)
    this.#stats.created(createMs, now)
    if (this.#failureStreakLogged) {
      this.#failureStreakLogged = false
      this.#logger?.info?.(`[pools:${this.config.name}] creating resources works again`)
    }
    if (this.#hub.has('create')) this.#hub.emit('create', { resource, createMs })
    this.#settleReady()
    if (this.#records.size > this.#max) {
      this.#destroy(record, 'resized')
      return undefined
    }
    this.#makeAvailable(record, true)
    this.#dispatch()
    return undefined
  }

  #onCreateFailed(error: PoolError, timedOut: boolean, attempt: number, retryInMs: number, fatal: boolean): void {
    if (this.#stopping && !this.#draining) {
      this.#checkClosed()
      return
    }
    this.#stats.createFailed(timedOut, this.#clock.now())
    if (!this.#failureStreakLogged) {
      this.#failureStreakLogged = true
      this.#logger?.warn(`[pools:${this.config.name}] ${error.message} Retrying with backoff.`)
    }
    if (this.#hub.has('createError')) {
      this.#hub.emit('createError', { error, attempt, retryInMs: this.#creator.backingOff ? retryInMs : undefined })
    }
    const readyWaiters = this.#readyWaiters
    if (readyWaiters.length > 0) {
      this.#readyWaiters = []
      this.#readyTarget = 0
      for (const waiter of readyWaiters) waiter.reject(error)
    }
    // Nothing is open and nothing is on its way, so no release or create can serve the queue, and
    // retrying soon will not help (e.g. a wrong password): fail the waiters now, not at their timeouts.
    if (fatal && this.#records.size === 0 && this.#creator.inFlight === 0) this.#failWaiters(error)
    else if (this.config.failWaiterOnCreateError) {
      // pg.Pool semantics: each caller gets its own attempt, and the caller this one was serving
      // gets its error. The creates still in flight serve the callers queued first; the caller
      // left over is the one this attempt was for. The others keep their places.
      if (this.#waiters.size - this.#validatingForWaiters > this.#creator.inFlight) this.#failOneWaiter(error)
      // the callers still uncovered get their next attempt now, without a backoff wait
      this.#fill()
    }
  }

  /** The caller waiting longest gets the create error (the create it was waiting for failed). */
  #failOneWaiter(error: PoolError): void {
    const waiter = this.#waiters.shift()
    if (waiter === undefined) return
    this.#settle(waiter)
    waiter.reject(error)
  }

  #failWaiters(error: PoolError): void {
    for (const waiter of this.#waiters.drain()) {
      this.#settle(waiter)
      waiter.reject(error)
    }
  }

  #settleReady(): void {
    if (this.#readyWaiters.length === 0) return
    const size = this.#records.size
    const still: ReadyWaiter[] = []
    for (const waiter of this.#readyWaiters) {
      if (size >= waiter.target) waiter.resolve()
      else still.push(waiter)
    }
    this.#readyWaiters = still
    if (still.length === 0) this.#readyTarget = 0
  }

  #destroy(record: PooledResource<T>, reason: DestroyReason): void {
    if (record.state === DESTROYED) return
    if (record.state === BORROWED) this.#borrowed--
    record.state = DESTROYED
    record.site = undefined
    this.#records.delete(record.resource)
    this.#stats.destroyed(reason)
    if (this.#hub.has('destroy')) this.#hub.emit('destroy', { resource: record.resource, reason })
    this.#destroyOrphan(record.resource)
  }

  /** Destroy a resource that arrived after its create timed out or the pool closed; it was never in the pool. */
  #abandon(resource: T): void {
    // a driver that hands out the same object twice: never destroy the pooled one
    if (this.#records.has(resource)) return
    this.#stats.destroyed('create-abandoned')
    if (this.#hub.has('destroy')) this.#hub.emit('destroy', { resource, reason: 'create-abandoned' })
    this.#destroyOrphan(resource)
  }

  /** Run the driver's destroy on a resource that is no longer (or never was) in the pool. */
  #destroyOrphan(resource: T): void {
    this.#pendingDestroys++
    const driver = this.#driver
    void destroyBounded(driver, resource, this.config.destroyTimeoutMs, this.#clock).then((failure) => {
      this.#pendingDestroys--
      if (failure !== undefined) {
        this.#stats.counters.destroyErrors++
        this.#backgroundError(
          this.#error('POOL_DESTROY_FAILED', `destroy() failed: ${failure.message}`, failure),
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
    const creator = this.#creator
    // the pool is failing to create (no success since the last failure): that is why nothing came
    const createCause = creator.failures > 0 ? creator.lastError : undefined
    const stats = this.stats()
    const error = new PoolError(
      'POOL_ACQUIRE_TIMEOUT',
      `Pool "${this.config.name}": waited ${Math.round(waitMs)} ms for a resource (acquire timeout); ` +
        `${stats.used} of ${stats.max} in use, ${stats.pending} waiting` +
        (createCause
          ? `; the last attempt to create one failed: ${describeCause(createCause.cause ?? createCause)}`
          : '') +
        '. Raise max or acquireTimeoutMs, hold resources for less time, or look for leaks (leakDetectionThresholdMs).',
      { cause: createCause, stats, poolName: this.config.name },
    )
    if (this.#hub.has('timeout')) this.#hub.emit('timeout', { id: waiter.id, waitMs, error })
    waiter.reject(error)
    this.#fill()
  }

  #abort(waiter: Waiter<T>): void {
    if (waiter.settled) return
    this.#waiters.remove(waiter)
    this.#settle(waiter)
    this.#stats.counters.aborted++
    const waitMs = this.#clock.now() - waiter.enqueuedAt
    if (this.#hub.has('abort')) this.#hub.emit('abort', { id: waiter.id, waitMs })
    waiter.reject(this.#abortedError(waiter.abort!.signal, waitMs))
  }

  #reportLeak(record: PooledResource<T>, heldMs: number): void {
    this.#stats.counters.leaks++
    const report = this.#leaks.report(record, heldMs)
    this.#logger?.warn(
      `[pools:${this.config.name}] possible leak: acquire #${report.id} has held a resource for ${Math.round(heldMs)} ms ` +
        `(leakDetectionThresholdMs ${this.config.leakDetectionThresholdMs})` +
        (report.stack
          ? `; acquired at:\n${report.stack}`
          : this.#leaks.noteLeak()
            ? '; acquire-site stacks are recorded from now on, so the next report says where (leakCaptureStack "after-first-leak")'
            : '; set leakCaptureStack: "always" to see where it was acquired'),
    )
    if (this.#hub.has('leak')) this.#hub.emit('leak', report)
  }

  #reclaim(record: PooledResource<T>, heldMs: number): void {
    this.#stats.counters.leaksReclaimed++
    this.#logger?.warn(
      `[pools:${this.config.name}] reclaimed a leaked resource: acquire #${record.loanId} held it for ${Math.round(heldMs)} ms ` +
        `(leakReclaimAfterMs ${this.config.leakReclaimAfterMs}); it was destroyed and its slot freed.`,
    )
    this.#rememberEndedLoan(record, 'leak-reclaimed')
    this.#destroy(record, 'leak-reclaimed')
    this.#dispatch()
  }

  #leakReturned(id: number, resource: T, heldMs: number, reclaimed: boolean): void {
    this.#logger?.info?.(
      `[pools:${this.config.name}] leak suspect #${id} returned after ${Math.round(heldMs)} ms${reclaimed ? ' (already reclaimed)' : ''}`,
    )
    if (this.#hub.has('leakReturned')) this.#hub.emit('leakReturned', { id, resource, heldMs, reclaimed })
  }

  // ── closing and errors ──────────────────────────────────────────────────

  /**
   * The part of closing that waits for no one: refuse the callers still queued, stop creating,
   * destroy idle resources. Runs when `close()` starts, or once the queue it serves is empty.
   */
  #endDrain(): void {
    this.#draining = false
    const closed = this.#closedWhileWaiting('acquire()')
    this.#deadlines.clear()
    this.#creator.stop(closed)
    for (const waiter of this.#waiters.drain()) {
      this.#settle(waiter)
      waiter.reject(closed)
    }
    while (this.#idle.length > 0) this.#destroy(this.#idle.pop()!, 'closed')
    this.#checkClosed()
  }

  #checkClosed(): void {
    if (this.#state !== 'closing' || this.#draining) return
    if (this.#records.size > 0 || this.#creator.inFlight > 0 || this.#pendingDestroys > 0) return
    if (this.#graceTimer !== undefined) this.#clock.clearTimeout(this.#graceTimer)
    this.#graceTimer = undefined
    this.#state = 'closed'
    if (this.#hub.has('closed')) this.#hub.emit('closed', {})
    this.#closeResolve?.()
  }

  #assertOpen(what: string): void {
    if (this.#stopping) throw this.#closedError(what)
  }

  #backgroundError(error: PoolError, resource: T | undefined): void {
    if (this.#hub.has('error')) this.#hub.emit('error', { error, resource })
    else this.#logger?.warn(`[pools:${this.config.name}] ${error.message}`)
  }

  #error(code: PoolErrorCode, message: string, cause?: unknown): PoolError {
    return new PoolError(code, `Pool "${this.config.name}": ${message}`, {
      cause,
      stats: this.stats(),
      poolName: this.config.name,
    })
  }

  #closedError(what: string): PoolError {
    return this.#error(
      'POOL_CLOSED',
      `${what} was called on a pool that is ${this.#state}. Create a new pool, or stop using this one.`,
    )
  }

  #closedWhileWaiting(what: string): PoolError {
    return this.#error(
      'POOL_CLOSED',
      `the pool was closed while ${what} was waiting. Create a new pool, or stop using this one.`,
    )
  }

  #abortedError(signal: AbortSignal, waitMs: number): PoolError {
    return this.#error(
      'POOL_ACQUIRE_ABORTED',
      `acquire() was aborted by its AbortSignal after ${Math.round(waitMs)} ms.`,
      signal.reason,
    )
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
