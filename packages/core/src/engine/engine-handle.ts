import { PoolError } from '../errors/pool-error.js'
import type { Pool } from './pool.js'

/**
 * The key under which every facade (pg `Pool`, mysql2 pool, generic-pool facade, framework
 * adapters) exposes the `@pools/core` {@link Pool} it runs on. A `Pool` answers it with itself.
 * Registered with `Symbol.for`, so two copies of the package in one process agree on it.
 *
 * @example
 * ```ts
 * import { ENGINE } from '@pools/core'
 * class MyFacade {
 *   readonly #engine = createPool(driver, config)
 *   get [ENGINE]() { return this.#engine }
 * }
 * ```
 */
export const ENGINE: unique symbol = Symbol.for('@pools/core.engine') as never

/**
 * Something that exposes a pool engine under {@link ENGINE}: every facade, and a `Pool` itself.
 *
 * @example
 * ```ts
 * function watch(facade: HasEngine) {
 *   facade[ENGINE].observe(exporter)
 * }
 * ```
 */
export interface HasEngine<T = unknown> {
  readonly [ENGINE]: Pool<T>
}

function isEngine(value: unknown): value is Pool<unknown> {
  // a Pool answers ENGINE with itself; checked structurally so a second copy of the package works
  return (
    value !== null &&
    typeof value === 'object' &&
    (value as { [ENGINE]?: unknown })[ENGINE] === value &&
    typeof (value as { acquire?: unknown }).acquire === 'function' &&
    typeof (value as { release?: unknown }).release === 'function'
  )
}

/**
 * Does `value` expose a `@pools/core` engine under {@link ENGINE} (a facade from any copy of the
 * package, minified or not, or a `Pool` itself)? The non-throwing form of {@link engineOf}, for
 * adapters that accept either one of our pools or a driver's own.
 *
 * @example
 * ```ts
 * import { hasEngine } from '@pools/core'
 * hasEngine(new Pool(options)) // true for @pools/core/pg's Pool, false for pg's own
 * ```
 */
export function hasEngine(value: unknown): value is HasEngine {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false
  try {
    return isEngine((value as { [ENGINE]?: unknown })[ENGINE])
  } catch {
    return false
  }
}

/**
 * The `@pools/core` {@link Pool} behind a facade (or the pool itself), for exporters, health
 * checks and adapters that work with any drop-in.
 *
 * @throws PoolError `POOL_CONFIG_INVALID` when `facade` is neither a pool nor exposes one under {@link ENGINE}.
 * @example
 * ```ts
 * import { engineOf } from '@pools/core'
 * import { Pool } from '@pools/core/pg'
 *
 * const pgPool = new Pool({ connectionString })
 * const engine = engineOf(pgPool)
 * console.log(engine.stats().pending)
 * ```
 */
export function engineOf(facade: unknown): Pool<unknown> {
  if (facade !== null && (typeof facade === 'object' || typeof facade === 'function')) {
    let engine: unknown
    try {
      engine = (facade as { [ENGINE]?: unknown })[ENGINE]
    } catch {
      engine = undefined
    }
    if (isEngine(engine)) return engine
  }
  const what = facade === null ? 'null' : typeof facade === 'object' ? 'an object without [ENGINE]' : typeof facade
  throw new PoolError(
    'POOL_CONFIG_INVALID',
    `engineOf() needs a @pools/core Pool or a facade that exposes one under Symbol.for('@pools/core.engine'), got ${what}.`,
  )
}
