import { Inject } from '@nestjs/common'
import {
  DEFAULT_POOL_NAME,
  getDataSourceToken,
  getDrizzleToken,
  getKnexToken,
  getPoolToken,
  getPrismaToken,
} from './pools.constants.js'

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

/**
 * Inject the Prisma client built on a pg pool (declare it with `prisma: { client: PrismaClient }`).
 *
 * @example
 * ```ts
 * constructor(@InjectPrisma('primary') private readonly prisma: PrismaClient) {}
 * ```
 */
export function InjectPrisma(name: string = DEFAULT_POOL_NAME): PropertyDecorator & ParameterDecorator {
  return Inject(getPrismaToken(name))
}

/**
 * Inject the TypeORM `DataSource` built on a pool (declare it with `typeorm: { entities }`); it is
 * initialized before injection.
 *
 * @example
 * ```ts
 * constructor(@InjectDataSource('primary') private readonly dataSource: DataSource) {}
 * ```
 */
export function InjectDataSource(name: string = DEFAULT_POOL_NAME): PropertyDecorator & ParameterDecorator {
  return Inject(getDataSourceToken(name))
}
