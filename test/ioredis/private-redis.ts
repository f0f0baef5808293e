/**
 * A redis-server of the test's own on a free loopback port, for destructive tests (kill, restart,
 * requirepass) that must never touch the shared server. Runs under the harness watchdog in its own
 * process group, so it dies with the test process however that dies.
 */
import { existsSync, rmSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { registerCleanup } from '../harness/index.js'
import { signalGroup, spawnWatched, waitGroupGone } from '../harness/process-group.js'
import { sleep } from '../harness/util.js'

const REDIS_SERVER = existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : 'redis-server'

export interface PrivateRedis extends AsyncDisposable {
  readonly port: number
  /** `redis://[:password@]127.0.0.1:<port>/0` */
  readonly url: string
  readonly running: boolean
  /** Start again after kill(), on the same port. */
  start(): Promise<void>
  /** SIGKILL the server (no shutdown, every connection dropped at once). */
  kill(): Promise<void>
  /** Kill and forget; idempotent. */
  destroy(): Promise<void>
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Does something on `port` answer PING (with or without NOAUTH)? */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    const done = (ok: boolean): void => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => done(false))
    socket.once('error', () => done(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (data) => done(/^[+-]/.test(data.toString())))
  })
}

/** Start a private redis-server (`--save '' --appendonly no`); killed when the current vitest scope ends. */
export async function startPrivateRedis(options: { password?: string } = {}): Promise<PrivateRedis> {
  const port = await freePort()
  const logFile = path.join(tmpdir(), `pools-redis-${port}.log`)
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
  if (options.password !== undefined) args.push('--requirepass', options.password)
  let pgid: number | undefined
  let exited: Promise<void> = Promise.resolve()
  let running = false

  const start = async (): Promise<void> => {
    if (running) return
    const watched = await spawnWatched({
      name: 'pools-redis-watchdog',
      signal: 'TERM',
      command: REDIS_SERVER,
      args,
      logFile,
      env: process.env,
      onGone: () => {
        running = false
      },
    })
    pgid = watched.child.pid
    exited = watched.exited
    running = true
    const deadline = Date.now() + 10_000
    while (Date.now() < deadline) {
      const gone = watched.exitInfo()
      if (gone !== undefined) throw new Error(`redis-server on port ${port} exited at start: ${gone} (log ${logFile})`)
      if (await answers(port)) return
      await sleep(25)
    }
    throw new Error(`redis-server on port ${port} did not answer within 10 s (log ${logFile})`)
  }

  const kill = async (): Promise<void> => {
    if (pgid === undefined) return
    signalGroup(pgid, 'SIGKILL')
    await exited
    await waitGroupGone(pgid, 5_000)
    running = false
  }

  await start()
  const auth = options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`
  const server: PrivateRedis = {
    port,
    url: `redis://${auth}127.0.0.1:${port}/0`,
    get running() {
      return running
    },
    start,
    kill,
    destroy: kill,
    [Symbol.asyncDispose]: kill,
  }
  registerCleanup(async () => {
    await kill()
    // kept when the server failed to start (the error names it); gone once the scope that used it ends
    rmSync(logFile, { force: true })
  })
  return server
}
