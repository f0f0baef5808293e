/**
 * Run-level safety net: drop every database / Redis key this run created that is still there at the end
 * (normally none — the per-file helpers drop them; leftovers mean a worker crashed). No vitest imports.
 */
import { quoteMysqlIdent, quotePgIdent, withMysqlConnection, withPgClient, withRedisClient } from './clients.js'
import type { ServiceName, ServiceStatus } from './types.js'
import { errorMessage, runScopedPrefix } from './util.js'

export async function dropPgDatabase(adminUrl: string, name: string): Promise<void> {
  await withPgClient(adminUrl, async (client) => {
    const version = Number((await client.query<{ v: string }>('SHOW server_version_num')).rows[0]?.v ?? 0)
    const ident = quotePgIdent(name)
    if (version >= 130000) {
      await client.query(`DROP DATABASE IF EXISTS ${ident} WITH (FORCE)`)
      return
    }
    for (let attempt = 0; ; attempt++) {
      await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name])
      try {
        await client.query(`DROP DATABASE IF EXISTS ${ident}`)
        return
      } catch (error) {
        if (attempt >= 20) throw error
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
  })
}

export async function dropMysqlDatabase(adminUrl: string, name: string): Promise<void> {
  await withMysqlConnection(adminUrl, async (connection) => {
    // Like PostgreSQL's WITH (FORCE): connections still using the database would hold metadata locks.
    const [rows] = await connection.query(
      'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()',
      [name],
    )
    for (const row of rows as { id: number }[]) {
      await connection.query(`KILL ${Number(row.id)}`).catch(() => {})
    }
    await connection.query(`DROP DATABASE IF EXISTS ${quoteMysqlIdent(name)}`)
  })
}

/** Delete all keys starting with `prefix` (SCAN + UNLINK). Returns how many were deleted. */
export async function deleteRedisKeys(url: string, prefix: string): Promise<number> {
  if (!/^[A-Za-z0-9_:.-]+$/.test(prefix)) throw new Error(`refusing to delete keys for unsafe prefix ${prefix}`)
  return await withRedisClient(url, async (client) => {
    let cursor = '0'
    let deleted = 0
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) deleted += await client.unlink(...keys)
    } while (cursor !== '0')
    return deleted
  })
}

export interface SweepReport {
  /** Human readable lines, one per service with leftovers or errors. */
  lines: string[]
}

export async function sweepRunResources(
  services: Readonly<Record<ServiceName, ServiceStatus>>,
  runId: string,
): Promise<SweepReport> {
  const prefix = runScopedPrefix(runId)
  const lines: string[] = []
  const pgStatus = services.postgres
  const mysqlStatus = services.mysql
  const redisStatus = services.redis
  const tasks: Promise<void>[] = []
  if (pgStatus.available) {
    tasks.push(
      (async () => {
        const names = await withPgClient(pgStatus.url, async (client) => {
          const result = await client.query<{ datname: string }>('SELECT datname FROM pg_database')
          return result.rows.map((r) => r.datname).filter((n) => n.startsWith(prefix))
        })
        for (const name of names) await dropPgDatabase(pgStatus.url, name)
        if (names.length > 0)
          lines.push(`PostgreSQL: dropped ${names.length} leftover database(s): ${names.join(', ')}`)
      })().catch((error) => void lines.push(`PostgreSQL sweep failed: ${errorMessage(error)}`)),
    )
  }
  if (mysqlStatus.available) {
    tasks.push(
      (async () => {
        const names = await withMysqlConnection(mysqlStatus.url, async (connection) => {
          const [rows] = await connection.query('SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA')
          return (rows as { name: string }[]).map((r) => r.name).filter((n) => n.startsWith(prefix))
        })
        for (const name of names) await dropMysqlDatabase(mysqlStatus.url, name)
        if (names.length > 0) lines.push(`MySQL: dropped ${names.length} leftover database(s): ${names.join(', ')}`)
      })().catch((error) => void lines.push(`MySQL sweep failed: ${errorMessage(error)}`)),
    )
  }
  if (redisStatus.available) {
    tasks.push(
      (async () => {
        const deleted = await deleteRedisKeys(redisStatus.url, prefix)
        if (deleted > 0) lines.push(`Redis: deleted ${deleted} leftover key(s) under ${prefix}*`)
      })().catch((error) => void lines.push(`Redis sweep failed: ${errorMessage(error)}`)),
    )
  }
  await Promise.all(tasks)
  return { lines }
}
