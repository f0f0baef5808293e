/**
 * Hard upper bound of `max` (and so of `min` and `maxIdle`), here and in `pool.resize()`.
 * Each slot costs memory and, on a database, a server process or thread; no real pool
 * comes near 10 000, and `createPool(driver, { min: 1e9, max: 1e9 })` must fail at once
 * with `POOL_CONFIG_INVALID` instead of exhausting the heap.
 *
 * @example
 * ```ts
 * import { MAX_POOL_SIZE, createPool } from '@pools/core'
 * createPool(driver, { max: Math.min(wanted, MAX_POOL_SIZE) })
 * ```
 */
export const MAX_POOL_SIZE = 10_000

/**
 * Hard upper bound of `maxPending`. A queue this long is already far past any acquire
 * timeout; leave `maxPending` unset for an unbounded queue.
 *
 * @example
 * ```ts
 * parsePoolConfig({ maxPending: MAX_PENDING_LIMIT + 1 }) // PoolError POOL_CONFIG_INVALID
 * ```
 */
export const MAX_PENDING_LIMIT = 1_000_000

/**
 * The longest duration any `...Ms` option may have: 2^31 - 1 ms (about 24.8 days). Node's timers
 * overflow above it and then fire after 1 ms.
 *
 * @example
 * ```ts
 * parsePoolConfig({ acquireTimeoutMs: MAX_TIMER_MS }) // fine; MAX_TIMER_MS + 1 is not
 * ```
 */
export const MAX_TIMER_MS = 2_147_483_647

/**
 * The closest `createTimeoutMs` / `destroyTimeoutMs` come to "no timeout", since they have no "off"
 * value (minimum 1): {@link MAX_TIMER_MS}, the largest delay `setTimeout` honours. A driver's
 * "no connect timeout" `0` (Prisma's `connect_timeout`, mysql2's `connectTimeout`, pg's
 * `connectionTimeoutMillis`) does not map to it: it leaves `createTimeoutMs` at its default, so one
 * connect attempt stays bounded. Write it yourself to let a connect attempt run (almost) forever.
 *
 * @example
 * ```ts
 * parsePoolConfig({ createTimeoutMs: NO_TIMEOUT_MS })
 * ```
 */
export const NO_TIMEOUT_MS = MAX_TIMER_MS
