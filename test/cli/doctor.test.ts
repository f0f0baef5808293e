// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} in plain strings is the interpolation syntax of config files
/**
 * `pools doctor` against the real servers: PostgreSQL directly, PostgreSQL with a short
 * idle_session_timeout (set on the test database only), PostgreSQL behind a real PgBouncer in
 * transaction mode, MariaDB, and a port nothing listens on. Output and exit codes are checked.
 */
import pg from 'pg'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  describeWithMysql,
  describeWithPgBouncer,
  describeWithPostgres,
  type MysqlDatabase,
  type PostgresDatabase,
  startPgBouncer,
  useMysql,
  usePostgres,
} from '../harness/index.js'
import { configDir, pools, tempDir } from './support.js'

interface JsonFinding {
  level: string
  check: string
  message: string
  fix?: string
}
interface JsonReport {
  exitCode: number
  instances: number
  pools: { pool: string; driver: string; target: string; findings: JsonFinding[] }[]
}

const root = tempDir('doctor')
let SECRET = 'doctor-s3cret-pw'

/**
 * A URL with a password, which must never be printed: the server's own when it checks one (embedded
 * PostgreSQL), else a made-up one (the local servers trust loopback, so it connects).
 */
function withPassword(url: string): string {
  const parsed = new URL(url)
  if (parsed.password) SECRET = decodeURIComponent(parsed.password)
  else parsed.password = SECRET
  return parsed.href
}

function finding(report: JsonReport, check: string, pool = 0): JsonFinding {
  const found = report.pools[pool]?.findings.find((f) => f.check === check)
  expect(found, `finding "${check}"`).toBeDefined()
  return found as JsonFinding
}

async function doctorJson(dir: string, args: string[] = [], env: Record<string, string> = {}) {
  const run = await pools(['doctor', '--json', ...args], { cwd: dir, env })
  expect(run.stderr).toBe('')
  const report = JSON.parse(run.stdout) as JsonReport
  expect(report.exitCode).toBe(run.code)
  return { run, report }
}

