/**
 * Server-side faults never crash the process and never leave a broken connection in the pool:
 * KILL of an idle or a borrowed connection, wait_timeout, an unresponsive connection caught by PING,
 * a wrong password (no credentials in messages), end() with connections out, allowExitOnIdle.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { inspect, promisify } from 'node:util'
import { createPool } from '@pools/core/mysql2'
import type { PoolConnection } from 'mysql2'
import { expect, it, vi } from 'vitest'
import { createTcpProxy } from '../fault/tcp-proxy.js'
import { countMysqlConnections, describeWithMysql, waitForMysqlConnections } from '../harness/index.js'
import { end, getConnection, query, SERVER_ENDED, scalar, TEST_POOLS, useMysql2Context } from './support.js'

const run = promisify(execFile)

describeWithMysql('@pools/core/mysql2 faults', () => {
  const ctx = useMysql2Context()

  it('KILL of an idle connection: no crash, it leaves the pool, the next query works', async () => {
    const pool = ctx.pool({ connectionLimit: 2 })
    const conn = await getConnection(pool)
    const threadId = conn.threadId
    conn.release()
    await ctx.admin.query('KILL ?', [threadId])
    await vi.waitFor(() => expect(pool.engine.total).toBe(0), { timeout: 2_000, interval: 10 })
    expect(pool.stats().counters.destroyedBy.broken).toBe(1)
    expect(await scalar(pool, 'SELECT CONNECTION_ID()')).not.toBe(threadId)
  })

  it('KILL of a borrowed connection: its queries fail, its slot is freed at once, release() is harmless', async () => {
    const pool = ctx.pool({ connectionLimit: 1 })
    const conn = await getConnection(pool)
    const errors: unknown[] = []
    conn.on('error', (error) => errors.push(error))
    await ctx.admin.query('KILL ?', [conn.threadId])
    // mysql2's PROTOCOL_CONNECTION_LOST reaches the borrower's listener, as with a mysql2 pool
    await vi.waitFor(
      () => expect(errors).toEqual([expect.objectContaining({ code: expect.stringMatching(SERVER_ENDED) })]),
      {
        timeout: 2_000,
        interval: 10,
      },
    )
    expect(pool.engine.total).toBe(0)
    await expect(query(conn, 'SELECT 1')).rejects.toMatchObject({ fatal: true })
    // connectionLimit 1 and the dead one never released: a new borrower still gets a connection
    const next = await getConnection(pool)
    expect(await scalar(next, 'SELECT 1')).toBe(1)
    conn.release()
    conn.release()
    next.release()
    expect(pool.stats()).toMatchObject({ total: 1, borrowed: 0, counters: { destroyed: 1 } })
  })

  it('KILL during a pool.query(): the caller gets the error, the pool recovers', async () => {
    const pool = ctx.pool({ connectionLimit: 1 })
    const threadId = await scalar<number>(pool, 'SELECT CONNECTION_ID()')
    const running = query(pool, 'SELECT SLEEP(5)').catch((e: unknown) => e)
    await vi.waitFor(
      async () => {
        const row = await ctx.adminRow<{ n: number }>(
          "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ? AND INFO LIKE 'SELECT SLEEP%'",
          [threadId],
        )
        expect(Number(row.n)).toBe(1)
      },
      { timeout: 2_000, interval: 20 },
    )
    await ctx.admin.query('KILL ?', [threadId])
    // mysql2's own error, as with a mysql2 pool
    expect(await running).toMatchObject({ code: expect.stringMatching(SERVER_ENDED) })
    expect(await scalar(pool, 'SELECT 1')).toBe(1)
    expect(pool.stats().counters.destroyedBy.broken).toBe(1)
  })

  it('KILL during a conn.query(): a release inside the error callback never lends the killed session again', async () => {
    const pool = ctx.pool({ connectionLimit: 1 })
    const conn = await getConnection(pool)
    const threadId = conn.threadId
    // released and borrowed again synchronously in the error callback, before the socket's close can be
    // seen: the ERR packet alone must mark the session ended
    const next = new Promise<{ error: unknown; threadId: number }>((resolve, reject) => {
      conn.query('SELECT SLEEP(5)', (error: unknown) => {
        conn.release()
        pool.getConnection((acquireError, again) => {
          if (acquireError) reject(acquireError)
          else {
            resolve({ error, threadId: again.threadId })
            again.release()
          }
        })
      })
    })
    await vi.waitFor(
      async () => {
        const row = await ctx.adminRow<{ n: number }>(
          "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ? AND INFO LIKE 'SELECT SLEEP%'",
          [threadId],
        )
        expect(Number(row.n)).toBe(1)
      },
      { timeout: 2_000, interval: 20 },
    )
    await ctx.admin.query('KILL ?', [threadId])
    const { error, threadId: nextThreadId } = await next
    expect(error).toMatchObject({ code: expect.stringMatching(SERVER_ENDED) })
    expect(nextThreadId).not.toBe(threadId)
    expect(await scalar(pool, 'SELECT 1')).toBe(1)
    expect(pool.stats().counters.destroyedBy.broken).toBe(1)
  })

  it('wait_timeout closing idle connections: no crash, the next query opens a fresh one', async () => {
    const pool = ctx.pool({ connectionLimit: 2 })
    pool.on('connection', (conn: PoolConnection) => {
      conn.query('SET SESSION wait_timeout = 1')
    })
    const both = [await getConnection(pool), await getConnection(pool)]
    for (const conn of both) conn.release()
    expect(pool.engine.total).toBe(2)
    await vi.waitFor(() => expect(pool.engine.total).toBe(0), { timeout: 5_000, interval: 50 })
    expect(await scalar(pool, 'SELECT 1')).toBe(1)
    expect(pool.stats().counters.destroyedBy.broken).toBe(2)
  }, 10_000)

  it('an unresponsive connection fails its PING, is destroyed, and the borrower gets a fresh one', async () => {
    const target = { host: ctx.db.config.host, port: ctx.db.config.port }
    const proxy = await createTcpProxy({ target })
    try {
      const pool = ctx.pool({
        host: '127.0.0.1',
        port: proxy.port,
        connectionLimit: 1,
        pools: { ...TEST_POOLS, validationBypassMs: 0, validationTimeoutMs: 300 },
      })
      const firstId = await scalar<number>(pool, 'SELECT CONNECTION_ID()')
      const failures: string[] = []
      pool.engine.on('validationFailed', ({ phase, error }) => {
        failures.push(`${phase}: ${error instanceof Error ? error.message : String(error)}`)
        proxy.resumeUpstream()
      })
      proxy.pauseUpstream() // the PING never reaches the server
      const secondId = await scalar<number>(pool, 'SELECT CONNECTION_ID()')
      expect(secondId).not.toBe(firstId)
      expect(failures).toEqual([expect.stringMatching(/^borrow: validate\(\) did not finish/)])
      expect(pool.stats().counters.destroyedBy['validation-failed']).toBe(1)
      await end(pool)
    } finally {
      await proxy.close()
    }
  })

  it('a wrong password: callers fail at once, the error names user@host, never the password', async () => {
    const password = 'not-the-password-7f3a9c'
    const pool = ctx.pool({
      ...ctx.db.config,
      uri: undefined,
      password,
      pools: { ...TEST_POOLS, acquireTimeoutMs: 20_000 },
    })
    const error = (await pool.engine.ready().catch((e: unknown) => e)) as Error & { code: string; cause: unknown }
    expect(error.code).toBe('POOL_CREATE_FAILED')
    expect(error.message).toContain('root@127.0.0.1:3306')
    expect(error.message).toMatch(/ER_ACCESS_DENIED_ERROR: Access denied for user 'root'@/)
    expect((error.cause as { code?: string }).code).toBe('ER_ACCESS_DENIED_ERROR')
    // a wrong password will not fix itself: callers fail at once, not after acquireTimeoutMs
    const started = performance.now()
    const timeout = (await query(pool, 'SELECT 1').catch((e: unknown) => e)) as Error & { code: string }
    expect(timeout.code).toBe('POOL_CREATE_FAILED')
    expect(timeout.message).toMatch(/Access denied for user 'root'@/)
    expect(performance.now() - started).toBeLessThan(10_000) // far below the 20 s acquire timeout
    for (const text of [
      error.message,
      inspect(error, { depth: 5 }),
      timeout.message,
      inspect(timeout, { depth: 5 }),
      JSON.stringify(pool.stats()),
      pool.engine.name,
      ...ctx.warnings,
    ]) {
      expect(text).not.toContain(password)
    }
  })

  it('end() with connections out: waiters fail at once, the borrowed one closes when released', async () => {
    const pool = ctx.pool({ connectionLimit: 1 })
    const held = await getConnection(pool)
    const waiter = getConnection(pool).catch((e: unknown) => e)
    let ended = false
    const ending = end(pool).then(() => {
      ended = true
    })
    expect(await waiter).toMatchObject({ code: 'POOL_CLOSED' })
    await expect(getConnection(pool)).rejects.toMatchObject({ code: 'POOL_CLOSED' })
    expect(await scalar(held, 'SELECT 1')).toBe(1) // the borrower can finish its work
    expect(ended).toBe(false)
    held.release()
    await ending
    expect(pool.engine.state).toBe('closed')
    await waitForMysqlConnections(ctx.db.name, 0)
  })

  it('end() with a connection never released: destroyed after closeGraceMs, its running query fails', async () => {
    const pool = ctx.pool({ connectionLimit: 2, pools: { ...TEST_POOLS, closeGraceMs: 200 } })
    const held = await getConnection(pool)
    const running = query(held, 'SELECT SLEEP(2)').catch((e: unknown) => e)
    const started = Date.now()
    await end(pool)
    expect(Date.now() - started).toBeLessThan(1_500)
    const error = (await running) as Error & { code: string }
    expect(error.message).toMatch(/destroyed by the pool while a command was still running/)
    expect(pool.stats().counters.destroyedBy['close-forced']).toBe(1)
    held.release() // harmless after the pool closed
    await waitForMysqlConnections(ctx.db.name, 0)
  })

  it('conn.destroy() frees the slot at once and closes the server connection', async () => {
    const pool = ctx.pool({ connectionLimit: 1 })
    const conn = await getConnection(pool)
    conn.destroy()
    const next = await getConnection(pool)
    expect(next.threadId).not.toBe(conn.threadId)
    next.release()
    await waitForMysqlConnections(ctx.db.name, 1)
    expect(pool.stats().counters.destroyedBy.broken).toBe(1)
  })

  it('allowExitOnIdle: a process with only idle connections exits without end()', async () => {
    const dir = await mkdtemp(join(import.meta.dirname, '.exit-'))
    try {
      const file = join(dir, 'idle.mjs')
      await writeFile(
        file,
        `import { createPool } from '@pools/core/mysql2'
const pool = createPool({ uri: ${JSON.stringify(ctx.db.url)}, pools: { allowExitOnIdle: true } })
pool.query('SELECT 1 AS one', (error, rows) => { if (error) throw error; console.log(rows[0].one) })
`,
      )
      const started = Date.now()
      const { stdout } = await run(process.execPath, [file], { timeout: 10_000 })
      expect(stdout.trim()).toBe('1')
      expect(Date.now() - started).toBeLessThan(5_000)
      await waitForMysqlConnections(ctx.db.name, 0)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('leaves no server connection behind', async () => {
    const pool = createPool({ uri: ctx.db.url, connectionLimit: 3, pools: TEST_POOLS })
    await Promise.all([query(pool, 'SELECT SLEEP(0.05)'), query(pool, 'SELECT SLEEP(0.05)'), query(pool, 'SELECT 1')])
    expect(await countMysqlConnections(ctx.db.name)).toBe(3)
    await end(pool)
    // end() waited for every COM_QUIT to be written; the server drops its threads right after
    await waitForMysqlConnections(ctx.db.name, 0, { timeoutMs: 1_000 })
  })
})
