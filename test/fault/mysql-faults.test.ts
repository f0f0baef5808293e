/**
 * Fault suite, @pools/core/mysql2 on the shared MariaDB/MySQL (faults that touch only our own connections)
 * and through the TCP fault proxy: KILL of idle and busy connections, blackholed connects, resets during the
 * handshake, a refusing server, a wrong password, a per-user connection limit, end() with connections out.
 * (test/mysql2/faults.test.ts covers wait_timeout, PING validation and allowExitOnIdle.)
 *
 * Every test: 0 server connections left (information_schema.PROCESSLIST by database), 0 unhandled
 * rejections, a live process. What each scenario measured: docs/faults.md.
 */
import { inspect } from 'node:util'
import { createPool, isPoolError } from '@pools/core/mysql2'
import mysqlPromise from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { countMysqlConnections, describeWithMysql, harness, waitForMysqlConnections } from '../harness/index.js'
import { canStartPrivateMariadb, type PrivateMariadb, startPrivateMariadb } from '../mysql2/private-mariadb.js'
import { useProcessGuards } from './support/guards.js'
import { end, getConnection, type MysqlError, query, SERVER_ENDED, scalar, useMysqlFaults } from './support/mysql.js'
import {
  backoffAttemptBound,
  backoffDelayAfter,
  rejectionOf,
  runLoad,
  sleep,
  timed,
  until,
  within,
} from './support/timing.js'
import { createTcpProxy } from './tcp-proxy.js'

