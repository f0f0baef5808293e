import type {
  PoolCluster as Mysql2PoolCluster,
  PoolClusterOptions as Mysql2PoolClusterOptions,
  PoolNamespace as Mysql2PoolNamespace,
} from 'mysql2'
import mysql from 'mysql2'
import { PoolError, type PoolRuntime } from '../index.js'
import type { PoolOptions } from './options.js'
import { createClusterNodePool, type Mysql2EnginePool, type Pool } from './pool.js'

/**
 * mysql2's pool-cluster options: `canRetry`, `removeNodeErrorCount`, `restoreNodeTimeout`, `defaultSelector`.
 *
 * @example
 * ```ts
 * const options: PoolClusterOptions = { canRetry: true, removeNodeErrorCount: 3, restoreNodeTimeout: 5_000, defaultSelector: 'ORDER' }
 * ```
 */
export type PoolClusterOptions = Mysql2PoolClusterOptions

/**
 * What `cluster.of(pattern, selector)` returns: `getConnection`, `query`, `execute` on the matching nodes.
 *
 * @example
 * ```ts
 * const replicas: PoolNamespace = cluster.of('SLAVE*', 'RR')
 * replicas.query('SELECT 1 AS one', (err, rows) => console.log(rows))
 * ```
 */
export type PoolNamespace = Mysql2PoolNamespace

/** A node of mysql2's cluster (lib/pool_cluster.js). */
interface ClusterNode {
  id: string
  errorCount: number
  pool: Pool
  _offlineUntil: number
}

/** The private state of mysql2's `PoolCluster` that `add()` writes. */
interface ClusterInternals {
  _lastId: number
  _nodes: Record<string, ClusterNode>
  _serviceableNodeIds: string[]
  _defaultSelector: string
  _clearFindCaches(): void
}

type PoolClusterClass = new (config?: PoolClusterOptions) => Mysql2PoolCluster

const PoolClusterBase = (mysql as unknown as { PoolCluster: PoolClusterClass }).PoolCluster

/** mysql2's selectors (`makeSelector` in lib/pool_cluster.js). */
const SELECTORS: ReadonlySet<string> = new Set(['RR', 'RANDOM', 'ORDER'])

function checkSelector(selector: unknown, option: string): void {
  if (typeof selector !== 'string' || !SELECTORS.has(selector.toUpperCase())) {
    throw new PoolError(
      'POOL_CONFIG_INVALID',
      `Invalid mysql2 pool cluster ${option}: ${String(selector)} (expected 'RR', 'RANDOM' or 'ORDER').`,
    )
  }
}

/**
 * mysql2's `PoolCluster` (it is `instanceof` mysql2's PoolCluster and EventEmitter), whose nodes are
 * `@pools/core/mysql2` pools: one engine per node. Everything else is mysql2's own code: patterns
 * (`'SLAVE*'`), selectors (`RR`, `RANDOM`, `ORDER`), `canRetry`, the error count that takes a node
 * offline (`restoreNodeTimeout`) or removes it (`removeNodeErrorCount`), the `warn`, `offline`,
 * `online` and `remove` events, `of()`, `getConnection()`, `end()`.
 *
 * A node's pool fails a `getConnection` at once when it cannot connect and has no connection open (as
 * mysql2's pool does), so the cluster counts the error against the node and, with `canRetry`, tries
 * another node instead of waiting out `acquireTimeoutMs`.
 *
 * @example
 * ```ts
 * const cluster = new PoolCluster({ defaultSelector: 'RR' })
 * cluster.add('MASTER', process.env.PRIMARY_URL!)
 * cluster.getConnection('MASTER', (err, conn) => conn.release())
 * ```
 */
export class PoolCluster extends PoolClusterBase {
  readonly #runtime: PoolRuntime | undefined

  /**
   * @param config mysql2's cluster options
   * @param runtime the engine runtime given to every node's engine (a `FakeClock`, a logger, `logger: false`)
   */
  constructor(config?: PoolClusterOptions, runtime?: PoolRuntime) {
    if (config?.defaultSelector !== undefined) checkSelector(config.defaultSelector, 'defaultSelector')
    super(config)
    this.#runtime = runtime
  }

  /**
   * Add a node: `add(config)` (id `CLUSTER::n`), `add(id, config)` or `add(id, url)`. The config is a
   * `@pools/core/mysql2` pool's (mysql2 options plus `pools`). An id already present is ignored, as in mysql2.
   * Invalid options throw a `PoolError` (`POOL_CONFIG_INVALID`) and add nothing.
   */
  override add(id: string | PoolOptions, config?: string | PoolOptions): void {
    const cluster = this as unknown as ClusterInternals
    let nodeId: string
    let nodeConfig: string | PoolOptions | undefined
    if (typeof id === 'object' && id !== null) {
      nodeConfig = id
      nodeId = `CLUSTER::${cluster._lastId + 1}`
    } else {
      nodeId = id as string
      nodeConfig = config
    }
    if (cluster._nodes[nodeId] !== undefined) return
    const pool = createClusterNodePool(nodeConfig as string | PoolOptions, this.#runtime)
    if (typeof id === 'object') cluster._lastId++
    cluster._nodes[nodeId] = { id: nodeId, errorCount: 0, pool, _offlineUntil: 0 }
    cluster._serviceableNodeIds.push(nodeId)
    cluster._clearFindCaches()
  }

  /** mysql2's `of()`; an unknown selector is a `PoolError` (`POOL_CONFIG_INVALID`) instead of a TypeError. */
  override of(pattern: string, selector?: string): PoolNamespace {
    if (selector) checkSelector(selector, 'selector')
    return super.of(pattern, selector)
  }

  /** The engine of each node, by node id (one `@pools/core` engine per node). */
  get engines(): ReadonlyMap<string, Mysql2EnginePool> {
    const nodes = (this as unknown as ClusterInternals)._nodes
    return new Map(Object.values(nodes).map((node) => [node.id, node.pool.engine]))
  }
}

/**
 * mysql2's `createPoolCluster`, with each node a `@pools/core/mysql2` pool.
 *
 * @example
 * ```ts
 * import mysql from '@pools/core/mysql2' // was: import mysql from 'mysql2'
 *
 * const cluster = mysql.createPoolCluster({ restoreNodeTimeout: 5_000 })
 * cluster.add('MASTER', { host: 'db-primary', user: 'app', database: 'shop' })
 * cluster.add('SLAVE1', { host: 'db-replica-1', user: 'app', database: 'shop', pools: 'api' })
 * cluster.of('SLAVE*', 'RR').query('SELECT 1 AS one', (err, rows) => console.log(rows))
 * cluster.end()
 * ```
 */
export function createPoolCluster(config?: PoolClusterOptions, runtime?: PoolRuntime): PoolCluster {
  return new PoolCluster(config, runtime)
}
