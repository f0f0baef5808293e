/**
 * Server-side connection counting for leak assertions. The harness' own counting connection is
 * excluded. Closing a client is asynchronous on the server side (the backend exits a few ms after
 * the socket closes), so assert "back to N" with waitFor…Connections(), not with a single count.
 */
import type mysql from 'mysql2/promise'
import type pg from 'pg'
import { withMysqlConnection, withPgClient } from './clients.js'
import { requireService } from './context.js'
import { sleep } from './util.js'

export interface CountOptions {
  /** Server to ask (any database on it); default: the shared server. Use `privatePg.url` for a private one. */
  url?: string
  /**
   * Keep polling until the count has not changed for this long (bounded by `timeoutMs`) and return
   * that stable value. Default 0: a single sample.
   */
  settleMs?: number
  /** Bound for `settleMs` polling; default 5000. */
  timeoutMs?: number
}

export interface WaitOptions {
  url?: string
  /** Default 5000. */
  timeoutMs?: number
  /** Default 20. */
  intervalMs?: number
}

export type CountExpectation = number | ((count: number) => boolean)

async function poll(
  sample: () => Promise<number>,
  done: (count: number, stableFor: number) => boolean,
  timeoutMs: number,
  intervalMs: number,
): Promise<{ count: number; met: boolean }> {
  const deadline = Date.now() + timeoutMs
  let count = await sample()
  let since = Date.now()
  for (;;) {
    if (done(count, Date.now() - since)) return { count, met: true }
    if (Date.now() >= deadline) return { count, met: false }
    await sleep(intervalMs)
    const next = await sample()
    if (next !== count) since = Date.now()
    count = next
  }
}

function describeExpectation(expected: CountExpectation): string {
  return typeof expected === 'number' ? String(expected) : 'a count matching the predicate'
}

function matches(expected: CountExpectation, count: number): boolean {
  return typeof expected === 'number' ? count === expected : expected(count)
}

const PG_COUNT_SQL = `SELECT count(*)::int AS n FROM pg_stat_activity
  WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'
    AND ($2::text IS NULL OR application_name = $2)`

function pgSampler(client: pg.Client, database: string, applicationName: string | undefined): () => Promise<number> {
  return async () => {
    const result = await client.query<{ n: number }>(PG_COUNT_SQL, [database, applicationName ?? null])
    return result.rows[0]?.n ?? 0
  }
}

/** Client connections to `database` (optionally only those with `application_name`) per pg_stat_activity. */
export async function countPgConnections(
  database: string,
  applicationName?: string,
  options: CountOptions = {},
): Promise<number> {
  const url = options.url ?? requireService('postgres').url
  const settleMs = options.settleMs ?? 0
  return await withPgClient(url, async (client) => {
    const sample = pgSampler(client, database, applicationName)
    if (settleMs <= 0) return await sample()
    const result = await poll(sample, (_, stableFor) => stableFor >= settleMs, options.timeoutMs ?? 5_000, 20)
    return result.count
  })
}

/** Poll pg_stat_activity until the count for `database` equals / satisfies `expected`; throws on timeout. */
export async function waitForPgConnections(
  database: string,
  expected: CountExpectation,
  options: WaitOptions & { applicationName?: string } = {},
): Promise<number> {
  const url = options.url ?? requireService('postgres').url
  const timeoutMs = options.timeoutMs ?? 5_000
  return await withPgClient(url, async (client) => {
    const result = await poll(
      pgSampler(client, database, options.applicationName),
      (count) => matches(expected, count),
      timeoutMs,
      options.intervalMs ?? 20,
    )
    if (!result.met) {
      throw new Error(
        `expected ${describeExpectation(expected)} PostgreSQL connection(s) to ${database}` +
          `${options.applicationName ? ` (application_name=${options.applicationName})` : ''}, still ${result.count} after ${timeoutMs}ms`,
      )
    }
    return result.count
  })
}

function mysqlSampler(connection: mysql.Connection, database: string): () => Promise<number> {
  return async () => {
    const [rows] = await connection.query(
      `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST
        WHERE DB = ? AND ID <> CONNECTION_ID() AND COMMAND NOT IN ('Killed', 'Daemon')`,
      [database],
    )
    return Number((rows as { n: number | string }[])[0]?.n ?? 0)
  }
}

/** Connections whose current database is `database`, per information_schema.PROCESSLIST. */
export async function countMysqlConnections(database: string, options: CountOptions = {}): Promise<number> {
  const url = options.url ?? requireService('mysql').url
  const settleMs = options.settleMs ?? 0
  return await withMysqlConnection(url, async (connection) => {
    const sample = mysqlSampler(connection, database)
    if (settleMs <= 0) return await sample()
    const result = await poll(sample, (_, stableFor) => stableFor >= settleMs, options.timeoutMs ?? 5_000, 20)
    return result.count
  })
}

/** Poll the processlist until the count for `database` equals / satisfies `expected`; throws on timeout. */
export async function waitForMysqlConnections(
  database: string,
  expected: CountExpectation,
  options: WaitOptions = {},
): Promise<number> {
  const url = options.url ?? requireService('mysql').url
  const timeoutMs = options.timeoutMs ?? 5_000
  return await withMysqlConnection(url, async (connection) => {
    const result = await poll(
      mysqlSampler(connection, database),
      (count) => matches(expected, count),
      timeoutMs,
      options.intervalMs ?? 20,
    )
    if (!result.met) {
      throw new Error(
        `expected ${describeExpectation(expected)} MySQL connection(s) to ${database}, still ${result.count} after ${timeoutMs}ms`,
      )
    }
    return result.count
  })
}
