/**
 * A private PgBouncer in front of a given PostgreSQL, for tests of transaction-pooler behaviour.
 * See docs/faults.md ("PgBouncer") and docs/testing.md.
 *
 *   const bouncer = await startPgBouncer({ target: db.config, poolMode: 'transaction', defaultPoolSize: 3 })
 *   const pool = new Pool({ ...bouncer.configFor(db.name), poolerMode: 'transaction' })
 *   await bouncer.admin('SHOW POOLS')
 *
 * - Config and auth file in a fresh directory under the run's temp dir; a free loopback port (retried
 *   when taken meanwhile); no Unix socket.
 * - PgBouncer refuses to run as root: as root it runs as the `postgres` system user (uid/gid of the
 *   spawned process; the user exists wherever PostgreSQL is installed, and the private-PostgreSQL
 *   harness creates it otherwise).
 * - Never outlives its test: destroyed when the current vitest scope ends (like startPrivatePostgres),
 *   killed from the process 'exit' hook, and run under a small `sh` watchdog that stops it when its
 *   stdin pipe from this process closes (even when the worker is SIGKILLed).
 */
import { type ChildProcess, execFileSync } from 'node:child_process'
import { accessSync, constants, existsSync, readFileSync } from 'node:fs'
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import path from 'node:path'
import pg from 'pg'
import { describe, it } from 'vitest'
import { harness, registerCleanup } from './context.js'
import { liveGroupMembers, signalGroup, spawnWatched, waitGroupGone } from './process-group.js'
import { errorMessage, type SqlEndpoint, sleep } from './util.js'

export type PgBouncerPoolMode = 'session' | 'transaction' | 'statement'

export interface PgBouncerOptions {
  /** The PostgreSQL to pool (loopback). `password` is also what clients must send to PgBouncer. */
  target: { host: string; port: number; user: string; password?: string | undefined }
  /** Default `transaction`. */
  poolMode?: PgBouncerPoolMode
  /** Server connections per (database, user) pair. Default 3. */
  defaultPoolSize?: number
  /** Client connections PgBouncer accepts. Default 100. */
  maxClientConn?: number
  /** Extra `[pgbouncer]` settings, e.g. `{ server_round_robin: 1 }`; they win over the defaults. */
  settings?: Readonly<Record<string, string | number | boolean>>
  /** Bound on start (spawn + first admin-console answer). Default 15 s. */
  startTimeoutMs?: number
  /** `auto` (default): destroyed when the current vitest scope ends. `manual`: call destroy(). */
  cleanup?: 'auto' | 'manual'
}

export interface PgBouncer extends AsyncDisposable {
  readonly host: string
  readonly port: number
  /** e.g. `PgBouncer 1.18.0` */
  readonly version: string
  readonly poolMode: PgBouncerPoolMode
  readonly user: string
  readonly password: string | undefined
  /** Directory holding pgbouncer.ini, userlist.txt, the pid file and the log. */
  readonly dir: string
  readonly configFile: string
  /** PgBouncer's stderr (its log). */
  readonly logFile: string
  /** PgBouncer's PID while running. */
  readonly pid: number | undefined
  readonly running: boolean
  /** pg.Client settings for `database` through PgBouncer. */
  configFor(database: string): SqlEndpoint
  urlFor(database: string): string
  /** A command on the admin console (`SHOW POOLS`, `SHOW CLIENTS`, `SHOW SERVERS`, `RECONNECT`, …). */
  admin<R extends Record<string, unknown> = Record<string, unknown>>(command: string): Promise<R[]>
  /** Client connections PgBouncer holds right now, the admin connection asking excluded. */
  clientCount(database?: string): Promise<number>
  /** Server connections PgBouncer holds right now (any state). */
  serverCount(database?: string): Promise<number>
  log(): Promise<string>
  /** SIGTERM (immediate shutdown: clients and server connections are closed), SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>
  /** Stop and delete the directory. Idempotent. */
  destroy(): Promise<void>
}

export type PgBouncerStatus =
  | { available: true; binary: string; version: string }
  | { available: false; reason: string }

/** Path of the pgbouncer binary to use instead of looking for one. */
const BINARY_ENV = 'POOLS_TEST_PGBOUNCER'

