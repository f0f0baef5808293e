import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { filePoolOptions, filePoolSettings, isFilePool, isPoolError, parsePoolConfig } from '../index.js'
import { expandFilePool } from '../pg/options.js'
import { resolvePool } from './index.js'

const dir = mkdtempSync(path.join(tmpdir(), 'pools-file-pool-unit-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
writeFileSync(
  path.join(dir, 'pools.config.json'),
  JSON.stringify({
    pools: {
      primary: { connection: 'postgres://app:s3cret-pw@db.internal:5432/app?pool.max=7', extends: 'web' },
      hosted: { connection: { driver: 'pg', host: 'db', port: 6543, user: 'app', password: 's3cret-pw' } },
      orders: { connection: 'mysql://root@db/shop' },
    },
  }),
)
const load = (name: string) => resolvePool(name, { cwd: dir, env: {} })

describe('a pool of the config file as options', () => {
  it('is marked, and its options parse back to the same config (unbounded values left out)', async () => {
    const primary = await load('primary')
    expect(isFilePool(primary)).toBe(true)
    expect([isFilePool({ ...primary }), isFilePool(null), isFilePool('primary')]).toEqual([false, false, false])
    const options = filePoolOptions(primary)
    expect(primary.config.maxPending).toBe(Number.POSITIVE_INFINITY)
    expect('maxPending' in options).toBe(false)
    expect(parsePoolConfig(options)).toEqual(primary.config)
    expect(options.max).toBe(7)
  })

  it('settings: the URL under the driver key, the rest as written', async () => {
    expect(filePoolSettings(await load('primary'), 'connectionString')).toEqual({
      connectionString: 'postgres://app:s3cret-pw@db.internal:5432/app',
    })
    expect(filePoolSettings(await load('hosted'), 'connectionString')).toEqual({
      host: 'db',
      port: 6543,
      user: 'app',
      password: 's3cret-pw',
    })
  })

  it('the pg drop-in spells it out; set options in code win, undefined ones do not hide the file', async () => {
    const hosted = await load('hosted')
    const expanded = expandFilePool({ pools: hosted, host: undefined, ssl: false, application_name: 'x' })
    expect(expanded).toMatchObject({ host: 'db', port: 6543, user: 'app', ssl: false, application_name: 'x' })
    expect(expanded.pools).toEqual(filePoolOptions(hosted))
    const plain = { max: 3 }
    expect(expandFilePool(plain)).toBe(plain)
  })

  it('refusals name the pool and the option, never a secret', async () => {
    const primary = await load('primary')
    const orders = await load('orders')
    for (const [options, expected] of [
      [
        { pools: primary, max: 5 },
        'pool "primary" comes from the config file, which sets every pool option; max was also given here',
      ],
      [{ pools: orders }, 'pool "orders" of the config file is a mysql2 pool, not a PostgreSQL one'],
    ] as const) {
      let error: unknown
      try {
        expandFilePool(options as never)
      } catch (e) {
        error = e
      }
      expect(isPoolError(error, 'POOL_CONFIG_INVALID')).toBe(true)
      expect((error as Error).message).toContain(expected)
      expect(JSON.stringify(error)).not.toContain('s3cret')
      expect(String((error as Error).message)).not.toContain('s3cret')
    }
  })
})
