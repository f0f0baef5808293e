/**
 * Tests of the real-server harness itself, against real servers. No mocks.
 */
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import mysql from 'mysql2/promise'
import pg from 'pg'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { withMysqlConnection, withPgClient, withRedisClient } from './clients.js'
import { detectDocker, discoverServices } from './discovery.js'
import { freePort, sweepRunDir } from './embedded-postgres.js'
import {
  countMysqlConnections,
  countPgConnections,
  describeWithPostgres,
  harness,
  type PostgresDatabase,
  requireService,
  serviceStatus,
  startPrivatePostgres,
  useMysql,
  usePostgres,
  useRedis,
  waitForMysqlConnections,
  waitForPgConnections,
} from './index.js'
import { DEFAULT_URLS, hostPort, SERVICE_ENV } from './util.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

async function pgDatabaseExists(name: string): Promise<boolean> {
  return await withPgClient(requireService('postgres').url, async (client) => {
    const result = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
    return result.rowCount === 1
  })
}

async function mysqlDatabaseExists(name: string): Promise<boolean> {
  return await withMysqlConnection(requireService('mysql').url, async (connection) => {
    const [rows] = await connection.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [
      name,
    ])
    return (rows as unknown[]).length === 1
  })
}

function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]
    return state !== 'Z' && state !== 'X'
  } catch {
    return false
  }
}

async function connectPg(config: pg.ClientConfig): Promise<pg.Client> {
  const client = new pg.Client({ ...config, connectionTimeoutMillis: 5_000 })
  client.on('error', () => {})
  await client.connect()
  return client
}

