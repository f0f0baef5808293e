import { type Pool as EnginePool, engineOf, PoolError } from '@pools/core'

/**
 * The `@pools/core` engine behind a facade (`engineOf()`), or undefined; `pool.pools` is still read
 * for a `@pools/core/pg` Pool built before the `ENGINE` handle existed.
 * @internal
 */
export function engineBehind(value: unknown): EnginePool<object> | undefined {
  for (const candidate of [value, (value as { pools?: unknown } | null | undefined)?.pools]) {
    try {
      return engineOf(candidate) as EnginePool<object>
    } catch {
      // not this one
    }
  }
  return undefined
}

/** {@link engineBehind}, or a `PoolError('POOL_CONFIG_INVALID')` naming `what`. @internal */
export function engineFrom(value: unknown, what: string): EnginePool<object> {
  const engine = engineBehind(value)
  if (engine !== undefined) return engine
  throw new PoolError('POOL_CONFIG_INVALID', `@pools/typeorm: ${what} is not running on a @pools engine.`)
}
