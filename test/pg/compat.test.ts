/**
 * Drop-in compatibility: the same pg-pool usage runs against `pg.Pool` and `@pools/core/pg`'s
 * `Pool`, on a real PostgreSQL, and must give the same results, errors, events and counters.
 */

import { execFile } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pgWithPools, { Pool, type PoolConfig } from '@pools/core/pg'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { describeWithPostgres, type PostgresDatabase, usePostgres, waitForPgConnections } from '../harness/index.js'
import { rejectionOf, sleep, uniqueName, until } from './helpers.js'

type Kind = 'pg' | 'pools'
const KINDS: Kind[] = ['pg', 'pools']

describeWithPostgres('@pools/core/pg is a drop-in pg.Pool', () => {
  let db: PostgresDatabase
  const open: pg.Pool[] = []
  const appNames: string[] = []

  beforeAll(async () => {
    db = await usePostgres()
    const setup = new pg.Client(db.config)
    await setup.connect()
    await setup.query('CREATE TABLE compat_items (id int PRIMARY KEY, label text NOT NULL)')
    await setup.end()
  })

  afterEach(async () => {
    await Promise.all(open.splice(0).map((pool) => (pool.ending ? undefined : pool.end())))
  })

  afterAll(async () => {
    // nothing left connected by any pool of this file
    for (const name of appNames) await waitForPgConnections(db.name, 0, { applicationName: name })
  })

  function make(kind: Kind, options: PoolConfig = {}): pg.Pool {
    const application_name = options.application_name ?? uniqueName(`compat-${kind}`)
    appNames.push(application_name)
    const config = { ...db.config, application_name, ...options }
    const pool = kind === 'pg' ? new pg.Pool(config) : new Pool(config)
    open.push(pool)
    return pool
  }

  /** Let background work (engine reset of a released client, socket close) finish in both pools. */
  const settle = () => sleep(30)

  describe('identity', () => {
    it('is an instance of pg.Pool and EventEmitter, and is called Pool', () => {
      const pool = make('pools')
      expect(pool).toBeInstanceOf(pg.Pool)
      expect(pool).toBeInstanceOf(EventEmitter)
      expect(pool.constructor.name).toBe('Pool')
      expect(Pool.name).toBe('Pool')
      expect(Object.getPrototypeOf(Pool)).toBe(pg.Pool)
    })

    it('the default export stands in for pg, with Pool replaced', () => {
      expect(pgWithPools.Pool).toBe(Pool)
      expect(pgWithPools.Client).toBe(pg.Client)
      expect(pgWithPools.types).toBe(pg.types)
      expect(pgWithPools.DatabaseError).toBe(pg.DatabaseError)
      expect(pgWithPools.escapeIdentifier('a"b')).toBe(pg.escapeIdentifier('a"b'))
    })

    it("keeps pg-pool's public fields: options (password hidden), Client, ending/ended", () => {
      const pool = make('pools', { password: 'not-used-with-trust', max: 4 }) as pg.Pool & { Client: unknown }
      expect(pool.options.max).toBe(4)
      expect(pool.options.idleTimeoutMillis).toBe(10_000)
      expect(Object.keys(pool.options)).not.toContain('password')
      expect(pool.options.password).toBe('not-used-with-trust')
      expect(pool.Client).toBe(pg.Client)
      expect([pool.ending, pool.ended]).toEqual([false, false])
    })
  })

  describe('the same usage gives the same transcript', () => {
    async function typicalUsage(pool: pg.Pool): Promise<unknown[]> {
      const log: unknown[] = []
      const note = (label: string, value: unknown) => log.push([label, value])
      const counters = () => ({
        total: pool.totalCount,
        idle: pool.idleCount,
        waiting: pool.waitingCount,
        expired: pool.expiredCount,
      })

      // every query form
      note('text', (await pool.query('SELECT 1 AS n')).rows)
      note('values', (await pool.query('SELECT $1::int + $2::int AS sum', [1, 2])).rows)
      note('config', (await pool.query({ text: 'SELECT $1::text AS t', values: ['x'] })).rows)
      note('config+values', (await pool.query({ text: 'SELECT $1::text AS t' }, ['y'])).rows)
      note('rowMode', (await pool.query({ text: 'SELECT 1 AS a, 2 AS b', rowMode: 'array' })).rows)
      const named = { name: 'compat-named', text: 'SELECT $1::int * 2 AS n', values: [21] }
      note('named', (await pool.query(named)).rows)
      note('named again', (await pool.query(named)).rows)
      const insert = await pool.query('INSERT INTO compat_items VALUES ($1, $2), ($3, $4)', [1, 'a', 2, 'b'])
      note('insert', [insert.command, insert.rowCount])
      const submitted = (await (pool.query as (q: unknown) => Promise<pg.QueryResult>)(
        new pg.Query('SELECT 3 AS n'),
      )) as pg.QueryResult
      note('submittable', submitted.rows)

      // callbacks: text, text+values, config; the call returns undefined
      const viaCallback = (run: (cb: (err: Error | undefined, res: pg.QueryResult) => void) => unknown) =>
        new Promise<unknown>((resolve) => {
          const returned = run((err, res) => resolve([returned, err?.message, res?.rows]))
        })
      note('cb text', await viaCallback((cb) => pool.query('SELECT 4 AS n', cb)))
      note('cb values', await viaCallback((cb) => pool.query('SELECT $1::int AS n', [5], cb)))
      note('cb config', await viaCallback((cb) => pool.query({ text: 'SELECT 6 AS n' }, cb)))

      // errors
      const syntax = await rejectionOf(pool.query('SELEC 1'))
      note('syntax error', [syntax.code, syntax.message])
      const duplicate = await rejectionOf(pool.query('INSERT INTO compat_items VALUES (1, $1)', ['dup']))
      note('unique violation', [duplicate.code, (duplicate as pg.DatabaseError).constraint])
      // pg-pool treats a function in first place as the callback and hands it an error
      const fnCb = await new Promise<unknown>((resolve) => {
        const returned = (pool.query as (f: unknown) => unknown)((err: Error) => resolve([returned, err.message]))
      })
      note('function as query', fnCb)

      // a transaction on a checked-out client
      const client = await pool.connect()
      await client.query('BEGIN')
      await client.query('UPDATE compat_items SET label = $1 WHERE id = 1', ['changed'])
      await client.query('COMMIT')
      client.release()
      note('after commit', (await pool.query('SELECT label FROM compat_items ORDER BY id')).rows)

      // saturation: max 3 (set by the caller), a fourth connect waits, a release serves it
      await settle()
      const held = await Promise.all([pool.connect(), pool.connect(), pool.connect()])
      note('saturated', counters())
      const fourth = pool.connect()
      await settle()
      note('one waiting', counters())
      held[0]?.release()
      const served = await fourth
      note('served', counters())
      served.release()
      held[1]?.release()
      held[2]?.release()
      await settle()
      note('all released', counters())

      // release(true) and release(err) destroy; double release throws pg-pool's error
      const doomed = await pool.connect()
      doomed.release(true)
      note('release(true)', pool.totalCount)
      const doomed2 = await pool.connect()
      doomed2.release(new Error('broken by the test'))
      note('release(err)', pool.totalCount)
      const twice = await pool.connect()
      twice.release()
      let doubleRelease: unknown
      try {
        twice.release()
      } catch (error) {
        doubleRelease = (error as Error).message
      }
      note('double release', doubleRelease)
      await settle()
      note('before end', counters())

      // connect callback form: done === client.release
      note(
        'connect callback',
        await new Promise((resolve) => {
          pool.connect((err, c, done) => {
            const same = c?.release === done
            done()
            resolve([err, same])
          })
        }),
      )

      // end: flags, errors after end, end twice
      await settle()
      const ending = pool.end()
      note('ending', [pool.ending, pool.ended])
      note('connect after end', (await rejectionOf(pool.connect())).message)
      note('query after end', (await rejectionOf(pool.query('SELECT 1'))).message)
      await ending
      note('ended', [pool.ending, pool.ended, pool.totalCount, pool.idleCount])
      note('end twice', (await rejectionOf(pool.end())).message)
      return log
    }

    it('pg.Pool and @pools Pool agree on results, errors and counters', async () => {
      const transcripts: Record<Kind, unknown[]> = { pg: [], pools: [] }
      for (const kind of KINDS) {
        const pool = make(kind, { max: 3 })
        await pool.query('TRUNCATE compat_items')
        transcripts[kind] = await typicalUsage(pool)
      }
      expect(transcripts.pools).toEqual(transcripts.pg)
      // spot checks, so a transcript that is wrong in both would still be caught
      expect(transcripts.pools).toContainEqual(['named again', [{ n: 42 }]])
      expect(transcripts.pools).toContainEqual(['saturated', { total: 3, idle: 0, waiting: 0, expired: 0 }])
      expect(transcripts.pools).toContainEqual(['one waiting', { total: 3, idle: 0, waiting: 1, expired: 0 }])
      expect(transcripts.pools).toContainEqual([
        'double release',
        'Release called on client which has already been released to the pool.',
      ])
      expect(transcripts.pools).toContainEqual(['end twice', 'Called end on pool more than once'])
    })

    it('events fire in the same order with the same arguments', async () => {
      const sequences: Record<Kind, string[]> = { pg: [], pools: [] }
      for (const kind of KINDS) {
        const pool = make(kind, { max: 2 })
        const seen = sequences[kind]
        pool.on('connect', (client) => seen.push(`connect:${client instanceof pg.Client}`))
        pool.on('acquire', (client) => seen.push(`acquire:${client instanceof pg.Client}`))
        pool.on('release', (err, client) => seen.push(`release:${String(err)}:${!!client}`))
        pool.on('remove', (client) => seen.push(`remove:${client instanceof pg.Client}`))
        await pool.query('SELECT 1')
        await settle()
        const client = await pool.connect()
        client.release()
        await settle()
        const broken = await pool.connect()
        broken.release(new Error('boom'))
        await until(() => pool.totalCount === 0, 'the broken client is removed')
        await settle()
        seen.push('--')
        await pool.end()
      }
      expect(sequences.pools).toEqual(sequences.pg)
      // pool.query releases with the query's error argument (null), connect()/release() with undefined
      expect(sequences.pools.slice(0, 5)).toEqual([
        'connect:true',
        'acquire:true',
        'release:null:true',
        'acquire:true',
        'release:undefined:true',
      ])
      expect(sequences.pools).toContain('release:Error: boom:true')
    })

    it('a submittable run through client.query() is returned as is', async () => {
      for (const kind of KINDS) {
        const pool = make(kind)
        const client = await pool.connect()
        const query = new pg.Query('SELECT generate_series(1, 3) AS n')
        const rows: unknown[] = []
        query.on('row', (row) => rows.push(row))
        const returned = client.query(query)
        expect(returned).toBe(query)
        await new Promise((resolve) => query.on('end', resolve))
        expect(rows).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }])
        client.release()
      }
    })
  })

  describe('pg-pool options', () => {
    it('connectionTimeoutMillis: a saturated pool times out with pg-pool’s message', async () => {
      for (const kind of KINDS) {
        const pool = make(kind, { max: 1, connectionTimeoutMillis: 150 })
        const held = await pool.connect()
        const started = Date.now()
        const error = await rejectionOf(pool.connect())
        expect(error.message).toMatch(/^timeout exceeded when trying to connect/)
        expect(Date.now() - started).toBeLessThan(2_000)
        expect(pool.waitingCount).toBe(0)
        held.release()
      }
    })

    it('a server that refuses connections fails the caller promptly with the socket error', async () => {
      for (const kind of KINDS) {
        const pool = make(kind, { host: '127.0.0.1', port: 1 })
        const started = Date.now()
        const error = await rejectionOf(pool.query('SELECT 1'))
        expect(error.code).toBe('ECONNREFUSED')
        expect(Date.now() - started).toBeLessThan(3_000)
        if (kind === 'pools') expect(error.message).toMatch(/connecting to postgres@127\.0\.0\.1:1\//)
        expect(pool.totalCount).toBe(0)
      }
    })

    it('maxUses retires a client after that many checkouts', async () => {
      const pids: Record<Kind, number[]> = { pg: [], pools: [] }
      for (const kind of KINDS) {
        const pool = make(kind, { max: 1, maxUses: 2 })
        for (let i = 0; i < 4; i++) {
          const client = await pool.connect()
          pids[kind].push((await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid)
          client.release()
          await settle()
        }
      }
      for (const list of Object.values(pids)) {
        expect(list[0]).toBe(list[1])
        expect(list[2]).toBe(list[3])
        expect(list[1]).not.toBe(list[2])
      }
    })

    it('verify runs once per new client; its error fails that connect', async () => {
      for (const kind of KINDS) {
        let calls = 0
        const pool = make(kind, {
          max: 1,
          verify: (client, done) => {
            calls++
            client.query('SELECT 1').then(
              () => done(calls === 2 ? new Error('verify said no') : undefined),
              (error: Error) => done(error),
            )
          },
        })
        const first = await pool.connect()
        first.release()
        await settle()
        ;(await pool.connect()).release(true) // reused: no verify; then destroyed
        await until(() => pool.totalCount === 0, 'the destroyed client is gone')
        expect(calls).toBe(1)
        const error = await rejectionOf(pool.connect())
        expect(error.message).toBe('verify said no')
        expect(calls).toBe(2)
        await until(() => pool.totalCount === 0, 'the unverified client is gone')
      }
    })

    it('onConnect runs before the client is used; a rejection fails that connect', async () => {
      for (const kind of KINDS) {
        let fail = false
        const pool = make(kind, {
          max: 1,
          onConnect: async (client) => {
            if (fail) throw new Error('onConnect refused')
            await client.query("SET search_path TO 'from_on_connect'")
          },
        })
        expect((await pool.query('SHOW search_path')).rows[0]?.search_path).toMatch(/from_on_connect/)
        ;(await pool.connect()).release(true)
        await until(() => pool.totalCount === 0, 'the destroyed client is gone')
        fail = true
        expect((await rejectionOf(pool.query('SELECT 1'))).message).toBe('onConnect refused')
      }
    })

    it('Client: a custom client class is used for every connection', async () => {
      class TaggedClient extends pg.Client {
        readonly tag = 'custom'
      }
      for (const kind of KINDS) {
        const pool = make(kind, { Client: TaggedClient as unknown as PoolConfig['Client'] })
        const client = await pool.connect()
        expect(client).toBeInstanceOf(TaggedClient)
        client.release()
      }
    })

    it('maxLifetimeSeconds: a client held past its lifetime counts as expired and is closed on release', async () => {
      for (const kind of KINDS) {
        const pool = make(kind, { max: 2, maxLifetimeSeconds: 1 })
        const held = await pool.connect()
        expect(pool.expiredCount).toBe(0)
        await sleep(1_100)
        expect(pool.expiredCount).toBe(1)
        const removed = new Promise((resolve) => pool.once('remove', resolve))
        held.release()
        await removed
        await until(() => pool.totalCount === 0 && pool.expiredCount === 0, 'the expired client is gone')
      }
    })

    it('idleTimeoutMillis closes idle clients (pools: small housekeeping interval)', async () => {
      const name = uniqueName('compat-idle')
      const pool = make('pools', {
        application_name: name,
        idleTimeoutMillis: 100,
        pools: { housekeepingIntervalMs: 25 },
      })
      const clients = await Promise.all([pool.connect(), pool.connect()])
      await waitForPgConnections(db.name, 2, { applicationName: name })
      for (const client of clients) client.release()
      await until(() => pool.totalCount === 0, 'idle clients are closed', 3_000)
      await waitForPgConnections(db.name, 0, { applicationName: name })
    })

    it('allowExitOnIdle lets the process exit with idle clients open', async () => {
      const run = promisify(execFile)
      const root = join(import.meta.dirname, '..', '..')
      const script = `
        import { Pool } from '@pools/core/pg'
        const pool = new Pool({ ...JSON.parse(process.env.PG_CONFIG), allowExitOnIdle: true, idleTimeoutMillis: 60000 })
        await pool.query('SELECT 1')
        const client = await pool.connect()
        client.release()
        console.log('idle', pool.idleCount + pool.totalCount > 0)
      `
      const started = Date.now()
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
        cwd: root,
        env: { ...process.env, PG_CONFIG: JSON.stringify(db.config) },
        timeout: 8_000,
      })
      expect(stdout.trim()).toBe('idle true')
      expect(Date.now() - started).toBeLessThan(8_000)
    })
  })
})
