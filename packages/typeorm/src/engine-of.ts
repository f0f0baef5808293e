import { type Pool as EnginePool, engineOf, PoolError } from '@pools/core'

/** The `@pools/core` engine behind a facade (`engineOf()`), or undefined. @internal */
export function engineBehind(value: unknown): EnginePool<object> | undefined {
  try {
    return engineOf(value) as EnginePool<object>
  } catch {
    return undefined
  }
}

/** {@link engineBehind}, or a `PoolError('POOL_CONFIG_INVALID')` naming `what`. @internal */
export function engineFrom(value: unknown, what: string): EnginePool<object> {
  const engine = engineBehind(value)
  if (engine !== undefined) return engine
  throw new PoolError('POOL_CONFIG_INVALID', `@pools/typeorm: ${what} is not running on a @pools engine.`)
}
