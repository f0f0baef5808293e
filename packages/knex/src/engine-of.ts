import { type Pool as EnginePool, PoolError } from '@pools/core'

/** The handle every @pools facade exposes its engine under (`@pools/core`'s `ENGINE`). */
export const ENGINE: unique symbol = Symbol.for('@pools/core.engine') as never

function isEngine(value: unknown): value is EnginePool<object> {
  if (value === null || typeof value !== 'object') return false
  const candidate = value as Record<string, unknown>
  return (
    typeof candidate.acquire === 'function' &&
    typeof candidate.release === 'function' &&
    typeof candidate.destroy === 'function' &&
    typeof candidate.stats === 'function' &&
    typeof candidate.close === 'function' &&
    typeof candidate.isBorrowed === 'function'
  )
}

/**
 * The `@pools/core` engine behind `value`: an engine itself, or any facade that exposes it (the
 * `Symbol.for('@pools/core.engine')` handle, `pool.pools` of `@pools/core/pg`, `pool.engine` of
 * `@pools/core/mysql2`). Throws `PoolError('POOL_CONFIG_INVALID')` for anything else.
 *
 * Kept local until `@pools/core` exports `engineOf()` (the shared contract); same behaviour.
 * @internal
 */
export function engineFrom(value: unknown, what: string): EnginePool<object> {
  if (isEngine(value)) return value
  if (value !== null && (typeof value === 'object' || typeof value === 'function')) {
    const holder = value as Record<string | symbol, unknown>
    for (const key of [ENGINE, 'pools', 'engine'] as const) {
      const inner = holder[key]
      if (isEngine(inner)) return inner
    }
  }
  const shown = value === null ? 'null' : typeof value
  throw new PoolError(
    'POOL_CONFIG_INVALID',
    `${what} must be a @pools/core engine or a @pools facade over one (a @pools/core/pg Pool, a @pools/core/mysql2 pool), got ${shown}.`,
  )
}
