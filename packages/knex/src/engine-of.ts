import { type Pool as EnginePool, engineOf, PoolError } from '@pools/core'

/**
 * The `@pools/core` engine behind `value`: an engine itself or any facade exposing it under
 * `ENGINE` (`engineOf()`); `pool.pools` is still read for a `@pools/core/pg` Pool built before
 * that handle existed. Throws `PoolError('POOL_CONFIG_INVALID')` for anything else.
 * @internal
 */
export function engineFrom(value: unknown, what: string): EnginePool<object> {
  for (const candidate of [value, (value as { pools?: unknown } | null | undefined)?.pools]) {
    try {
      return engineOf(candidate) as EnginePool<object>
    } catch {
      // not this one
    }
  }
  const shown = value === null ? 'null' : typeof value
  throw new PoolError(
    'POOL_CONFIG_INVALID',
    `@pools/knex: ${what} must be a @pools/core engine or a @pools facade over one (a @pools/core/pg Pool, a @pools/core/mysql2 pool), got ${shown}.`,
  )
}
