/**
 * A MariaDB server of our own, for destructive mysql2 tests (freezing the server with SIGSTOP) that must
 * never touch the shared one: `mariadb-install-db` into a fresh data directory, `mariadbd` on a free
 * loopback port under the harness watchdog (stopped when this process dies, however it dies), and a
 * `destroy()` that resumes, stops and deletes it. Takes about 5 s to start; every step is bounded.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mysqlPromise from 'mysql2/promise'
import { freePort } from '../harness/embedded-postgres.js'
import { groupOf, liveGroupMembers, signalGroup, spawnWatched, waitGroupGone } from '../harness/process-group.js'

export interface PrivateMariadb {
  readonly host: '127.0.0.1'
  readonly port: number
  readonly user: 'root'
  /** Stop every process of the server (SIGSTOP): connections stay open, nothing answers. */
  freeze(): void
  /** Resume after {@link freeze}. */
  thaw(): void
  /** Resume, stop (TERM, then KILL after 10 s) and delete the data directory. Idempotent. */
  destroy(): Promise<void>
}

const INSTALL_DB = ['/usr/bin/mariadb-install-db', '/usr/bin/mysql_install_db'].find((path) => existsSync(path))
const MARIADBD = ['/usr/sbin/mariadbd', '/usr/sbin/mysqld'].find((path) => existsSync(path))

/** Can this machine start a private MariaDB? */
export const canStartPrivateMariadb = INSTALL_DB !== undefined && MARIADBD !== undefined

function run(command: string, args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, _stdout, stderr) =>
      error ? reject(new Error(`${command} failed: ${error.message}\n${stderr}`)) : resolve(),
    )
  })
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0

/** Install and start a private MariaDB; resolves once it accepts logins (root, no password). */
export async function startPrivateMariadb(options: { startTimeoutMs?: number } = {}): Promise<PrivateMariadb> {
  if (!canStartPrivateMariadb) throw new Error('mariadb-install-db / mariadbd not found')
  const dir = await mkdtemp(join(tmpdir(), 'pools-mariadb-'))
  const dataDir = join(dir, 'data')
  const user = asRoot ? ['--user=root'] : []
  await run(
    INSTALL_DB!,
    ['--no-defaults', `--datadir=${dataDir}`, ...user, '--auth-root-authentication-method=normal', '--skip-test-db'],
    60_000,
  )
  const port = await freePort()
  let gone = false
  const server = await spawnWatched({
    name: 'pools-private-mariadb',
    signal: 'TERM',
    command: MARIADBD!,
    args: [
      '--no-defaults',
      `--datadir=${dataDir}`,
      ...user,
      '--bind-address=127.0.0.1',
      `--port=${port}`,
      `--socket=${join(dir, 'mariadb.sock')}`,
      `--pid-file=${join(dir, 'mariadb.pid')}`,
      '--skip-log-bin',
      '--innodb-buffer-pool-size=16M',
      '--max-connections=50',
    ],
    logFile: join(dir, 'server.log'),
    env: process.env,
    onGone: () => {
      gone = true
    },
  })
  const pgid = groupOf(server.child.pid!)
  let destroyed: Promise<void> | undefined
  const handle: PrivateMariadb = {
    host: '127.0.0.1',
    port,
    user: 'root',
    freeze: () => signalGroup(pgid, 'SIGSTOP'),
    thaw: () => signalGroup(pgid, 'SIGCONT'),
    destroy: () => {
      destroyed ??= (async () => {
        signalGroup(pgid, 'SIGCONT')
        signalGroup(pgid, 'SIGTERM')
        if (!(await waitGroupGone(pgid, 10_000))) signalGroup(pgid, 'SIGKILL')
        await waitGroupGone(pgid, 5_000)
        await rm(dir, { recursive: true, force: true })
      })()
      return destroyed
    },
  }
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000)
  for (;;) {
    try {
      const probe = await mysqlPromise.createConnection({
        host: '127.0.0.1',
        port,
        user: 'root',
        connectTimeout: 1_000,
      })
      await probe.end()
      return handle
    } catch (error) {
      if (gone || Date.now() > deadline || liveGroupMembers(pgid).length === 0) {
        await handle.destroy()
        throw new Error(`the private MariaDB did not start: ${server.exitInfo() ?? String(error)}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}
