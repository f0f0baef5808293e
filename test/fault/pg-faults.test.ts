/**
 * Fault suite, @pools/core/pg on the shared PostgreSQL (faults that touch only our own backends) and
 * through the TCP fault proxy: backends killed idle and mid-loan, blackholed connects, resets during the
 * handshake, clients returned inside transactions under concurrency, end() with clients checked out.
 *
 * Every test: 0 server connections left (pg_stat_activity by application_name), 0 unhandled rejections,
 * a live process. Destructive server faults (restart, max_connections, slow login, passwords) are in
 * pg-server-faults.test.ts, on private servers. What each scenario measured: docs/faults.md.
 */
import { isPoolError } from '@pools/core'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  countPgConnections,
  describeWithPostgres,
  type PostgresDatabase,
  usePostgres,
  waitForPgConnections,
} from '../harness/index.js'
import { useProcessGuards } from './support/guards.js'
import { adminQuery, backendPids, pidOf, usePgPools } from './support/pg.js'
import { type Outcome, rejectionOf, runLoad, sleep, timed, until, within } from './support/timing.js'
import { createTcpProxy } from './tcp-proxy.js'

/** pg's wording when a connection the server closed is used (no error packet, or after it). */
const CONNECTION_LOST = /Connection terminated|terminating connection|ECONNRESET|not queryable/