describe('discovery', () => {
  it('the global setup found the local servers and provided them to this worker', () => {
    const context = inject('poolsHarness')
    expect(context.fromGlobalSetup).toBe(true)
    expect(context.runId).toMatch(/^[a-z0-9]{6}$/)
    expect(harness).toEqual(context)
    for (const name of ['postgres', 'mysql', 'redis'] as const) {
      // Skips loudly (fails under CI) when a service is missing.
      const status = requireService(name)
      if (!process.env[SERVICE_ENV[name]] && status.source === 'local') expect(status.url).toBe(DEFAULT_URLS[name])
    }
  })

  it('discoverServices() probes the default local ports with a real connection', async () => {
    const runDir = await mkdtemp(path.join(tmpdir(), 'pools-harness-test-'))
    const result = await discoverServices({ runDir, env: {}, allowEmbedded: false, allowContainers: false })
    try {
      // Every service the global setup found on its default local port is found again.
      const local = (['postgres', 'mysql', 'redis'] as const).filter((name) => {
        const status = serviceStatus(name)
        return status.available && status.source === 'local'
      })
      for (const name of local) expect(result.services[name]).toMatchObject({ available: true, source: 'local' })
      const pgStatus = result.services.postgres
      if (local.includes('postgres')) expect(pgStatus.available && pgStatus.version).toMatch(/^PostgreSQL \d+/)
    } finally {
      await result.stop()
      await rm(runDir, { recursive: true, force: true })
    }
  })

  it('falls back to an embedded PostgreSQL and explains loudly what else is missing', { timeout: 60_000 }, async () => {
    const closed = await freePort()
    // Inside the run dir: the global teardown sweeps it even if this test fails half-way.
    await mkdir(harness.runDir, { recursive: true })
    const runDir = await mkdtemp(path.join(harness.runDir, 'discovery-'))
    const docker = await detectDocker()
    const startedAt = Date.now()
    const result = await discoverServices({
      runDir,
      env: {},
      defaults: {
        postgres: `postgres://postgres@127.0.0.1:${closed}/test`,
        mysql: `mysql://root@127.0.0.1:${closed}/test`,
        redis: `redis://127.0.0.1:${closed}/0`,
      },
      // Never start real containers from this test, even on a machine with Docker.
      allowContainers: !docker.available,
    })
    const elapsed = Date.now() - startedAt
    const embeddedUrl = result.services.postgres.available ? result.services.postgres.url : undefined
    try {
      const pgStatus = result.services.postgres
      expect(pgStatus, JSON.stringify(pgStatus)).toMatchObject({ available: true, source: 'embedded' })
      expect(pgStatus.available && pgStatus.version).toMatch(/^PostgreSQL 18/)
      const rows = await withPgClient(embeddedUrl ?? '', async (client) => {
        return (await client.query<{ db: string }>('SELECT current_database() AS db')).rows
      })
      expect(rows[0]?.db).toBe('test')

      const mysqlStatus = result.services.mysql
      expect(mysqlStatus.available).toBe(false)
      if (!mysqlStatus.available) {
        expect(mysqlStatus.reason).toContain(`MySQL integration tests — no server at 127.0.0.1:${closed}`)
        expect(mysqlStatus.reason).toContain('set POOLS_TEST_MYSQL_URL or run scripts/start-services.sh')
        if (!docker.available) expect(mysqlStatus.reason).toContain('and no Docker engine')
      }
      expect(result.services.redis.available).toBe(false)
      console.log(`[timing] discovery with embedded PostgreSQL fallback: ${elapsed} ms`)
    } finally {
      await result.stop()
    }
    try {
      // stop() shut the embedded server down and removed its data dir (the initdb template stays for the run).
      await expect(withPgClient(embeddedUrl ?? '', async () => true, { connectTimeoutMs: 1_000 })).rejects.toThrow()
      expect(readdirSync(runDir).filter((entry) => entry.startsWith('pg-'))).toEqual([])
    } finally {
      await rm(runDir, { recursive: true, force: true })
    }
  })

  it('an explicit env URL that does not answer makes the service unavailable (no silent fallback)', async () => {
    const closed = await freePort()
    const runDir = await mkdtemp(path.join(tmpdir(), 'pools-harness-test-'))
    const result = await discoverServices({
      runDir,
      env: { POOLS_TEST_REDIS_URL: `redis://127.0.0.1:${closed}/0` },
      allowEmbedded: false,
      allowContainers: false,
    })
    try {
      expect(result.services.redis.available).toBe(false)
      const redisStatus = result.services.redis
      if (!redisStatus.available) {
        expect(redisStatus.reason).toContain(`POOLS_TEST_REDIS_URL=redis://127.0.0.1:${closed}/0 is set but not usable`)
      }
    } finally {
      await result.stop()
      await rm(runDir, { recursive: true, force: true })
    }
  })

  it('Docker detection is quick and never hangs', async () => {
    const closed = await freePort()
    let startedAt = Date.now()
    const viaTcp = await detectDocker({ DOCKER_HOST: `tcp://127.0.0.1:${closed}` }, 1_000)
    expect(viaTcp.available).toBe(false)
    expect(Date.now() - startedAt).toBeLessThan(3_000)
    startedAt = Date.now()
    const local = await detectDocker()
    expect(Date.now() - startedAt).toBeLessThan(5_000)
    const env: NodeJS.ProcessEnv = process.env
    if (!env.DOCKER_HOST && !existsSync('/var/run/docker.sock')) expect(local.available).toBe(false)
    expect((await detectDocker({ POOLS_TEST_DOCKER: '0' })).available).toBe(false)
  })
})

