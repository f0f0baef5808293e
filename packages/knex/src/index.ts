/**
 * `@pools/knex`: knex on the @pools engine. Wrap the knex configuration you already have in
 * `withPools()`; queries, transactions and `knex.destroy()` work as before, with health, leak
 * reports, stats and one configuration schema. See docs/knex.md.
 *
 * @example
 * ```ts
 * import knex from 'knex'
 * import { withPools } from '@pools/knex'
 *
 * const db = knex(withPools({ client: 'pg', connection: process.env.DATABASE_URL, pool: { max: 20 } }))
 * ```
 * @module
 */
export { KNEX_DEFAULTS, type KnexPoolOptions, type PoolsOption, translateKnexOptions } from './knex-options.js'
export { KnexEnginePool, type PendingAcquire } from './knex-pool.js'
export { knexEngine, type PoolsKnexClient, type PoolsKnexConfig, withPools } from './with-pools.js'
