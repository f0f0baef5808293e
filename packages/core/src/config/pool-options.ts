import type { PresetName } from './presets.js'

/** When leak detection records acquire-site stacks. */
export type LeakCaptureStack = 'always' | 'after-first-leak' | 'never'

/**
 * Backoff for failed creates: exponential, with jitter. There is never a hot loop.
 *
 * @example
 * ```ts
 * createPool(driver, { retry: { initialDelayMs: 50, maxDelayMs: 5_000 } })
 * ```
 */
export interface RetryOptions {
  /** Delay before the first retry of a failed create, in ms. Default `100`; at least 1; at most `maxDelayMs`. */
  initialDelayMs?: number
  /** Upper bound of the backoff delay, in ms. Default `10_000`; at least 1. */
  maxDelayMs?: number
  /** Growth factor of the delay per failed attempt. Default `2`; at least 1 (`1` = a fixed delay). */
  multiplier?: number
  /** Share of each delay that is randomised, 0–1. Default `0.5`; `0` = no jitter, `1` = full jitter. */
  jitterRatio?: number
}

/**
 * Thresholds behind `pool.health()`: `healthy` | `degraded` | `unhealthy`. Each `degraded*`
 * threshold must not exceed its `unhealthy*` counterpart.
 *
 * @example
 * ```ts
 * createPool(driver, { health: { degradedAcquireWaitP95Ms: 200, unhealthyAcquireWaitP95Ms: 1_000 } })
 * ```
 */
export interface HealthOptions {
  /** How far back "recent" looks for timeouts, create errors and the acquire p95, in ms. Default `60_000`; at least 1. */
  windowMs?: number
  /** `used / max` at or above which the pool is degraded, 0–1. Default `0.9`. */
  degradedUtilization?: number
  /** Queued callers at or above which the pool is degraded. Default `10`; at least 1. */
  degradedPending?: number
  /** Acquire timeouts in the window that make the pool degraded. Default `1`; at least 1. */
  degradedAcquireTimeouts?: number
  /** Acquire timeouts in the window that make the pool unhealthy. Default `20`; at least 1. */
  unhealthyAcquireTimeouts?: number
  /** Share of failed creates in the window that makes the pool degraded, 0–1. Default `0.1`. */
  degradedCreateErrorRate?: number
  /** Share of failed creates in the window that makes the pool unhealthy, 0–1. Default `0.9`. */
  unhealthyCreateErrorRate?: number
  /** Acquire wait p95 in the window at or above which the pool is degraded, in ms. Default `1_000`; at least 1. */
  degradedAcquireWaitP95Ms?: number
  /** Acquire wait p95 in the window at or above which the pool is unhealthy, in ms. Default `10_000`; at least 1. */
  unhealthyAcquireWaitP95Ms?: number
  /** Current leak suspects that make the pool degraded. Default `1`; at least 1. */
  degradedLeakSuspects?: number
}

/**
 * The options every @pools pool takes, whatever the driver: what `createPool`, `parsePoolConfig`,
 * `preset` and every drop-in's `pools` option accept. Every key is optional; unset keys take the
 * default shown. Durations end in `Ms` and are milliseconds (whole, 0 to 2^31 - 1). An explicit
 * `0` is always honoured: it never falls back to a default. Unknown keys are rejected by name
 * with a "did you mean" hint.
 *
 * A preset name is accepted wherever options are: `createPool(driver, 'web')`,
 * `{ preset: 'web', max: 20 }`, `new Pool({ pools: 'web' })`, `?pool.preset=web`.
 *
 * @example
 * ```ts
 * import { createPool, type PoolOptions } from '@pools/core'
 * const options: PoolOptions = { preset: 'api', name: 'orders', max: 20, acquireTimeoutMs: 2_000 }
 * const pool = createPool(driver, options)
 * ```
 */
