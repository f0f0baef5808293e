/**
 * Short-lived admin connections used by the harness itself (never by the code under test).
 * Every connection has a connect timeout and a statement timeout so nothing here can hang a run.
 */
import { Redis } from 'ioredis'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { withTimeout } from './util.js'

const CONNECT_TIMEOUT_MS = 5_000
const STATEMENT_TIMEOUT_MS = 30_000

export interface AdminOptions {
  connectTimeoutMs?: number
  statementTimeoutMs?: number
}

/** Open a pg client on `url`, run `fn`, always close the client. */
export async function withPgClient<T>(
  url: string,
  fn: (client: pg.Client) => Promise<T>,
  options: AdminOptions = {},
): Promise<T> {
  const connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: connectTimeoutMs,
    statement_timeout: options.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS,
    query_timeout: (options.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS) + 5_000,
    application_name: 'pools-test-harness',
  })
  // Errors after connect (server restart, termination) must not crash the worker.
  client.on('error', () => {})
  try {
    await withTimeout(client.connect(), connectTimeoutMs + 1_000, `connect timeout after ${connectTimeoutMs}ms`)
    return await fn(client)
  } finally {
    await withTimeout(client.end(), 5_000, 'pg client end timed out').catch(() => {})
  }
}

/** Open a mysql2 connection on `url`, run `fn`, always close the connection. */
export async function withMysqlConnection<T>(
  url: string,
  fn: (connection: mysql.Connection) => Promise<T>,
  options: AdminOptions = {},
): Promise<T> {
  const connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS
  const connection = await withTimeout(
    mysql.createConnection({ uri: url, connectTimeout: connectTimeoutMs, multipleStatements: false }),
    connectTimeoutMs + 1_000,
    `connect timeout after ${connectTimeoutMs}ms`,
  )
  connection.on('error', () => {})
  try {
    return await fn(connection)
  } finally {
    await withTimeout(connection.end(), 5_000, 'mysql connection end timed out').catch(() => connection.destroy())
  }
}

/** Open an ioredis client on `url` (no retries, no offline queue), run `fn`, always disconnect. */
export async function withRedisClient<T>(
  url: string,
  fn: (client: Redis) => Promise<T>,
  options: AdminOptions = {},
): Promise<T> {
  const connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: connectTimeoutMs,
    commandTimeout: options.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    connectionName: 'pools-test-harness',
  })
  client.on('error', () => {})
  try {
    await withTimeout(client.connect(), connectTimeoutMs + 1_000, `connect timeout after ${connectTimeoutMs}ms`)
    return await fn(client)
  } finally {
    client.disconnect()
  }
}

export function quotePgIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

export function quoteMysqlIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``
}

export function pgErrorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code
    return typeof code === 'string' ? code : undefined
  }
  return undefined
}
