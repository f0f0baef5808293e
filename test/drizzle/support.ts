/** Shared by the @pools/drizzle integration tests: run statements as an admin, read rows across drizzle versions. */
import mysql from 'mysql2/promise'
import pg from 'pg'

export { rejectionOf, sleep, until, within } from '../fault/support/timing.js'

/** One statement on a short-lived PostgreSQL connection (not through any pool under test). */
export async function pgAdmin<R extends pg.QueryResultRow = pg.QueryResultRow>(
  config: pg.ClientConfig,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ ...config, application_name: 'pools-drizzle-test-admin' })
  await client.connect()
  try {
    return (await client.query<R>(text, values)).rows
  } finally {
    await client.end()
  }
}

/** One statement on a short-lived MySQL/MariaDB connection (not through any pool under test). */
export async function mysqlAdmin(
  config: mysql.ConnectionOptions,
  text: string,
  values: unknown[] = [],
): Promise<unknown> {
  const connection = await mysql.createConnection(config)
  try {
    const [rows] = await connection.query(text, values)
    return rows
  } finally {
    await connection.end()
  }
}

/**
 * Rows of a `db.execute()` result, whatever its shape: node-postgres gives `{ rows }`, mysql2 gives
 * `[rows, fields]`.
 */
export function rowsOf<R>(result: unknown): R[] {
  if (Array.isArray(result)) return (Array.isArray(result[0]) ? result[0] : result) as R[]
  return (result as { rows: R[] }).rows
}

let counter = 0
/** A unique, short name for a pool / table in this test run. */
export function uniqueName(prefix: string): string {
  counter++
  return `${prefix}_${process.pid}_${counter}_${Math.random().toString(36).slice(2, 6)}`
}

/** A promise and the function that resolves it: holds a transaction open until the test says so. */
export function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { opened, open }
}
