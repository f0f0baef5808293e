import type { PoolConnection } from '@pools/core/config-file'
import mysql from 'mysql2/promise'
import type { ServerFacts } from './facts.js'
import { roundTrips, tlsOf, within } from './measure.js'

type Row = Record<string, unknown>

async function one(connection: mysql.Connection, sql: string, timeout: number): Promise<Row | undefined> {
  const [rows] = await connection.query({ sql, timeout })
  return (rows as Row[])[0]
}

/** Connect once to a pool's MySQL or MariaDB and read what the checks need. */
export async function probeMysql(settings: PoolConnection, timeoutMs: number): Promise<ServerFacts> {
  const { url, ...rest } = settings as PoolConnection & Record<string, unknown>
  const options: mysql.ConnectionOptions = { ...(rest as mysql.ConnectionOptions), connectTimeout: timeoutMs }
  if (typeof url === 'string') options.uri = url
  const started = performance.now()
  const connection = await within(mysql.createConnection(options), timeoutMs + 1_000, 'connecting')
  const connectMs = performance.now() - started
  // An 'error' after connect (server closed the socket) must not crash the CLI.
  connection.on('error', () => {})
  try {
    const latency = await roundTrips(() => connection.query({ sql: 'SELECT 1', timeout: timeoutMs }))
    const main = await one(
      connection,
      'SELECT VERSION() AS v, @@max_connections AS mc, @@session.wait_timeout AS wt',
      timeoutMs,
    )
    // ProxySQL answers exactly this query itself (it is what the mysql client sends on connect).
    const comment = String(
      (await one(connection, 'select @@version_comment limit 1', timeoutMs))?.['@@version_comment'] ?? '',
    )
    const threads = await one(connection, "SHOW GLOBAL STATUS LIKE 'Threads_connected'", timeoutMs)
    const sslVersion = await one(connection, "SHOW SESSION STATUS LIKE 'Ssl_version'", timeoutMs)
    const sslCipher = await one(connection, "SHOW SESSION STATUS LIKE 'Ssl_cipher'", timeoutMs)
    const raw = String(main?.v ?? '')
    const version = /mariadb/i.test(raw) ? `MariaDB ${raw.split('-')[0]}` : `MySQL ${raw.split('-')[0]}`
    const client = (
      connection as unknown as { connection: { config?: { host?: string; port?: number }; stream?: unknown } }
    ).connection
    const clientTls = tlsOf(client.stream)
    const serverTls = String(sslVersion?.Value ?? '')
    return {
      kind: 'mysql',
      version,
      connectMs,
      latency,
      maxConnections: Number(main?.mc ?? 151),
      reservedConnections: 0,
      otherConnections: Math.max(0, Number(threads?.Value ?? 1) - 1),
      pooler: /proxysql/i.test(comment) ? { name: 'ProxySQL', how: 'it answered @@version_comment' } : undefined,
      poolerRuledOut: !/proxysql/i.test(comment),
      timeouts: { waitMs: Number(main?.wt ?? 28_800) * 1000 },
      tls: serverTls
        ? {
            encrypted: true,
            protocol: serverTls,
            cipher: String(sslCipher?.Value ?? '') || undefined,
            verified: clientTls.verified,
          }
        : clientTls,
      host: client.config?.host ?? settings.host ?? 'localhost',
      port: client.config?.port ?? settings.port,
    }
  } finally {
    await connection.end().catch(() => {})
  }
}
