/**
 * @pools/core/mysql2 pools for the fault suite: a fresh database per file, an admin connection (KILL,
 * processlist), pools whose warnings are recorded and that are always ended after the test.
 */
import { createPool, type Pool, type PoolOptions } from '@pools/core/mysql2'
import mysqlPromise from 'mysql2/promise'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { type MysqlDatabase, useMysql } from '../../harness/index.js'
import { end, getConnection, query, scalar } from '../../mysql2/support.js'
import type { TcpProxy } from '../tcp-proxy.js'
import { within } from './timing.js'

export type MysqlError = Error & { code?: string; errno?: number; fatal?: boolean; cause?: unknown }

export interface MysqlFaults {
  readonly db: MysqlDatabase
  /** Outside every pool, no default database (so it is not counted by countMysqlConnections). */
  readonly admin: mysqlPromise.Connection
  /** Warnings logged by the pools of the current test. */
  readonly warnings: string[]
  pool(options?: PoolOptions): Pool
  track(proxy: TcpProxy): TcpProxy
}

export function useMysqlFaults(): MysqlFaults {
  let db: MysqlDatabase | undefined
  let admin: mysqlPromise.Connection | undefined
  const warnings: string[] = []
  const pools: Pool[] = []
  const proxies: TcpProxy[] = []

  beforeAll(async () => {
    db = await useMysql()
    const { database: _database, ...server } = db.config
    admin = await mysqlPromise.createConnection({ ...server, connectTimeout: 5_000 })
    admin.on('error', () => {})
  })
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => within(end(pool), 15_000, 'pool.end() in cleanup').catch(() => {})))
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()))
    warnings.length = 0
  })
  afterAll(async () => {
    await admin?.end().catch(() => admin?.destroy())
  })

  return {
    get db() {
      if (!db) throw new Error('the database is created in beforeAll')
      return db
    },
    get admin() {
      if (!admin) throw new Error('the admin connection is opened in beforeAll')
      return admin
    },
    warnings,
    pool(options = {}) {
      const pool = createPool(
        { uri: db!.url, ...options },
        { logger: { warn: (message) => warnings.push(message), info: () => {} } },
      )
      pools.push(pool)
      return pool
    },
    track(proxy) {
      proxies.push(proxy)
      return proxy
    },
  }
}

export { end, getConnection, query, scalar }

/** How mysql2 reports a connection the server ended (MariaDB closes or resets; MySQL 8 may send an error first). */
export const SERVER_ENDED =
  /PROTOCOL_CONNECTION_LOST|ECONNRESET|ER_CONNECTION_KILLED|ER_SESSION_WAS_KILLED|ER_CLIENT_INTERACTION_TIMEOUT|Connection lost/
