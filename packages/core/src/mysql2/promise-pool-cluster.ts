import type { PoolCluster as Mysql2PromisePoolCluster } from 'mysql2/promise'
import mysqlPromise from 'mysql2/promise'
import type { PoolRuntime } from '../index.js'
import type { Mysql2EnginePool } from './pool.js'
import { PoolCluster, type PoolClusterOptions } from './pool-cluster.js'

type PromisePoolClusterClass = new (cluster: PoolCluster, promiseImpl?: PromiseConstructor) => Mysql2PromisePoolCluster

/**
 * mysql2/promise does not export its `PromisePoolCluster` class; its `createPoolCluster()` returns one.
 * Built once, with no node (an EventEmitter and nothing else), to reach the class.
 */
const PromisePoolClusterBase = Object.getPrototypeOf(mysqlPromise.createPoolCluster())
  .constructor as PromisePoolClusterClass

/**
 * mysql2/promise's pool cluster (what `mysql2/promise`'s `createPoolCluster` returns) over a
 * {@link PoolCluster}: `add`, `remove`, `getConnection(pattern?, selector?)`, `of(pattern, selector)`
 * (`query`, `execute`, `getConnection` as promises), `end()`, and mysql2's `warn`, `remove`, `online`,
 * `offline` events. `poolCluster` is the callback cluster.
 *
 * @example
 * ```ts
 * const cluster = new PromisePoolCluster(new PoolCluster())
 * cluster.add('SLAVE1', process.env.REPLICA_URL!)
 * const [rows] = await cluster.of('SLAVE*').query('SELECT 1 AS one')
 * ```
 */
export class PromisePoolCluster extends PromisePoolClusterBase {
  // mysql2's promise cluster proxies add/remove to mysql2's own PoolCluster.prototype, which would make
  // mysql2 pools: they go to this cluster's PoolCluster instead.
  override add(...args: Parameters<PoolCluster['add']>): void {
    this.#cluster.add(...args)
  }

  remove(pattern: string): void {
    this.#cluster.remove(pattern)
  }

  get #cluster(): PoolCluster {
    return (this as unknown as { poolCluster: PoolCluster }).poolCluster
  }

  /** The engine of each node, by node id. */
  get engines(): ReadonlyMap<string, Mysql2EnginePool> {
    return this.#cluster.engines
  }
}

/**
 * mysql2/promise's `createPoolCluster`, with each node a `@pools/core/mysql2` pool.
 *
 * @example
 * ```ts
 * import mysql from '@pools/core/mysql2/promise' // was: import mysql from 'mysql2/promise'
 *
 * const cluster = mysql.createPoolCluster()
 * cluster.add('MASTER', process.env.PRIMARY_URL!)
 * cluster.add('SLAVE1', process.env.REPLICA_URL!)
 * const [rows] = await cluster.of('SLAVE*').query('SELECT 1 AS one')
 * const conn = await cluster.getConnection('MASTER')
 * conn.release()
 * await cluster.end()
 * ```
 */
export function createPromisePoolCluster(
  config?: PoolClusterOptions & { Promise?: PromiseConstructor },
  runtime?: PoolRuntime,
): PromisePoolCluster {
  return new PromisePoolCluster(new PoolCluster(config, runtime), config?.Promise ?? Promise)
}