describe('usePostgres / useMysql / useRedis', () => {
  it('usePostgres creates distinct databases that are gone after drop()', async () => {
    const a = await usePostgres()
    const b = await usePostgres()
    expect(a.name).not.toBe(b.name)
    expect(a.name.startsWith(`pools_t_${harness.runId}_`)).toBe(true)
    expect(a.cleanupScope).toBe('test')
    expect(await pgDatabaseExists(a.name)).toBe(true)
    expect(await pgDatabaseExists(b.name)).toBe(true)

    const viaConfig = await connectPg(a.config)
    const viaUrl = await connectPg({ connectionString: b.url })
    try {
      expect((await viaConfig.query('SELECT current_database() AS db')).rows[0]).toEqual({ db: a.name })
      expect((await viaUrl.query('SELECT current_database() AS db')).rows[0]).toEqual({ db: b.name })
    } finally {
      await viaConfig.end()
    }
    // drop() force-closes connections still using the database (viaUrl is still open).
    await a.drop()
    await b.drop()
    await viaUrl.end().catch(() => {})
    expect(await pgDatabaseExists(a.name)).toBe(false)
    expect(await pgDatabaseExists(b.name)).toBe(false)
    await a.drop() // idempotent
  })

  let createdInTest = ''
  it('a database created inside a test is dropped when that test ends', async () => {
    const db = await usePostgres()
    createdInTest = db.name
    expect(await pgDatabaseExists(db.name)).toBe(true)
  })
  it('(checks the previous test)', async () => {
    expect(createdInTest).not.toBe('')
    expect(await pgDatabaseExists(createdInTest)).toBe(false)
  })

  it('`await using` drops a manual database at the end of the block', async () => {
    let name = ''
    {
      await using db = await usePostgres({ cleanup: 'manual' })
      name = db.name
      expect(db.cleanupScope).toBe('manual')
      expect(await pgDatabaseExists(name)).toBe(true)
    }
    expect(await pgDatabaseExists(name)).toBe(false)
  })

  it('useMysql creates distinct databases that are gone after drop()', async () => {
    const a = await useMysql()
    const b = await useMysql()
    expect(a.name).not.toBe(b.name)
    expect(await mysqlDatabaseExists(a.name)).toBe(true)
    expect(await mysqlDatabaseExists(b.name)).toBe(true)
    const connection = await mysql.createConnection(a.config)
    try {
      const [rows] = await connection.query('SELECT DATABASE() AS db')
      expect(rows).toEqual([{ db: a.name }])
    } finally {
      await connection.end()
    }
    const viaUrl = await mysql.createConnection({ uri: b.url })
    viaUrl.on('error', () => {})
    await a.drop()
    await b.drop() // kills viaUrl, which is still using b
    viaUrl.destroy()
    expect(await mysqlDatabaseExists(a.name)).toBe(false)
    expect(await mysqlDatabaseExists(b.name)).toBe(false)
  })

  it('useRedis gives a private key prefix whose keys are deleted, and nothing else', async () => {
    const ns = await useRedis()
    const other = await useRedis()
    expect(ns.keyPrefix).not.toBe(other.keyPrefix)
    const client = new Redis({ ...ns.options, lazyConnect: true, maxRetriesPerRequest: 1 })
    try {
      await client.connect()
      await client.set('a', '1')
      await client.hset('h', 'f', 'v')
      await withRedisClient(other.url, async (raw) => {
        await raw.set(other.key('kept'), '1')
        expect(await raw.get(ns.key('a'))).toBe('1')
        await ns.drop()
        expect(await raw.exists(ns.key('a'), ns.key('h'))).toBe(0)
        expect(await raw.get(other.key('kept'))).toBe('1')
        expect(await other.clear()).toBe(1)
      })
    } finally {
      client.disconnect()
    }
  })
})

// Collection-time use (describe body): dropped in that suite's afterAll.
let collectedName = ''
describeWithPostgres('collection-time usePostgres', () => {
  const pending = usePostgres()
  let db: PostgresDatabase
  beforeAll(async () => {
    db = await pending
    collectedName = db.name
  })
  it('is registered on the suite and exists during it', async () => {
    expect(db.cleanupScope).toBe('suite')
    expect(await pgDatabaseExists(db.name)).toBe(true)
  })
})
describeWithPostgres('after the collection-time suite', () => {
  it('its database was dropped by the suite afterAll', async () => {
    expect(collectedName).not.toBe('')
    expect(await pgDatabaseExists(collectedName)).toBe(false)
  })
})

