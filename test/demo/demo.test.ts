/**
 * `npm run demo` (examples/demo/run.mjs) runs to the end with exit code 0, shows every section, and leaves
 * nothing behind: no connection on the server, no temp dir, no PostgreSQL process. Once as a newcomer
 * runs it (its own embedded PostgreSQL: needs nothing but Node), once on a harness database given as
 * DATABASE_URL (then we check the server ourselves). Needs the build (`npm test` builds first).
 */
import { execFile } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { withPgClient } from '../harness/clients.js'
import { countPgConnections, describeWithPostgres, usePostgres } from '../harness/index.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const demo = path.join(root, 'examples/demo/run.mjs')

interface DemoRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs the demo as `npm run demo` does after the build: no TTY, stdout piped. */
function runDemo(databaseUrl: string | undefined): Promise<DemoRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' }
  delete env.DATABASE_URL
  if (databaseUrl !== undefined) env.DATABASE_URL = databaseUrl
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [demo],
      { cwd: root, env, timeout: 110_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })
}

/** The demo's temp dirs (`pools-demo-*` under the OS temp dir). */
function demoTempDirs(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith('pools-demo-'))
}

/** Running processes whose command line mentions a demo temp dir (an embedded postgres left running). */
function demoProcesses(): string[] {
  if (process.platform !== 'linux') return []
  const found: string[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ')
      if (cmdline.includes(`${tmpdir()}/pools-demo-`)) found.push(`${entry}: ${cmdline}`)
    } catch {
      // the process ended meanwhile
    }
  }
  return found
}

function expectEverySection(run: DemoRun): void {
  const out = run.stdout
  expect(run.code, `${out}\n${run.stderr}`).toBe(0)
  for (const title of [
    '== 1. Database',
    '== 2. The service',
    '== 3. Load, and what the pool is doing (pools top)',
    '== 4. Pooling vs a new connection per request',
    '== 5. A leaked connection',
    '== 6. Health: degraded, and back',
    '== 7. Prometheus scrape',
    '== 8. Graceful shutdown',
  ]) {
    expect(out).toContain(title)
  }
  // one service: Prisma (generated offline) and Knex on one engine from the config file, profile "demo"
  expect(out).toMatch(/Prisma client generated offline from examples\/demo\/schema\.prisma/)
  expect(out).toContain('Prisma writes and Knex reads on ONE engine')
  expect(out).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+ \(pool "app": max 5/)
  // the pools top view, plain lines (no TTY), while the load runs without a failure
  expect(out).toMatch(/^ {2}\d\d:\d\d:\d\d app used=\d+ idle=\d+ max=5 pending=\d+ .*wait_p95=/m)
  expect(out).toMatch(/^load: \d+ requests in [\d.]+ s, \d+ req\/s, .* 0 failed$/m)
  // side by side, as a ratio
  expect(out).toMatch(/^pooled \(@pools engine\) .* 0$/m)
  expect(out).toMatch(/^connect per request .* 0$/m)
  expect(out).toMatch(/^pooling: [\d.]+x the throughput/m)
  // the leak report names the line of service.mjs that took the connection
  const leakLine = readFileSync(path.join(root, 'examples/demo/service.mjs'), 'utf8')
    .split('\n')
    .findIndex((line) => line.includes('leaked = await this.pool.connect()'))
  expect(leakLine).toBeGreaterThan(0)
  expect(out).toMatch(/\[pools:app\] possible leak: acquire #\d+ has held a resource for \d+ ms/)
  expect(out).toContain(`examples/demo/service.mjs:${leakLine + 1}:`)
  expect(out).toMatch(/service\.mjs:\d+:\d+\) {3}<-- the line that leaked it/)
  // health degraded, then back
  expect(out).toMatch(/GET \/health\/ready -> 200 degraded: app degraded \(leak-suspects/)
  expect(out).toMatch(/GET \/health\/ready -> 200 ok: app up/)
  // the scrape
  expect(out).toMatch(
    /db_client_connection_count\{db_client_connection_pool_name="app",db_client_connection_state="used"\} \d+/,
  )
  expect(out).toMatch(/pools_connection_leaks_total\{db_client_connection_pool_name="app"\} 1/)
  // graceful shutdown, checked on the server by the demo itself
  expect(out).toMatch(/pg_stat_activity: [1-9]\d* connections of the service on the server/)
  expect(out).toContain('service: closed')
  expect(out).toContain('pg_stat_activity: 0 connections of the service left on the server')
  expect(out).not.toContain('FAILED')
  expect(out).toMatch(/all checks passed in [\d.]+ s/)
}

describe('npm run demo (examples/demo/run.mjs)', () => {
  it('starts its own embedded PostgreSQL, shows every section, exits 0 and leaves no dir or process', async () => {
    const before = new Set(demoTempDirs())
    const run = await runDemo(undefined)
    expectEverySection(run)
    expect(run.stdout).toMatch(/embedded PostgreSQL on 127\.0\.0\.1:\d+ \(temp data dir, removed at the end\)/)
    expect(demoTempDirs().filter((name) => !before.has(name))).toEqual([])
    expect(demoProcesses()).toEqual([])
  }, 120_000)

  it('fails with exit code 1 and the reason when the database cannot be reached, and still cleans up', async () => {
    const before = new Set(demoTempDirs())
    const run = await runDemo('postgres://postgres:demo-secret@127.0.0.1:1/nowhere')
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('using DATABASE_URL postgres://postgres:***@127.0.0.1:1/nowhere')
    expect(run.stdout).toMatch(/the demo failed: the service exited \(1\) before listening/)
    expect(run.stdout).toContain('ECONNREFUSED')
    expect(`${run.stdout}${run.stderr}`).not.toContain('demo-secret')
    expect(demoTempDirs().filter((name) => !before.has(name))).toEqual([])
    expect(demoProcesses()).toEqual([])
  }, 120_000)
})

describeWithPostgres('npm run demo with DATABASE_URL', () => {
  it('runs on the given database and leaves no connection and no table on it', async () => {
    const db = await usePostgres()
    const before = new Set(demoTempDirs())
    const run = await runDemo(db.url)
    expectEverySection(run)
    expect(run.stdout).toContain('using DATABASE_URL postgres://')
    expect(run.stdout).not.toContain('embedded PostgreSQL on')
    expect(demoTempDirs().filter((name) => !before.has(name))).toEqual([])
    expect(await countPgConnections(db.name)).toBe(0)
    const table = await withPgClient(db.url, async (client) => {
      const { rows } = await client.query<{ t: string | null }>("SELECT to_regclass('pools_demo_orders')::text AS t")
      return rows[0]?.t ?? null
    })
    expect(table).toBeNull()
  }, 120_000)
})
