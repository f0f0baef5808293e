/**
 * What only a PostgreSQL-aware pool can do, on a real server: roll back what a borrower left open,
 * survive connections the server kills, apply session settings, work behind a transaction pooler,
 * and show every checkout (including pool.query) in stats, health and leak reports.
 */
import net, { type AddressInfo } from 'node:net'
import { isPoolError } from '@pools/core'
import { Pool, type PoolConfig, type PoolFacadeOptions } from '@pools/core/pg'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { describeWithPostgres, type PostgresDatabase, usePostgres, waitForPgConnections } from '../harness/index.js'
import { admin, rejectionOf, sleep, uniqueName, until, within } from './helpers.js'

describeWithPostgres('@pools/core/pg on PostgreSQL', () => {
  let db: PostgresDatabase
  const open: Pool[] = []
  const appNames: string[] = []

  beforeAll(async () => {
    db = await usePostgres()
    await admin(db.config, 'CREATE TABLE pg_items (id serial PRIMARY KEY, label text NOT NULL)')
  })

  afterEach(async () => {
    vi.restoreAllMocks()
    await Promise.all(open.splice(0).map((pool) => (pool.ending ? undefined : pool.end())))
  })

  afterAll(async () => {
    for (const name of appNames) await waitForPgConnections(db.name, 0, { applicationName: name })
  })

  /** A pool named (and so application_name'd) uniquely; `pools` options merge with a fast housekeeping pass. */
  function make(options: PoolConfig & PoolFacadeOptions = {}): Pool {
    const name = uniqueName('pgpool')
    appNames.push(typeof options.application_name === 'string' ? options.application_name : name)
    const pools = typeof options.pools === 'object' ? options.pools : {}
    const pool = new Pool({ ...db.config, ...options, pools: { name, housekeepingIntervalMs: 50, ...pools } })
    open.push(pool)
    return pool
  }

  const pidOf = async (client: pg.ClientBase) =>
    (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid

  describe('reset on release', () => {
    it('a client with nothing to roll back is reusable at once: sequential queries use one connection', async () => {
      const pool = make({ max: 5 })
      for (let i = 0; i < 30; i++) await pool.query('SELECT 1')
      const c = await pool.connect()
      c.release()
      expect(pool.totalCount).toBe(1)
      expect(pool.idleCount).toBe(1)
      expect(pool.stats().counters.created).toBe(1)
    })

    it('a transaction left open is rolled back before the next borrower sees the connection', async () => {
      const pool = make({ max: 1 })
      const first = await pool.connect()
      const pid = await pidOf(first)
      await first.query('BEGIN')
      await first.query("INSERT INTO pg_items (label) VALUES ('uncommitted')")
      expect(first.getTransactionStatus()).toBe('T')
      first.release()

      const next = await pool.connect()
      expect(await pidOf(next)).toBe(pid) // the same connection, reused
      expect(next.getTransactionStatus()).toBe('I')
      const { rows } = await next.query(
        "SELECT txid_current_if_assigned() AS txid, (SELECT count(*)::int FROM pg_items WHERE label = 'uncommitted') AS n",
      )
      expect(rows).toEqual([{ txid: null, n: 0 }])
      const activity = await admin<{ state: string }>(db.config, 'SELECT state FROM pg_stat_activity WHERE pid = $1', [
        pid,
      ])
      expect(activity[0]?.state).toBe('idle')
      next.release()
      expect(pool.stats().counters.destroyedBy['reset-failed']).toBe(0)
    })

    it('an aborted transaction is rolled back: the next borrower is not stuck in "current transaction is aborted"', async () => {
      const pool = make({ max: 1 })
      const first = await pool.connect()
      await first.query('BEGIN')
      expect((await rejectionOf(first.query('SELECT 1/0'))).code).toBe('22012')
      // pg rejects on the ErrorResponse; the ReadyForQuery carrying 'E' may still be on its way
      await until(() => first.getTransactionStatus() === 'E', "ReadyForQuery 'E'")
      first.release()

      const next = await pool.connect()
      expect(next.getTransactionStatus()).toBe('I')
      expect((await next.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }])
      next.release()
    })

    it('released straight from a failed query inside a transaction: rolled back as well', async () => {
      const pool = make({ max: 1 })
      for (let i = 0; i < 5; i++) {
        const client = await pool.connect()
        await client.query('BEGIN')
        try {
          await client.query('SELECT * FROM no_such_table')
        } catch {
          // released at once, maybe before the ReadyForQuery that says 'E'
        } finally {
          client.release()
        }
        const next = await pool.connect()
        expect(next.getTransactionStatus()).toBe('I')
        expect((await next.query('SELECT txid_current_if_assigned() AS txid')).rows).toEqual([{ txid: null }])
        next.release()
      }
    })

    it('pool.query("BEGIN") does not leak a transaction to the next caller', async () => {
      const pool = make({ max: 1 })
      await pool.query('BEGIN')
      const { rows } = await pool.query(
        'SELECT txid_current_if_assigned() AS txid, now() = statement_timestamp() AS fresh',
      )
      expect(rows).toEqual([{ txid: null, fresh: true }])
    })

    it('a client released while its query still runs is handed out only after that query finished', async () => {
      const pool = make({ max: 1 })
      const first = await pool.connect()
      let finished = false
      const running = first.query('SELECT pg_sleep(0.2), 1 AS done').then((result) => {
        finished = true
        return result
      })
      first.release()
      const next = await pool.connect()
      expect(finished).toBe(true) // not handed out mid-query
      expect((await running).rows[0]).toMatchObject({ done: 1 })
      expect(next.getTransactionStatus()).toBe('I')
      expect((await next.query('SELECT 2 AS n')).rows).toEqual([{ n: 2 }])
      next.release()
    })

    it('an SQL error in pool.query keeps the connection (pg-pool would close it)', async () => {
      const pool = make({ max: 1 })
      const pid = (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
      expect((await rejectionOf(pool.query('SELECT * FROM no_such_table'))).code).toBe('42P01')
      await sleep(20)
      expect((await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid).toBe(pid)
      expect(pool.stats().counters.destroyed).toBe(0)
    })
  })

  describe('connections the server kills', () => {
    it("an idle client killed by pg_terminate_backend: no crash, pool 'error' (err, client), removed, next query works", async () => {
      const pool = make({ max: 1 })
      const errors: Array<[Error & { code?: string }, pg.PoolClient]> = []
      pool.on('error', (err, client) => errors.push([err, client]))
      const removed: pg.PoolClient[] = []
      pool.on('remove', (client) => removed.push(client))
      const client = await pool.connect()
      const pid = await pidOf(client)
      client.release()
      await until(() => pool.idleCount === 1, 'the client is idle')

      await admin(db.config, 'SELECT pg_terminate_backend($1)', [pid])
      await until(() => errors.length === 1, "the pool's 'error' event")
      expect(errors[0]?.[0].code).toBe('57P01')
      expect(errors[0]?.[1]).toBe(client)
      await until(() => removed.length === 1 && pool.totalCount === 0, 'the dead client is removed')
      expect(pool.stats().counters.destroyedBy.broken).toBe(1)

      const { rows } = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
      expect(rows[0]?.pid).not.toBe(pid)
      await sleep(50)
      expect(errors).toHaveLength(1) // the 'Connection terminated' echo is not reported again
    })

    it('a borrowed client killed mid-loan: its query fails, it is destroyed on release, never reused', async () => {
      const pool = make({ max: 1 })
      const poolErrors: Error[] = []
      pool.on('error', (err) => poolErrors.push(err))
      const client = await pool.connect()
      const pid = await pidOf(client)
      await admin(db.config, 'SELECT pg_terminate_backend($1)', [pid])
      await sleep(50)
      expect(await rejectionOf(client.query('SELECT 1'))).toBeInstanceOf(Error)
      client.release()
      const next = await pool.connect()
      expect(next).not.toBe(client)
      expect(await pidOf(next)).not.toBe(pid)
      next.release()
      expect(poolErrors).toEqual([]) // pg-pool semantics: a borrowed client's error is the borrower's
    })
  })

  describe('connect failures', () => {
    it('a connect that hangs is abandoned after createTimeoutMs: pg-pool wording, socket closed', async () => {
      const sockets = new Set<net.Socket>()
      const silent = net.createServer((socket) => {
        sockets.add(socket)
        socket.resume() // read (and ignore) the startup message, so the close is seen
        socket.on('close', () => sockets.delete(socket))
      })
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
      try {
        const { port } = silent.address() as AddressInfo
        const pool = make({ host: '127.0.0.1', port, pools: { createTimeoutMs: 150 } })
        const started = Date.now()
        const error = await rejectionOf(pool.query('SELECT 1'))
        expect(Date.now() - started).toBeLessThan(2_000)
        expect(isPoolError(error, 'POOL_CREATE_TIMEOUT')).toBe(true)
        expect(error.message).toMatch(/^Connection terminated due to connection timeout: Pool "pgpool-/)
        await until(() => sockets.size === 0, 'the abandoned socket is closed')
        expect(pool.totalCount).toBe(0)
      } finally {
        for (const socket of sockets) socket.destroy()
        await new Promise((resolve) => silent.close(resolve))
      }
    })
  })

  describe('session settings', () => {
    it('application_name defaults to the pool name; an explicit one wins and names the pool', async () => {
      const pool = make()
      const name = pool.pools.config.name
      expect((await pool.query('SHOW application_name')).rows).toEqual([{ application_name: name }])
      await waitForPgConnections(db.name, 1, { applicationName: name })

      const explicit = uniqueName('explicit-app')
      appNames.push(explicit)
      const named = new Pool({ ...db.config, application_name: explicit })
      open.push(named)
      expect(named.pools.config.name).toBe(explicit)
      expect((await named.query('SHOW application_name')).rows).toEqual([{ application_name: explicit }])
    })

    it('statement_timeout and idle_in_transaction_session_timeout apply to every connection', async () => {
      const pool = make({ statement_timeout: 150, idle_in_transaction_session_timeout: 60_000, max: 1 })
      expect((await pool.query('SHOW statement_timeout')).rows).toEqual([{ statement_timeout: '150ms' }])
      expect((await pool.query('SHOW idle_in_transaction_session_timeout')).rows).toEqual([
        { idle_in_transaction_session_timeout: '1min' },
      ])
      const error = await rejectionOf(pool.query('SELECT pg_sleep(2)'))
      expect(error.code).toBe('57014') // query_canceled by statement timeout
      expect((await pool.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }])
      expect(pool.totalCount).toBe(1) // the connection survived its timed-out statement
    })

    it('min connections are opened at start and kept', async () => {
      const pool = make({ min: 2, max: 4, idleTimeoutMillis: 50 })
      await pool.ready()
      expect(pool.totalCount).toBe(2)
      await waitForPgConnections(db.name, 2, { applicationName: pool.pools.config.name })
      await sleep(300) // several idle-timeout periods: min is kept
      expect(pool.totalCount).toBe(2)
    })

    it('idle and lifetime limits close real connections', async () => {
      const pool = make({ max: 3, idleTimeoutMillis: 100, maxLifetimeSeconds: 1 })
      const name = pool.pools.config.name
      const clients = await Promise.all([pool.connect(), pool.connect(), pool.connect()])
      for (const client of clients) client.release()
      await waitForPgConnections(db.name, 0, { applicationName: name, timeoutMs: 3_000 })
      expect(pool.stats().counters.destroyedBy['idle-timeout']).toBe(3)

      const lifetime = make({ max: 1, idleTimeoutMillis: 0, maxLifetimeSeconds: 1 })
      const firstPid = (await lifetime.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
      await until(() => lifetime.totalCount === 0, 'the idle client is retired at its lifetime', 3_000)
      expect(lifetime.stats().counters.destroyedBy['max-lifetime']).toBe(1)
      expect((await lifetime.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid).not.toBe(firstPid)
    })
  })

  describe('transaction pooler mode', () => {
    it('refuses session settings it cannot keep, with a clear error', () => {
      for (const options of [
        { statement_timeout: 1_000 },
        { options: '-c search_path=app' },
        { connectionString: 'postgres://postgres@127.0.0.1/db?lock_timeout=100' },
      ]) {
        let error: unknown
        try {
          new Pool({ ...options, poolerMode: 'transaction' })
        } catch (caught) {
          error = caught
        }
        expect(isPoolError(error, 'POOL_CONFIG_INVALID')).toBe(true)
        expect(String(error)).toMatch(/poolerMode "transaction" cannot apply/)
      }
    })

    it('named statements are sent unnamed (none is prepared on the server), results unchanged', async () => {
      const session = make({ max: 1 })
      const pooled = make({ max: 1, poolerMode: 'transaction' })
      const named = { name: 'by-name', text: 'SELECT $1::int + 1 AS n', values: [1] }
      for (const pool of [session, pooled]) {
        expect((await pool.query(named)).rows).toEqual([{ n: 2 }])
        const client = await pool.connect()
        expect((await client.query({ ...named, values: [2] })).rows).toEqual([{ n: 3 }])
        const query = client.query(new pg.Query({ name: 'as-query', text: 'SELECT 5 AS n' }))
        await new Promise((resolve, reject) => query.on('end', resolve).on('error', reject))
        client.release()
      }
      const prepared = async (pool: Pool) =>
        (await pool.query<{ name: string }>('SELECT name FROM pg_prepared_statements ORDER BY name')).rows.map(
          (row) => row.name,
        )
      expect(await prepared(session)).toEqual(['as-query', 'by-name'])
      expect(await prepared(pooled)).toEqual([])
    })

    it('still sends application_name, which PgBouncer and Supavisor accept at startup', async () => {
      const pool = make({ poolerMode: 'transaction' })
      const name = pool.pools.config.name
      expect((await pool.query('SHOW application_name')).rows).toEqual([{ application_name: name }])
    })
  })

  describe('the engine sees every checkout', () => {
    it('pool.query checkouts show in stats, health and leak reports', async () => {
      const warnings: string[] = []
      const pool = make({
        max: 2,
        logger: { warn: (message) => warnings.push(message) },
        pools: { leakDetectionThresholdMs: 100, leakCaptureStack: true, timingSampleEvery: 1 },
      })
      const leaked: number[] = []
      pool.pools.on('leak', (report) => leaked.push(report.id))
      const slow = pool.query('SELECT pg_sleep(0.4)')
      await until(() => pool.leaks().length === 1, 'pool.query is reported as a leak suspect', 2_000)
      const [report] = pool.leaks()
      expect(report?.resource).toBeInstanceOf(pg.Client)
      expect(report?.stack).toMatch(/postgres\.test\.ts/) // the caller of pool.query
      expect(pool.stats()).toMatchObject({ borrowed: 1, used: 1, leakSuspects: 1 })
      expect(pool.health().status).toBe('degraded')
      await slow
      await until(() => pool.leaks().length === 0, 'the suspect returned')
      expect(leaked).toHaveLength(1)
      expect(warnings).toContainEqual(expect.stringMatching(/possible leak/)) // to the logger given

      await Promise.all([pool.query('SELECT 1'), pool.query('SELECT 2'), pool.query('SELECT 3')])
      const stats = pool.stats()
      expect(stats.counters.acquired).toBe(4)
      expect(stats.counters.released).toBe(4)
      expect(stats.acquireWaitMs.count).toBe(4)
      expect(pool.health().status).not.toBe('unhealthy')
    })

    it('an acquire timeout is the engine’s, counted and with pg-pool’s wording', async () => {
      const pool = make({ max: 1, connectionTimeoutMillis: 100 })
      const held = await pool.connect()
      const error = await rejectionOf(pool.query('SELECT 1'))
      expect(isPoolError(error, 'POOL_ACQUIRE_TIMEOUT')).toBe(true)
      expect(error.message).toMatch(/^timeout exceeded when trying to connect: Pool "pgpool-/)
      expect(pool.stats().counters.timeouts).toBe(1)
      held.release()
    })

    it('pools: a preset name plus pg-pool options', async () => {
      const pool = new Pool({ ...db.config, max: 3, pools: 'test' })
      open.push(pool)
      appNames.push('pg')
      expect(pool.pools.config).toMatchObject({ max: 3, acquireTimeoutMs: 2_000, leakDetectionThresholdMs: 2_000 })
      expect((await pool.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }])
    })
  })

  describe('end()', () => {
    it('waits for checked-out clients, then resolves with every connection closed', async () => {
      const pool = make({ max: 2 })
      const name = pool.pools.config.name
      const held = await pool.connect()
      await pool.query('SELECT 1')
      let ended = false
      const ending = pool.end().then(() => {
        ended = true
      })
      await sleep(100)
      expect([pool.ending, pool.ended, ended]).toEqual([true, false, false])
      expect((await held.query('SELECT 1 AS still')).rows).toEqual([{ still: 1 }])
      held.release()
      await within(ending, 2_000, 'end()')
      expect(pool.ended).toBe(true)
      await waitForPgConnections(db.name, 0, { applicationName: name })
    })

    it('closes a client that is never released after closeGraceMs; a late release is harmless', async () => {
      const pool = make({ max: 1, pools: { closeGraceMs: 200 } })
      const held = await pool.connect()
      const started = Date.now()
      await within(pool.end(), 2_000, 'end() with a client still out')
      expect(Date.now() - started).toBeGreaterThanOrEqual(150)
      expect(await rejectionOf(held.query('SELECT 1'))).toBeInstanceOf(Error)
      expect(() => held.release()).not.toThrow()
      await waitForPgConnections(db.name, 0, { applicationName: pool.pools.config.name })
    })

    it('callback form; a connect queued before end() is still served, one after it is refused', async () => {
      const pool = make({ max: 1 })
      const held = await pool.connect()
      const queued = pool.connect()
      await until(() => pool.waitingCount === 1, 'one connect queued')
      const done = new Promise<unknown[]>((resolve) => pool.end((...args: unknown[]) => resolve(args)))
      expect((await rejectionOf(pool.connect())).message).toBe('Cannot use a pool after calling end on the pool')
      held.release()
      const served = await within(queued, 2_000, 'the queued connect')
      expect((await served.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }])
      expect(pool.ended).toBe(false)
      served.release()
      expect(await within(done, 2_000, 'end(callback)')).toEqual([])
      expect(pool.ended).toBe(true)
    })
  })
})