describe('connection counting', () => {
  it('countPgConnections / waitForPgConnections see real clients come and go', async () => {
    const db = await usePostgres()
    expect(await countPgConnections(db.name)).toBe(0)
    const clients = await Promise.all(
      [1, 2, 3].map(() => connectPg({ ...db.config, application_name: 'harness-count' })),
    )
    const anonymous = await connectPg(db.config)
    try {
      expect(await countPgConnections(db.name)).toBe(4)
      expect(await countPgConnections(db.name, 'harness-count')).toBe(3)
      await clients[0]?.end()
      expect(await waitForPgConnections(db.name, 2, { applicationName: 'harness-count' })).toBe(2)
      await expect(waitForPgConnections(db.name, 10, { timeoutMs: 200 })).rejects.toThrow(
        /expected 10 PostgreSQL connection\(s\) to pools_t_.*, still 3 after 200ms/,
      )
    } finally {
      await Promise.all([...clients.slice(1), anonymous].map((c) => c?.end()))
    }
    expect(await waitForPgConnections(db.name, 0)).toBe(0)
    expect(await countPgConnections(db.name, undefined, { settleMs: 100 })).toBe(0)
  })

  it('countMysqlConnections / waitForMysqlConnections see real connections come and go', async () => {
    const db = await useMysql()
    expect(await countMysqlConnections(db.name)).toBe(0)
    const connections = await Promise.all([1, 2].map(() => mysql.createConnection(db.config)))
    try {
      expect(await countMysqlConnections(db.name)).toBe(2)
      await connections[0]?.end()
      expect(await waitForMysqlConnections(db.name, 1)).toBe(1)
    } finally {
      await connections[1]?.end()
    }
    expect(await waitForMysqlConnections(db.name, 0)).toBe(0)
  })
})

