/**
 * How an adapter tells a pool built by `@pools/core` from a driver's own pool without `instanceof`, which
 * fails when two copies of `@pools/core` (or of `pg`) are loaded, or when a bundler renamed the class.
 * A facade is recognised by the engine it exposes under {@link ENGINE} plus the method its API is used through.
 */
import { hasEngine } from './engine-handle.js'

function hasMethodAndEngine(value: unknown, method: 'connect' | 'getConnection'): boolean {
  if (value === null || typeof value !== 'object') return false
  const candidate = value as Record<PropertyKey, unknown>
  return typeof candidate[method] === 'function' && hasEngine(candidate)
}

/**
 * A `pg.Pool` from `@pools/core/pg` (any copy, minified or not).
 *
 * @example
 * ```ts
 * isPoolsPgPool(new Pool(options)) // true for @pools/core/pg's Pool, false for pg's own
 * ```
 */
export function isPoolsPgPool(value: unknown): boolean {
  return hasMethodAndEngine(value, 'connect')
}

/**
 * A mysql2 pool, callback or promise (`pool.promise()`), from `@pools/core/mysql2` (any copy, minified or not);
 * false for a `@pools/core/mariadb` pool.
 *
 * @example
 * ```ts
 * isPoolsMysql2Pool(createPool(options).promise()) // true for @pools/core/mysql2's pools, false for mysql2's own
 * ```
 */
export function isPoolsMysql2Pool(value: unknown): boolean {
  if (!hasMethodAndEngine(value, 'getConnection')) return false
  // the callback pool has promise(); the promise pool wraps the callback pool as `.pool`
  const candidate = value as { promise?: unknown; pool?: { promise?: unknown } | null }
  return typeof candidate.promise === 'function' || typeof candidate.pool?.promise === 'function'
}

/**
 * A `mariadb`-style pool from `@pools/core/mariadb` (any copy, minified or not); false for a `@pools/core/mysql2` pool.
 *
 * @example
 * ```ts
 * isPoolsMariadbPool(createPool(options)) // true for @pools/core/mariadb's pools, false for mariadb's own
 * ```
 */
export function isPoolsMariadbPool(value: unknown): boolean {
  // `batch()` is the mariadb driver's; mysql2's pools have none
  return hasMethodAndEngine(value, 'getConnection') && typeof (value as { batch?: unknown }).batch === 'function'
}

/**
 * Something that looks like a driver's client or pool (it can run queries), as opposed to a plain options
 * object: what an adapter that takes "options or a pool" checks before treating its argument as options.
 *
 * @example
 * ```ts
 * looksLikeClient(new pg.Pool()) // true; looksLikeClient({ host: 'db' }) // false
 * ```
 */
export function looksLikeClient(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false
  const candidate = value as Record<string, unknown>
  return typeof candidate.query === 'function' || typeof candidate.getConnection === 'function'
}

/**
 * A short, credential-free name for a value's class, for error messages (`typeof value` when it has none: null, undefined, a null-prototype object).
 *
 * @example
 * ```ts
 * describeClass(new pg.Pool()) // 'BoundPool'; describeClass('postgres://…') // 'String'
 * ```
 */
export function describeClass(value: unknown): string {
  const ctor = (value as { constructor?: { name?: unknown } } | null)?.constructor
  return typeof ctor?.name === 'string' && ctor.name.length > 0 ? ctor.name : typeof value
}