const CANDIDATES = [
  '/usr/sbin/pgbouncer',
  '/usr/bin/pgbouncer',
  '/usr/local/bin/pgbouncer',
  '/opt/homebrew/bin/pgbouncer',
]

let status: PgBouncerStatus | undefined

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** Where PgBouncer is (`POOLS_TEST_PGBOUNCER`, the usual paths, then `PATH`), and its version. Cached. */
export function pgBouncerStatus(): PgBouncerStatus {
  if (status) return status
  const fromEnv = process.env[BINARY_ENV]
  const onPath = (process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, 'pgbouncer'))
  const candidates = fromEnv ? [fromEnv] : [...CANDIDATES, ...onPath]
  const binary = candidates.find((file) => file.length > 0 && existsSync(file) && executable(file))
  if (binary === undefined) {
    status = {
      available: false,
      reason: fromEnv
        ? `${BINARY_ENV}=${fromEnv} is not an executable`
        : `pgbouncer not found (looked in ${CANDIDATES.join(', ')} and PATH); run scripts/start-services.sh as root (it installs the Debian package), install pgbouncer yourself, or set POOLS_TEST_PGBOUNCER`,
    }
    return status
  }
  try {
    const out = execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 5_000 })
    status = { available: true, binary, version: out.split('\n')[0]?.trim() || 'PgBouncer (unknown version)' }
  } catch (error) {
    status = { available: false, reason: `${binary} --version failed: ${errorMessage(error)}` }
  }
  return status
}

/**
 * `describe` that runs only when PgBouncer is installed. Otherwise the suite is skipped with the reason in
 * its title and a warning on stderr; under CI it turns into a failing test carrying the reason. Never silent.
 */
export function describeWithPgBouncer(name: string, fn: () => void): void {
  const found = pgBouncerStatus()
  if (found.available) {
    describe(name, fn)
    return
  }
  if (harness.ci) {
    describe(name, () => {
      it('requires PgBouncer', () => {
        throw new Error(`FAILED (CI=true, nothing may be skipped): PgBouncer tests — ${found.reason}`)
      })
    })
    return
  }
  console.warn(`[@pools test harness] SKIPPED: PgBouncer tests (${name}) — ${found.reason}`)
  describe.skip(`${name} [SKIPPED: ${found.reason}]`, fn)
}

// ── processes ────────────────────────────────────────────────────────────────

/** The PgBouncer process of a watchdog group (not the shells around it). */
function bouncerIn(pgid: number): number | undefined {
  for (const pid of liveGroupMembers(pgid)) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'pgbouncer') return pid
    } catch {
      // vanished
    }
  }
  return undefined
}

const liveGroups = new Set<number>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once('exit', () => {
    for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL')
  })
}

interface Ids {
  uid: number
  gid: number
}

/** As root: the `postgres` system user (PgBouncer refuses root). */
function runAs(): Ids | undefined {
  if (process.getuid?.() !== 0) return undefined
  try {
    const uid = Number.parseInt(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }), 10)
    const gid = Number.parseInt(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }), 10)
    if (Number.isInteger(uid) && Number.isInteger(gid)) return { uid, gid }
  } catch {
    // fall through
  }
  throw new Error(
    'PgBouncer refuses to run as root and there is no `postgres` system user to run it as (create one, or run the tests as a normal user)',
  )
}

async function freePort(): Promise<number> {
  return await new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not allocate a port'))))
    })
  })
}

/** A value for pgbouncer.ini / the auth file: quotes doubled. */
function quoted(value: string): string {
  return `"${value.replaceAll('"', '""')}"`
}

function iniValue(value: string | number | boolean): string {
  return typeof value === 'boolean' ? (value ? '1' : '0') : String(value)
}

/** One admin-console command on a short-lived connection (simple query protocol only). */
async function adminQuery<R>(config: pg.ClientConfig, command: string, timeoutMs = 5_000): Promise<R[]> {
  const client = new pg.Client({ ...config, database: 'pgbouncer', connectionTimeoutMillis: timeoutMs })
  client.on('error', () => {})
  try {
    await client.connect()
    return (await client.query(command)).rows as R[]
  } finally {
    await client.end().catch(() => {})
  }
}