describeWithPostgres('fault suite: @pools/core/pg', () => {
  const guards = useProcessGuards()
  const { make, track } = usePgPools()
  let db: PostgresDatabase

  beforeAll(async () => {
    db = await usePostgres()
    await adminQuery(db.config, 'CREATE TABLE fault_tx (id serial PRIMARY KEY, worker int NOT NULL)')
  })

  const kill = (pids: number[]) =>
    adminQuery(db.config, 'SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids])
  const serverCount = (name: string) => countPgConnections(db.name, name)
  const noLeak = (name: string) => waitForPgConnections(db.name, 0, { applicationName: name, timeoutMs: 5_000 })

  describe('1. backend killed while idle', () => {
    it("no crash, pool 'error' (57P01), the killed client is never handed out, the next queries succeed", async () => {
      const { pool, name, errors } = make({ ...db.config, max: 3 })
      const clients = await Promise.all([pool.connect(), pool.connect(), pool.connect()])
      const pids = await Promise.all(clients.map(pidOf))
      for (const client of clients) client.release()
      await until(() => pool.idleCount === 3, 'three idle clients')

      const victim = pids[1]!
      await kill([victim])
      await until(() => errors.length === 1, "the pool's 'error' event")
      expect(errors[0]).toMatchObject({ code: '57P01' })
      expect(errors[0]?.client).toBe(clients[1])
      await until(() => pool.totalCount === 2, 'the killed client removed')

      // 30 concurrent queries: all succeed, none on the killed backend
      const seen = await Promise.all(
        Array.from({ length: 30 }, () => pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')),
      )
      expect(seen.map((r) => r.rows[0]!.pid)).not.toContain(victim)
      expect(pool.stats().counters.destroyedBy.broken).toBe(1)
      expect(errors).toHaveLength(1) // pg's "Connection terminated" echo is not reported again
      expect(await serverCount(name)).toBe(pool.totalCount)
      await pool.end()
      await noLeak(name)
    })

    it('all idle backends killed after validationBypassMs, queries fired at once: validation replaces them, nobody fails', async () => {
      const { pool, name, errors } = make({ ...db.config, max: 4 })
      const clients = await Promise.all(Array.from({ length: 4 }, () => pool.connect()))
      const pids = await Promise.all(clients.map(pidOf))
      for (const client of clients) client.release()
      await sleep(pool.pools.config.validationBypassMs + 100)
      await kill(pids)
      // no waiting for the pool's 'error' events: the queries race the FATAL messages on the sockets
      const results = await Promise.all(
        Array.from({ length: 12 }, () =>
          timed(() => pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, 1 AS ok')),
        ),
      )
      expect(results.filter((r) => !r.ok).map((r) => r.error?.message)).toEqual([])
      for (const r of results) expect(pids).not.toContain(r.value?.rows[0]?.pid)
      // each dead client was removed as broken (its 'error' arrived first) or failed its validation
      await until(() => pool.stats().counters.destroyed === 4, 'the four dead clients destroyed', 2_000)
      const { destroyedBy } = pool.stats().counters
      expect(destroyedBy.broken + destroyedBy['validation-failed']).toBe(4)
      expect(errors.length).toBeLessThanOrEqual(4)
      expect(errors.every((e) => e.code === '57P01')).toBe(true)
      await pool.end()
      await noLeak(name)
    })

    it('a backend that ends right after its last result (both in one read): the next waiter does not get it', async () => {
      // The result (ReadyForQuery) and the FATAL arrive in one socket read: pg calls the query callback, the
      // pool serves the waiting caller with that client synchronously, and the same read then marks the
      // client broken, before the waiting caller has touched it. The pool knows; the caller must not pay.
      const { pool, name, errors } = make({ ...db.config, max: 1 })
      const client = await pool.connect()
      await client.query("SET idle_session_timeout = '100ms'") // the backend ends itself 100 ms after A's result
      client.release()
      const a = timed(() => pool.query('SELECT pg_sleep(0.2), 1 AS a'))
      await sleep(20)
      const b = timed(() => pool.query<{ b: number }>('SELECT 2 AS b'))
      // hold the event loop across the end of A's query and the idle-session FATAL after it
      const blockUntil = performance.now() + 600
      while (performance.now() < blockUntil) {
        // busy: the result and the FATAL pile up in the socket's receive buffer
      }
      const [ra, rb] = await within(Promise.all([a, b]), 5_000, 'both callers')
      expect(ra.error?.message).toBeUndefined()
      expect(rb.error?.message).toBeUndefined() // today: "Client has encountered a connection error and is not queryable"
      expect(rb.value?.rows).toEqual([{ b: 2 }])
      expect(errors.filter((e) => e.code !== '57P05')).toEqual([])
      await pool.end()
      await noLeak(name)
    })
  })

  describe('2. backend killed while checked out', () => {
    it("the borrower's query fails, release() destroys the client, the pool recovers, counts are right", async () => {
      const { pool, name, errors } = make({ ...db.config, max: 2 })
      const client = await pool.connect()
      const pid = await pidOf(client)
      const running = rejectionOf(client.query('SELECT pg_sleep(5)'))
      await until(async () => (await backendPids(db.config, name)).length === 1, 'the backend is visible')
      await kill([pid])
      const error = await within(running, 2_000, "the borrower's query")
      expect(error.code).toBe('57P01')
      expect(error.message).toMatch(/terminating connection due to administrator command/)
      expect(await rejectionOf(client.query('SELECT 1'))).toMatchObject({
        message: expect.stringMatching(CONNECTION_LOST),
      })
      client.release() // no error passed: the pool still knows the client is broken
      await until(() => pool.totalCount === 0, 'the dead client destroyed')
      expect(pool.stats().counters.destroyedBy.broken).toBe(1)
      expect(errors).toEqual([]) // pg-pool semantics: a borrowed client's error belongs to the borrower

      const next = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
      expect(next.rows[0]!.pid).not.toBe(pid)
      expect(pool.stats()).toMatchObject({ total: 1, borrowed: 0, idle: 1 })
      expect(await serverCount(name)).toBe(1)
      await pool.end()
      await noLeak(name)
    })

    it('pool.query() in flight when its backend is killed: the caller gets 57P01, nothing else fails', async () => {
      const { pool, name, errors } = make({ ...db.config, max: 3 })
      const victimQuery = timed(() => pool.query('SELECT pg_sleep(5)'))
      const others = Array.from({ length: 6 }, () => timed(() => pool.query('SELECT pg_sleep(0.2), 1 AS ok')))
      let victim: number | undefined
      await until(async () => {
        const rows = await adminQuery<{ pid: number }>(
          db.config,
          "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query = 'SELECT pg_sleep(5)' AND state = 'active'",
          [name],
        )
        victim = rows[0]?.pid
        return victim !== undefined
      }, 'the long query is running')
      await kill([victim!])
      const outcome = await within(victimQuery, 2_000, 'the killed pool.query')
      expect(outcome.ok).toBe(false)
      expect(outcome.error?.code).toBe('57P01')
      const rest = await Promise.all(others)
      expect(rest.filter((r) => !r.ok).map((r) => r.error?.message)).toEqual([])
      expect(errors).toEqual([])
      expect(pool.stats().counters.destroyedBy.broken).toBe(1)
      await until(() => pool.stats().borrowed === 0, 'nothing borrowed')
      expect(await serverCount(name)).toBe(pool.totalCount)
      await pool.end()
      await noLeak(name)
    })
  })

  describe('4. blackholed connect', () => {
    it('createTimeoutMs fires, the caller gets pg-pool wording, the late socket is destroyed, recovers on pass()', async () => {
      const proxy = track(await createTcpProxy({ target: { host: db.config.host, port: db.config.port } }))
      proxy.blackhole()
      const { pool, name } = make({
        ...db.config,
        host: proxy.host,
        port: proxy.port,
        max: 2,
        pools: { createTimeoutMs: 300, acquireTimeoutMs: 3_000 },
      })
      const outcome = await timed(() => pool.query('SELECT 1'))
      expect(outcome.ok).toBe(false)
      expect(isPoolError(outcome.error, 'POOL_CREATE_TIMEOUT')).toBe(true)
      expect(outcome.error?.message).toMatch(/^Connection terminated due to connection timeout: Pool "fault-/)
      expect(outcome.ms).toBeGreaterThanOrEqual(280)
      expect(outcome.ms).toBeLessThan(300 + 1_000)
      // the socket of the abandoned connect is closed by the pool, not left to the OS
      await proxy.waitFor(() => proxy.connections === 0, 2_000)
      expect(proxy.totalAccepted).toBe(1)
      expect(pool.totalCount).toBe(0)

      proxy.pass()
      const recovered = await timed(() => pool.query('SELECT 1 AS ok'))
      expect(recovered.error?.message).toBeUndefined()
      expect(recovered.ms).toBeLessThan(1_000) // at most one backoff step
      await pool.end()
      await proxy.waitFor(() => proxy.connections === 0, 2_000)
      await noLeak(name)
    })

    it('connectionTimeoutMillis with 8 callers for 1.5 s: every call settles by its deadline, creates are bounded', async () => {
      const proxy = track(await createTcpProxy({ target: { host: db.config.host, port: db.config.port } }))
      proxy.blackhole()
      const timeoutMs = 250
      const { pool, name } = make({
        ...db.config,
        host: proxy.host,
        port: proxy.port,
        max: 4,
        connectionTimeoutMillis: timeoutMs,
      })
      const windowMs = 1_500
      const load = await runLoad({ callers: 8, call: () => pool.query('SELECT 1'), until: sleep(windowMs) })
      expect(load.unsettled).toBe(0)
      expect(load.outcomes.every((o) => !o.ok)).toBe(true)
      for (const o of load.outcomes) {
        expect(['POOL_ACQUIRE_TIMEOUT', 'POOL_CREATE_TIMEOUT']).toContain(o.error?.code)
        expect(o.error?.message).toMatch(
          /^(timeout exceeded when trying to connect|Connection terminated due to connection timeout)/,
        )
      }
      const slowest = Math.max(...load.outcomes.map((o) => o.ms))
      expect(slowest).toBeLessThan(timeoutMs + 750)
      // as pg-pool: at most one connection attempt per call, never a retry loop of the pool's own
      expect(proxy.totalAccepted).toBeLessThanOrEqual(load.outcomes.length)
      await pool.end()
      await proxy.waitFor(() => proxy.connections === 0, 2_000)
      await noLeak(name)
    })
  })

  describe('4b. server unreachable (connection refused)', () => {
    it('20 callers with pg-pool defaults (no connectionTimeoutMillis): every one fails fast, like pg-pool', async () => {
      // pg-pool: each connect() makes its own attempt, all 20 fail with ECONNREFUSED within ~15 ms.
      const proxy = track(await createTcpProxy({ target: { host: db.config.host, port: db.config.port } }))
      await proxy.refuse()
      const { pool, name } = make({ ...db.config, host: proxy.host, port: proxy.port, max: 10 })
      const callers = Array.from({ length: 20 }, () => timed(() => pool.query('SELECT 1')))
      const outcomes = await within(Promise.all(callers), 3_000, 'all 20 callers against a refusing server')
      for (const o of outcomes) {
        expect(o.error?.code).toBe('ECONNREFUSED')
        expect(o.error?.message).toContain(`(pool "${name}" connecting to`)
      }
      expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(1_000)
      await pool.end()
      await noLeak(name)
    })
  })

  describe('6. reset during the handshake', () => {
    for (const [fault, apply] of [
      ['RST right after accept (resetNew)', (p: Awaited<ReturnType<typeof createTcpProxy>>) => p.resetNew()],
      [
        'RST after 20 server bytes (resetAfterBytes)',
        (p: Awaited<ReturnType<typeof createTcpProxy>>) => p.resetAfterBytes(20),
      ],
    ] as const) {
      it(`${fault}: a clear error naming the target, bounded retries, recovers on pass()`, async () => {
        const proxy = track(await createTcpProxy({ target: { host: db.config.host, port: db.config.port } }))
        apply(proxy)
        // a short backoff cap keeps the test short; with the default (10 s) recovery waits out the current delay
        const retry = { initialDelayMs: 50, maxDelayMs: 400 }
        const { pool, name } = make({ ...db.config, host: proxy.host, port: proxy.port, max: 3, pools: { retry } })
        const first = await rejectionOf(pool.query('SELECT 1'))
        expect(first.message).toMatch(/ECONNRESET|Connection terminated unexpectedly/)
        expect(first.message).toContain(
          `(pool "${name}" connecting to ${db.config.user}@${proxy.host}:${proxy.port}/${db.name})`,
        )
        // 3 callers for 1 s: every call fails with the same error; one attempt per call, as pg-pool
        const windowMs = 1_000
        const before = proxy.totalAccepted
        const load = await runLoad({ callers: 3, call: () => pool.query('SELECT 1'), until: sleep(windowMs) })
        expect(load.unsettled).toBe(0)
        for (const o of load.outcomes) {
          expect(o.error?.message).toMatch(/ECONNRESET|Connection terminated unexpectedly/)
          // one waiter is failed per failed attempt, so the k-th of 3 waiters waits up to k backoff delays
          // (see 'server unreachable' below for what that does to many callers)
          expect(o.ms).toBeLessThan(3 * retry.maxDelayMs + 500)
        }
        expect(proxy.totalAccepted - before).toBeLessThanOrEqual(load.outcomes.length)

        proxy.pass()
        const recovered = await timed(() => pool.query('SELECT 1 AS ok'))
        expect(recovered.error?.message).toBeUndefined()
        expect(recovered.value?.rows).toEqual([{ ok: 1 }])
        expect(recovered.ms).toBeLessThan(retry.maxDelayMs + 500) // the next backoff attempt succeeds
        await pool.end()
        await proxy.waitFor(() => proxy.connections === 0, 2_000)
        await noLeak(name)
      })
    }
  })

  describe('9. clients returned mid-transaction, under concurrency', () => {
    // The one-client version is in test/pg/postgres.test.ts ("reset on release").
    it('12 workers for 2 s, half of them releasing inside open/failed transactions: no borrower ever starts inside one', async () => {
      const { pool, name } = make({ ...db.config, max: 4 })
      let stop = false
      const dirty = { open: 0, failed: 0, running: 0 }
      const seen: string[] = []
      let checks = 0
      const dirtyWorker = async (worker: number) => {
        for (let i = 0; !stop; i++) {
          const client = await pool.connect()
          await client.query('BEGIN')
          await client.query('INSERT INTO fault_tx (worker) VALUES ($1)', [worker])
          await client.query('SELECT txid_current()')
          if (i % 3 === 1) {
            await client.query('SELECT 1/0').catch(() => {})
            dirty.failed++
          } else if (i % 3 === 2) {
            void client.query('SELECT pg_sleep(0.01)').catch(() => {}) // released with a query still running
            dirty.running++
          } else {
            dirty.open++
          }
          client.release()
        }
      }
      const cleanWorker = async () => {
        while (!stop) {
          const client = await pool.connect()
          try {
            const status = client.getTransactionStatus()
            const { rows } = await client.query<{ txid: string | null; fresh: boolean }>(
              'SELECT txid_current_if_assigned()::text AS txid, now() = statement_timestamp() AS fresh',
            )
            checks++
            if (status !== 'I' || rows[0]!.txid !== null || !rows[0]!.fresh) {
              seen.push(`status ${status}, txid ${rows[0]!.txid}, fresh ${rows[0]!.fresh}`)
            }
          } finally {
            client.release()
          }
        }
      }
      const workers = [
        ...Array.from({ length: 6 }, (_, i) => dirtyWorker(i)),
        ...Array.from({ length: 6 }, () => cleanWorker()),
      ]
      await sleep(2_000)
      stop = true
      await within(Promise.all(workers), 10_000, 'the workers')
      expect(seen).toEqual([])
      expect(checks).toBeGreaterThan(50)
      expect(dirty.open + dirty.failed + dirty.running).toBeGreaterThan(50)
      const rows = await adminQuery<{ n: number }>(db.config, 'SELECT count(*)::int AS n FROM fault_tx')
      expect(rows[0]!.n).toBe(0) // nothing left uncommitted was ever committed by someone else
      expect(pool.stats().counters.destroyedBy['reset-failed']).toBe(0)
      await pool.end()
      await noLeak(name)
    }, 30_000)
  })

  describe('10. pool.end() with clients checked out', () => {
    it('queued callers are still served (pg-pool: they hang), new ones fail, end() resolves when all are back', async () => {
      const { pool, name } = make({ ...db.config, max: 2, pools: { closeGraceMs: 5_000 } })
      const [a, b] = await Promise.all([pool.connect(), pool.connect()])
      await a.query('BEGIN')
      const queued = timed(async () => {
        const client = await pool.connect()
        try {
          return (await client.query('SELECT 1 AS queued')).rows
        } finally {
          client.release()
        }
      })
      await until(() => pool.waitingCount === 1, 'a queued connect')
      const started = performance.now()
      const ending = timed(() => pool.end())
      const late = await rejectionOf(pool.connect())
      expect(late.message).toBe('Cannot use a pool after calling end on the pool')
      expect((await a.query('SELECT 1 AS still')).rows).toEqual([{ still: 1 }]) // work in flight may finish
      a.release() // rolled back, then handed to the queued caller
      const waiter = await within(queued, 2_000, 'the queued connect')
      expect(waiter.error).toBeUndefined()
      expect(waiter.value).toEqual([{ queued: 1 }])
      await sleep(50)
      b.release()
      const ended = await within(ending, 2_000, 'end()')
      expect(ended.ok).toBe(true)
      expect(performance.now() - started).toBeLessThan(1_500) // no grace wait once everything is back
      await noLeak(name)
    })

    it('after the grace, borrowed clients are closed; late release() and release(err) do not throw', async () => {
      const graceMs = 300
      const { pool, name } = make({ ...db.config, max: 3, pools: { closeGraceMs: graceMs } })
      const clients = await Promise.all([pool.connect(), pool.connect(), pool.connect()])
      await clients[1]!.query('BEGIN')
      await clients[1]!.query('SELECT txid_current()')
      const started = performance.now()
      await within(pool.end(), graceMs + 2_000, 'end() with three clients out')
      const elapsed = performance.now() - started
      expect(elapsed).toBeGreaterThanOrEqual(graceMs - 20)
      expect(pool.stats().counters.destroyedBy['close-forced']).toBe(3)
      expect(await rejectionOf(clients[0]!.query('SELECT 1'))).toBeInstanceOf(Error)
      expect(() => clients[0]!.release()).not.toThrow()
      expect(() => clients[1]!.release(new Error('late, with an error'))).not.toThrow()
      expect(() => clients[2]!.release(true)).not.toThrow()
      await noLeak(name)
    })

    it('a borrower still running a long query when the grace ends: its backend is gone shortly after end()', async () => {
      const graceMs = 200
      const { pool, name } = make({ ...db.config, max: 2, pools: { closeGraceMs: graceMs } })
      const client = await pool.connect()
      const running = timed(() => client.query('SELECT pg_sleep(8)'))
      await until(async () => (await backendPids(db.config, name)).length === 1, 'the query is running')
      const [pid] = await backendPids(db.config, name)
      try {
        const started = performance.now()
        await within(pool.end(), graceMs + 2_000, 'end()')
        const outcome = await within(running, 2_000, "the borrower's query")
        expect(outcome.ok).toBe(false)
        // the pool cancels the query server-side before closing (57014), or the close wins the race
        expect(outcome.error?.message).toMatch(
          new RegExp(`canceling statement due to user request|${CONNECTION_LOST.source}`),
        )
        expect(() => client.release()).not.toThrow()
        // end() says every connection is closed; the server must agree well before the 8 s query would end
        await waitForPgConnections(db.name, 0, { applicationName: name, timeoutMs: 2_000 })
        expect(performance.now() - started).toBeLessThan(3_000)
      } finally {
        // do not let a backend this test left behind count against the next tests
        await kill([pid!])
        await noLeak(name)
      }
    }, 15_000)

    it('end() while connects hang (blackhole): the callers waiting for them get the create timeout, then end() resolves', async () => {
      // pg-pool waits for such connects too (for ever without connectionTimeoutMillis); here createTimeoutMs bounds them
      const proxy = track(await createTcpProxy({ target: { host: db.config.host, port: db.config.port } }))
      proxy.blackhole()
      const createTimeoutMs = 600
      const { pool, name } = make({
        ...db.config,
        host: proxy.host,
        port: proxy.port,
        max: 3,
        pools: { createTimeoutMs },
      })
      const callers: Promise<Outcome<unknown>>[] = Array.from({ length: 3 }, () => timed(() => pool.query('SELECT 1')))
      await proxy.waitFor(() => proxy.connections === 3, 2_000)
      const ended = await timed(() => pool.end())
      expect(ended.ok).toBe(true)
      expect(ended.ms).toBeLessThan(createTimeoutMs + 1_000)
      for (const outcome of await within(Promise.all(callers), 1_000, 'the callers')) {
        expect(outcome.error?.message).toMatch(/^Connection terminated due to connection timeout/)
      }
      expect(proxy.totalAccepted).toBe(3) // no attempt after end()
      await proxy.waitFor(() => proxy.connections === 0, 2_000)
      await noLeak(name)
    })
  })

  it('the process is alive and the shared server carries no connection of this file', async () => {
    await guards.expectLiveProcess()
    const rows = await adminQuery<{ n: number }>(
      db.config,
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'fault-%'",
      [db.name],
    )
    expect(rows[0]!.n).toBe(0)
  })
})
