/** How bad a finding is; the worst one decides the exit code. */
export type FindingLevel = 'ok' | 'info' | 'warn' | 'error'

/** One result of `pools doctor`: what was checked, what was found and, when it matters, what to do. */
export interface Finding {
  level: FindingLevel
  /** Short name of the check: `latency`, `connections`, `pooler`, `idle timeout`, `tls`, ... */
  check: string
  message: string
  fix?: string
}

/** A pooler found between the app and the database. */
export interface PoolerFacts {
  name: 'PgBouncer' | 'Supavisor' | 'ProxySQL'
  version?: string | undefined
  /** `session`, `transaction` or `statement`; `undefined` when it could not be read. */
  mode?: string | undefined
  /** How it was found (for the report). */
  how: string
  /** PgBouncer's client_idle_timeout, ms (0 = none), when readable. */
  clientIdleTimeoutMs?: number | undefined
  /** PgBouncer's max_client_conn, when readable. */
  maxClientConnections?: number | undefined
  /** PgBouncer's max_prepared_statements (1.21+), when readable. */
  maxPreparedStatements?: number | undefined
}

/** What the doctor measured on one server. */
export interface ServerFacts {
  kind: 'postgres' | 'mysql'
  /** e.g. `PostgreSQL 15.20` or `MariaDB 10.11.19`. */
  version: string
  connectMs: number
  /** Round trips of `SELECT 1`, ms. */
  latency: { minMs: number; medianMs: number; samples: number }
  maxConnections: number
  /** Connections the server keeps for superusers (PostgreSQL); the app cannot use them. */
  reservedConnections: number
  /** Client connections open now, besides the doctor's own. */
  otherConnections: number
  pooler: PoolerFacts | undefined
  /** Did the pooler probe give a clear "no pooler" answer? */
  poolerRuledOut: boolean
  /** Server-side limits in ms; 0 = off; `undefined` = not available on this server. */
  timeouts: {
    idleSessionMs?: number | undefined
    idleInTransactionMs?: number | undefined
    statementMs?: number | undefined
    /** MySQL/MariaDB wait_timeout. */
    waitMs?: number | undefined
  }
  tls: {
    encrypted: boolean
    protocol?: string | undefined
    cipher?: string | undefined
    verified?: boolean | undefined
  }
  /** The host the doctor connected to (no credentials), for loopback checks. */
  host: string
  port: number | undefined
}
