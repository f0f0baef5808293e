/**
 * Per-test-file isolation on the shared servers: a fresh PostgreSQL / MySQL database or a private
 * Redis key prefix, dropped automatically at the end of the scope that created it.
 */
import { pgErrorCode, quoteMysqlIdent, quotePgIdent, withMysqlConnection, withPgClient } from './clients.js'
import { type CleanupScope, harness, registerCleanup, requireService } from './context.js'
import { deleteRedisKeys, dropMysqlDatabase, dropPgDatabase } from './sweep.js'
import { parseSqlUrl, randomId, runScopedPrefix, type SqlEndpoint, sleep, withDatabase } from './util.js'

/** Plain connection settings, accepted as-is by `new pg.Client(config)` and `mysql.createConnection(config)`. */
export type SqlConnectionConfig = SqlEndpoint

export interface UseOptions {
  /**
   * `auto` (default): dropped when the current scope ends — the test when called inside a test,
   * the suite when called at collection time (top-level await / describe body), the file when
   * called in beforeAll. `manual`: you call drop() (or use `await using`).
   */
  cleanup?: 'auto' | 'manual'
}

export interface TestDatabase extends AsyncDisposable {
  /** Database name, `pools_t_<runId>_<random>`. */
  readonly name: string
  /** Connection URL of the new database (same server, user and password as the shared one). */
  readonly url: string
  readonly config: SqlConnectionConfig
  /** Where the automatic drop was registered; `manual` when `cleanup: 'manual'`. */
  readonly cleanupScope: CleanupScope | 'manual'
  /** Drop the database (force-closing connections still using it). Idempotent. */
  drop(): Promise<void>
}

export type PostgresDatabase = TestDatabase
export type MysqlDatabase = TestDatabase

function newDatabaseName(): string {
  return `${runScopedPrefix(harness.runId)}${randomId(8)}`
}

function makeHandle(
  name: string,
  url: string,
  config: SqlConnectionConfig,
  cleanupScope: CleanupScope | 'manual',
  dropOnce: () => Promise<void>,
): TestDatabase {
  return {
    name,
    url,
    config,
    cleanupScope,
    drop: dropOnce,
    [Symbol.asyncDispose]: dropOnce,
  }
}

/** Create a fresh PostgreSQL database on the shared server: `CREATE DATABASE pools_t_<runId>_<random>`. */
export async function usePostgres(options: UseOptions = {}): Promise<PostgresDatabase> {
  const service = requireService('postgres')
  const name = newDatabaseName()
  let dropping: Promise<void> | undefined
  const dropOnce = (): Promise<void> => {
    dropping ??= dropPgDatabase(service.url, name)
    return dropping
  }
  // Registered before any await: the scope is detected synchronously, and a failed CREATE is a no-op drop.
  const scope = options.cleanup === 'manual' ? 'manual' : registerCleanup(dropOnce)
  await withPgClient(service.url, async (client) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE ${quotePgIdent(name)}`)
        return
      } catch (error) {
        // 55006: template1 is being accessed by other users; XX000: tuple concurrently updated.
        const code = pgErrorCode(error)
        if (attempt >= 20 || (code !== '55006' && code !== 'XX000')) throw error
        await sleep(50 + attempt * 25)
      }
    }
  })
  const config: SqlConnectionConfig = { ...parseSqlUrl(service.url, 5432, 'postgres'), database: name }
  return makeHandle(name, withDatabase(service.url, name), config, scope, dropOnce)
}

/** Create a fresh MySQL/MariaDB database on the shared server. */
export async function useMysql(options: UseOptions = {}): Promise<MysqlDatabase> {
  const service = requireService('mysql')
  const name = newDatabaseName()
  let dropping: Promise<void> | undefined
  const dropOnce = (): Promise<void> => {
    dropping ??= dropMysqlDatabase(service.url, name)
    return dropping
  }
  const scope = options.cleanup === 'manual' ? 'manual' : registerCleanup(dropOnce)
  await withMysqlConnection(service.url, async (connection) => {
    await connection.query(`CREATE DATABASE ${quoteMysqlIdent(name)}`)
  })
  const config: SqlConnectionConfig = { ...parseSqlUrl(service.url, 3306, 'root'), database: name }
  return makeHandle(name, withDatabase(service.url, name), config, scope, dropOnce)
}

/** ioredis options for the shared server; `new Redis(ns.options)` prefixes every key with `keyPrefix`. */
export interface RedisConnectionOptions {
  host: string
  port: number
  db: number
  username?: string
  password?: string
  keyPrefix: string
  tls?: Record<string, never>
}

export interface RedisNamespace extends AsyncDisposable {
  /** URL of the shared server / db (no prefix in it: apply `keyPrefix` yourself or use `options`). */
  readonly url: string
  /** `pools_t_<runId>_<random>:` */
  readonly keyPrefix: string
  readonly db: number
  readonly options: RedisConnectionOptions
  readonly cleanupScope: CleanupScope | 'manual'
  /** `keyPrefix + name`, for clients created without `keyPrefix`. */
  key(name: string): string
  /** Delete every key under the prefix (SCAN + UNLINK); returns how many were deleted. Repeatable. */
  clear(): Promise<number>
  /** Same as clear(), for symmetry with the database helpers. */
  drop(): Promise<void>
}

/**
 * A private key prefix on the shared Redis (same db index as the URL). The prefix's keys are
 * deleted when the scope ends. Never FLUSHDB/FLUSHALL the shared server; use the prefix.
 */
export async function useRedis(options: UseOptions = {}): Promise<RedisNamespace> {
  const service = requireService('redis')
  const keyPrefix = `${newDatabaseName()}:`
  const clear = (): Promise<number> => deleteRedisKeys(service.url, keyPrefix)
  const drop = async (): Promise<void> => {
    await clear()
  }
  const scope = options.cleanup === 'manual' ? 'manual' : registerCleanup(drop)
  const parsed = new URL(service.url)
  const db = Number(parsed.pathname.replace(/^\//, '') || '0')
  const connection: RedisConnectionOptions = {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    db,
    keyPrefix,
  }
  if (parsed.username) connection.username = decodeURIComponent(parsed.username)
  if (parsed.password) connection.password = decodeURIComponent(parsed.password)
  if (parsed.protocol === 'rediss:') connection.tls = {}
  return {
    url: service.url,
    keyPrefix,
    db,
    options: connection,
    cleanupScope: scope,
    key: (name) => `${keyPrefix}${name}`,
    clear,
    drop,
    [Symbol.asyncDispose]: drop,
  }
}
