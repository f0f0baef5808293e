/** Small helpers shared by the @pools/core/pg integration tests. */
import pg from 'pg'

// time-bounded waiting helpers are shared with the fault suite
export { rejectionOf, sleep, until, within } from '../fault/support/timing.js'

/** Run one statement on a short-lived admin connection to `config`'s server. */
export async function admin<R extends pg.QueryResultRow = pg.QueryResultRow>(
  config: pg.ClientConfig,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ ...config, application_name: 'pools-pg-test-admin' })
  await client.connect()
  try {
    return (await client.query<R>(text, values)).rows
  } finally {
    await client.end()
  }
}

let counter = 0
/** A unique, short name for a pool / application_name in this test run. */
export function uniqueName(prefix: string): string {
  counter++
  return `${prefix}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 6)}`
}
