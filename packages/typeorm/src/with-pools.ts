import {
  type Pool as EnginePool,
  type FilePool,
  isFilePool,
  type PoolConfigInput,
  PoolError,
  type PresetName,
} from '@pools/core'
import type { DataSource, DataSourceOptions } from 'typeorm'
import { mysql2Driver, mysql2DriverOver, pgDriver, pgDriverOver } from './drivers.js'
import { engineBehind, engineFrom } from './engine-of.js'

/**
 * The `pools` option: any `@pools/core` option, or the name of a preset.
 *
 * @example
 * ```ts
 * const pools: PoolsOption = { leakDetectionThresholdMs: 10_000 } // or 'web'
 * ```
 */
export type PoolsOption = PoolConfigInput | PresetName | FilePool

/** TypeORM's connection options filled from a config file's pool, where the options give none. */
function fromFilePool(file: FilePool, type: string, rest: Record<string, unknown>): void {
  const driver = file.connection.driver
  const wanted = type === 'postgres' ? 'pg' : 'mysql2'
  if (driver !== undefined && driver !== wanted) {
    throw invalid(`pool "${file.name}" of the config file is a ${driver} pool, and type is ${type}.`)
  }
  if (rest.poolSize !== undefined) {
    throw invalid(
      `pools: pool "${file.name}" comes from the config file, which sets max; remove poolSize (or set max in the file).`,
    )
  }
  if (rest.url !== undefined || rest.host !== undefined) return
  const c = file.connection
  const fill: Record<string, unknown> = {
    url: c.url,
    host: c.host,
    port: c.port,
    username: c.user,
    password: c.password,
    database: c.database,
  }
  for (const [key, value] of Object.entries(fill)) if (value !== undefined && rest[key] === undefined) rest[key] = value
}

/**
 * The TypeORM data source types this package runs on the @pools engine.
 *
 * @example
 * ```ts
 * const type: PoolsDataSourceType = 'mariadb'
 * ```
 */
export type PoolsDataSourceType = 'postgres' | 'mysql' | 'mariadb'

/**
 * TypeORM's options for one of {@link PoolsDataSourceType}, plus `pools`.
 *
 * @example
 * ```ts
 * const options: PoolsDataSourceOptions = { type: 'postgres', url: process.env.DATABASE_URL, poolSize: 20, pools: 'web' }
 * const dataSource = new DataSource(withPools(options))
 * ```
 */
export type PoolsDataSourceOptions = Extract<DataSourceOptions, { type: PoolsDataSourceType }> & {
  /** Any `@pools/core` option (`leakDetectionThresholdMs`, `keepaliveIntervalMs`, ...) or a preset name; for every node's pool. */
  pools?: PoolsOption
  /**
   * Run on an engine that already exists (a `@pools/core` engine made with `createPgDriver` /
   * `createMysql2Driver`, or any `@pools` pg / mysql2 pool) instead of opening pools: connections,
   * sizing and `pools` belong to that engine, and `dataSource.destroy()` leaves it open.
   */
  engine?: unknown
}

/**
 * What {@link withPools} returns: `T` without `pools`, with `driver` and `extra` set (member by
 * member: a plain `Omit` would flatten the union of data source types).
 *
 * @example
 * ```ts
 * const options: WithoutPools<PoolsDataSourceOptions> = withPools({ type: 'mysql', host: 'db' })
 * ```
 */
export type WithoutPools<T> = T extends unknown
  ? Omit<T, 'pools' | 'driver' | 'extra'> & { readonly driver: object; readonly extra: Record<string, unknown> }
  : never

const SUPPORTED: readonly string[] = ['postgres', 'mysql', 'mariadb']

function invalid(message: string): PoolError {
  return new PoolError('POOL_CONFIG_INVALID', `@pools/typeorm: ${message}`)
}

/**
 * TypeORM splits a connection URL itself, without decoding it: a password with an unencoded `@ : / # ?`
 * becomes part of the host or the database, and from there part of DNS errors and pool names. A URL the
 * WHATWG parser rejects is refused here instead, without repeating it (it may hold credentials).
 */
