/**
 * Passwords on a private PostgreSQL with SCRAM authentication (the shared server trusts every
 * login): wrong passwords fail fast without the password appearing anywhere, password functions
 * and rotation work through the pool.
 */
import { inspect } from 'node:util'
import { isPoolError } from '@pools/core'
import { Pool, type PoolConfig, type PoolFacadeOptions } from '@pools/core/pg'
import pg from 'pg'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { describeWithPostgres, type PrivatePostgres, startPrivatePostgres } from '../harness/index.js'
import { rejectionOf, until } from './helpers.js'

const REAL_PASSWORD = 'correct-horse-7f3a'
const WRONG_PASSWORD = 'wrong-battery-9c1e'
const ROTATED_PASSWORD = 'rotated-staple-2b8d'

describeWithPostgres('@pools/core/pg and credentials', () => {
  let server: PrivatePostgres
  const open: Pool[] = []

  beforeAll(async () => {
    server = await startPrivatePostgres({ password: REAL_PASSWORD })
    await server.query(`CREATE ROLE rotating LOGIN PASSWORD '${REAL_PASSWORD}'`)
  }, 60_000)

  afterEach(async () => {
    vi.restoreAllMocks()
    await Promise.all(open.splice(0).map((pool) => (pool.ending ? undefined : pool.end())))
  })

  function make(options: PoolConfig & PoolFacadeOptions): Pool {
    const pool = new Pool({ host: '127.0.0.1', port: server.port, database: 'postgres', ...options })
    open.push(pool)
    return pool
  }

  /** Everything the pool produced while `run` ran: thrown errors, console lines, pg log lines, events. */
  async function captureOutput(run: (pool: Pool, errors: unknown[]) => Promise<void>, options: PoolConfig) {
    const lines: string[] = []
    const record = (...args: unknown[]) => lines.push(args.map((arg) => inspect(arg, { depth: 6 })).join(' '))
    vi.spyOn(console, 'warn').mockImplementation(record)
    vi.spyOn(console, 'info').mockImplementation(record)
    vi.spyOn(console, 'error').mockImplementation(record)
    vi.spyOn(console, 'log').mockImplementation(record)
    const pool = make({ ...options, log: record })
    const errors: unknown[] = []
    pool.on('error', (err, client) => errors.push(err, client))
    pool.pools.on('createError', (event) => errors.push(event))
    pool.pools.on('error', (event) => errors.push(event))
    await run(pool, errors)
    const text = [...lines, ...errors.map((e) => `${inspect(e, { depth: 6 })} ${(e as Error).stack ?? ''}`)].join('\n')
    return { pool, text }
  }

  for (const [how, options] of [
    ['password option', { user: 'postgres', password: WRONG_PASSWORD }],
    ['connection string', { connectionString: `postgres://postgres:${WRONG_PASSWORD}@127.0.0.1:PORT/postgres` }],
  ] as const) {
    it(`wrong password (${how}): fails fast, names user and host, never shows the password`, async () => {
      const resolved: PoolConfig =
        'connectionString' in options
          ? { connectionString: options.connectionString.replace('PORT', String(server.port)) }
          : { ...options }
      const { pool, text } = await captureOutput(async (pool, errors) => {
        const started = Date.now()
        const error = await rejectionOf(pool.query('SELECT 1'))
        expect(Date.now() - started).toBeLessThan(3_000) // no acquire timeout (pg default: none) to wait for
        expect(error.code).toBe('28P01')
        expect(error.message).toContain('password authentication failed for user "postgres"')
        expect(error.message).toContain(`connecting to postgres@127.0.0.1:${server.port}/postgres`)
        errors.push(error)
        const viaConnect = await rejectionOf(pool.connect())
        expect(viaConnect.code).toBe('28P01')
        errors.push(viaConnect)
      }, resolved)
      expect(text).toContain('28P01') // the capture did see the errors...
      expect(text).not.toContain(WRONG_PASSWORD) // ...and no password in any of them
      expect(text).not.toContain(REAL_PASSWORD)
      expect(pool.totalCount).toBe(0)
      // one login attempt per caller, as pg-pool
      expect(pool.stats().counters.createErrors).toBe(2)
    })
  }

  it('ready() fails fast with POOL_CREATE_FAILED whose cause is the credential-free pg error', async () => {
    const { text } = await captureOutput(
      async (pool, errors) => {
        const error = await rejectionOf(pool.ready())
        expect(isPoolError(error, 'POOL_CREATE_FAILED')).toBe(true)
        expect((error.cause as { code?: string }).code).toBe('28P01')
        expect(error.message).toContain('password authentication failed')
        errors.push(error)
      },
      { user: 'postgres', password: WRONG_PASSWORD, min: 1 },
    )
    expect(text).toContain('password authentication failed')
    expect(text).not.toContain(WRONG_PASSWORD)
  })

  it('a password function is called for each new connection (sync or async)', async () => {
    const calls: string[] = []
    const sync = make({
      user: 'rotating',
      password: () => {
        calls.push('sync')
        return REAL_PASSWORD
      },
      max: 2,
    })
    await Promise.all([sync.query('SELECT pg_sleep(0.05)'), sync.query('SELECT pg_sleep(0.05)')])
    expect(calls).toEqual(['sync', 'sync'])
    await sync.query('SELECT 1') // reuses a connection: no new call
    expect(calls).toHaveLength(2)

    const async = make({
      user: 'rotating',
      password: async () => {
        calls.push('async')
        return REAL_PASSWORD
      },
    })
    expect((await async.query('SELECT current_user AS u')).rows).toEqual([{ u: 'rotating' }])
    expect(calls.filter((call) => call === 'async')).toHaveLength(1)
  })

  it('password rotation: the function returns the new password, new connections use it', async () => {
    let current = REAL_PASSWORD
    const pool = make({ user: 'rotating', password: () => current, max: 1 })
    const first = await pool.connect()
    await server.query(`ALTER ROLE rotating PASSWORD '${ROTATED_PASSWORD}'`)
    // the open connection is unaffected
    expect((await first.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }])
    first.release(true) // force a new connection
    await until(() => pool.totalCount === 0, 'the old connection is closed')

    const stale = await rejectionOf(pool.query('SELECT 1'))
    expect(stale.code).toBe('28P01')
    expect(stale.message).not.toContain(REAL_PASSWORD)

    current = ROTATED_PASSWORD
    expect((await pool.query('SELECT current_user AS u')).rows).toEqual([{ u: 'rotating' }])
    await server.query(`ALTER ROLE rotating PASSWORD '${REAL_PASSWORD}'`)
  })

  it("pg-pool's pool.options.password rotation also works (options are read per connection)", async () => {
    const pool = make({ user: 'rotating', password: WRONG_PASSWORD, max: 1 })
    expect((await rejectionOf(pool.query('SELECT 1'))).code).toBe('28P01')
    pool.options.password = REAL_PASSWORD
    // after a failure the engine backs off before the next create: bounded, no hot loop
    expect((await pool.query('SELECT current_user AS u')).rows).toEqual([{ u: 'rotating' }])
  })

  describe('credentials never show', () => {
    /** Every way the objects might be printed or serialised. */
    function renderings(value: unknown): string {
      let json: string
      try {
        json = JSON.stringify(value) ?? ''
      } catch (error) {
        json = (error as Error).message // e.g. circular: the message names keys, never values
      }
      return [
        inspect(value, { depth: 8 }),
        inspect(value, { depth: 8, getters: true }),
        json,
        String((value as { message?: unknown } | null)?.message ?? ''),
      ].join('\n')
    }

    it('new Pool(connectionString) is refused with a PoolError that does not echo the URL', () => {
      const url = `postgres://postgres:${REAL_PASSWORD}@127.0.0.1:${server.port}/postgres`
      let thrown: unknown
      try {
        new Pool(url as unknown as PoolConfig)
      } catch (error) {
        thrown = error
      }
      expect(isPoolError(thrown, 'POOL_CONFIG_INVALID')).toBe(true)
      expect((thrown as Error).message).toMatch(/new Pool\(\{ connectionString \}\)/)
      expect(renderings(thrown)).not.toContain(REAL_PASSWORD)
      expect(`${(thrown as Error).stack}`).not.toContain(REAL_PASSWORD)
      // pg.Pool's own TypeError quotes it (the reason for the check)
      expect(() => new pg.Pool(url as unknown as pg.PoolConfig)).toThrow(REAL_PASSWORD)
    })

    for (const [how, options] of [
      ['password option', () => ({ user: 'postgres', password: REAL_PASSWORD })],
      [
        'connection string',
        () => ({ connectionString: `postgres://postgres:${REAL_PASSWORD}@127.0.0.1:${server.port}/postgres` }),
      ],
    ] as const) {
      it(`clients in leaks(), engine events and pool events print no password (${how})`, async () => {
        const pool = make({
          ...options(),
          pools: { leakDetectionThresholdMs: 50, leakCaptureStack: true },
          logger: { warn: () => {} },
        })
        const seen: unknown[] = []
        pool.pools.on('create', (event) => seen.push(event))
        pool.pools.on('acquire', (event) => seen.push(event))
        pool.pools.on('leak', (event) => seen.push(event))
        pool.on('connect', (client) => seen.push(client))
        const client = await pool.connect()
        await until(() => pool.leaks().length === 1, 'a leak suspect')
        seen.push(pool.leaks(), client, pool.stats(), pool.health())
        client.release()
        const text = seen.map(renderings).join('\n')
        expect(text).toContain('127.0.0.1') // the renderings are real
        expect(text).not.toContain(REAL_PASSWORD)
      })
    }

    it('a password with an unencoded "/" (pg reads its first digits as the port) is not printed as the port', async () => {
      // a URL parser reads postgres://127.0.0.1:<digits>/<rest>@... as host 127.0.0.1, port <digits>, path <rest>@...
      const secret = `${server.port}/${REAL_PASSWORD}`
      const pool = make({ connectionString: `postgres://127.0.0.1:${secret}@127.0.0.1:${server.port}/postgres` })
      const error = await rejectionOf(pool.query('SELECT 1'))
      const text = `${renderings(error)}\n${error.stack}`
      expect(text).not.toContain(REAL_PASSWORD)
      expect(error.message).not.toContain(`:${server.port}`)
      expect(error.message).toMatch(/connecting to a connection string whose password is not percent-encoded/)
    })
  })
})
