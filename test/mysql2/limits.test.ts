/**
 * connectionLimit (counted on the server), waitForConnections: false, queueLimit, acquire timeouts,
 * and stats / health / leaks seeing every checkout, pool.query() and pool.execute() included.
 */
import type { PoolConnection } from 'mysql2'
import { expect, it, vi } from 'vitest'
import { countMysqlConnections, describeWithMysql } from '../harness/index.js'
import { getConnection, query, TEST_POOLS, useMysql2Context } from './support.js'

describeWithMysql('@pools/core/mysql2 limits', () => {
  const ctx = useMysql2Context()

  it('never opens more than connectionLimit server connections', async () => {
    const pool = ctx.pool({ connectionLimit: 3 })
    let maxSeen = 0
    let sampling = true
    const sampler = (async () => {
      while (sampling) {
        maxSeen = Math.max(maxSeen, await countMysqlConnections(ctx.db.name), pool.engine.total)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    })()
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => query<{ i: number }[]>(pool, 'SELECT SLEEP(0.1) AS s, ? AS i', [i])),
    )
    sampling = false
    await sampler
    expect(results.map((rows) => rows[0]?.i)).toEqual(Array.from({ length: 12 }, (_, i) => i))
    expect(maxSeen).toBe(3)
    expect(await countMysqlConnections(ctx.db.name)).toBe(3)
    expect(pool.stats()).toMatchObject({ total: 3, borrowed: 0, counters: { created: 3, acquired: 12, released: 12 } })
  })

  it('waitForConnections: false fails at once when all are in use, but still opens new ones below the limit', async () => {
    const pool = ctx.pool({ connectionLimit: 2, waitForConnections: false })
    // three in the same tick: two get a new connection, the third is refused at once
    const outcomes = await Promise.allSettled([getConnection(pool), getConnection(pool), getConnection(pool)])
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected'])
    const refused = (outcomes[2] as PromiseRejectedResult).reason as Error & { code: string }
    expect(refused.code).toBe('POOL_QUEUE_FULL')
    expect(refused.message).toMatch(/waitForRelease: false/)
    const started = Date.now()
    await expect(getConnection(pool)).rejects.toMatchObject({ code: 'POOL_QUEUE_FULL' })
    expect(Date.now() - started).toBeLessThan(100)
    for (const outcome of outcomes) if (outcome.status === 'fulfilled') outcome.value.release()
    const again = await getConnection(pool)
    again.release()
    // the engine refuses (no adapter-side check), so its counters see every refusal
    expect(pool.stats().counters).toMatchObject({ created: 2, queueFull: 2 })
  })

  it('queueLimit bounds the callers waiting for a release (POOL_QUEUE_FULL), served in order', async () => {
    const pool = ctx.pool({ connectionLimit: 1, queueLimit: 2 })
    const held = await getConnection(pool)
    const order: number[] = []
    const waiting = [1, 2].map((n) =>
      getConnection(pool).then((conn) => {
        order.push(n)
        conn.release()
      }),
    )
    await expect(getConnection(pool)).rejects.toMatchObject({ code: 'POOL_QUEUE_FULL' })
    await expect(query(pool, 'SELECT 1')).rejects.toMatchObject({ code: 'POOL_QUEUE_FULL' })
    held.release()
    await Promise.all(waiting)
    expect(order).toEqual([1, 2])
  })

  it('a caller waits at most acquireTimeoutMs (mysql2 itself would wait forever)', async () => {
    const pool = ctx.pool({ connectionLimit: 1, pools: { acquireTimeoutMs: 200 } })
    const held = await getConnection(pool)
    const started = Date.now()
    const error = (await query(pool, 'SELECT 1').catch((e: unknown) => e)) as Error & { code: string }
    expect(error.code).toBe('POOL_ACQUIRE_TIMEOUT')
    expect(Date.now() - started).toBeGreaterThanOrEqual(190)
    held.release()
    expect(pool.health().status).not.toBe('healthy')
  })

  it('stats, health and leaks see pool.query() and pool.execute() checkouts', async () => {
    const pool = ctx.pool({
      connectionLimit: 2,
      pools: { leakDetectionThresholdMs: 100, housekeepingIntervalMs: 50, timingSampleEvery: 1 },
    })
    const slow = query(pool, 'SELECT SLEEP(0.6) AS s')
    await vi.waitFor(() => expect(pool.leaks()).toHaveLength(1), { timeout: 2_000, interval: 25 })
    expect(pool.stats()).toMatchObject({ borrowed: 1, leakSuspects: 1 })
    expect(pool.leaks()[0]?.heldMs).toBeGreaterThanOrEqual(100)
    await slow
    expect(pool.leaks()).toHaveLength(0)
    await new Promise<void>((resolve, reject) =>
      pool.execute('SELECT ? AS x', [1], (error) => (error ? reject(error) : resolve())),
    )
    const stats = pool.stats()
    expect(stats.counters).toMatchObject({ acquired: 2, released: 2 })
    expect(stats.useTimeMs.count).toBe(2)
    expect(stats.useTimeMs.max).toBeGreaterThanOrEqual(590)
    expect(ctx.warnings.some((w) => w.includes('possible leak'))).toBe(true)
  })

  it('validates with PING before lending a connection idle past validationBypassMs', async () => {
    const pool = ctx.pool({ connectionLimit: 1, pools: { validationBypassMs: 50 } })
    await query(pool, 'SELECT 1')
    await query(pool, 'SELECT 1')
    expect(pool.stats().counters.validations).toBe(0)
    await new Promise((resolve) => setTimeout(resolve, 80))
    await query(pool, 'SELECT 1')
    expect(pool.stats().counters).toMatchObject({ validations: 1, validationFailures: 0, created: 1 })
  })

  it('pools.min keeps connections open and warm; ready() waits for them', async () => {
    const pool = ctx.pool({ connectionLimit: 4, pools: { ...TEST_POOLS, min: 2 } })
    const created: number[] = []
    pool.on('connection', (conn: PoolConnection) => created.push(conn.threadId))
    await pool.engine.ready()
    await vi.waitFor(() => expect(pool.engine.total).toBe(2), { timeout: 2_000, interval: 10 })
    expect(await countMysqlConnections(ctx.db.name)).toBe(2)
    expect(created).toHaveLength(2)
  })
  it('maxIdle caps idle connections as mysql2 does: the longest idle close at the next pass (counted on the server)', async () => {
    const pool = ctx.pool({ connectionLimit: 5, maxIdle: 2, pools: { ...TEST_POOLS, housekeepingIntervalMs: 100 } })
    expect([pool.engine.config.maxIdle, pool.config.maxIdle]).toEqual([2, 2])
    const conns = await Promise.all(Array.from({ length: 5 }, () => getConnection(pool)))
    expect(await countMysqlConnections(ctx.db.name)).toBe(5)
    const threadIds = conns.map((c) => c.threadId)
    for (const c of conns) c.release()
    await vi.waitFor(async () => expect(await countMysqlConnections(ctx.db.name)).toBe(2), {
      timeout: 3_000,
      interval: 25,
    })
    expect(pool.engine.idle).toBe(2)
    expect(pool.stats().counters.destroyedBy['max-idle']).toBe(3)
    // the two most recently released are kept
    const kept = await Promise.all([getConnection(pool), getConnection(pool)])
    expect(kept.map((c) => c.threadId).sort()).toEqual(threadIds.slice(3).sort())
    for (const c of kept) c.release()
    // without maxIdle (mysql2's default: connectionLimit) nothing is capped
    const uncapped = ctx.pool({ connectionLimit: 3 })
    expect(uncapped.engine.config.maxIdle).toBe(Number.POSITIVE_INFINITY)
    expect(uncapped.config.maxIdle).toBe(3)
  })
})
