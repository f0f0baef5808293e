import { type ResolvedPool, redactUrl } from '@pools/core/config-file'
import type { ServerFacts } from './facts.js'

/** Where a pool connects, safe to print: the redacted URL, or user@host:port/database. */
export function targetOf(pool: ResolvedPool): string {
  const c = pool.connection
  if (typeof c.url === 'string') return redactUrl(c.url)
  const where = `${c.host ?? 'localhost'}${c.port ? `:${c.port}` : ''}`
  return `${c.user ? `${c.user}@` : ''}${where}${c.database ? `/${c.database}` : ''}`
}

/** The secrets of a pool's connection, to scrub from driver error messages. */
export function secretsOf(pool: ResolvedPool): (string | undefined)[] {
  const url = pool.connection.url
  let password: string | undefined
  if (url !== undefined) {
    try {
      password = decodeURIComponent(new URL(url).password) || undefined
    } catch {
      password = undefined
    }
  }
  return [pool.connection.password, url, password]
}

/**
 * Connect once to a PostgreSQL or MySQL/MariaDB pool's server and read its facts. The driver is
 * loaded on use, so commands that never connect start without pg and mysql2.
 */
export async function probe(pool: ResolvedPool, timeoutMs: number): Promise<ServerFacts> {
  const driver = pool.connection.driver
  if (driver === 'pg') return (await import('./postgres.js')).probePostgres(pool.connection, timeoutMs)
  if (driver === 'mysql2') return (await import('./mysql.js')).probeMysql(pool.connection, timeoutMs)
  throw new Error(`pools can connect to pg and mysql2 pools, not ${driver ?? 'a pool without connection.driver'}`)
}