class PgBouncerServer implements PgBouncer {
  readonly host = '127.0.0.1'
  readonly version: string
  readonly poolMode: PgBouncerPoolMode
  readonly user: string
  readonly password: string | undefined
  readonly dir: string
  readonly configFile: string
  readonly logFile: string
  #port = 0
  #child: ChildProcess | undefined
  #pgid: number | undefined
  #exited: Promise<void> = Promise.resolve()
  #running = false
  #destroyed = false

  constructor(dir: string, version: string, options: PgBouncerOptions) {
    this.dir = dir
    this.version = version
    this.poolMode = options.poolMode ?? 'transaction'
    this.user = options.target.user
    this.password = options.target.password
    this.configFile = path.join(dir, 'pgbouncer.ini')
    this.logFile = path.join(dir, 'pgbouncer.log')
  }

  get port(): number {
    return this.#port
  }

  get running(): boolean {
    return this.#running
  }

  get pid(): number | undefined {
    if (!this.#running || this.#pgid === undefined) return undefined
    return bouncerIn(this.#pgid)
  }

  configFor(database: string): SqlEndpoint {
    const endpoint: SqlEndpoint = { host: this.host, port: this.port, user: this.user, database }
    if (this.password !== undefined) endpoint.password = this.password
    return endpoint
  }

  urlFor(database: string): string {
    const auth = this.password === undefined ? this.user : `${this.user}:${encodeURIComponent(this.password)}`
    return `postgres://${auth}@${this.host}:${this.port}/${encodeURIComponent(database)}`
  }

  async admin<R extends Record<string, unknown> = Record<string, unknown>>(command: string): Promise<R[]> {
    return await adminQuery<R>(
      { host: this.host, port: this.port, user: this.user, password: this.password, application_name: 'pools-admin' },
      command,
    )
  }

  async clientCount(database?: string): Promise<number> {
    const rows = await this.admin<{ database: string; application_name: string }>('SHOW CLIENTS')
    return rows.filter(
      (row) =>
        row.database !== 'pgbouncer' &&
        row.application_name !== 'pools-admin' &&
        (database === undefined || row.database === database),
    ).length
  }

  async serverCount(database?: string): Promise<number> {
    const rows = await this.admin<{ database: string }>('SHOW SERVERS')
    return rows.filter((row) => database === undefined || row.database === database).length
  }

  async log(): Promise<string> {
    return await readFile(this.logFile, 'utf8').catch(() => '')
  }

  async writeConfig(options: PgBouncerOptions, port: number, ids: Ids | undefined): Promise<void> {
    const { target } = options
    const settings: Record<string, string | number | boolean> = {
      listen_addr: '127.0.0.1',
      listen_port: port,
      unix_socket_dir: '',
      auth_type: target.password === undefined ? 'trust' : 'scram-sha-256',
      auth_file: path.join(this.dir, 'userlist.txt'),
      admin_users: target.user,
      pool_mode: this.poolMode,
      default_pool_size: options.defaultPoolSize ?? 3,
      min_pool_size: 0,
      reserve_pool_size: 0,
      max_client_conn: options.maxClientConn ?? 100,
      // LIFO reuse of server connections (PgBouncer's default), stated because tests rely on it
      server_round_robin: false,
      // a failed server login is retried after 1 s (default 15 s)
      server_login_retry: 1,
      pidfile: path.join(this.dir, 'pgbouncer.pid'),
      log_connections: true,
      log_disconnections: true,
      ...options.settings,
    }
    const lines = [
      '[databases]',
      `* = host=${target.host} port=${target.port}`,
      '',
      '[pgbouncer]',
      ...Object.entries(settings).map(([key, value]) => `${key} = ${iniValue(value)}`),
      '',
    ]
    await writeFile(this.configFile, lines.join('\n'), { mode: 0o600 })
    const auth = path.join(this.dir, 'userlist.txt')
    await writeFile(auth, `${quoted(target.user)} ${quoted(target.password ?? '')}\n`, { mode: 0o600 })
    if (ids) {
      await chown(this.configFile, ids.uid, ids.gid)
      await chown(auth, ids.uid, ids.gid)
    }
  }

  async start(options: PgBouncerOptions, binary: string): Promise<void> {
    const ids = runAs()
    if (ids) await chown(this.dir, ids.uid, ids.gid)
    const deadline = Date.now() + (options.startTimeoutMs ?? 15_000)
    for (let attempt = 1; ; attempt++) {
      const port = await freePort()
      await this.writeConfig(options, port, ids)
      const outcome = await this.#spawnAndWait(binary, ids, port, deadline)
      if (outcome === 'ready') {
        this.#port = port
        return
      }
      if (outcome === 'port-in-use' && attempt < 10 && Date.now() < deadline) continue
      throw new Error(`PgBouncer did not start on 127.0.0.1:${port} (${outcome}); log:\n${(await this.log()).trim()}`)
    }
  }

  async #spawnAndWait(
    binary: string,
    ids: Ids | undefined,
    port: number,
    deadline: number,
  ): Promise<'ready' | 'port-in-use' | string> {
    const { child, logStart, exitInfo, exited } = await spawnWatched({
      name: 'pools-pgbouncer-watchdog',
      signal: 'TERM',
      command: binary,
      args: [this.configFile],
      logFile: this.logFile,
      ids,
      env: { ...process.env, LC_ALL: 'C' },
      onGone: (gone) => {
        if (this.#child === gone) this.#running = false
        if (gone.pid !== undefined) liveGroups.delete(gone.pid)
      },
    })
    this.#exited = exited
    this.#child = child
    this.#pgid = child.pid
    this.#running = true
    if (child.pid !== undefined) liveGroups.add(child.pid)
    installExitHook()

    const probe = { host: this.host, port, user: this.user, password: this.password, application_name: 'pools-admin' }
    while (Date.now() < deadline) {
      const gone = exitInfo()
      if (gone !== undefined) {
        const log = (await readFile(this.logFile, 'utf8').catch(() => '')).slice(logStart)
        return /Address already in use|could not bind|bind\(\) failed/i.test(log) ? 'port-in-use' : gone
      }
      const answered = await adminQuery(probe, 'SHOW VERSION', 1_000).then(
        () => true,
        () => false,
      )
      if (answered && exitInfo() === undefined) return 'ready'
      await sleep(25)
    }
    await this.stop()
    return `not ready within ${Math.round(deadline - Date.now())} ms`
  }

  async stop(timeoutMs = 5_000): Promise<void> {
    const pgid = this.#pgid
    if (pgid === undefined) return
    // SIGTERM to PgBouncer alone (immediate shutdown): the watchdog shell reaps it and exits, so no zombie is left
    const bouncer = process.platform === 'linux' ? bouncerIn(pgid) : undefined
    if (bouncer === undefined) signalGroup(pgid, 'SIGTERM')
    else {
      try {
        process.kill(bouncer, 'SIGTERM')
      } catch {
        // already gone
      }
    }
    const exited = await Promise.race([this.#exited.then(() => true), sleep(timeoutMs).then(() => false)])
    if (!exited || !(await waitGroupGone(pgid, timeoutMs))) signalGroup(pgid, 'SIGKILL')
    await waitGroupGone(pgid, 5_000)
    liveGroups.delete(pgid)
    this.#running = false
    this.#pgid = undefined
  }

  async destroy(): Promise<void> {
    if (this.#destroyed) return
    this.#destroyed = true
    try {
      await this.stop()
    } finally {
      await rm(this.dir, { recursive: true, force: true, maxRetries: 5 })
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.destroy()
  }
}

/**
 * Start a private PgBouncer (default: transaction mode, `default_pool_size` 3) in front of `options.target`
 * on a free loopback port, and wait until its admin console answers. Throws with the reason (and its log)
 * when PgBouncer is not installed or does not start.
 */
export async function startPgBouncer(options: PgBouncerOptions): Promise<PgBouncer> {
  const found = pgBouncerStatus()
  if (!found.available) throw new Error(`PgBouncer unavailable: ${found.reason}`)
  let server: PgBouncerServer | undefined
  if (options.cleanup !== 'manual') {
    registerCleanup(async () => {
      await server?.destroy()
    })
  }
  await mkdir(harness.runDir, { recursive: true })
  await chmod(harness.runDir, 0o755).catch(() => {})
  const dir = await mkdtemp(path.join(harness.runDir, 'pgbouncer-'))
  await chmod(dir, 0o700)
  server = new PgBouncerServer(dir, found.version, options)
  try {
    await server.start(options, found.binary)
  } catch (error) {
    await server.destroy()
    throw error
  }
  return server
}
