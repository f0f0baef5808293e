/**
 * `@pools/nestjs`: the Nest module of @pools. Named pools on the @pools engine (pg, mysql2, ioredis),
 * Drizzle, Knex, Prisma and TypeORM clients on them, a registry for health (Terminus indicator in `@pools/nestjs/health`)
 * and a graceful shutdown through Nest's lifecycle hooks.
 *
 * @example
 * ```ts
 * import { InjectPool, PoolsModule } from '@pools/nestjs'
 *
 * @Module({ imports: [PoolsModule.forRoot({ pools: { primary: process.env.DATABASE_URL! } })] })
 * export class AppModule {}
 * ```
 * @module
 */
export type { ManagedClient } from './pools.clients.js'
export {
  CLIENT_KINDS,
  type ClientKind,
  DEFAULT_POOL_NAME,
  DEFAULT_SHUTDOWN_GRACE_MS,
  getClientToken,
  getDataSourceToken,
  getDrizzleToken,
  getKnexToken,
  getPoolToken,
  getPrismaToken,
  POOLS_REGISTRY,
} from './pools.constants.js'
export { InjectDataSource, InjectDrizzle, InjectKnex, InjectPool, InjectPrisma } from './pools.decorators.js'
export type { ManagedPool } from './pools.factory.js'
export { type PoolsHealthOptions, poolHealth, reportPools } from './pools.health-report.js'
export type {
  PoolDefinition,
  PoolHealthData,
  PoolSource,
  PoolsConfigFileSource,
  PoolsDriverName,
  PoolsModuleExtras,
  PoolsModuleOptions,
  PoolsOptionsFactory,
  PoolsProvideMap,
} from './pools.interfaces.js'
export { PoolsModule } from './pools.module.js'
export { POOLS_ASYNC_OPTIONS_TYPE, POOLS_MODULE_OPTIONS, POOLS_OPTIONS_TYPE } from './pools.module-definition.js'
export { PoolsRegistry } from './pools.registry.js'
