import {
  genericPoolDialect,
  mergeOptionLayers,
  PoolError,
  type PoolOptions,
  type PresetName,
  translateOptions,
} from '../index.js'

/**
 * What generic-pool 3.x calls a factory. `create` takes no arguments (the
 * engine's abort signal is not passed on); `validate` resolves `false` for a
 * resource that must not be used.
 */
export interface Factory<T> {
  create(): Promise<T> | T
  destroy(resource: T): Promise<unknown> | unknown
  validate?(resource: T): Promise<boolean> | boolean
}

/** A Promise implementation (the `Promise` option): only its `resolve` is used, to wrap returned promises. */
export interface PromiseLibrary {
  resolve<X>(value: X | PromiseLike<X>): PromiseLike<X>
}

/**
 * generic-pool 3.x options, read exactly as generic-pool reads them (strings
 * are parsed, missing or junk values fall back to generic-pool's defaults),
 * plus `pools`: any `@pools/core` option, which wins over the mapped ones.
 */
export interface Options {
  /** Most resources at once (default 1). → `max` */
  max?: number
  /** Resources kept open (default 0, capped at `max`). → `min` */
  min?: number
  /** Most queued acquires while the pool is at `max` with nothing idle (default unbounded). */
  maxWaitingClients?: number
  /** Validate before lending (default false). → `validateOnBorrow` (every borrow: `validationBypassMs: 0`) */
  testOnBorrow?: boolean
  /** Validate on release (default false; generic-pool 3.x never ran it, this does). → `validateOnRelease` */
  testOnReturn?: boolean
  /** Reject an acquire that waited this long with `TimeoutError` (default: wait forever). → `acquireTimeoutMs` */
  acquireTimeoutMillis?: number
  /** Give up on a factory.destroy after this long (default: the engine's 5 s). → `destroyTimeoutMs` */
  destroyTimeoutMillis?: number
  /** Accepted and ignored: the engine always lends the most recently returned idle resource (LIFO). */
  fifo?: boolean
  /** Number of priority levels, 0 = highest (default 1). Mapped onto high / normal / low. */
  priorityRange?: number
  /** Create `min` resources at once (default true); with `false`, on `start()` or the first acquire. */
  autostart?: boolean
  /** Eviction period; unset = evict anyway (every second), an explicit 0 = never evict idle resources. */
  evictionRunIntervalMillis?: number
  /** Accepted and ignored: every idle resource is checked on each eviction pass. */
  numTestsPerEvictionRun?: number
  /** Idle time after which resources above `min` are closed (default off). → `idleTimeoutMs` */
  softIdleTimeoutMillis?: number
  /** Idle time after which resources are closed (default 30 000; never below `min` here). → `idleTimeoutMs` */
  idleTimeoutMillis?: number
  /** Promise implementation for the promises this pool returns (default: native). */
  Promise?: PromiseLibrary
  /**
   * Any `@pools/core` option (`name`, `leakDetectionThresholdMs`, `createTimeoutMs`, `retry`, …), which
   * wins over the mapped ones; or a preset name (`'web'`, …), over which the generic-pool options you
   * wrote win. Precedence: generic-pool's defaults < preset < generic-pool options < the `pools` object.
   */
  pools?: PoolOptions | PresetName
}

/** The options resolved the way generic-pool resolves them, and the engine configuration they map to. */
export interface ResolvedOptions {
  /** Engine configuration: defaults, preset, mapped options and `pools`, merged by `mergeOptionLayers`. */
  config: PoolOptions
  autostart: boolean
  priorityRange: number
  /** `Infinity` when unbounded. */
  maxWaitingClients: number
  promise: PromiseLibrary | undefined
}

const DEFAULT_IDLE_TIMEOUT_MILLIS = genericPoolDialect.defaults.idleTimeoutMs ?? 30_000
const DEFAULT_MAX = genericPoolDialect.defaults.max ?? 1

function invalid(option: string, value: unknown): PoolError {
  return new PoolError(
    'POOL_CONFIG_INVALID',
    `Invalid generic-pool option: ${option} must be a whole number ≥ 0, got ${String(value)}.`,
  )
}

/** generic-pool's `parseInt(value, 10)`, for values that may be strings. */
function toInt(value: unknown): number {
  return typeof value === 'number' ? Math.trunc(value) : Number.parseInt(String(value), 10)
}

/** A duration that generic-pool only reads when truthy; `undefined` when unset (or 0). */
function optionalMillis(option: string, value: unknown): number | undefined {
  if (!value) return undefined
  const ms = toInt(value)
  if (!Number.isFinite(ms) || ms < 0) throw invalid(option, value)
  return ms
}

function namesPreset(pools: unknown): boolean {
  return typeof pools === 'string' || (typeof pools === 'object' && pools !== null && 'preset' in pools)
}

/**
 * Map generic-pool options to the engine's configuration: the `genericPoolDialect` table for the
 * plain rows, and here the rows it marks `custom` (min capped at max; the idle timeouts and eviction).
 */
export function resolveOptions(options: Options | undefined): ResolvedOptions {
  const o: Options = options ?? {}
  const driver = translateOptions(genericPoolDialect, o)

  // generic-pool caps min at its own max (default 1); under a preset only a max you wrote caps it.
  const min = toInt(o.min)
  if (!Number.isNaN(min)) {
    const cap = driver.max ?? (namesPreset(o.pools) ? Number.POSITIVE_INFINITY : DEFAULT_MAX)
    driver.min = Math.max(Math.min(min, cap), 0)
  }

  const idleTimeoutMillis = optionalMillis('idleTimeoutMillis', o.idleTimeoutMillis)
  const soft = o.softIdleTimeoutMillis ? toInt(o.softIdleTimeoutMillis) : -1
  if (soft > 0) driver.idleTimeoutMs = Math.min(soft, idleTimeoutMillis ?? DEFAULT_IDLE_TIMEOUT_MILLIS)
  else if (idleTimeoutMillis !== undefined) driver.idleTimeoutMs = idleTimeoutMillis

  const eviction = o.evictionRunIntervalMillis
  if (eviction !== undefined && eviction !== null) {
    const every = toInt(eviction)
    // An explicit 0 (or junk, which generic-pool also reads as 0): never evict idle resources.
    if (Number.isFinite(every) && every > 0) driver.housekeepingIntervalMs = every
    else driver.idleTimeoutMs = 0
  }
  // generic-pool leaves its evictor off unless asked; the engine's housekeeper enforces the idle timeout anyway.

  const maxPending = o.maxWaitingClients === undefined ? Number.NaN : toInt(o.maxWaitingClients)
  return {
    config: mergeOptionLayers({
      defaults: genericPoolDialect.defaults,
      behaviour: genericPoolDialect.behaviour,
      driver,
      pools: o.pools,
    }),
    autostart: typeof o.autostart === 'boolean' ? o.autostart : true,
    priorityRange: Math.max(Number(o.priorityRange || 1) | 0, 1),
    maxWaitingClients: Number.isNaN(maxPending) ? Number.POSITIVE_INFINITY : maxPending,
    promise: o.Promise ?? undefined,
  }
}