function checkUrls(options: Record<string, unknown>): void {
  const replication = isPlainObject(options.replication) ? options.replication : undefined
  const slaves = Array.isArray(replication?.slaves) ? replication.slaves : []
  const places: [string, unknown][] = [
    ['url', options.url],
    ['replication.master.url', isPlainObject(replication?.master) ? replication.master.url : undefined],
    ...slaves.map((slave, i): [string, unknown] => [
      `replication.slaves[${i}].url`,
      isPlainObject(slave) ? slave.url : undefined,
    ]),
  ]
  for (const [key, url] of places) {
    if (typeof url === 'string' && !URL.canParse(url)) {
      throw invalid(
        `${key} could not be parsed as a URL (it is not repeated here because it may hold credentials); percent-encode the user name and password (encodeURIComponent).`,
      )
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** `pools`, with the data source's name as the pool name when none is given. */
function poolsFor(pools: unknown, fallbackName: string | undefined): PoolsOption | undefined {
  if (isFilePool(pools)) return pools // its name is the file's; the pg / mysql2 drop-in spells it out
  if (pools === undefined || pools === null) return fallbackName === undefined ? undefined : { name: fallbackName }
  if (typeof pools === 'string') return pools as PresetName
  if (isPlainObject(pools))
    return fallbackName === undefined ? (pools as PoolConfigInput) : { name: fallbackName, ...pools }
  throw invalid(`"pools" must be a preset name or an object of @pools options, got ${typeof pools}.`)
}

/**
 * Your TypeORM data source options, running on the @pools engine: pass the result to
 * `new DataSource()`. For `postgres`, `mysql` and `mariadb` it supplies TypeORM's `driver` option
 * (pg with `@pools/core/pg`'s Pool; mysql2 with `@pools/core/mysql2`'s `createPool`), so every pool
 * TypeORM opens (one, or one per replication node) is an engine with health, leak reports and stats.
 *
 * TypeORM's own options keep their meaning (`poolSize` → `max` / `connectionLimit`,
 * `connectTimeoutMS`, `applicationName`, `extra`, merged by TypeORM as usual, then read by the
 * drop-in); `pools` adds any engine option or a preset. `dataSource.destroy()` ends the pools
 * TypeORM opened, and nothing else.
 *
 * Throws `PoolError('POOL_CONFIG_INVALID')` for another data source type, a `driver` of your own,
 * or a bad `pools`.
 *
 * @example
 * ```ts
 * import { DataSource } from 'typeorm'
 * import { withPools, dataSourceEngines } from '@pools/typeorm'
 *
 * const dataSource = new DataSource(
 *   withPools({
 *     type: 'postgres',
 *     url: process.env.DATABASE_URL,
 *     poolSize: 20,
 *     entities: [User],
 *     pools: { leakDetectionThresholdMs: 10_000 },
 *   }),
 * )
 * await dataSource.initialize()
 * console.log(dataSourceEngines(dataSource).master.health().status)
 * await dataSource.destroy() // ends the pools it opened
 * ```
 */
export function withPools<T extends PoolsDataSourceOptions>(options: T): WithoutPools<T> {
  if (!isPlainObject(options)) throw invalid(`the options must be an object, got ${typeof options}.`)
  const { pools, engine, ...rest } = options as PoolsDataSourceOptions & Record<string, unknown>
  const type = rest.type as string
  if (!SUPPORTED.includes(type)) {
    throw invalid(`type must be one of ${SUPPORTED.join(', ')}, got ${JSON.stringify(String(type).slice(0, 40))}.`)
  }
  if (rest.driver !== undefined) {
    throw invalid(
      "the 'driver' option is what withPools() supplies; remove yours (or use @pools/core's drop-in as your driver directly).",
    )
  }
  checkUrls(rest)
  if (engine !== undefined && engine !== null) return overEngine(type, engine, pools, rest) as WithoutPools<T>
  if (isFilePool(pools)) fromFilePool(pools, type, rest)
  const extra = rest.extra === undefined ? {} : rest.extra
  if (!isPlainObject(extra)) throw invalid(`extra must be an object, got ${typeof extra}.`)
  if (pools !== undefined && extra.pools !== undefined) {
    throw invalid("give the @pools options once: either 'pools' or 'extra.pools'.")
  }
  // the data source's name names its pools, unless postgres' applicationName does (the pg drop-in reads it)
  const named = typeof rest.name === 'string' && rest.name !== 'default' ? rest.name : undefined
  const name = type === 'postgres' && rest.applicationName !== undefined ? undefined : named
  const merged = poolsFor(pools ?? extra.pools, name)
  const out: Record<string, unknown> = {
    ...rest,
    driver: type === 'postgres' ? pgDriver : mysql2Driver,
    extra: merged === undefined ? { ...extra } : { ...extra, pools: merged },
  }
  return out as WithoutPools<T>
}

/** TypeORM options whose driver lends from an existing engine; what the engine decides may not be given. */
function overEngine(
  type: string,
  given: unknown,
  pools: unknown,
  rest: Record<string, unknown>,
): Record<string, unknown> {
  const engine = engineBehind(given)
  if (engine === undefined) {
    throw invalid('engine must be a @pools/core engine or a @pools pg / mysql2 pool (anything engineOf() accepts).')
  }
  const owned = ['pools', 'poolSize', 'extra', 'replication'].filter((key) =>
    key === 'pools' ? pools !== undefined : rest[key] !== undefined,
  )
  if (owned.length > 0) {
    throw invalid(
      `with 'engine', ${owned.join(', ')} cannot be given: the connections and their limits belong to that engine.`,
    )
  }
  return { ...rest, driver: type === 'postgres' ? pgDriverOver(engine) : mysql2DriverOver(engine), extra: {} }
}

/**
 * The engines behind a data source made with {@link withPools}.
 *
 * @example
 * ```ts
 * const { master, replicas }: DataSourceEngines = dataSourceEngines(dataSource)
 * ```
 */
export interface DataSourceEngines {
  /** The pool writes (and, without replication, everything) go to. */
  master: EnginePool<object>
  /** One per replication slave, in the order of `replication.slaves`; empty without replication. */
  replicas: EnginePool<object>[]
}

interface DriverInternals {
  master?: unknown
  slaves?: unknown[]
  pool?: unknown
  poolCluster?: { _nodes?: Record<string, { pool?: unknown }> }
}

/**
 * The `@pools/core` engines behind an initialized data source made with {@link withPools}:
 * `stats()`, `health()`, `leaks()`, `on('leak' | 'timeout' | ...)`, `resize()`.
 *
 * Throws `PoolError('POOL_CONFIG_INVALID')` when the data source is not initialized or not on the
 * @pools engine.
 *
 * @example
 * ```ts
 * const { master, replicas } = dataSourceEngines(dataSource)
 * master.on('leak', ({ heldMs, stack }) => log.warn({ heldMs, stack }, 'query runner held too long'))
 * ```
 */
export function dataSourceEngines(dataSource: DataSource): DataSourceEngines {
  const driver = (dataSource as unknown as { driver?: DriverInternals }).driver
  if (driver === undefined || !dataSource.isInitialized) {
    throw invalid('the data source is not initialized (call dataSource.initialize() first).')
  }
  if (driver.master !== undefined) {
    return {
      master: engineFrom(driver.master, 'this data source'),
      replicas: (driver.slaves ?? []).map((slave) => engineFrom(slave, 'a replica of this data source')),
    }
  }
  if (driver.pool !== undefined) return { master: engineFrom(driver.pool, 'this data source'), replicas: [] }
  const nodes = driver.poolCluster?._nodes
  if (nodes !== undefined) {
    const master = engineBehind(nodes.MASTER?.pool)
    if (master !== undefined) {
      const replicas = Object.keys(nodes)
        .filter((id) => id.startsWith('SLAVE'))
        .map((id) => engineFrom(nodes[id]?.pool, `replica ${id}`))
      return { master, replicas }
    }
  }
  throw invalid('this data source is not running on a @pools engine (made without withPools()).')
}
