/**
 * `@pools/typeorm`: TypeORM on the @pools engine. Wrap your data source options in `withPools()`;
 * entities, repositories, query runners, transactions and `dataSource.destroy()` work as before,
 * with health, leak reports, stats and one configuration schema. See docs/typeorm.md.
 *
 * @example
 * ```ts
 * import { DataSource } from 'typeorm'
 * import { withPools } from '@pools/typeorm'
 *
 * const dataSource = new DataSource(withPools({ type: 'postgres', url: process.env.DATABASE_URL, poolSize: 20 }))
 * ```
 * @module
 */
export { mysql2Driver, mysql2DriverOver, pgDriver, pgDriverOver } from './drivers.js'
export {
  type DataSourceEngines,
  dataSourceEngines,
  type PoolsDataSourceOptions,
  type PoolsDataSourceType,
  type PoolsOption,
  type WithoutPools,
  withPools,
} from './with-pools.js'
