// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} in plain strings is the interpolation syntax of config files
/**
 * `pools size` and `pools config validate | print | schema`, run in-process with captured output:
 * tables, JSON, redaction, profiles, --env-file, and the exit codes scripts rely on.
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { recommendPoolSize } from '@pools/core'
import { poolsConfigJsonSchema } from '@pools/core/config-file'
import { describe, expect, it } from 'vitest'
import { configDir, pools, tempDir } from './support.js'

const root = tempDir('commands')
const SECRET = 'cli-s3cret-pw'

describe('pools size', () => {
  it('prints the recommendation, a table of the rules and the reasoning', async () => {
    const run = await pools(
      ['size', '--rate', '200', '--hold-ms', '50', '--cores', '8', '--max-connections', '100', '--instances', '4'],
      { cwd: root },
    )
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    const lines = run.stdout.split('\n')
    expect(lines[0]).toBe('Recommended: max 5, min 5 per pool (4 pools: 20 connections at most)')
    expect(lines.slice(2, 6)).toEqual([
      'rule          from                                              per pool',
      "Little's Law  200/s × 50 ms = 10 in use, × 1.5 burst            15",
      'cores         8 cores × 2 + 1 spindles = 17, ÷ 4 instances      5',
      'budget        (100 max_connections − 3 reserved) ÷ 4 instances  24',
    ])
    expect(run.stdout).toContain("Why\n  1. Little's Law: 200 borrows/s × 0.05 s held each")
    expect(run.stdout).toContain('Warnings\n  ! On average 40 connections')
  })

  it('--json is recommendPoolSize itself, with the input', async () => {
    const run = await pools(['size', '--max-connections', '500', '--instances', '20', '--reserved', '10', '--json'], {
      cwd: root,
    })
    expect(run.code).toBe(0)
    const input = { instances: 20, serverMaxConnections: 500, reservedConnections: 10 }
    expect(JSON.parse(run.stdout)).toEqual(JSON.parse(JSON.stringify({ input, ...recommendPoolSize(input) })))
  })

  it('bad input is a usage error (64) in flag names', async () => {
    const half = await pools(['size', '--rate', '100'], { cwd: root })
    expect(half.code).toBe(64)
    expect(half.stderr).toBe(
      'error: pools size: --rate was given without --hold-ms; Little\'s Law needs both.\nRun "pools size --help" for usage.\n',
    )
    const nan = await pools(['size', '--cores', 'eight'], { cwd: root })
    expect([nan.code, nan.stderr.split('\n')[0]]).toEqual([
      64,
      'error: pools size: --cores must be a number, got "eight"',
    ])
    const none = await pools(['size'], { cwd: root })
    expect(none.stderr).toContain('nothing to size from: give --rate and --hold-ms')
    const typo = await pools(['size', '--hold', '5'], { cwd: root })
    expect(typo.stderr).toContain('unknown option --hold (did you mean --hold-ms?)')
    const stray = await pools(['size', 'extra'], { cwd: root })
    expect(stray.stderr).toContain('unexpected argument "extra"')
  })
})

describe('pools config', () => {
  const body = {
    pools: {
      primary: { extends: 'web', connection: '${DATABASE_URL}', max: 20 },
      replica: {
        connection: { driver: 'pg', host: '127.0.0.1', user: 'app', password: '${REPLICA_PASSWORD}' },
        max: 4,
      },
    },
    $production: { pools: { primary: { max: 40 } } },
    $env: { staging: { pools: { primary: { max: 10 } } } },
  }
  const env = { DATABASE_URL: `postgres://app:${SECRET}@127.0.0.1:5432/app?sslmode=disable`, REPLICA_PASSWORD: SECRET }
  const dir = configDir(root, body)

  it('validate: a summary of each pool and exit 0', async () => {
    const run = await pools(['config', 'validate', '--env', 'production'], { cwd: dir, env })
    expect(run.code).toBe(0)
    expect(run.stdout).toBe(
      `✓ ${path.join(dir, 'pools.config.json')} is valid (profile "production" from --env): 2 pools\n` +
        '  primary: pg, min 2, max 40, extends web\n  replica: pg, min 0, max 4\n',
    )
    const json = await pools(['config', 'validate', '--json'], { cwd: dir, env: { ...env, POOLS_ENV: 'staging' } })
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: true, profile: 'staging', pools: { primary: { max: 10 } } })
  })

  it('validate: an invalid file exits 3 with the message naming file, profile, pool and key', async () => {
    const bad = configDir(root, { pools: { primary: { maxx: 3 } }, $production: {} })
    const run = await pools(['config', 'validate'], { cwd: bad, env: { NODE_ENV: 'production' } })
    expect(run.code).toBe(3)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(
      `error: Invalid pools config in ${path.join(bad, 'pools.config.json')} (profile "production"): pool "primary", key "maxx": unknown option "maxx" (did you mean "max"?).\n`,
    )
    const none = await pools(['config', 'validate'], { cwd: path.parse(root).root, env: {} })
    expect(none.code).toBe(3)
    expect(none.stderr).toContain('No pools config found')
  })

  it('print: resolved pools as JSON, every secret replaced by ***', async () => {
    const run = await pools(['config', 'print', '--env', 'staging'], { cwd: dir, env })
    expect(run.code).toBe(0)
    expect(run.stdout).not.toContain(SECRET)
    const printed = JSON.parse(run.stdout)
    expect(printed.profile).toBe('staging')
    expect(printed.pools.primary).toMatchObject({
      extends: 'web',
      connection: { driver: 'pg', url: 'postgres://app:***@127.0.0.1:5432/app?sslmode=disable' },
      config: { name: 'primary', max: 10, min: 2, keepaliveIntervalMs: 120_000 },
    })
    expect(printed.pools.primary.config).not.toHaveProperty('maxPending') // unbounded: left out, as in the file
    expect(printed.pools.replica.connection).toEqual({ driver: 'pg', host: '127.0.0.1', user: 'app', password: '***' })
    const one = JSON.parse((await pools(['config', 'print', '--pool', 'replica'], { cwd: dir, env })).stdout)
    expect(Object.keys(one.pools)).toEqual(['replica'])
    const unknown = await pools(['config', 'print', '--pool', 'nope'], { cwd: dir, env })
    expect(unknown.code).toBe(64)
  })

  it('--env-file supplies variables; variables already set win; --config names the file', async () => {
    writeFileSync(path.join(dir, '.env.test'), `DATABASE_URL=postgres://u@filehost/db\nREPLICA_PASSWORD=${SECRET}\n`)
    const run = await pools(['config', 'print', '--env-file', '.env.test', '--pool', 'primary'], { cwd: dir })
    expect(JSON.parse(run.stdout).pools.primary.connection.url).toBe('postgres://u@filehost/db')
    const over = await pools(['config', 'print', '--env-file', '.env.test'], {
      cwd: dir,
      env: { DATABASE_URL: 'postgres://u@envhost/db' },
    })
    expect(JSON.parse(over.stdout).pools.primary.connection.url).toBe('postgres://u@envhost/db')
    const missing = await pools(['config', 'validate', '--env-file', 'nope.env'], { cwd: dir })
    expect([missing.code, missing.stderr.split('\n')[0]]).toEqual([64, 'error: --env-file: cannot read nope.env'])
    const elsewhere = configDir(root, 'pools:\n  other:\n    max: 2\n', 'db.yaml')
    const named = await pools(['config', 'validate', '--config', path.join(elsewhere, 'db.yaml')], { cwd: root })
    expect(named.stdout).toContain('other: driver unknown, min 0, max 2')
  })

  it('schema: the JSON Schema of the file', async () => {
    const run = await pools(['config', 'schema'], { cwd: root })
    expect(JSON.parse(run.stdout)).toEqual(poolsConfigJsonSchema())
  })

  it('--help on every subcommand; an unknown subcommand is a usage error', async () => {
    for (const sub of ['validate', 'print', 'schema']) {
      const run = await pools(['config', sub, '--help'], { cwd: root })
      expect([run.code, run.stdout.split('\n')[0]]).toEqual([
        0,
        `Usage: pools config ${sub}${sub === 'schema' ? '' : ' [options]'}`,
      ])
    }
    expect((await pools(['config', '--help'], { cwd: root })).stdout).toContain('Commands:\n  validate')
    expect((await pools(['config'], { cwd: root })).code).toBe(64)
    const unknown = await pools(['config', 'show'], { cwd: root })
    expect([unknown.code, unknown.stderr.split('\n')[0]]).toEqual([
      64,
      'error: pools config: unknown command "show"; use validate, print or schema',
    ])
  })
})