describeWithPostgres('pools doctor on PostgreSQL', () => {
  let db: PostgresDatabase
  beforeAll(async () => {
    db = await usePostgres()
  })

  it('a healthy direct connection: server, latency, connections, no pooler, TLS; exit 0', async () => {
    const dir = configDir(root, { pools: { primary: { connection: '${DATABASE_URL}', max: 5, maxLifetimeMs: 0 } } })
    const { run, report } = await doctorJson(dir, [], { DATABASE_URL: withPassword(db.url) })
    expect(run.code).toBe(0)
    expect(report.pools[0]).toMatchObject({ pool: 'primary', driver: 'pg' })
    expect(report.pools[0]?.target).toContain(':***@')
    expect(finding(report, 'server').message).toMatch(/^PostgreSQL \d+/)
    expect(finding(report, 'latency')).toMatchObject({ level: 'ok' })
    expect(finding(report, 'latency').message).toMatch(/round trip [\d.]+ ms median/)
    const connections = finding(report, 'connections')
    expect(connections.level).toBe('ok')
    expect(connections.message).toMatch(/max_connections \d+\b.*this app: max 5 \(\d+% of \d+ available\)/)
    expect(finding(report, 'pooler')).toEqual({
      level: 'ok',
      check: 'pooler',
      message: 'none: connected to PostgreSQL directly',
    })
    expect(finding(report, 'idle timeout').level).toBe('ok')
    expect(finding(report, 'tls')).toMatchObject({ level: 'info', message: expect.stringContaining('not encrypted') })
    expect(run.stdout).not.toContain(SECRET)
  })

  it('a short idle_session_timeout on the database is a warning with a fix; exit 1', async () => {
    const admin = new pg.Client(db.config)
    await admin.connect()
    try {
      await admin.query(`ALTER DATABASE "${db.name}" SET idle_session_timeout = '5s'`)
    } finally {
      await admin.end()
    }
    const dir = configDir(root, {
      pools: { primary: { connection: '${DATABASE_URL}', min: 2, idleTimeoutMs: 60_000, maxLifetimeMs: 0 } },
    })
    const { run, report } = await doctorJson(dir, [], { DATABASE_URL: db.url })
    const idle = finding(report, 'idle timeout')
    expect(idle.level).toBe('warn')
    expect(idle.message).toContain('idle_session_timeout 5 s closes idle connections before the pool does')
    expect(idle.fix).toBe(
      'set idleTimeoutMs to 2 s and keepaliveIntervalMs to 2 s (below 5 s), or raise idle_session_timeout',
    )
    expect(run.code).toBe(1)

    // The human output says the same, without colours (not a terminal).
    const text = await pools(['doctor'], { cwd: dir, env: { DATABASE_URL: db.url } })
    expect(text.code).toBe(1)
    expect(text.stdout).toContain('!  idle timeout')
    expect(text.stdout).toContain('fix: set idleTimeoutMs to 2 s')
    expect(text.stdout).toMatch(/0 errors, 1 warning \(exit 1\)\n$/)
    expect(text.stdout).not.toContain('\u001b[')

    // A keepalive below the limit protects every idle connection: no warning.
    const fixed = configDir(root, {
      pools: { primary: { connection: '${DATABASE_URL}', min: 2, keepaliveIntervalMs: 2_000, maxLifetimeMs: 0 } },
    })
    const after = await doctorJson(fixed, [], { DATABASE_URL: db.url })
    expect(finding(after.report, 'idle timeout').level).toBe('ok')
    expect(after.run.code).toBe(0)
  })

  it("this app's share: more than max_connections is an error naming the right max; exit 2", async () => {
    const dir = configDir(root, { pools: { primary: { connection: '${DATABASE_URL}', max: 50, maxLifetimeMs: 0 } } })
    const { run, report } = await doctorJson(dir, ['--instances', '10'], { DATABASE_URL: db.url })
    const connections = finding(report, 'connections')
    expect(connections.level).toBe('error')
    expect(connections.message).toContain('10 instances × max 50 = 500')
    expect(connections.fix).toMatch(/^lower max to \d+ or put a pooler in between \(pools size --max-connections \d+/)
    expect(report.instances).toBe(10)
    expect(run.code).toBe(2)
  })

  it('a server that does not answer is an error finding, not a crash; exit 2', async () => {
    const dir = configDir(root, { pools: { gone: { connection: `postgres://app:${SECRET}@127.0.0.1:9/x` } } })
    const { run, report } = await doctorJson(dir, ['--timeout-ms', '2000'])
    expect(finding(report, 'connect')).toMatchObject({
      level: 'error',
      message: expect.stringContaining('could not connect: '),
    })
    expect(run.code).toBe(2)
    expect(run.stdout).not.toContain(SECRET)
  })

  it('--pool picks one pool; an unknown one is a usage error (64); an invalid file exits 3', async () => {
    const dir = configDir(root, {
      pools: { a: { connection: '${DATABASE_URL}', maxLifetimeMs: 0 }, b: { connection: 'postgres://127.0.0.1:9/x' } },
    })
    const { report } = await doctorJson(dir, ['--pool', 'a'], { DATABASE_URL: db.url })
    expect(report.pools.map((p) => p.pool)).toEqual(['a'])
    const unknown = await pools(['doctor', '--pool', 'c'], { cwd: dir, env: { DATABASE_URL: db.url } })
    expect([unknown.code, unknown.stderr]).toEqual([
      64,
      'error: pools doctor: no pool named "c"; the pools are a, b\nRun "pools doctor --help" for usage.\n',
    ])
    const missingEnv = await pools(['doctor'], { cwd: dir })
    expect(missingEnv.code).toBe(3)
    expect(missingEnv.stderr).toContain('pool "a", key "connection": environment variable DATABASE_URL is not set')
  })

  describeWithPgBouncer('behind PgBouncer', () => {
    it('transaction mode is found through its admin console, with what it means and the fix', async () => {
      const bouncer = await startPgBouncer({
        target: db.config,
        poolMode: 'transaction',
        defaultPoolSize: 2,
        settings: { client_idle_timeout: 30 },
      })
      const dir = configDir(root, { pools: { primary: { connection: '${DATABASE_URL}', min: 1, maxLifetimeMs: 0 } } })
      const { run, report } = await doctorJson(dir, [], { DATABASE_URL: bouncer.urlFor(db.name) })
      const pooler = finding(report, 'pooler')
      expect(pooler.level).toBe('warn')
      expect(pooler.message).toMatch(
        /^PgBouncer [\d.]+ \(its admin console answered SHOW VERSION\), pool_mode transaction: /,
      )
      expect(pooler.message).toContain(
        'SET, advisory locks, LISTEN and temporary tables do not last past the transaction',
      )
      expect(pooler.fix).toContain("poolerMode: 'transaction'")
      // The limits that matter are PgBouncer's: its client_idle_timeout (30 s) against the pool's idle timeout.
      const idle = finding(report, 'idle timeout')
      expect(idle.level).toBe('warn')
      expect(idle.message).toContain("PgBouncer's client_idle_timeout 30 s closes")
      expect(finding(report, 'connections').message).toContain('connections to PgBouncer (max_client_conn ')
      expect(run.code).toBe(1)
    })
  })
})

describeWithMysql('pools doctor on MariaDB / MySQL', () => {
  let db: MysqlDatabase
  beforeAll(async () => {
    db = await useMysql()
  })

  it('server, connections, no pooler; wait_timeout against a pool that never retires idle connections', async () => {
    const dir = configDir(root, {
      pools: {
        fine: { connection: '${MYSQL_URL}' },
        stale: { connection: { driver: 'mysql2', ...db.config }, min: 2, idleTimeoutMs: 0, maxLifetimeMs: 0 },
      },
    })
    const { run, report } = await doctorJson(dir, [], { MYSQL_URL: db.url })
    expect(report.pools.map((p) => [p.pool, p.driver])).toEqual([
      ['fine', 'mysql2'],
      ['stale', 'mysql2'],
    ])
    expect(finding(report, 'server').message).toMatch(/^(MariaDB|MySQL) \d+/)
    expect(finding(report, 'connections').message).toMatch(
      /^max_connections \d+, \d+ open by others now; this app: max 10/,
    )
    expect(finding(report, 'pooler').message).toBe('none: connected to the server directly')
    expect(finding(report, 'idle timeout').level).toBe('ok')
    const stale = finding(report, 'idle timeout', 1)
    expect(stale.level).toBe('warn')
    expect(stale.message).toMatch(/^wait_timeout .* closes idle connections before the pool does \(idleTimeoutMs off/)
    expect(run.code).toBe(1)
  })
})

describe('pools doctor --help', () => {
  it('documents the exit codes', async () => {
    const run = await pools(['doctor', '--help'], { cwd: root })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('Exit codes: 0 nothing worse than info, 1 warnings, 2 errors')
  })
})
