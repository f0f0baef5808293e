import type { PoolConnection } from '@pools/core/config-file'
import pg from 'pg'
import type { PoolerFacts, ServerFacts } from './facts.js'
import { roundTrips, tlsOf, within } from './measure.js'

const SETTINGS = [
  'max_connections',
  'superuser_reserved_connections',
  'reserved_connections',
  'idle_session_timeout',
  'idle_in_transaction_session_timeout',
  'statement_timeout',
]

/** pg.Client settings from a resolved connection: the URL as connectionString, the rest as they are. */
export function clientConfig(connection: PoolConnection, timeoutMs: number, database?: string): pg.ClientConfig {
  const { url, ...rest } = connection as PoolConnection & Record<string, unknown>
  const config: Record<string, unknown> = {
    ...(rest as Record<string, unknown>),
    application_name: 'pools doctor',
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  }
  if (typeof url === 'string') {
    if (database === undefined) config.connectionString = url
    else {
      // pg lets the URL win over `database`, so the probe changes the URL's path.
      const parsed = new URL(url)
      parsed.pathname = `/${database}`
      config.connectionString = parsed.href
    }
  }
  if (database !== undefined) config.database = database
  return config as pg.ClientConfig
}

async function connect(config: pg.ClientConfig, timeoutMs: number): Promise<pg.Client> {
  const client = new pg.Client(config)
  // An 'error' after connect (server closed the socket) must not crash the CLI.
  client.on('error', () => {})
  try {
    await within(client.connect(), timeoutMs + 1_000, 'connecting')
    return client
  } catch (error) {
    await client.end().catch(() => {})
    throw error
  }
}

/**
 * Is a PgBouncer in between? Its admin console answers on the special database "pgbouncer";
 * PostgreSQL itself answers `database "pgbouncer" does not exist` (3D000). With admin or stats
 * access, SHOW CONFIG and SHOW DATABASES give the pool mode and the client limits.
 */
async function probePgBouncer(
  connection: PoolConnection,
  timeoutMs: number,
  database: string | undefined,
): Promise<{ pooler: PoolerFacts | undefined; ruledOut: boolean }> {
  let admin: pg.Client
  try {
    admin = await connect(clientConfig(connection, timeoutMs, 'pgbouncer'), timeoutMs)
  } catch (error) {
    const code = (error as { code?: unknown }).code
    const message = error instanceof Error ? error.message : ''
    if (code === '3D000') return { pooler: undefined, ruledOut: true }
    if (/not allowed|pgbouncer/i.test(message)) {
      return { pooler: { name: 'PgBouncer', how: 'its admin console refused this user' }, ruledOut: false }
    }
    return { pooler: undefined, ruledOut: false }
  }
  try {
    const version = String((await admin.query('SHOW VERSION')).rows[0]?.version ?? '')
    if (!version.startsWith('PgBouncer')) return { pooler: undefined, ruledOut: true }
    const pooler: PoolerFacts = { name: 'PgBouncer', version, how: 'its admin console answered SHOW VERSION' }
    try {
      const config = new Map<string, string>()
      for (const row of (await admin.query('SHOW CONFIG')).rows) config.set(String(row.key), String(row.value))
      const seconds = (key: string) =>
        config.has(key) ? Math.round(Number.parseFloat(config.get(key) as string) * 1000) : undefined
      const count = (key: string) => (config.has(key) ? Number(config.get(key)) : undefined)
      pooler.mode = config.get('pool_mode')
      pooler.clientIdleTimeoutMs = seconds('client_idle_timeout')
      pooler.maxClientConnections = count('max_client_conn')
      pooler.maxPreparedStatements = count('max_prepared_statements')
      const databases = (await admin.query('SHOW DATABASES')).rows
      const mine = databases.find((row) => row.name === database)
      if (mine?.pool_mode) pooler.mode = String(mine.pool_mode)
    } catch {
      // stats_users may see SHOW VERSION but not SHOW CONFIG: the mode stays unknown.
    }
    return { pooler, ruledOut: false }
  } catch {
    return { pooler: undefined, ruledOut: false }
  } finally {
    await admin.end().catch(() => {})
  }
}

/** Supavisor (Supabase's pooler) has no console to ask: its host names and port 6543 give it away. */
function supavisorByAddress(host: string, port: number | undefined): PoolerFacts | undefined {
  if (/pooler\.supabase\.com$/i.test(host) || port === 6543) {
    return {
      name: 'Supavisor',
      mode: port === 6543 ? 'transaction' : 'session',
      how: port === 6543 ? 'port 6543 is its transaction-mode port' : 'the host is a Supabase pooler',
    }
  }
  return undefined
}

/** Connect once to a pool's PostgreSQL and read what the checks need. */
export async function probePostgres(connection: PoolConnection, timeoutMs: number): Promise<ServerFacts> {
  const started = performance.now()
  const client = await connect(clientConfig(connection, timeoutMs), timeoutMs)
  const connectMs = performance.now() - started
  try {
    const latency = await roundTrips(() => client.query('SELECT 1'))
    const version = (await client.query("SELECT current_setting('server_version') AS v")).rows[0]?.v as string
    const settings = new Map<string, number>()
    const rows = (await client.query('SELECT name, setting FROM pg_settings WHERE name = ANY($1)', [SETTINGS])).rows
    for (const row of rows) settings.set(String(row.name), Number(row.setting))
    const others = (
      await client.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
      )
    ).rows[0]?.n as number
    const host = String((client as unknown as { host?: unknown }).host ?? connection.host ?? 'localhost')
    const port = Number((client as unknown as { port?: unknown }).port ?? connection.port ?? 5432)
    const database = (client as unknown as { database?: string }).database
    const tls = tlsOf((client as unknown as { connection?: { stream?: unknown } }).connection?.stream)
    const bouncer = await probePgBouncer(connection, timeoutMs, database)
    const pooler = bouncer.pooler ?? supavisorByAddress(host, port)
    return {
      kind: 'postgres',
      version: `PostgreSQL ${version.split(' ')[0]}`,
      connectMs,
      latency,
      maxConnections: settings.get('max_connections') ?? 100,
      reservedConnections:
        (settings.get('superuser_reserved_connections') ?? 0) + (settings.get('reserved_connections') ?? 0),
      otherConnections: others,
      pooler,
      poolerRuledOut: bouncer.ruledOut && pooler === undefined,
      timeouts: {
        idleSessionMs: settings.get('idle_session_timeout'),
        idleInTransactionMs: settings.get('idle_in_transaction_session_timeout'),
        statementMs: settings.get('statement_timeout'),
      },
      tls,
      host,
      port,
    }
  } finally {
    await client.end().catch(() => {})
  }
}
