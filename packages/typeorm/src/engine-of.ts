import { type Pool as EnginePool, PoolError } from '@pools/core'

/** The handle every @pools facade exposes its engine under (`@pools/core`'s `ENGINE`). */
export const ENGINE: unique symbol = Symbol.for('@pools/core.engine') as never

function isEngine(value: unknown): value is EnginePool<object> {
  if (value === null || typeof value !== 'object') return false
  const candidate = value as Record<string, unknown>
  return (
    typeof candidate.acquire === 'function' &&
    typeof candidate.release === 'function' &&
    typeof candidate.stats === 'function' &&
    typeof candidate.close === 'function' &&
    typeof candidate.isBorrowed === 'function'
  )
}

/**
 * The `@pools/core` engine behind a facade (the `Symbol.for('@pools/core.engine')` handle,
 * `pool.pools` of `@pools/core/pg`, `pool.engine` of `@pools/core/mysql2`), or undefined.
 *
 * Kept local until `@pools/core` exports `engineOf()` (the shared contract).
 * @internal
 */
export function engineBehind(value: unknown): EnginePool<object> | undefined {
  if (isEngine(value)) return value
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined
  const holder = value as Record<string | symbol, unknown>
  for (const key of [ENGINE, 'pools', 'engine'] as const) {
    const inner = holder[key]
    if (isEngine(inner)) return inner
  }
  return undefined
}

/** {@link engineBehind}, or a `PoolError('POOL_CONFIG_INVALID')` naming `what`. @internal */
export function engineFrom(value: unknown, what: string): EnginePool<object> {
  const engine = engineBehind(value)
  if (engine !== undefined) return engine
  throw new PoolError('POOL_CONFIG_INVALID', `@pools/typeorm: ${what} is not running on a @pools engine.`)
}
