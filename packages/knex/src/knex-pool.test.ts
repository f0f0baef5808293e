import { createPool, engineOf, isPoolError } from '@pools/core'
import knex from 'knex'
import { describe, expect, it } from 'vitest'
import { KnexEnginePool } from './knex-pool.js'

interface Conn {
  id: number
  __knex__disposed?: unknown
}

function engineFor(max = 2, acquireTimeoutMs = 1_000) {
  let next = 0
  const destroyed: number[] = []
  const engine = createPool<Conn>(
    { create: async () => ({ id: ++next }), destroy: (c) => void destroyed.push(c.id) },
    { min: 0, max, acquireTimeoutMs, housekeepingIntervalMs: 1_000 },
    { logger: false },
  )
  return { engine, destroyed }
}

describe('KnexEnginePool: tarn names, one to one onto the engine', () => {
  it('acquire().promise / release() / num*() follow the engine', async () => {
    const { engine } = engineFor()
    const pool = new KnexEnginePool(engine, true)
    const a = await pool.acquire().promise
    const b = await pool.acquire().promise
    expect([pool.numUsed(), pool.numFree(), pool.numPendingCreates()]).toEqual([2, 0, 0])
    const waiting = pool.acquire().promise
    await Promise.resolve()
    expect(pool.numPendingAcquires()).toBe(1)
    expect(pool.release(a)).toBe(true)
    expect(await waiting).toBe(a)
    expect(pool.release(a)).toBe(true)
    expect(pool.release(b)).toBe(true)
    expect(pool.release(b)).toBe(false) // not borrowed any more: tarn's "not found"
    expect([pool.numUsed(), pool.numFree()]).toEqual([0, 2])
    expect(engineOf(pool)).toBe(engine)
    await pool.destroy()
    expect(engine.state).toBe('closed')
  })

  it('a connection knex marked disposed is destroyed on release, not reused', async () => {
    const { engine, destroyed } = engineFor(1)
    const pool = new KnexEnginePool(engine, true)
    const conn = await pool.acquire().promise
    conn.__knex__disposed = new Error('Connection ended unexpectedly')
    expect(pool.release(conn)).toBe(true)
    const next = await pool.acquire().promise
    expect(next).not.toBe(conn)
    expect(destroyed).toEqual([conn.id])
    expect(engine.stats().counters.destroyedBy.broken).toBe(1)
    pool.release(next)
    await pool.destroy()
  })

  it('an acquire timeout is a KnexTimeoutError with the PoolError as its cause', async () => {
    const { engine } = engineFor(1, 20)
    const pool = new KnexEnginePool(engine, false)
    const held = await pool.acquire().promise
    const error = await pool.acquire().promise.then(
      () => undefined,
      (e: unknown) => e as Error & { cause?: unknown },
    )
    expect(error).toBeInstanceOf(knex.KnexTimeoutError)
    expect(error?.message).toMatch(/^Knex: Timeout acquiring a connection\. The pool is probably full\./)
    expect(isPoolError(error?.cause, 'POOL_ACQUIRE_TIMEOUT')).toBe(true)
    pool.release(held)
    await pool.destroy() // not owned: the engine stays open
    expect(engine.state).toBe('running')
    await engine.close()
  })

  it('plain knex accepts it as connectionPool (duck typing) and never closes it', async () => {
    const { engine } = engineFor()
    const pool = new KnexEnginePool(engine, true)
    const db = knex({ client: 'pg', connectionPool: pool })
    expect((db.client as { pool: unknown }).pool).toBe(pool)
    await db.destroy()
    expect(engine.state).toBe('running') // knex never ends an external pool
    await pool.destroy()
    expect(engine.state).toBe('closed')
  })
})
