/**
 * Shared set-up of the @pools/core/mysql2 integration tests: a fresh database per file (test/harness
 * `useMysql()`), an admin connection for KILL / processlist / status queries, and pools that are
 * always ended after each test. Real MariaDB/MySQL only, no mocks.
 */

import { createPool, type Pool, type PoolOptions, type PoolRuntime } from '@pools/core/mysql2'
import type { PoolConnection } from 'mysql2'
import mysqlPromise from 'mysql2/promise'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { type MysqlDatabase, useMysql, waitForMysqlConnections } from '../harness/index.js'

export interface Mysql2TestContext {
  readonly db: MysqlDatabase
  /** A connection outside every pool (no default database, so it is not counted). */
  readonly admin: mysqlPromise.Connection
  /** Warnings the pools under test logged. */
  readonly warnings: string[]
  /** A pool on the test database with short test timeouts; ended after the test. */
  pool(options?: PoolOptions, runtime?: PoolRuntime): Pool
  /** Register anything with an `end()` to be ended after the test (e.g. a plain mysql2 pool). */
  track(endable: { end(callback?: (error?: unknown) => void): unknown }): void
  /** One row of a query run on the admin connection. */
  adminRow<T>(sql: string, values?: unknown[]): Promise<T>
}

/** Test-friendly engine settings: nothing can hang a test for long. */
export const TEST_POOLS = { acquireTimeoutMs: 5_000, createTimeoutMs: 5_000, closeGraceMs: 2_000 } as const

/** Call `fn` with the file's database; the database is dropped and leaks are checked after the file. */
export function useMysql2Context(): Mysql2TestContext {
  let db: MysqlDatabase | undefined
  let admin: mysqlPromise.Connection | undefined
  const warnings: string[] = []
  const open: { end(callback?: (error?: unknown) => void): unknown }[] = []

  beforeAll(async () => {
    db = await useMysql()
    const { database: _database, ...server } = db.config
    admin = await mysqlPromise.createConnection({ ...server, connectTimeout: 5_000 })
    admin.on('error', () => {})
  })

  afterEach(async () => {
    const pending = open.splice(0)
    await Promise.all(
      pending.map(
        (endable) =>
          new Promise<void>((resolve) => {
            try {
              endable.end(() => resolve())
            } catch {
              resolve()
            }
          }),
      ),
    )
    // Every server connection of this file's database is gone after each test.
    if (db) await waitForMysqlConnections(db.name, 0, { timeoutMs: 5_000 })
  })

  afterAll(async () => {
    await admin?.end().catch(() => admin?.destroy())
  })

  const context: Mysql2TestContext = {
    get db() {
      if (!db) throw new Error('the test database is created in beforeAll')
      return db
    },
    get admin() {
      if (!admin) throw new Error('the admin connection is opened in beforeAll')
      return admin
    },
    warnings,
    pool(options = {}, runtime = {}) {
      const pools = typeof options.pools === 'string' ? options.pools : { ...TEST_POOLS, ...options.pools }
      const pool = createPool(
        { uri: context.db.url, ...options, pools },
        { logger: { warn: (message) => warnings.push(message) }, ...runtime },
      )
      open.push(pool)
      return pool
    },
    track(endable) {
      open.push(endable)
    },
    async adminRow<T>(sql: string, values: unknown[] = []): Promise<T> {
      const [rows] = await context.admin.query(sql, values)
      return (rows as T[])[0] as T
    },
  }
  return context
}

/** `pool.getConnection` as a promise. */
export function getConnection(pool: Pool): Promise<PoolConnection> {
  return new Promise((resolve, reject) => {
    pool.getConnection((error, connection) => (error ? reject(error) : resolve(connection)))
  })
}

/** `connection.query` (or `pool.query`) as a promise of the rows/result. */
export function query<T = unknown>(
  target: Pick<Pool, 'query'> | Pick<PoolConnection, 'query'>,
  sql: string,
  values: unknown[] = [],
): Promise<T> {
  return new Promise((resolve, reject) => {
    ;(target as Pool).query(sql, values, (error: unknown, rows: unknown) =>
      error ? reject(error) : resolve(rows as T),
    )
  })
}

/** One value of the first row. */
export async function scalar<T = unknown>(
  target: Pick<Pool, 'query'> | Pick<PoolConnection, 'query'>,
  sql: string,
  values: unknown[] = [],
): Promise<T> {
  const rows = await query<Record<string, unknown>[]>(target, sql, values)
  return Object.values(rows[0] ?? {})[0] as T
}

/** `pool.end` as a promise. */
export function end(pool: { end(callback?: (error?: unknown) => void): unknown }): Promise<void> {
  return new Promise((resolve, reject) => {
    pool.end((error?: unknown) => (error ? reject(error) : resolve()))
  })
}

/** A session status counter (e.g. Com_rollback) of the connection running the query. */
export async function sessionStatus(connection: Pick<PoolConnection, 'query'>, name: string): Promise<number> {
  const rows = await query<{ Value: string }[]>(connection, 'SHOW SESSION STATUS LIKE ?', [name])
  return Number(rows[0]?.Value ?? Number.NaN)
}

/**
 * Is the connection running `query` inside a transaction? `@@in_transaction` on MariaDB; MySQL has no
 * such variable, so there the InnoDB transaction list is asked (the tests always touch InnoDB tables).
 */
export async function inTransaction(connection: Pick<Pool, 'query'> | Pick<PoolConnection, 'query'>): Promise<number> {
  try {
    return Number(await scalar(connection, 'SELECT @@in_transaction'))
  } catch {
    return Number(
      await scalar(
        connection,
        'SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = CONNECTION_ID()',
      ),
    )
  }
}

/** How mysql2 reports a connection the server ended (MariaDB closes or resets; MySQL 8 may send an error first). */
export const SERVER_ENDED =
  /PROTOCOL_CONNECTION_LOST|ECONNRESET|ER_CONNECTION_KILLED|ER_SESSION_WAS_KILLED|ER_CLIENT_INTERACTION_TIMEOUT/
