/**
 * A PostgreSQL server of your own, for destructive tests (restart, crash, max_connections,
 * slow logins) that must never touch the shared server.
 */
import { harness, registerCleanup } from './context.js'
import { EmbeddedPostgresServer, type StopMode } from './embedded-postgres.js'
import type { SqlEndpoint } from './util.js'

export type { StopMode } from './embedded-postgres.js'

export interface PrivatePostgresOptions {
  /** `max_connections` (exact: `superuser_reserved_connections` is 0). Default 100. */
  maxConnections?: number
  /** Fixed port; default a free one, kept across stop()/start()/restart(). */
  port?: number
  /** Extra `-c name=value` server settings, e.g. `{ idle_session_timeout: '1s' }`. */
  settings?: Readonly<Record<string, string | number | boolean>>
  /** Password of the `postgres` superuser (SCRAM); default "postgres". */
  password?: string
  /** Bound on each start(); default 30 s. */
  startTimeoutMs?: number
  /** `auto` (default): destroyed when the current vitest scope ends (see usePostgres). `manual`: call destroy(). */
  cleanup?: 'auto' | 'manual'
}

export interface PrivatePostgres extends AsyncDisposable {
  /** `postgres://postgres:<password>@127.0.0.1:<port>/postgres` */
  readonly url: string
  readonly port: number
  /** pg.Client settings for the `postgres` database. */
  readonly config: SqlEndpoint
  readonly user: string
  readonly password: string
  readonly maxConnections: number
  readonly dataDir: string
  /** Server log file (postgres' stderr). */
  readonly logFile: string
  readonly running: boolean
  /** Postmaster PID while running. */
  readonly pid: number | undefined
  urlFor(database: string): string
  configFor(database: string): SqlEndpoint
  /** Start again after stop()/kill(); same port, same data. */
  start(): Promise<void>
  /** `fast` (default) | `smart` | `immediate` shutdown; escalates to SIGKILL after `timeoutMs`. */
  stop(mode?: StopMode, timeoutMs?: number): Promise<void>
  restart(mode?: StopMode): Promise<void>
  /** Crash: SIGKILL the postmaster and all backends at once. start() recovers. */
  kill(): Promise<void>
  /** One statement through a short-lived superuser connection. */
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
    database?: string,
  ): Promise<R[]>
  createDatabase(name: string): Promise<void>
  /** Every new login to `database` (default `postgres`) takes at least `ms` (login event trigger); 0 removes it. */
  setLoginDelay(ms: number, database?: string): Promise<void>
  log(): Promise<string>
  /** Stop and delete the data directory. Idempotent. */
  destroy(): Promise<void>
}

/**
 * initdb + start a private PostgreSQL 18 (embedded-postgres binaries) in a unique directory under the
 * run's temp dir, on a free port. Concurrent test files each get their own. ~1 s; see docs/testing.md.
 */
export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  let server: EmbeddedPostgresServer | undefined
  if (options.cleanup !== 'manual') {
    registerCleanup(async () => {
      await server?.destroy()
    })
  }
  server = await EmbeddedPostgresServer.create({
    parentDir: harness.runDir,
    port: options.port,
    maxConnections: options.maxConnections,
    settings: options.settings,
    password: options.password,
    startTimeoutMs: options.startTimeoutMs,
  })
  try {
    await server.start()
  } catch (error) {
    await server.destroy()
    throw error
  }
  return server
}