describeWithMysql('fault suite: @pools/core/mysql2', () => {
  const guards = useProcessGuards()
  const ctx = useMysqlFaults()
  const noLeak = () => waitForMysqlConnections(ctx.db.name, 0, { timeoutMs: 5_000 })
  const proxyTo = async () =>
    ctx.track(await createTcpProxy({ target: { host: ctx.db.config.host, port: ctx.db.config.port } }))

  describe('1. connection killed while idle', () => {
    it('no crash, it leaves the pool, the killed connection is never handed out, the next queries succeed', async () => {
      const pool = ctx.pool({ connectionLimit: 3, pools: { acquireTimeoutMs: 5_000 } })
      const conns = await Promise.all([getConnection(pool), getConnection(pool), getConnection(pool)])
      const ids = conns.map((conn) => conn.threadId)
      for (const conn of conns) conn.release()
      const victim = ids[1]!
      await ctx.admin.query('KILL ?', [victim])
      await until(() => pool.engine.total === 2, 'the killed connection leaves the pool', 2_000)
      const seen = await Promise.all(Array.from({ length: 30 }, () => scalar<number>(pool, 'SELECT CONNECTION_ID()')))
      expect(seen).not.toContain(victim)
      expect(pool.stats().counters.destroyedBy.broken).toBe(1)
      expect(await countMysqlConnections(ctx.db.name)).toBe(pool.engine.total)
      await end(pool)
      await noLeak()
    })
  })

  describe('2. connection killed while checked out', () => {
    it("the borrower's query fails, release() is harmless, the pool recovers, counts are right", async () => {
      const pool = ctx.pool({ connectionLimit: 2, pools: { acquireTimeoutMs: 5_000 } })
      const conn = await getConnection(pool)
      conn.on('error', () => {}) // mysql2 reports the loss to the borrower's listeners too
      const id = conn.threadId
      const running = rejectionOf(query(conn, 'SELECT SLEEP(5)'))
      await until(async () => {
        const [rows] = await ctx.admin.query(
          'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ? AND INFO LIKE ?',
          [id, 'SELECT SLEEP%'],
        )
        return Number((rows as { n: number }[])[0]?.n) === 1
      }, 'the query is running')
      await ctx.admin.query('KILL ?', [id])
      const error = (await within(running, 2_000, "the borrower's query")) as MysqlError
      expect(error.message + (error.code ?? '')).toMatch(SERVER_ENDED)
      expect(pool.engine.total).toBe(0) // its slot is freed at once
      expect(() => conn.release()).not.toThrow()
      expect(await scalar<number>(pool, 'SELECT CONNECTION_ID()')).not.toBe(id)
      expect(pool.stats()).toMatchObject({ total: 1, borrowed: 0 })
      expect(await countMysqlConnections(ctx.db.name)).toBe(1)
      await end(pool)
      await noLeak()
    })
  })

  describe('4. blackholed connect', () => {
    it('createTimeoutMs fires, the caller times out with the reason, the late socket is destroyed, recovers on pass()', async () => {
      const proxy = await proxyTo()
      proxy.blackhole()
      const pool = ctx.pool({
        host: proxy.host,
        port: proxy.port,
        connectionLimit: 2,
        pools: { createTimeoutMs: 300, acquireTimeoutMs: 1_000 },
      })
      const outcome = await timed(() => getConnection(pool))
      expect(outcome.ok).toBe(false)
      expect(isPoolError(outcome.error, 'POOL_ACQUIRE_TIMEOUT')).toBe(true)
      expect(outcome.error?.message).toMatch(
        /the last attempt to create one failed: .*longer than createTimeoutMs \(300 ms\)/,
      )
      expect(outcome.ms).toBeGreaterThanOrEqual(980)
      expect(outcome.ms).toBeLessThan(1_000 + 750)
      // every abandoned handshake's socket was closed by the pool
      await proxy.waitFor(() => proxy.connections === 0, 2_000)
      expect(pool.stats().counters.createTimeouts).toBe(proxy.totalAccepted)
      expect(proxy.totalAccepted).toBeLessThanOrEqual(backoffAttemptBound(outcome.ms, 1, 300))

      proxy.pass()
      const recovered = await timed(() => scalar<number>(pool, 'SELECT 1'))
      expect(recovered.error?.message).toBeUndefined()
      expect(recovered.ms).toBeLessThan(1_000)
      await end(pool)
      await proxy.waitFor(() => proxy.connections === 0, 2_000)
      await noLeak()
    })
  })

  describe('4b. server unreachable (connection refused)', () => {
    it('callers wait for their acquire deadline (documented), the error carries ECONNREFUSED, attempts are bounded', async () => {
      const proxy = await proxyTo()
      await proxy.refuse()
      const acquireTimeoutMs = 1_000
      // backoff capped below the acquire timeout, so the first caller after reopen always sees an attempt
      const retry = { initialDelayMs: 100, maxDelayMs: 400 }
      const pool = ctx.pool({
        host: proxy.host,
        port: proxy.port,
        connectionLimit: 4,
        pools: { acquireTimeoutMs, retry },
      })
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => timed(() => getConnection(pool))))
      for (const o of outcomes) {
        expect(o.error?.code).toBe('POOL_ACQUIRE_TIMEOUT')
        expect(o.error?.message).toMatch(/the last attempt to create one failed: .*ECONNREFUSED/)
        expect(o.ms).toBeLessThan(acquireTimeoutMs + 750)
      }
      expect(pool.stats().counters.createErrors).toBeLessThanOrEqual(
        backoffAttemptBound(acquireTimeoutMs + 750, 4, 0, retry),
      )
      await proxy.reopen()
      expect(await within(scalar<number>(pool, 'SELECT 1'), 2_000, 'the first query after reopen')).toBe(1)
      await end(pool)
      await noLeak()
    })
  })

  describe('6. reset during the handshake', () => {
    for (const [fault, cut] of [
      ['RST right after accept (resetNew)', -1],
      ['RST after 10 bytes of the server greeting (resetAfterBytes)', 10],
    ] as const) {
      it(`${fault}: a clear error, bounded attempts, recovers on pass()`, async () => {
        const proxy = await proxyTo()
        if (cut < 0) proxy.resetNew()
        else proxy.resetAfterBytes(cut)
        const pool = ctx.pool({
          host: proxy.host,
          port: proxy.port,
          connectionLimit: 3,
          pools: { acquireTimeoutMs: 800, retry: { initialDelayMs: 50, maxDelayMs: 400 } },
        })
        const windowMs = 1_000
        const load = await runLoad({ callers: 3, call: () => getConnection(pool), until: sleep(windowMs) })
        expect(load.unsettled).toBe(0)
        for (const o of load.outcomes) {
          expect(o.error?.code).toBe('POOL_ACQUIRE_TIMEOUT')
          expect(o.error?.message).toMatch(
            /the last attempt to create one failed: .*(ECONNRESET|PROTOCOL_CONNECTION_LOST|Connection lost)/,
          )
          expect(o.ms).toBeLessThan(800 + 750)
        }
        const cause = pool.stats().counters.createErrors
        expect(cause).toBeGreaterThan(0)
        const elapsed =
          Math.max(...load.outcomes.map((o) => o.endedAt)) - Math.min(...load.outcomes.map((o) => o.startedAt))
        expect(proxy.totalAccepted).toBeLessThanOrEqual(
          backoffAttemptBound(elapsed, 3, 0, { initialDelayMs: 50, maxDelayMs: 400 }),
        )
        expect(ctx.warnings.join('\n')).toMatch(/could not create a resource/)

        proxy.pass()
        const recovered = await timed(() => scalar<number>(pool, 'SELECT 1'))
        expect(recovered.error?.message).toBeUndefined()
        expect(recovered.ms).toBeLessThan(400 + 500)
        await end(pool)
        await proxy.waitFor(() => proxy.connections === 0, 2_000)
        await noLeak()
      })
    }
  })

  describe('7. wrong password', () => {
    it('ER_ACCESS_DENIED_ERROR naming user@host, never the password; callers fail fast; no retry storm', async () => {
      const proxy = await proxyTo()
      const password = 'wrong-staple-8d2e71'
      const pool = ctx.pool({
        host: proxy.host,
        port: proxy.port,
        user: ctx.db.config.user,
        password,
        connectionLimit: 4,
        pools: { acquireTimeoutMs: 20_000 },
      })
      const first = await timed(() => getConnection(pool))
      expect(first.ms).toBeLessThan(1_000) // not the 20 s acquire timeout
      expect(first.error?.code).toBe('POOL_CREATE_FAILED')
      expect(first.error?.message).toContain(`${ctx.db.config.user}@${proxy.host}:${proxy.port}`)
      expect(first.error?.message).toMatch(/ER_ACCESS_DENIED_ERROR: Access denied for user/)
      expect((first.error?.cause as MysqlError | undefined)?.code).toBe('ER_ACCESS_DENIED_ERROR')

      const windowMs = 2_000
      const load = await runLoad({ callers: 4, call: () => getConnection(pool), until: sleep(windowMs) })
      expect(load.unsettled).toBe(0)
      const elapsed = Math.max(...load.outcomes.map((o) => o.endedAt)) - first.startedAt
      const attempts = proxy.totalAccepted
      expect(attempts).toBeLessThanOrEqual(backoffAttemptBound(elapsed, 4))
      for (const o of load.outcomes) {
        expect(o.error?.code).toBe('POOL_CREATE_FAILED')
        // a caller arriving while the pool backs off waits for the next attempt: at most the delay in effect
        expect(o.ms).toBeLessThan(backoffDelayAfter(attempts) + 500)
      }
      await sleep(1_000)
      expect(proxy.totalAccepted).toBe(attempts) // nobody waiting: no attempts
      for (const text of [
        ...[first, ...load.outcomes].flatMap((o) => [o.error?.message ?? '', inspect(o.error, { depth: 5 })]),
        JSON.stringify(pool.stats()),
        pool.engine.name,
        ...ctx.warnings,
      ]) {
        expect(text).not.toContain(password)
      }
      console.info(
        `[faults] mysql2 wrong password: ${load.outcomes.length + 1} calls failed in ${Math.round(elapsed)} ms with ${attempts} connection attempts`,
      )
      await end(pool)
      await noLeak()
    })
  })

  describe('8. connection limit reached (MAX_USER_CONNECTIONS, the shared server stays untouched)', () => {
    it('ER_TOO_MANY_USER_CONNECTIONS is clear, callers settle by their deadline, recovers when slots free up', async () => {
      const user = `pools_f_${harness.runId}_${Math.random().toString(36).slice(2, 6)}`.slice(0, 32)
      const password = 'limit-pw-31c9'
      await ctx.admin.query(`CREATE USER ?@'%' IDENTIFIED BY ? WITH MAX_USER_CONNECTIONS 2`, [user, password])
      try {
        await ctx.admin.query(`GRANT ALL ON \`${ctx.db.name}\`.* TO ?@'%'`, [user])
        const occupier = ctx.pool({ user, password, connectionLimit: 2 })
        const held = await Promise.all([getConnection(occupier), getConnection(occupier)])
        const acquireTimeoutMs = 800
        const pool = ctx.pool({ user, password, connectionLimit: 2, pools: { acquireTimeoutMs } })
        const outcomes = await Promise.all(Array.from({ length: 4 }, () => timed(() => getConnection(pool))))
        for (const o of outcomes) {
          expect(o.error?.code).toBe('POOL_ACQUIRE_TIMEOUT')
          expect(o.error?.message).toMatch(/ER_TOO_MANY_USER_CONNECTIONS|has exceeded the 'max_user_connections'/)
          expect(o.ms).toBeLessThan(acquireTimeoutMs + 750)
        }
        const freedAt = performance.now()
        for (const conn of held) conn.release()
        await end(occupier)
        const ok = await within(scalar<number>(pool, 'SELECT 1'), 5_000, 'a query after slots were freed')
        expect(ok).toBe(1)
        console.info(
          `[faults] mysql2 user connection limit: recovered ${Math.round(performance.now() - freedAt)} ms after slots were freed`,
        )
        await end(pool)
        await noLeak()
      } finally {
        await ctx.admin.query(`DROP USER IF EXISTS ?@'%'`, [user])
      }
    })
  })

  describe('10. pool.end() with connections checked out', () => {
    it('queued callers fail at once, borrowers finish, end() resolves on release; after the grace a late release is harmless', async () => {
      const pool = ctx.pool({ connectionLimit: 2, pools: { closeGraceMs: 300 } })
      const [a, b] = await Promise.all([getConnection(pool), getConnection(pool)])
      const queued = timed(() => getConnection(pool))
      await until(() => pool.engine.pending === 1, 'one queued caller')
      const started = performance.now()
      const ending = timed(() => end(pool))
      expect((await within(queued, 1_000, 'the queued caller')).error?.code).toBe('POOL_CLOSED')
      expect(await scalar<number>(a, 'SELECT 1')).toBe(1)
      a.release()
      // b is never released: destroyed at the end of the grace
      const ended = await within(ending, 2_000, 'end()')
      expect(ended.ok).toBe(true)
      expect(performance.now() - started).toBeGreaterThanOrEqual(280)
      expect(pool.stats().counters.destroyedBy['close-forced']).toBe(1)
      expect(() => b.release()).not.toThrow()
      await noLeak()
    })

    it('a borrower still running a long query when the grace ends: its server thread is gone shortly after end()', async () => {
      const pool = ctx.pool({ connectionLimit: 1, pools: { closeGraceMs: 200 } })
      const conn = await getConnection(pool)
      const id = conn.threadId
      const running = timed(() => query(conn, 'SELECT SLEEP(8)'))
      await sleep(100)
      try {
        const started = performance.now()
        await within(end(pool), 2_000, 'end()')
        const outcome = await within(running, 2_000, "the borrower's query")
        expect(outcome.error?.message).toMatch(/destroyed by the pool while a command was still running/)
        expect(() => conn.release()).not.toThrow()
        await waitForMysqlConnections(ctx.db.name, 0, { timeoutMs: 2_000 })
        expect(performance.now() - started).toBeLessThan(3_000)
      } finally {
        await ctx.admin.query('KILL ?', [id]).catch(() => {})
        await noLeak()
      }
    }, 15_000)
  })

  describe('11. end() against a frozen server (private MariaDB, SIGSTOP)', () => {
    let server: PrivateMariadb | undefined
    beforeAll(async () => {
      expect(canStartPrivateMariadb, 'mariadb-install-db and mariadbd are installed').toBe(true)
      server = await startPrivateMariadb()
    }, 60_000)
    afterAll(async () => {
      await server?.destroy()
    }, 30_000)

    it('destroyTimeoutMs aborts the destroy: every socket (and the KILL QUERY side connection) is torn down, end() settles in bounded time', async () => {
      const { host, port, user } = server!
      const pool = createPool(
        {
          host,
          port,
          user,
          connectionLimit: 3,
          connectTimeout: 30_000,
          pools: { closeGraceMs: 200, destroyTimeoutMs: 1_000 },
        },
        { logger: { warn: (message) => ctx.warnings.push(message) } },
      )
      const engine = pool.engine
      const [busy, idle] = await Promise.all([getConnection(pool), getConnection(pool)])
      idle.release()
      const running = timed(() => query(busy, 'SELECT SLEEP(60)'))
      await sleep(100)
      const sockets = [busy, idle].map((conn) => (conn as unknown as { stream: import('node:net').Socket }).stream)
      server!.freeze()
      try {
        const started = performance.now()
        // closeGraceMs, then the destroy (KILL QUERY on a side connection that never gets a handshake) is
        // aborted at destroyTimeoutMs: without the abort the borrowed socket would stay open
        await within(end(pool), 10_000, 'pool.end() against a frozen server')
        const tookMs = performance.now() - started
        expect(sockets.map((socket) => socket.destroyed)).toEqual([true, true])
        expect(tookMs).toBeGreaterThanOrEqual(200 + 1_000 - 50)
        expect(tookMs).toBeLessThan(200 + 1_000 + 2_000)
        const outcome = await within(running, 2_000, "the borrower's query")
        expect(outcome.error).toBeDefined()
        expect(engine.state).toBe('closed')
      } finally {
        server!.thaw()
        await engine.close()
      }
      // once the server runs again it sees every connection gone
      const admin = await mysqlPromise.createConnection({ host, port, user })
      try {
        await until(
          async () => {
            const [rows] = await admin.query(
              "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND USER = 'root'",
            )
            return Number((rows as { n: number }[])[0]!.n) === 0
          },
          'the server sees no connection left',
          5_000,
        )
      } finally {
        await admin.end()
      }
    }, 30_000)
  })

  it('the process is alive', async () => {
    await guards.expectLiveProcess()
    expect(await countMysqlConnections(ctx.db.name)).toBe(0)
  })
})
