/**
 * @pools/core/pg pools for the fault suite: uniquely named (so pg_stat_activity can count each pool's
 * connections by application_name), with every pool 'error' recorded, and always ended after the test.
 */
import { Pool, type PoolConfig } from '@pools/core/pg'
import pg from 'pg'
import { afterEach } from 'vitest'
import type { TcpProxy } from '../tcp-proxy.js'
import { within } from './timing.js'

export type PgError = Error & { code?: string; client?: pg.PoolClient }

export interface FaultPool {
  pool: Pool
  /** Pool name = application_name of its connections. */
  name: string
  /** Every 'error' the pool emitted (idle clients that failed). */
  errors: PgError[]
}

let counter = 0
/** A short name unique in this run (application_name is limited to 63 bytes). */
export function uniqueName(prefix: string): string {
  counter++
  return `${prefix}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 6)}`
}

/** Pools and proxies created through it are ended / closed after each test, also when the test failed. */
export function usePgPools(): {
  make(options: PoolConfig, prefix?: string): FaultPool
  track(proxy: TcpProxy): TcpProxy
} {
  const pools: Pool[] = []
  const proxies: TcpProxy[] = []
  afterEach(async () => {
    const ending = pools
      .splice(0)
      .map((pool) =>
        within(pool.ending ? pool.pools.close() : pool.end(), 15_000, 'pool.end() in cleanup').catch(() => {}),
      )
    await Promise.all(ending)
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()))
  })
  return {
    make(options, prefix = 'fault') {
      const name = uniqueName(prefix)
      const given = typeof options.pools === 'object' ? options.pools : {}
      const pool = new Pool({ ...options, application_name: name, pools: { name, ...given } })
      const errors: PgError[] = []
      pool.on('error', (error: PgError) => errors.push(error))
      pools.push(pool)
      return { pool, name, errors }
    },
    track(proxy) {
      proxies.push(proxy)
      return proxy
    },
  }
}

/** One statement on a short-lived admin connection (application_name `pools-fault-admin`, not counted by name). */
export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(
  config: pg.ClientConfig,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ ...config, application_name: 'pools-fault-admin', connectionTimeoutMillis: 5_000 })
  client.on('error', () => {})
  await client.connect()
  try {
    return (await client.query<R>(text, values)).rows
  } finally {
    await client.end().catch(() => {})
  }
}

export async function pidOf(client: pg.ClientBase): Promise<number> {
  return (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
}

/** Backend pids of the pool's connections, per pg_stat_activity. */
export async function backendPids(config: pg.ClientConfig, applicationName: string): Promise<number[]> {
  const rows = await adminQuery<{ pid: number }>(
    config,
    "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND backend_type = 'client backend' ORDER BY pid",
    [applicationName],
  )
  return rows.map((row) => row.pid)
}
