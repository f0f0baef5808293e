/**
 * `pools top` against a running app: test/cli/fixtures/top-app.mjs runs a @pools/core/pg pool on the
 * real PostgreSQL with bounded load, one acquire timeout and one leak suspect, and serves
 * metricsHandler on a free loopback port. The built bin reads it without a TTY (--once, --count) and
 * in a pseudo-terminal (tmux): the screen shows the pool, `q` quits with exit code 0.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeWithPostgres, usePostgres } from '../harness/index.js'
import { BIN, poolsBin, tempDir } from './support.js'

const root = tempDir('top')
const APP = path.resolve(import.meta.dirname, 'fixtures/top-app.mjs')

/** A loopback port nothing listens on (fetch refuses well-known ports such as 1). */
async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Poll `check` every 200 ms until it returns a value, for at most `ms`. */
async function until<T>(what: string, ms: number, check: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await sleep(200)
  }
}

describeWithPostgres('pools top', () => {
  let app: ChildProcess | undefined
  let port = 0
  let output = ''

  beforeAll(async () => {
    const db = await usePostgres()
    app = spawn(process.execPath, [APP], { env: { PATH: process.env.PATH ?? '', DATABASE_URL: db.url }, stdio: 'pipe' })
    app.stdout?.on('data', (chunk) => (output += String(chunk)))
    app.stderr?.on('data', (chunk) => (output += String(chunk)))
    port = await until('the app to listen', 15_000, () => {
      const found = /listening (\d+)/.exec(output)
      if (!found && app?.exitCode != null) throw new Error(`the app exited: ${output}`)
      return found ? Number(found[1]) : undefined
    })
  }, 30_000)

  afterAll(async () => {
    if (app && app.exitCode === null) {
      const exited = new Promise((resolve) => app?.once('exit', resolve))
      app.kill('SIGTERM')
      await Promise.race([exited, sleep(5_000)])
      if (app.exitCode === null) app.kill('SIGKILL')
    }
  })

  it('--once without a TTY: one plain line per pool with used, idle, max, pending, wait p95, timeouts, leak suspects', async () => {
    // The app's setup (a held connection, one timed-out acquire) is in the first scrape once the leak threshold passed.
    const run = await until('a leak suspect and a timeout', 10_000, async () => {
      const r = await poolsBin(['top', String(port), '--once'], { cwd: root })
      return r.code === 0 && /leak_suspects=1/.test(r.stdout) && /timeouts=1/.test(r.stdout) ? r : undefined
    })
    expect(run.stderr).toBe('')
    const lines = run.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(
      /^\d\d:\d\d:\d\d toppool used=[1-3] idle=[0-2] max=3 pending=\d+ creating=[0-3] wait_p95=(\d+(\.\d+)?(ms|s)|>[\d.]+(ms|s)) timeouts=1 leak_suspects=1 leaks=[01]$/,
    )
    expect(run.stdout).not.toContain('\u001b[')
  })

  it('--count and --interval without a TTY: a line per pool per refresh, then exit 0', async () => {
    const run = await poolsBin(['top', `127.0.0.1:${port}`, '--count', '3', '--interval', '200ms'], { cwd: root })
    expect(run.code).toBe(0)
    const lines = run.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(3)
    for (const line of lines) expect(line).toMatch(/^\d\d:\d\d:\d\d toppool used=\d+ idle=\d+ max=3 /)
  })

  it('an endpoint that cannot be read, or serves no pools: exit 2 with the reason', async () => {
    const closed = await freePort()
    const refused = await poolsBin(['top', String(closed), '--once'], { cwd: root })
    expect([refused.code, refused.stderr]).toEqual([
      2,
      `error: could not read http://127.0.0.1:${closed}/metrics: ECONNREFUSED\n`,
    ])
    const missing = await poolsBin(['top', `http://127.0.0.1:${port}/nothing`, '--once'], { cwd: root })
    expect([missing.code, missing.stderr]).toEqual([2, `error: http://127.0.0.1:${port}/nothing answered HTTP 404\n`])
    // An endpoint of an app without @pools metrics registered.
    const other = http.createServer((_req, res) => res.writeHead(200).end('process_cpu_seconds_total 1.5\n'))
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve))
    const otherPort = (other.address() as net.AddressInfo).port
    try {
      const none = await poolsBin(['top', String(otherPort), '--once'], { cwd: root })
      expect([none.code, none.stderr]).toEqual([
        2,
        `error: http://127.0.0.1:${otherPort}/metrics serves no @pools metrics (call registerPrometheusMetrics() in the app)\n`,
      ])
    } finally {
      await new Promise((resolve) => other.close(resolve))
    }
    const bad = await poolsBin(['top', '--interval', '10ms'], { cwd: root })
    expect(bad.code).toBe(64)
  })

  it('credentials in the URL go as HTTP basic auth and are never printed', async () => {
    // A loopback proxy in front of the app's endpoint that wants a password.
    const proxy = http.createServer((req, res) => {
      if (req.headers.authorization !== `Basic ${Buffer.from('ops:s3cret-pw').toString('base64')}`) {
        res.writeHead(401).end()
        return
      }
      fetch(`http://127.0.0.1:${port}/metrics`).then(
        async (r) => res.writeHead(r.status, { 'content-type': 'text/plain' }).end(await r.text()),
        () => res.writeHead(502).end(),
      )
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    const proxyPort = (proxy.address() as net.AddressInfo).port
    try {
      const ok = await poolsBin(['top', `http://ops:s3cret-pw@127.0.0.1:${proxyPort}/metrics`, '--once'], { cwd: root })
      expect(ok.code).toBe(0)
      expect(ok.stdout).toMatch(/ toppool used=/)
      const denied = await poolsBin(['top', `http://ops:wrong-pw@127.0.0.1:${proxyPort}/metrics`, '--once'], {
        cwd: root,
      })
      expect([denied.code, denied.stderr]).toEqual([
        2,
        `error: http://ops:***@127.0.0.1:${proxyPort}/metrics answered HTTP 401\n`,
      ])
    } finally {
      await new Promise((resolve) => proxy.close(resolve))
    }
  })

  it('in a pseudo-terminal (tmux): the screen shows the pool and refreshes; q (and Ctrl-C) quits with exit code 0', async () => {
    const socket = `pools-top-${process.pid}`
    const done = path.join(root, 'exit-code')
    const tmux = (...args: string[]) =>
      execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', timeout: 5_000 })
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} top ${port} --interval 300ms; echo $? > ${JSON.stringify(done)}`
    tmux('new-session', '-d', '-s', 'top', '-x', '110', '-y', '20', command)
    try {
      const screen = await until('the pool on screen', 10_000, () => {
        const pane = tmux('capture-pane', '-p', '-t', 'top')
        return /toppool +[█▒·]+/.test(pane) && /every 300 ms/.test(pane) ? pane : undefined
      })
      expect(screen).toMatch(
        /^pools top {2}http:\/\/127\.0\.0\.1:\d+\/metrics {2}every 300 ms {2}\d\d:\d\d:\d\d UTC +q quits/,
      )
      expect(screen).toMatch(/POOL +CONNECTIONS +PENDING +USED +IDLE +MAX +PEND +WAIT p95 +TIMEOUTS +LEAKS/)
      expect(screen).toMatch(/toppool +[█▒·]+ +▶*[+]? +\d+ +\d+ +3 +\d+ +\S+( ms| s)? +1( \(\+\d+\))? +1\n/)
      const time = /(\d\d:\d\d:\d\d) UTC/.exec(screen)?.[1]
      // It refreshes in place: the clock in the same first line moves on.
      await until('a refresh', 5_000, () => {
        const pane = tmux('capture-pane', '-p', '-t', 'top')
        const now = /^pools top .* (\d\d:\d\d:\d\d) UTC/.exec(pane)?.[1]
        return now !== undefined && now !== time ? now : undefined
      })
      tmux('send-keys', '-t', 'top', 'q')
      const code = await until('pools top to exit', 5_000, () =>
        existsSync(done) && readFileSync(done, 'utf8').trim() !== '' ? readFileSync(done, 'utf8').trim() : undefined,
      )
      expect(code).toBe('0')

      // Ctrl-C quits the same way (raw mode: it arrives as a key, not as SIGINT).
      rmSync(done, { force: true })
      tmux('new-session', '-d', '-s', 'top2', '-x', '110', '-y', '20', command)
      await until('the second screen', 10_000, () =>
        /toppool +[█▒·]+/.test(tmux('capture-pane', '-p', '-t', 'top2')) ? true : undefined,
      )
      tmux('send-keys', '-t', 'top2', 'C-c')
      const interrupted = await until('pools top to exit on Ctrl-C', 5_000, () =>
        existsSync(done) && readFileSync(done, 'utf8').trim() !== '' ? readFileSync(done, 'utf8').trim() : undefined,
      )
      expect(interrupted).toBe('0')
    } finally {
      try {
        tmux('kill-server')
      } catch {
        // the session ended with the command
      }
    }
  }, 30_000)
})
