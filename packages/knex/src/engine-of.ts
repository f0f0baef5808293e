import { type Pool as EnginePool, engineOf, PoolError } from '@pools/core'

/**
 * The `@pools/core` engine behind `value` (`engineOf()`: an engine, or any facade exposing one
 * under `ENGINE`), or a `PoolError('POOL_CONFIG_INVALID')` that says what `what` should have been.
 * @internal
 */
export function engineFrom(value: unknown, what: string): EnginePool<object> {
  try {
    return engineOf(value) as EnginePool<object>
  } catch {
    const shown = value === null ? 'null' : typeof value
    throw new PoolError(
      'POOL_CONFIG_INVALID',
      `@pools/knex: ${what} must be a @pools/core engine or a @pools facade over one (a @pools/core/pg Pool, a @pools/core/mysql2 pool), got ${shown}.`,
    )
  }
}
