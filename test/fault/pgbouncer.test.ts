/**
 * Fault suite, @pools/core/pg behind a real PgBouncer in transaction mode (test/harness startPgBouncer, in
 * front of a fresh database on the shared PostgreSQL). PgBouncer < 1.21 does not track protocol-level
 * prepared statements, so a statement prepared on one server connection is missing on the next: that is
 * what `poolerMode: 'transaction'` must cope with.
 *
 * Without PgBouncer installed this file fails under CI and is skipped loudly otherwise.
 */
import { Pool, type PoolConfig } from '@pools/core/pg'
import { afterEach, beforeAll, expect, it } from 'vitest'
import {
  countPgConnections,
  describeWithPgBouncer,
  describeWithPostgres,
  type PgBouncer,
  type PostgresDatabase,
  startPgBouncer,
  usePostgres,
  waitForPgConnections,
} from '../harness/index.js'
import { useProcessGuards } from './support/guards.js'
import { adminQuery, uniqueName } from './support/pg.js'
import { rejectionOf, sleep, until, within } from './support/timing.js'

describeWithPostgres('fault suite: @pools/core/pg behind PgBouncer', () => {
  describeWithPgBouncer('11. PgBouncer in transaction mode', () => {
    useProcessGuards()
    let db: PostgresDatabase
    const pools: Pool[] = []

    beforeAll(async () => {
      db = await usePostgres()
      await adminQuery(db.config, 'CREATE TABLE bouncer_tx (id serial PRIMARY KEY, worker int NOT NULL)')
    })

    afterEach(async () => {
      await Promise.all(
        pools
          .splice(0)
          .map((pool) => within(pool.ending ? pool.pools.close() : pool.end(), 15_000, 'end').catch(() => {})),
      )
    })

    function make(bouncer: PgBouncer, options: PoolConfig): Pool {
      const name = uniqueName('bouncer')
      const given = typeof options.pools === 'object' ? options.pools : {}
      const pool = new Pool({
        ...bouncer.configFor(db.name),
        application_name: name,
        ...options,
        pools: { name, ...given },
      })
      pool.on('error', () => {})
      pools.push(pool)
      return pool
    }

    /** Our clients are gone from PgBouncer, and once PgBouncer stops, its server connections are gone too. */
    async function noLeak(bouncer: PgBouncer): Promise<void> {
      await until(
        async () => (await bouncer.clientCount(db.name)) === 0,
        'no client connection left in PgBouncer',
        5_000,
      )
      await bouncer.stop()
      await waitForPgConnections(db.name, 0, { timeoutMs: 5_000 })
    }

    /**
     * Two clients, PgBouncer pool of 2, LIFO server reuse: B prepares `stmt` on server connection S2 while A's
     * transaction pins S1; A commits (S1 becomes the most recently used); B's second execution of `stmt`
     * (Bind/Execute only: pg remembers it prepared it) is sent on S1.
     */
    async function namedStatementAcrossServerConnections(pool: Pool): Promise<unknown[]> {
      const a = await pool.connect()
      const b = await pool.connect()
      try {
        await a.query('BEGIN')
        await a.query('SELECT 1')
        const named = (n: number) => ({ name: 'stmt', text: 'SELECT $1::int AS n', values: [n] })
        const first = (await b.query(named(1))).rows
        await a.query('COMMIT')
        const second = await b.query(named(2)).then(
          (result) => result.rows,
          (error: Error & { code?: string }) => error,
        )
        return [first, second]
      } finally {
        a.release()
        b.release()
      }
    }

    it(`shows the failure first: without poolerMode a named statement breaks ("prepared statement does not exist")`, async () => {
      const bouncer = await startPgBouncer({ target: db.config, poolMode: 'transaction', defaultPoolSize: 2 })
      const pool = make(bouncer, { max: 2 })
      const [first, second] = await namedStatementAcrossServerConnections(pool)
      expect(first).toEqual([{ n: 1 }])
      expect(second).toMatchObject({ code: '26000', message: 'prepared statement "stmt" does not exist' })
      await pool.end()
      await noLeak(bouncer)
    }, 30_000)

    it('with poolerMode "transaction" the same sequence works, and nothing is prepared on any server connection', async () => {
      const bouncer = await startPgBouncer({ target: db.config, poolMode: 'transaction', defaultPoolSize: 2 })
      const pool = make(bouncer, { max: 2, poolerMode: 'transaction' })
      expect(await namedStatementAcrossServerConnections(pool)).toEqual([[{ n: 1 }], [{ n: 2 }]])
      for (let i = 0; i < 4; i++) {
        expect((await pool.query('SELECT count(*)::int AS n FROM pg_prepared_statements')).rows).toEqual([{ n: 0 }])
      }
      await pool.end()
      await noLeak(bouncer)
    }, 30_000)

    it('20 callers, pool max 10, PgBouncer default_pool_size 3: named statements and transactions all work', async () => {
      const bouncer = await startPgBouncer({ target: db.config, poolMode: 'transaction', defaultPoolSize: 3 })
      const pool = make(bouncer, { max: 10, poolerMode: 'transaction', connectionTimeoutMillis: 10_000 })
      let maxServers = 0
      let maxClients = 0
      let sampling = true
      const sampler = (async () => {
        while (sampling) {
          maxServers = Math.max(maxServers, await countPgConnections(db.name))
          maxClients = Math.max(maxClients, await bouncer.clientCount(db.name))
          await sleep(25)
        }
      })()
      const committed = new Map<number, number>()
      const failures: string[] = []
      const worker = async (w: number) => {
        for (let i = 0; i < 12; i++) {
          try {
            switch (i % 4) {
              case 0: {
                const { rows } = await pool.query<{ n: number }>({
                  name: 'count-mine',
                  text: 'SELECT count(*)::int AS n FROM bouncer_tx WHERE worker = $1',
                  values: [w],
                })
                if (rows[0]!.n !== (committed.get(w) ?? 0)) failures.push(`worker ${w}: sees ${rows[0]!.n} rows`)
                break
              }
              case 1: {
                const client = await pool.connect()
                try {
                  await client.query('BEGIN')
                  await client.query({
                    name: 'insert',
                    text: 'INSERT INTO bouncer_tx (worker) VALUES ($1)',
                    values: [w],
                  })
                  await client.query({
                    name: 'count-mine',
                    text: 'SELECT count(*)::int AS n FROM bouncer_tx WHERE worker = $1',
                    values: [w],
                  })
                  await client.query('COMMIT')
                  committed.set(w, (committed.get(w) ?? 0) + 1)
                } finally {
                  client.release()
                }
                break
              }
              case 2: {
                // released inside its transaction: the pool rolls it back (which also frees PgBouncer's server connection)
                const client = await pool.connect()
                await client.query('BEGIN')
                await client.query({ name: 'insert', text: 'INSERT INTO bouncer_tx (worker) VALUES ($1)', values: [w] })
                client.release()
                break
              }
              default: {
                const client = await pool.connect()
                try {
                  const status = client.getTransactionStatus()
                  const { rows } = await client.query<{ txid: string | null }>({
                    name: 'txid',
                    text: 'SELECT txid_current_if_assigned()::text AS txid',
                  })
                  if (status !== 'I' || rows[0]!.txid !== null)
                    failures.push(`worker ${w}: borrowed inside a transaction`)
                } finally {
                  client.release()
                }
              }
            }
          } catch (error) {
            failures.push(`worker ${w} step ${i}: ${(error as Error).message}`)
          }
        }
      }
      await within(Promise.all(Array.from({ length: 20 }, (_, w) => worker(w))), 30_000, '20 workers')
      sampling = false
      await sampler
      expect(failures).toEqual([])
      const total = [...committed.values()].reduce((a, b) => a + b, 0)
      expect(total).toBe(20 * 3)
      const rows = await adminQuery<{ n: number }>(db.config, 'SELECT count(*)::int AS n FROM bouncer_tx')
      expect(rows[0]!.n).toBe(total) // nothing released mid-transaction was committed
      expect(maxServers).toBeLessThanOrEqual(3)
      expect(maxClients).toBeLessThanOrEqual(10)
      expect(pool.stats().counters.destroyedBy['reset-failed']).toBe(0)
      console.info(
        `[faults] ${bouncer.version}: 240 operations by 20 callers, ${pool.stats().counters.created} pool connections, ` +
          `at most ${maxClients} PgBouncer clients and ${maxServers} server connections`,
      )
      await pool.end()
      await noLeak(bouncer)
    }, 60_000)

    it('PgBouncer going away: callers get clear errors, no crash, no leak', async () => {
      const bouncer = await startPgBouncer({ target: db.config, poolMode: 'transaction', defaultPoolSize: 2 })
      const pool = make(bouncer, { max: 3, poolerMode: 'transaction', connectionTimeoutMillis: 1_000 })
      await Promise.all([pool.query('SELECT 1'), pool.query('SELECT 1'), pool.query('SELECT 1')])
      const held = await pool.connect()
      await bouncer.stop()
      expect(await rejectionOf(held.query('SELECT 1'))).toBeInstanceOf(Error)
      held.release()
      const error = await rejectionOf(pool.query('SELECT 1'))
      expect(error.message).toMatch(/ECONNREFUSED|Connection terminated|timeout/)
      await until(() => pool.totalCount === 0, 'every dead client removed', 3_000)
      await pool.end()
      await waitForPgConnections(db.name, 0, { timeoutMs: 5_000 })
    }, 30_000)
  })
})
