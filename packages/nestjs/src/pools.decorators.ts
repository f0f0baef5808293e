import { Inject } from '@nestjs/common'
import { DEFAULT_POOL_NAME, getDrizzleToken, getKnexToken, getPoolToken } from './pools.constants.js'

/**
 * Inject a pool by name (default `'default'`): a `pg.Pool` from `@pools/core/pg` for a `pg` pool, a
 * mysql2 promise pool from `@pools/core/mysql2/promise` for `mysql2`, a `RedisPool` from
 * `@pools/ioredis` for `ioredis`, or the pool you passed as `existing`.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class OrdersService {
 *   constructor(@InjectPool('primary') private readonly db: Pool) {}
 *   list() { return this.db.query('SELECT * FROM orders') }
 * }
 * ```
 */
export function InjectPool(name: string = DEFAULT_POOL_NAME): PropertyDecorator & ParameterDecorator {
  return Inject(getPoolToken(name))
}

/**
 * Inject the Drizzle database built on a pool (declare it with `drizzle` on the pool).
 *
 * @example
 * ```ts
 * constructor(@InjectDrizzle('primary') private readonly db: NodePgDatabase) {}
 * ```
 */
export function InjectDrizzle(name: string = DEFAULT_POOL_NAME): PropertyDecorator & ParameterDecorator {
  return Inject(getDrizzleToken(name))
}

/**
 * Inject the Knex instance built on a pool (declare it with `knex` on the pool).
 *
 * @example
 * ```ts
 * constructor(@InjectKnex('replica') private readonly knex: Knex) {}
 * ```
 */
export function InjectKnex(name: string = DEFAULT_POOL_NAME): PropertyDecorator & ParameterDecorator {
  return Inject(getKnexToken(name))
}