describe('startPrivatePostgres', () => {
  const shared = serviceStatus('postgres')
  const sharedMaxConnections = async (): Promise<string> => {
    if (!shared.available) return 'n/a'
    return await withPgClient(shared.url, async (client) => {
      return (await client.query<{ max_connections: string }>('SHOW max_connections')).rows[0]?.max_connections ?? ''
    })
  }
  let before = ''
  beforeAll(async () => {
    before = await sharedMaxConnections()
  })
  afterAll(async () => {
    // The shared server was not touched.
    expect(await sharedMaxConnections()).toBe(before)
  })

  it('starts a real server with a custom max_connections; stop/start/restart/kill work', {
    timeout: 60_000,
  }, async () => {
    let t = Date.now()
    const server = await startPrivatePostgres({ maxConnections: 4 })
    const startMs = Date.now() - t
    expect(server.running).toBe(true)
    expect(server.port).not.toBe(5432)
    expect(existsSync(server.dataDir)).toBe(true)
    expect(server.dataDir.startsWith(harness.runDir)).toBe(true)

    const clients: pg.Client[] = []
    try {
      for (let i = 0; i < 4; i++) clients.push(await connectPg(server.config))
      const first = clients[0]
      expect((await first?.query('SHOW max_connections'))?.rows[0]).toEqual({ max_connections: '4' })
      expect((await first?.query('SHOW server_version_num'))?.rows[0]?.server_version_num).toMatch(/^18/)
      // max_connections is exact: the 5th connection is refused.
      await expect(connectPg(server.config)).rejects.toMatchObject({ code: '53300' })
    } finally {
      await Promise.all(clients.map((c) => c.end().catch(() => {})))
    }

    const port = server.port
    t = Date.now()
    await server.restart()
    const restartMs = Date.now() - t
    expect(server.port).toBe(port)
    expect(await server.query('SELECT 1 AS one')).toEqual([{ one: 1 }])

    // Crash: every backend dies at once; an open client sees its connection drop.
    const victim = await connectPg(server.config)
    const lost = new Promise<Error>((resolve) => victim.once('error', resolve))
    const oldPid = server.pid
    await server.kill()
    expect(server.running).toBe(false)
    expect(processAlive(oldPid ?? 0)).toBe(false)
    await expect(lost).resolves.toBeInstanceOf(Error)
    await expect(connectPg(server.config)).rejects.toMatchObject({ code: 'ECONNREFUSED' })
    t = Date.now()
    await server.start() // crash recovery on the same port
    const recoverMs = Date.now() - t
    expect(await server.query('SELECT 2 AS two')).toEqual([{ two: 2 }])

    await server.stop()
    await expect(connectPg(server.config)).rejects.toMatchObject({ code: 'ECONNREFUSED' })
    await server.start()
    expect(await server.query('SELECT 3 AS three')).toEqual([{ three: 3 }])

    const pid = server.pid ?? 0
    await server.destroy()
    expect(processAlive(pid)).toBe(false)
    expect(existsSync(server.dataDir)).toBe(false)
    console.log(
      `[timing] startPrivatePostgres: ${startMs} ms, restart: ${restartMs} ms, start after kill: ${recoverMs} ms`,
    )
  })

  it('concurrent private servers get their own port and data dir', { timeout: 60_000 }, async () => {
    const [a, b, c] = await Promise.all([startPrivatePostgres(), startPrivatePostgres(), startPrivatePostgres()])
    if (!a || !b || !c) throw new Error('unreachable')
    expect(new Set([a.port, b.port, c.port]).size).toBe(3)
    expect(new Set([a.dataDir, b.dataDir, c.dataDir]).size).toBe(3)
    await a.query('CREATE TABLE only_in_a (id int)')
    expect(await b.query(`SELECT to_regclass('only_in_a') AS t`)).toEqual([{ t: null }])
    expect(await countPgConnections('postgres', undefined, { url: c.url })).toBe(0)
  })

  it('setLoginDelay() makes logins slow on that server only', { timeout: 60_000 }, async () => {
    const server = await startPrivatePostgres()
    await server.setLoginDelay(400)
    let t = Date.now()
    const slow = await connectPg(server.config)
    const slowMs = Date.now() - t
    await slow.end()
    await server.setLoginDelay(0)
    t = Date.now()
    const fast = await connectPg(server.config)
    const fastMs = Date.now() - t
    await fast.end()
    expect(slowMs).toBeGreaterThanOrEqual(400)
    expect(fastMs).toBeLessThan(400)
  })
  it('a private server dies with the process that started it, even on SIGKILL (watchdog)', {
    timeout: 60_000,
  }, async () => {
    // Transpile the (vitest-free) server module and run it in a plain node process.
    const here = path.dirname(fileURLToPath(import.meta.url))
    const outDir = path.join(repoRoot, 'node_modules', '.cache', `pools-harness-${harness.runId}-${process.pid}`)
    const parentDir = path.join(harness.runDir, `watchdog-${process.pid}`)
    try {
      await mkdir(outDir, { recursive: true })
      await mkdir(parentDir, { recursive: true })
      for (const file of ['embedded-postgres.ts', 'process-group.ts', 'clients.ts', 'util.ts']) {
        const source = readFileSync(path.join(here, file), 'utf8')
        const output = ts.transpileModule(source, {
          compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
        })
        writeFileSync(path.join(outDir, file.replace(/\.ts$/, '.mjs')), output.outputText.replace(/\.js'/g, ".mjs'"))
      }
      const script = `import { EmbeddedPostgresServer } from './embedded-postgres.mjs'
const server = await EmbeddedPostgresServer.create({ parentDir: ${JSON.stringify(parentDir)} })
await server.start()
console.log(JSON.stringify({ pid: server.pid }))
setInterval(() => {}, 1000)`
      writeFileSync(path.join(outDir, 'start.mjs'), script)
      const child = spawn(process.execPath, [path.join(outDir, 'start.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] })
      const line = await new Promise<string>((resolve, reject) => {
        let buffered = ''
        child.stdout.on('data', (chunk: Buffer) => {
          buffered += chunk.toString()
          if (buffered.includes('\n')) resolve(buffered.split('\n')[0] ?? '')
        })
        child.once('exit', (code) => reject(new Error(`child exited early with ${code}`)))
      })
      const { pid } = JSON.parse(line) as { pid: number }
      expect(processAlive(pid)).toBe(true)
      child.kill('SIGKILL')
      const deadline = Date.now() + 10_000
      while (processAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      expect(processAlive(pid)).toBe(false)
    } finally {
      await rm(outDir, { recursive: true, force: true })
      await sweepRunDir(parentDir)
    }
  })
})

interface ChildRun {
  code: number | null
  output: string
}

function runFixture(env: Record<string, string>): Promise<ChildRun> {
  const childEnv: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('VITEST') || key.startsWith('POOLS_TEST_') || key === 'TEST' || key === 'CI') continue
    childEnv[key] = value
  }
  Object.assign(childEnv, env)
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        path.join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'),
        'run',
        '--config',
        'test/harness/fixtures/vitest.fixture.config.ts',
        '--reporter=verbose',
        '--color=false',
      ],
      { cwd: repoRoot, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })
}

describeWithPostgres('end to end through a child `vitest run`', () => {
  it('outside CI: a missing service is skipped loudly, cleanups and the run-level sweep leave nothing behind', {
    timeout: 120_000,
  }, async () => {
    const closed = await freePort()
    const run = await runFixture({ CI: 'false', POOLS_TEST_MYSQL_URL: `mysql://root@127.0.0.1:${closed}/test` })
    const context = `exit code ${run.code}\n${run.output}`
    expect(run.code, context).toBe(0)
    expect(run.output).toContain(
      `SKIPPED: MySQL integration tests — POOLS_TEST_MYSQL_URL=mysql://root@127.0.0.1:${closed}/test is set but not usable`,
    )
    expect(run.output).toMatch(/fixture: mysql \[SKIPPED: MySQL integration tests/)
    expect(run.output).toMatch(/requireService skips a test loudly.*\[SKIPPED: MySQL integration tests/)
    expect(run.output).not.toContain('HARNESS_FIXTURE_NOT_REACHED')

    const names = [...run.output.matchAll(/HARNESS_FIXTURE_DB=(\S+) scope=(\S+)/g)].map((m) => [m[1], m[2]])
    expect(names.map(([, scope]) => scope)).toEqual(['file', 'test', 'manual'])
    for (const [name] of names) expect(await pgDatabaseExists(name ?? ''), name).toBe(false)
    const leakedName = names[2]?.[0] ?? ''
    expect(run.output).toContain(`teardown: PostgreSQL: dropped 1 leftover database(s): ${leakedName}`)

    const privateMatch = /HARNESS_FIXTURE_PRIVATE pid=(\d+) dir=(\S+)/.exec(run.output)
    expect(privateMatch, context).not.toBeNull()
    expect(processAlive(Number(privateMatch?.[1]))).toBe(false)
    expect(existsSync(privateMatch?.[2] ?? '/nonexistent')).toBe(false)
  })

  it('under CI=true a missing service fails the run with the reason', { timeout: 120_000 }, async () => {
    const closed = await freePort()
    const run = await runFixture({ CI: 'true', POOLS_TEST_MYSQL_URL: `mysql://root@127.0.0.1:${closed}/test` })
    expect(run.code, run.output).not.toBe(0)
    expect(run.output).toContain('nothing may be skipped under CI')
    expect(run.output).toContain(
      `FAILED (CI=true, nothing may be skipped): MySQL integration tests — POOLS_TEST_MYSQL_URL=`,
    )
    expect(run.output).not.toContain('HARNESS_FIXTURE_DB=')
  })
})

describe('hostPort', () => {
  it('formats URLs for messages', () => {
    expect(hostPort('mysql://root@127.0.0.1:3306/test')).toBe('127.0.0.1:3306')
  })
})
