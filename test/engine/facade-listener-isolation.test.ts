/**
 * A throwing or rejecting engine listener, on the path a drop-in's query takes (pg `pool.query`,
 * mysql2 `pool.query`), never leaves a query unsettled and never becomes an unhandled rejection:
 * the engine reports it as an `error` event and the query completes. Real servers.
 */
import { type Pool as EnginePool, engineOf, type PoolEventName } from '@pools/core'
import { createPool as createMysqlPool } from '@pools/core/mysql2'
import { Pool as PgPool } from '@pools/core/pg'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { describeWithMysql, describeWithPostgres, useMysql, usePostgres } from '../harness/index.js'

/** The engine behind a facade: `engineOf()` once the facade exposes `[ENGINE]`, else its engine property. */
function engineBehind(facade: object): EnginePool<unknown> {
  try {
    return engineOf(facade)
  } catch {
    const f = facade as { pools?: EnginePool<unknown>; engine?: EnginePool<unknown> }
    const engine = f.pools ?? f.engine
    if (engine === undefined) throw new Error('no engine behind this facade')
    return engine
  }
}

const LOAN_EVENTS: PoolEventName[] = ['enqueue', 'acquire', 'release', 'create']

/** Make every loan event's listener fail (throwing for some, rejecting for others); collect what the engine reports. */
function breakListeners(engine: EnginePool<unknown>): Error[] {
  const reported: Error[] = []
  engine.on('error', ({ error }) => reported.push(error))
  LOAN_EVENTS.forEach((event, i) => {
    engine.on(
      event,
      (i % 2 === 0
        ? () => {
            throw new Error(`${event} listener bug`)
          }
        : async () => {
            throw new Error(`${event} async listener bug`)
          }) as () => void,
    )
  })
  return reported
}

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)
beforeEach(() => {
  unhandled.length = 0
  process.on('unhandledRejection', onUnhandled)
})
afterEach(() => {
  process.off('unhandledRejection', onUnhandled)
})

describeWithPostgres('failing engine listeners under @pools/core/pg', () => {
  it('pool.query() and connect()/release() all settle with their results', async () => {
    const db = await usePostgres()
    const pool = new PgPool({ ...db.config, max: 2, pools: { name: `listeners-${process.pid}` } })
    try {
      const reported = breakListeners(engineBehind(pool))
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => pool.query<{ n: number }>('SELECT $1::int AS n', [i])),
      )
      expect(results.map((r) => r.rows[0]!.n)).toEqual(Array.from({ length: 12 }, (_, i) => i))
      const client = await pool.connect()
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
      client.release()
      await new Promise((resolve) => setImmediate(resolve))
      expect(reported.some((e) => e.message === 'acquire async listener bug')).toBe(true)
      expect(reported.some((e) => e.message === 'release listener bug')).toBe(true)
      expect(unhandled).toEqual([])
    } finally {
      await pool.end()
    }
  })
})

describeWithMysql('failing engine listeners under @pools/core/mysql2', () => {
  it('pool.query() calls all settle with their results', async () => {
    const db = await useMysql()
    const pool = createMysqlPool({ uri: db.url, connectionLimit: 2 })
    try {
      const reported = breakListeners(engineBehind(pool))
      const results = await Promise.all(
        Array.from(
          { length: 12 },
          (_, i) =>
            new Promise<number>((resolve, reject) =>
              pool.query('SELECT ? AS n', [i], (error, rows) =>
                error ? reject(error) : resolve((rows as { n: number }[])[0]!.n),
              ),
            ),
        ),
      )
      expect(results).toEqual(Array.from({ length: 12 }, (_, i) => i))
      await new Promise((resolve) => setImmediate(resolve))
      expect(reported.some((e) => e.message === 'acquire async listener bug')).toBe(true)
      expect(unhandled).toEqual([])
    } finally {
      await new Promise<void>((resolve) => pool.end(() => resolve()))
    }
  })
})
