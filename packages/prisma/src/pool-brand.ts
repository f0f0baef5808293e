/**
 * How an adapter tells a pool built by `@pools/core` from a driver's own pool, without `instanceof`
 * (which fails when two copies of `@pools/core`, or of `pg`, are loaded, or when a bundler renamed the class).
 */
import { hasEngine } from '@pools/core'

export { ENGINE } from '@pools/core'

/**
 * A `pg.Pool` from `@pools/core/pg` (any copy, minified or not).
 *
 * @example
 * ```ts
 * isPoolsPgPool(new Pool(options)) // true for @pools/core/pg's Pool, false for pg's own
 * ```
 */
export function isPoolsPgPool(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false
  const candidate = value as Record<PropertyKey, unknown>
  return typeof candidate.connect === 'function' && hasEngine(candidate)
}

/**
 * Something that looks like a driver's client or pool (it can run queries), as opposed to a plain options object.
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
 * A short, credential-free name for a value's class, for error messages.
 *
 * @example
 * ```ts
 * className(new pg.Pool()) // 'BoundPool'
 * ```
 */
export function className(value: unknown): string {
  const ctor = (value as { constructor?: { name?: unknown } } | null)?.constructor
  return typeof ctor?.name === 'string' && ctor.name.length > 0 ? ctor.name : typeof value
}

/**
 * A `mariadb`-style pool from `@pools/core/mariadb` (any copy, minified or not).
 *
 * @example
 * ```ts
 * isPoolsMariadbPool(createPool(options)) // true for @pools/core/mariadb's pools, false for mariadb's own
 * ```
 */
export function isPoolsMariadbPool(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false
  const candidate = value as Record<PropertyKey, unknown>
  return typeof candidate.getConnection === 'function' && hasEngine(candidate)
}
