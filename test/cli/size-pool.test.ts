// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} in plain strings is the interpolation syntax of config files
/**
 * `pools size --pool <name>`: the budget read from the pool's real server (PostgreSQL, MariaDB), flags
 * still winning, and a server that cannot be reached (exit 2).
 */
import pg from 'pg'
import { beforeAll, expect, it } from 'vitest'
import {
  describeWithServices,
  type MysqlDatabase,
  type PostgresDatabase,
  useMysql,
  usePostgres,
} from '../harness/index.js'
import { configDir, pools, tempDir } from './support.js'

const root = tempDir('size-pool')

describeWithServices(['postgres', 'mysql'], 'pools size --pool', () => {
  let pgDb: PostgresDatabase
  let myDb: MysqlDatabase
  let dir: string
  let env: Record<string, string>
  let pgMax: number
  let pgReserved: number
  beforeAll(async () => {
    pgDb = await usePostgres()
    myDb = await useMysql()
    env = { PG_URL: pgDb.url, MYSQL_URL: myDb.url }
    dir = configDir(root, {
      pools: {
        primary: { connection: '${PG_URL}', max: 20, min: 2 },
        orders: { connection: '${MYSQL_URL}', max: 8 },
        gone: { connection: 'postgres://u:gone-s3cret@127.0.0.1:9/x' },
      },
    })
    const client = new pg.Client(pgDb.config)
    await client.connect()
    const rows = (
      await client.query(
        "SELECT name, setting FROM pg_settings WHERE name IN ('max_connections', 'superuser_reserved_connections')",
      )
    ).rows
    await client.end()
    pgMax = Number(rows.find((r) => r.name === 'max_connections')?.setting)
    pgReserved = Number(rows.find((r) => r.name === 'superuser_reserved_connections')?.setting)
  })

  it("PostgreSQL: max_connections and superuser_reserved_connections from the server, the config's max shown", async () => {
    const run = await pools(['size', '--pool', 'primary', '--instances', '4', '--json'], { cwd: dir, env })
    expect(run.code).toBe(0)
    const out = JSON.parse(run.stdout)
    expect(out.input).toEqual({
      instances: 4,
      serverMaxConnections: pgMax,
      ...(pgReserved > 0 ? { reservedConnections: pgReserved } : {}),
    })
    expect(out.from).toMatchObject({
      pool: 'primary',
      configuredMax: 20,
      configuredMin: 2,
      pooler: null,
      maxConnections: pgMax,
    })
    expect(out.from.server).toMatch(/^PostgreSQL \d+/)
    expect(out.max).toBe(Math.floor((pgMax - (pgReserved || 3)) / 4))
    const text = await pools(['size', '--pool', 'primary', '--rate', '100', '--hold-ms', '20'], { cwd: dir, env })
    expect(text.stdout).toMatch(new RegExp(`^primary postgres://\\S+: PostgreSQL [\\d.]+, max_connections ${pgMax}`))
    expect(text.stdout).toContain('The config has max 20, min 2.\n')
    expect(text.stdout).toContain('Recommended: max 3, min 2 per pool')
  })

  it('MariaDB: @@max_connections; flags still win over what the server says', async () => {
    const out = JSON.parse((await pools(['size', '--pool', 'orders', '--json'], { cwd: dir, env })).stdout)
    expect(out.from).toMatchObject({ pool: 'orders', configuredMax: 8, reservedConnections: 0 })
    expect(out.from.server).toMatch(/^(MariaDB|MySQL) \d+/)
    expect(out.input.serverMaxConnections).toBe(out.from.maxConnections)
    const flags = JSON.parse(
      (
        await pools(['size', '--pool', 'orders', '--max-connections', '50', '--reserved', '10', '--json'], {
          cwd: dir,
          env,
        })
      ).stdout,
    )
    expect(flags.input).toEqual({ serverMaxConnections: 50, reservedConnections: 10 })
    expect(flags.max).toBe(40)
  })

  it('a server that cannot be reached exits 2 without its password; an unknown pool exits 64', async () => {
    const run = await pools(['size', '--pool', 'gone', '--timeout-ms', '2000'], { cwd: dir, env })
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(
      /^error: pools size: could not read gone's server \(postgres:\/\/u:\*\*\*@127\.0\.0\.1:9\/x\): /,
    )
    expect(run.stderr).not.toContain('gone-s3cret')
    expect((await pools(['size', '--pool', 'nope'], { cwd: dir, env })).code).toBe(64)
  })
})