export interface PoolOptions {
  /**
   * A preset to start from (`'web'`, `'api'`, `'serverless'`, ...); every other key here overrides it
   * (`retry` and `health` key by key). Default: none, every unset key takes its own default.
   *
   * @example
   * ```ts
   * { preset: 'serverless', max: 2 }
   * ```
   */
  preset?: PresetName
  /** Pool name, used in errors, events, metrics and logs. Default `'pool'`; 1–120 characters. */
  name?: string
  /**
   * Resources kept open even when idle; created at start and refilled after losses.
   * Default `0`; at most `max`.
   */
  min?: number
  /**
   * Hard upper bound on open resources (idle + used + being created). Default `10`; 1 to `MAX_POOL_SIZE` (10 000).
   *
   * @example
   * ```ts
   * { max: 20 } // HikariCP's advice: about cores × 2 of the database server
   * ```
   */
  max?: number
  /**
   * Most callers allowed to queue; the next fails fast with `POOL_QUEUE_FULL`. Default unset = unbounded;
   * `0` = never queue; at most `MAX_PENDING_LIMIT` (1 000 000).
   */
  maxPending?: number
  /**
   * How long `acquire()` waits for a resource before `POOL_ACQUIRE_TIMEOUT`, in ms. Default `30_000`;
   * `0` = wait without a timeout (`maxPending: 0` never waits).
   */
  acquireTimeoutMs?: number
  /** How long one create may take before `POOL_CREATE_TIMEOUT`, in ms. Default `10_000`; at least 1. */
  createTimeoutMs?: number
  /** How long one destroy may take before it is abandoned and reported, in ms. Default `5_000`; at least 1. */
  destroyTimeoutMs?: number
  /** Idle resources above `min` are closed after this long, in ms. Default `600_000` (10 min); `0` = never. */
  idleTimeoutMs?: number
  /**
   * Most idle resources kept open: the longest-idle ones above it are closed at the next housekeeping
   * pass, never below `min`. Default unset = no cap; not below `min`.
   */
  maxIdle?: number
  /**
   * Resources are retired after this age, in ms; a borrowed one on release. Default `1_800_000` (30 min);
   * `0` = never.
   */
  maxLifetimeMs?: number
  /**
   * Random amount subtracted from each lifetime so resources do not all retire at once, in ms.
   * Default 2.5 % of `maxLifetimeMs`; less than `maxLifetimeMs`.
   */
  maxLifetimeJitterMs?: number
  /** Resources are retired after this many borrows. Default `0` = unlimited. */
  maxUses?: number
  /**
   * Validate before handing a resource out (skipped within `validationBypassMs`). Needs the driver's
   * `validate()`. Default `true`.
   */
  validateOnBorrow?: boolean
  /** Validate when a resource is released, before it is reused. Default `false`. */
  validateOnRelease?: boolean
  /** Skip borrow validation for resources used within this window, in ms. Default `500`; `0` = always validate. */
  validationBypassMs?: number
  /** A validation that takes longer counts as failed, in ms. Default `5_000`; at least 1. */
  validationTimeoutMs?: number
  /** Validate idle resources that have not been used for this long, in ms. Default `0` = off. */
  keepaliveIntervalMs?: number
  /** Report a resource held longer than this as a leak suspect, in ms. Default `0` = off. */
  leakDetectionThresholdMs?: number
  /**
   * Destroy a leaked resource and free its slot after it has been held this long, in ms. Default `0` = never;
   * at least `leakDetectionThresholdMs` when both are set.
   */
  leakReclaimAfterMs?: number
  /**
   * When to record acquire-site stacks for leak reports: `'always'` (a stack capture per acquire),
   * `'after-first-leak'` (free until a leak is seen, then on), `'never'`; `true`/`false` mean always/never.
   * Default `'after-first-leak'`.
   */
  leakCaptureStack?: LeakCaptureStack | boolean
  /** Period of the single housekeeping timer (idle, lifetime, keepalive, leaks), in ms. Default `1_000`; at least 1. */
  housekeepingIntervalMs?: number
  /**
   * Time 1 in this many loans exactly for the acquire-wait and use-time percentiles (`1` = every loan);
   * the others read no clock. Counters are always exact. Default `16`; 1 to 1 000 000.
   */
  timingSampleEvery?: number
  /** Default time `close()` waits for borrowed resources before destroying them, in ms. Default `10_000`; `0` = at once. */
  closeGraceMs?: number
  /**
   * Each failed create rejects the longest-waiting caller with that error at once (pg-pool and mysql2
   * behaviour), instead of letting callers wait for a later create or their timeout. Default `false`.
   */
  failWaiterOnCreateError?: boolean
  /** Let the process exit while only idle resources remain (drivers unref their sockets). Default `false`. */
  allowExitOnIdle?: boolean
  /** Backoff for failed creates; merged key by key with the defaults. */
  retry?: RetryOptions
  /** Thresholds behind `pool.health()`; merged key by key with the defaults. */
  health?: HealthOptions
}

/**
 * What users write: every key optional.
 * @deprecated Use {@link PoolOptions}, the same type with documentation on every key.
 */
export type PoolConfigInput = PoolOptions

/** The resolved retry policy: every default applied. */
export type RetryConfig = { readonly [K in keyof RetryOptions]-?: number }

/** The resolved health thresholds: every default applied. */
export type HealthConfig = { readonly [K in keyof HealthOptions]-?: number }

/**
 * The resolved, frozen configuration `parsePoolConfig` returns: every default applied, the preset
 * expanded, `maxPending` and `maxIdle` `Infinity` when unbounded, `leakCaptureStack` always a word.
 *
 * @example
 * ```ts
 * const config: PoolConfig = parsePoolConfig('web')
 * config.maxPending // Infinity
 * ```
 */
export type PoolConfig = Flatten<
  {
    readonly [K in Exclude<keyof PoolOptions, 'preset' | 'leakCaptureStack' | 'retry' | 'health'>]-?: Exclude<
      PoolOptions[K],
      undefined
    >
  } & {
    readonly leakCaptureStack: LeakCaptureStack
    readonly retry: RetryConfig
    readonly health: HealthConfig
  }
>

/** One object type instead of an intersection, so editors show it whole. */
type Flatten<T> = { [K in keyof T]: T[K] }
