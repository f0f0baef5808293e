/**
 * Drop-in behaviour, scenario by scenario, on pg.Pool and on @pools/core/pg side by side (real
 * PostgreSQL): end() with work queued, a failed connect, counters at the moment of a removal, idle
 * timeouts, events and callbacks, hooks that fail, quietness, a shared engine, the standalone driver.
 */

import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { createPool, type Pool as EnginePool, isPoolError } from '@pools/core'
import { createPgDriver, Pool, type PoolConfig } from '@pools/core/pg'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { describeWithPostgres, type PostgresDatabase, usePostgres, waitForPgConnections } from '../harness/index.js'
import { admin, rejectionOf, sleep, uniqueName, until, within } from './helpers.js'

type Kind = 'pg' | 'pools'
const KINDS: Kind[] = ['pg', 'pools']
const ENGINE = Symbol.for('@pools/core.engine')

interface Settled {
  ok: boolean
  value?: unknown
  error?: Error & { code?: string }
}

/** Record how a promise settles, without ever rejecting. */
function track(promise: Promise<unknown>): { settled: Settled | undefined; done: Promise<void> } {
  const box: { settled: Settled | undefined; done: Promise<void> } = { settled: undefined, done: Promise.resolve() }
  box.done = promise.then(
    (value) => {
      box.settled = { ok: true, value }
    },
    (error: Error) => {
      box.settled = { ok: false, error }
    },
  )
  return box
}

describeWithPostgres('@pools/core/pg behaves as pg.Pool, scenario by scenario', () => {
  let db: PostgresDatabase
  const open: pg.Pool[] = []
  const closers: Array<() => Promise<void>> = []
  const appNames: string[] = []

  beforeAll(async () => {
    db = await usePostgres()
  })

  afterEach(async () => {
    vi.restoreAllMocks()
    await Promise.all(open.splice(0).map((pool) => (pool.ending ? undefined : pool.end().catch(() => {}))))
    await Promise.all(closers.splice(0).map((close) => close()))
  })

  afterAll(async () => {
    for (const name of appNames) await waitForPgConnections(db.name, 0, { applicationName: name })
  })

  function make(kind: Kind, options: PoolConfig & { logger?: unknown } = {}): pg.Pool {
    const application_name = options.application_name ?? uniqueName(`dropin-${kind}`)
    appNames.push(application_name)
    const config = { ...db.config, application_name, ...options }
    const pool = kind === 'pg' ? new pg.Pool(config) : new Pool(config as PoolConfig)
    open.push(pool)
    return pool
  }

  const serverCount = async (name: string) =>
    (
      await admin<{ n: number }>(
        db.config,
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = $2',
        [db.name, name],
      )
    )[0]!.n

  describe('1. end() with work queued', () => {
    it('queries started before end() complete (pg-pool: those waiting for a release hang); new calls are refused', async () => {
      const outcome: Record<Kind, { settled: Array<Settled | undefined>; refused: string; ended: boolean }> = {
        pg: { settled: [], refused: '', ended: false },
        pools: { settled: [], refused: '', ended: false },
      }
      for (const kind of KINDS) {
        const pool = make(kind, { max: 2 })
        const calls = Array.from({ length: 5 }, (_, i) =>
          track(pool.query('SELECT $1::int AS i, pg_sleep(0.05)', [i]).then((r) => r.rows[0].i)),
        )
        const ending = track(pool.end())
        outcome[kind].refused = (await rejectionOf(pool.query('SELECT 1'))).message
        await within(ending.done, 5_000, 'end()')
        // pg-pool resolves end() as soon as its clients are gone; give anything still coming a moment
        await sleep(300)
        outcome[kind].settled = calls.map((call) => call.settled)
        outcome[kind].ended = pool.ended
      }
      // pg.Pool: the two queries that started a connection complete, the three queued for a release never settle
      expect(outcome.pg.settled.slice(0, 2)).toEqual([
        { ok: true, value: 0 },
        { ok: true, value: 1 },
      ])
      expect(outcome.pg.settled.slice(2)).toEqual([undefined, undefined, undefined])
      // ours: every query queued before end() completes, in order, and end() resolved after them
      expect(outcome.pools.settled).toEqual([0, 1, 2, 3, 4].map((value) => ({ ok: true, value })))
      expect(outcome.pools.refused).toBe(outcome.pg.refused)
      expect(outcome.pools.refused).toBe('Cannot use a pool after calling end on the pool')
      expect([outcome.pg.ended, outcome.pools.ended]).toEqual([true, true])
    })

    it('end() resolves after the queued work, not before it (pg-pool resolves first)', async () => {
      const pool = make('pools', { max: 1 })
      const order: string[] = []
      const queries = [0, 1, 2].map((i) => pool.query('SELECT pg_sleep(0.02)').then(() => order.push(`query ${i}`)))
      await pool.end().then(() => order.push('end'))
      await Promise.all(queries)
      expect(order).toEqual(['query 0', 'query 1', 'query 2', 'end'])
      expect(await serverCount(pool.options.application_name as string)).toBe(0)
    })
  })

  describe('2. a connection attempt that fails', () => {
    it('fails only the caller whose connect started it; the others are served (no retry delay)', async () => {
      const results: Record<Kind, string[]> = { pg: [], pools: [] }
      for (const kind of KINDS) {
        let attempts = 0
        const pool = make(kind, {
          max: 3,
          onConnect: async () => {
            attempts++
            if (attempts === 1) throw new Error('first connection refused by onConnect')
          },
          // a long engine backoff: the drop-in must not wait for it
          ...(kind === 'pools' ? { pools: { retry: { initialDelayMs: 5_000, maxDelayMs: 5_000 } } } : {}),
        })
        const started = performance.now()
        const outcomes = await within(
          Promise.all(
            [0, 1, 2].map((i) =>
              pool.query('SELECT $1::int AS i', [i]).then(
                (r) => `ok ${r.rows[0].i}`,
                (error: Error) => `failed: ${error.message}`,
              ),
            ),
          ),
          3_000,
          'three queries, the first connection failing',
        )
        results[kind] = outcomes.sort()
        expect(performance.now() - started).toBeLessThan(2_500)
        // and the next call connects at once, no backoff
        expect((await within(pool.query('SELECT 1 AS ok'), 2_000, 'the next query')).rows).toEqual([{ ok: 1 }])
      }
      expect(results.pools.filter((r) => r.startsWith('failed'))).toEqual([
        'failed: first connection refused by onConnect',
      ])
      expect(results.pools.filter((r) => r.startsWith('ok'))).toHaveLength(2)
      expect(results.pools.length).toBe(results.pg.length)
      expect(results.pg.filter((r) => r.startsWith('failed'))).toHaveLength(1)
    })

    it('with max 1, each waiting connect gets its own attempt and its own error', async () => {
      const errors: Record<Kind, string[]> = { pg: [], pools: [] }
      for (const kind of KINDS) {
        const pool = make(kind, { max: 1, host: '127.0.0.1', port: 1 })
        const outcomes = await within(
          Promise.all([rejectionOf(pool.connect()), rejectionOf(pool.connect()), rejectionOf(pool.connect())]),
          3_000,
          'three connects to a closed port',
        )
        errors[kind] = outcomes.map((error) => error.code ?? '')
      }
      expect(errors.pools).toEqual(errors.pg)
      expect(errors.pools).toEqual(['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED'])
    })
  })

  describe('3. counters at the moment of a removal', () => {
    const snapshot = (pool: pg.Pool) => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount })

    for (const min of [0, 1]) {
      it(`min ${min}: totalCount drops at once for maxUses, release(err), release(true), an idle error and lifetime`, async () => {
        const seen: Record<Kind, unknown[]> = { pg: [], pools: [] }
        for (const kind of KINDS) {
          const pool = make(kind, { max: 3, min, maxUses: 2, maxLifetimeSeconds: 1 })
          pool.on('error', () => {})
          const note = (label: string) => seen[kind].push([label, snapshot(pool)])
          const first = await pool.connect()
          note('one out')
          first.release()
          note('one back')
          ;(await pool.connect()).release() // second use: maxUses retires it
          note('maxUses')
          ;(await pool.connect()).release(new Error('broken'))
          note('release(err)')
          ;(await pool.connect()).release(true)
          note('release(true)')
          const idle = await pool.connect()
          const pid = (await idle.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
          idle.release()
          await until(() => pool.idleCount >= 1, 'an idle client')
          // counted in the 'error' listener: the moment of the removal (ours then refills min)
          const errored = new Promise((resolve) => pool.once('error', () => resolve(note('idle error'))))
          await admin(db.config, 'SELECT pg_terminate_backend($1)', [pid])
          await errored
          const aging = await pool.connect()
          await sleep(1_100)
          aging.release()
          note('lifetime')
          await pool.end()
        }
        // the moment a client is removed, neither pool counts it (ours refills min afterwards)
        expect(seen.pools).toEqual(seen.pg)
        expect(seen.pools).toContainEqual(['maxUses', { total: 0, idle: 0, waiting: 0 }])
        expect(seen.pools).toContainEqual(['lifetime', { total: 0, idle: 0, waiting: 0 }])
      }, 15_000)
    }

    it('clients released together never take the pool below min (idle timeout), as pg-pool', async () => {
      const totals: Record<Kind, number[]> = { pg: [], pools: [] }
      for (const kind of KINDS) {
        const pool = make(kind, { max: 5, min: 2, idleTimeoutMillis: 150 })
        const clients = await Promise.all(Array.from({ length: 5 }, () => pool.connect()))
        for (const client of clients) client.release()
        totals[kind].push(pool.totalCount)
        await sleep(700)
        totals[kind].push(pool.totalCount, pool.idleCount)
      }
      expect(totals.pools).toEqual(totals.pg)
      expect(totals.pools).toEqual([5, 2, 2])
    })

    it('retirements at the same moment refill to exactly min, not more', async () => {
      const pool = make('pools', { max: 10, min: 2, maxUses: 1 })
      const clients = await Promise.all(Array.from({ length: 5 }, () => pool.connect()))
      for (const client of clients) client.release()
      expect(pool.totalCount).toBe(0)
      await until(() => pool.totalCount === 2 && pool.idleCount === 2, 'min refilled')
      await sleep(100)
      expect(pool.totalCount).toBe(2)
    })
  })

  describe('4. idle timeout', () => {
    it('a client idle longer than idleTimeoutMillis is closed at about that time, and recreated on demand', async () => {
      const closedAfter: Record<Kind, number> = { pg: 0, pools: 0 }
      for (const kind of KINDS) {
        const name = uniqueName(`dropin-idle-${kind}`)
        const pool = make(kind, { application_name: name, idleTimeoutMillis: 300 })
        const client = await pool.connect()
        const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
        const releasedAt = performance.now()
        client.release()
        await sleep(150)
        expect(pool.totalCount).toBe(1) // not before its time
        await until(() => pool.totalCount === 0, 'the idle client is closed', 2_000)
        closedAfter[kind] = performance.now() - releasedAt
        await waitForPgConnections(db.name, 0, { applicationName: name })
        const next = (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
        expect(next).not.toBe(pid)
        expect(pool.totalCount).toBe(1)
      }
      // at about idleTimeoutMillis, not at a later sweep
      expect(closedAfter.pools).toBeGreaterThanOrEqual(290)
      expect(closedAfter.pools).toBeLessThan(closedAfter.pg + 250)
    })
  })

  describe('5. events and hooks', () => {
    it("'connect' is emitted only for connections that succeeded (onConnect failure, refused port)", async () => {
      const events: Record<Kind, string[]> = { pg: [], pools: [] }
      for (const kind of KINDS) {
        let fail = true
        const pool = make(kind, {
          max: 2,
          onConnect: () => {
            if (fail) throw new Error('no')
          },
        })
        pool.on('connect', () => events[kind].push('connect'))
        pool.on('error', () => events[kind].push('error'))
        events[kind].push((await rejectionOf(pool.query('SELECT 1'))).message)
        fail = false
        await pool.query('SELECT 1')
        const refused = make(kind, { host: '127.0.0.1', port: 1 })
        refused.on('connect', () => events[kind].push('connect (refused pool)'))
        events[kind].push((await rejectionOf(refused.query('SELECT 1'))).code ?? '')
      }
      expect(events.pools).toEqual(events.pg)
      expect(events.pools).toEqual(['no', 'connect', 'ECONNREFUSED'])
    })

    it('every callback signature: connect(cb), query(text, cb), query(text, values, cb), query(config, cb), end(cb)', async () => {
      const transcripts: Record<Kind, unknown[]> = { pg: [], pools: [] }
      for (const kind of KINDS) {
        const pool = make(kind, { max: 2 })
        const log = transcripts[kind]
        const viaCallback = (run: (cb: (...args: unknown[]) => void) => unknown) =>
          new Promise<unknown[]>((resolve) => {
            // 'sync' when the callback ran before the call returned (errors after end())
            let returned: unknown = 'sync'
            returned = run((...args) => resolve([returned, ...args]))
          })
        const describeArgs = (args: unknown[]) =>
          args.map((arg) =>
            arg instanceof Error
              ? `Error: ${arg.message}`
              : arg instanceof pg.Client
                ? 'client'
                : typeof arg === 'function'
                  ? 'function'
                  : arg !== null && typeof arg === 'object' && 'rows' in arg
                    ? (arg as pg.QueryResult).rows
                    : arg,
          )
        log.push(
          describeArgs(
            await viaCallback((cb) =>
              pool.connect((err, client, done) => {
                const same = done === client?.release
                done()
                cb(err, client, same)
              }),
            ),
          ),
        )
        log.push(describeArgs(await viaCallback((cb) => pool.query('SELECT 1 AS a', cb))))
        log.push(describeArgs(await viaCallback((cb) => pool.query('SELECT $1::int AS b', [2], cb))))
        log.push(describeArgs(await viaCallback((cb) => pool.query({ text: 'SELECT $1::int AS c', values: [3] }, cb))))
        const queryConfigValues = pool.query as unknown as (config: object, values: unknown[], cb: unknown) => void
        log.push(
          describeArgs(
            await viaCallback((cb) => queryConfigValues.call(pool, { text: 'SELECT $1::int AS d' }, [4], cb)),
          ),
        )
        log.push(describeArgs(await viaCallback((cb) => pool.query('SELEC 1', cb))).map(String))
        // end(cb): what it is called with (pg-pool calls it synchronously when every client is idle, we
        // once the sockets are closed, so the return-before-callback marker is left out)
        log.push(describeArgs((await viaCallback((cb) => pool.end(cb as () => void))).slice(1)))
        log.push(describeArgs(await viaCallback((cb) => pool.connect(cb))))
        log.push(describeArgs(await viaCallback((cb) => pool.query('SELECT 1', cb))))
        log.push(describeArgs(await viaCallback((cb) => pool.end(cb as () => void))))
      }
      expect(transcripts.pools).toEqual(transcripts.pg)
      expect(transcripts.pools[0]).toEqual([undefined, undefined, 'client', true])
      expect(transcripts.pools[6]).toEqual([]) // end(cb): called with no arguments
      expect(transcripts.pools[9]).toEqual(['sync', 'Error: Called end on pool more than once'])
    })

    it("a throwing 'acquire' listener fails that checkout (pg-pool throws it uncaught) and the client goes back", async () => {
      const pool = make('pools', { max: 1 })
      let fail = true
      pool.on('acquire', () => {
        if (fail) throw new Error('acquire listener bug')
      })
      const viaCallback = await new Promise<unknown[]>((resolve) => {
        pool.connect((err, client, done) => resolve([err, client, done]))
      })
      expect((viaCallback[0] as Error).message).toBe('acquire listener bug')
      expect(viaCallback[1]).toBeUndefined()
      expect(typeof viaCallback[2]).toBe('function') // pg-pool hands a no-op done with an error
      expect((await rejectionOf(pool.connect())).message).toBe('acquire listener bug')
      expect((await rejectionOf(pool.query('SELECT 1'))).message).toBe('acquire listener bug')
      // the one client was given back each time: nothing is borrowed, and the next checkout works
      expect((pool as Pool).pools.stats()).toMatchObject({ borrowed: 0, total: 1 })
      fail = false
      const client = await pool.connect()
      expect((await client.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }])
      client.release()
    })

    it('repeated onConnect failures close every client: no server connection is left behind', async () => {
      for (const kind of KINDS) {
        const name = uniqueName(`dropin-hook-${kind}`)
        const pool = make(kind, {
          application_name: name,
          max: 3,
          onConnect: async (client) => {
            await client.query('SELECT 1')
            throw new Error('hook says no')
          },
        })
        for (let round = 0; round < 4; round++) {
          const errors = await Promise.all(Array.from({ length: 5 }, () => rejectionOf(pool.query('SELECT 1'))))
          for (const error of errors) expect(error.message).toBe('hook says no')
        }
        expect(pool.totalCount).toBe(0)
        await waitForPgConnections(db.name, 0, { applicationName: name })
      }
    })

    it('a queued connect that timed out gives the client connected for it back to the pool', async () => {
      const after: Record<Kind, unknown> = { pg: undefined, pools: undefined }
      for (const kind of KINDS) {
        let hookCalls = 0
        const pool = make(kind, {
          max: 1,
          connectionTimeoutMillis: 200,
          // pg-pool's connectionTimeoutMillis bounds the TCP/startup connect only (pg's Client enforces it
          // here too), not onConnect; the engine's create timeout would also cover the hook
          ...(kind === 'pools' ? { pools: { createTimeoutMs: 5_000 } } : {}),
          onConnect: async () => {
            hookCalls++
            if (hookCalls > 1) await sleep(500)
          },
        })
        const held = await pool.connect()
        const queued = rejectionOf(pool.connect())
        await until(() => pool.waitingCount === 1, 'one connect queued')
        held.release(true) // removed: the queued connect now gets a new, slow connection
        const error = await queued
        expect(error.message).toMatch(/^timeout exceeded when trying to connect/)
        await until(() => pool.idleCount === 1, 'the late client is idle in the pool', 2_000)
        const reused = await pool.connect()
        after[kind] = { total: pool.totalCount, hookCalls }
        reused.release()
      }
      expect(after.pools).toEqual(after.pg)
      expect(after.pools).toEqual({ total: 1, hookCalls: 2 })
    })

    it("pg-pool's log lines for removals are kept", async () => {
      const lines: Record<Kind, string[]> = { pg: [], pools: [] }
      for (const kind of KINDS) {
        const log = (...messages: unknown[]) => {
          if (typeof messages[0] === 'string' && messages[0].startsWith('remove ')) lines[kind].push(messages[0])
        }
        const expended = make(kind, { max: 1, maxUses: 1, log })
        await expended.query('SELECT 1')
        const idle = make(kind, { max: 1, idleTimeoutMillis: 50, log })
        await idle.query('SELECT 1')
        await until(() => idle.totalCount === 0, 'the idle client is removed')
        const expired = make(kind, { max: 1, maxLifetimeSeconds: 1, log })
        const client = await expired.connect()
        await sleep(1_050)
        client.release()
        await until(() => expired.totalCount === 0, 'the expired client is removed')
      }
      expect(lines.pools).toEqual(lines.pg)
      expect(lines.pools).toEqual(['remove expended client', 'remove idle client', 'remove expired client'])
    })
  })

  describe('6. as quiet as pg.Pool', () => {
    it('no console line for failing creates or throwing listeners; a given logger hears them', async () => {
      const spies = (['warn', 'info', 'error', 'log', 'debug'] as const).map((method) =>
        vi.spyOn(console, method).mockImplementation(() => {}),
      )
      const refused = make('pools', { host: '127.0.0.1', port: 1, max: 2 })
      for (let i = 0; i < 3; i++) await rejectionOf(refused.query('SELECT 1'))
      const throwing = make('pools', { max: 1 })
      throwing.on('connect', () => {
        throw new Error('connect listener bug')
      })
      throwing.on('remove', () => {
        throw new Error('remove listener bug')
      })
      expect((await throwing.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }])
      ;(await throwing.connect()).release(true)
      await until(() => throwing.totalCount === 0, 'the client is removed')
      await sleep(50)
      for (const spy of spies) expect(spy).not.toHaveBeenCalled()

      const lines: string[] = []
      const logged = make('pools', {
        host: '127.0.0.1',
        port: 1,
        logger: { warn: (line: string) => lines.push(line) },
      })
      await rejectionOf(logged.query('SELECT 1'))
      expect(lines.join('\n')).toMatch(/ECONNREFUSED/)
      expect(() => new Pool({ logger: {} as never })).toThrow(/"logger" must be an object with a warn/)
      for (const spy of spies) expect(spy).not.toHaveBeenCalled()
    })

    it("an idle client's error with no 'error' listener ends the process as with pg.Pool", async () => {
      const run = promisify(execFile)
      const root = join(import.meta.dirname, '..', '..')
      const outcomes: Record<Kind, { code: number | null; stderr: string }> = {
        pg: { code: null, stderr: '' },
        pools: { code: null, stderr: '' },
      }
      for (const kind of KINDS) {
        const script = `
          import pg from 'pg'
          import { Pool } from '@pools/core/pg'
          const config = JSON.parse(process.env.PG_CONFIG)
          const pool = process.env.KIND === 'pg' ? new pg.Pool(config) : new Pool(config)
          const client = await pool.connect()
          const { rows } = await client.query('SELECT pg_backend_pid() AS pid')
          client.release()
          const admin = new pg.Client(config)
          await admin.connect()
          await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid])
          await admin.end()
          setTimeout(() => { console.log('survived'); process.exit(0) }, 2000)
        `
        const result = await run(process.execPath, ['--input-type=module', '-e', script], {
          cwd: root,
          env: {
            ...process.env,
            KIND: kind,
            PG_CONFIG: JSON.stringify({ ...db.config, application_name: uniqueName(`dropin-crash-${kind}`) }),
          },
          timeout: 10_000,
        }).then(
          () => ({ code: 0, stderr: '' }),
          (error: { code: number | null; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
        )
        outcomes[kind] = result
      }
      expect(outcomes.pg.code).toBe(1)
      expect(outcomes.pools.code).toBe(outcomes.pg.code)
      expect(outcomes.pg.stderr).toMatch(/terminating connection due to administrator command/)
      expect(outcomes.pools.stderr).toMatch(/terminating connection due to administrator command/)
    })
  })

  describe('7. the standalone driver and shared engines', () => {
    it('createPgDriver(options) + createPool(driver, config): a pool of pg clients without the facade', async () => {
      const name = uniqueName('dropin-driver')
      appNames.push(name)
      const engine = createPool(createPgDriver({ ...db.config, application_name: name }), { name, max: 2 })
      closers.push(() => engine.close())
      const rows = await Promise.all(
        [1, 2, 3].map((i) => engine.use((client) => client.query('SELECT $1::int AS i', [i]).then((r) => r.rows[0].i))),
      )
      expect(rows).toEqual([1, 2, 3])
      expect(engine.total + engine.creating).toBeLessThanOrEqual(2)
      // a create the third caller did not need may still be finishing: compare once none is in flight
      await until(() => engine.creating === 0, 'creates settled')
      expect(await serverCount(name)).toBe(engine.total)
      // a transaction left open is rolled back before the next borrower
      const client = await engine.acquire()
      await client.query('BEGIN')
      engine.release(client)
      expect(await engine.use((c) => c.getTransactionStatus())).toBe('I')
      await engine.close()
      expect(await serverCount(name)).toBe(0)
    })

    it('new Pool({ engine }) shares connections with the pool (or engine) it is given and never closes it', async () => {
      const owner = make('pools', { max: 3 }) as Pool
      const name = owner.options.application_name as string
      const engine = (owner as unknown as Record<symbol, EnginePool<pg.PoolClient>>)[ENGINE]
      expect(engine).toBe(owner.pools)
      const shared = new Pool({ engine: owner })
      expect(shared.pools).toBe(owner.pools)
      const viaRaw = new Pool({ engine })
      expect(viaRaw.pools).toBe(owner.pools)
      const pid = async (pool: pg.Pool) =>
        (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
      expect(await pid(shared)).toBe(await pid(owner)) // one idle connection, used by both
      const connects: unknown[] = []
      shared.on('connect', (client) => connects.push(client))
      const [a, b] = await Promise.all([owner.connect(), shared.connect()])
      expect(owner.totalCount).toBe(2)
      expect(shared.totalCount).toBe(2)
      a.release()
      b.release()
      expect(connects).toHaveLength(1) // the second connection, opened for either facade, is announced on both
      // an idle client's error is reported by every pool on the engine that has seen the client
      const errors: string[] = []
      owner.on('error', (err) => errors.push(`owner ${(err as Error & { code?: string }).code}`))
      shared.on('error', (err) => errors.push(`shared ${(err as Error & { code?: string }).code}`))
      const victim = await shared.connect()
      const victimPid = (await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
      victim.release()
      await admin(db.config, 'SELECT pg_terminate_backend($1)', [victimPid])
      await until(() => errors.length === 2, "both pools' 'error' events")
      expect(errors.sort()).toEqual(['owner 57P01', 'shared 57P01'])
      expect(owner.totalCount).toBe(1)
      const survivor = await owner.connect()
      const before = survivor.listenerCount('error') // the driver's, and one per pool that has seen it
      survivor.release()
      await shared.end()
      await viaRaw.end()
      expect(survivor.listenerCount('error')).toBe(before - 2) // a detached pool leaves no listener behind
      expect([shared.ending, shared.ended]).toEqual([true, true])
      expect(owner.pools.state).toBe('running')
      expect((await owner.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }])
      expect(await serverCount(name)).toBe(1)
      await owner.end()
      expect(await serverCount(name)).toBe(0)
    })

    it('a facade over an engine made with createPgDriver; options that belong to the engine are refused', async () => {
      const name = uniqueName('dropin-facade')
      appNames.push(name)
      const engine = createPool(createPgDriver({ ...db.config, application_name: name }), { name, max: 2 })
      closers.push(() => engine.close())
      const log: string[] = []
      const pool = new Pool({ engine, log: (line: unknown) => log.push(String(line)) })
      expect((await pool.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }])
      expect(log).toContain('dispatching query')
      expect(pool.options.max).toBe(2)
      const error = (() => {
        try {
          new Pool({ engine, max: 5 })
        } catch (thrown) {
          return thrown as Error
        }
        return undefined
      })()
      expect(isPoolError(error, 'POOL_CONFIG_INVALID')).toBe(true)
      expect(error?.message).toMatch(/max cannot be given here/)
      expect(() => new Pool({ engine: {} })).toThrow(/"engine" must be a @pools\/core engine/)
      await pool.end()
      expect(engine.state).toBe('running')
    })

    describe('8. allowExitOnIdle, driven by the engine', () => {
      it('an idle pool keeps the process alive without it, and lets it exit with it (no end() called)', async () => {
        const run = promisify(execFile)
        const root = join(import.meta.dirname, '..', '..')
        const exits: Record<string, string> = {}
        for (const allowExitOnIdle of [true, false]) {
          const script = `
          import { Pool } from '@pools/core/pg'
          const pool = new Pool({ ...JSON.parse(process.env.PG_CONFIG), allowExitOnIdle: ${allowExitOnIdle}, idleTimeoutMillis: 60000 })
          await Promise.all([pool.query('SELECT 1'), pool.query('SELECT 2')])
          console.log('idle', pool.idleCount > 0)
        `
          exits[String(allowExitOnIdle)] = await run(process.execPath, ['--input-type=module', '-e', script], {
            cwd: root,
            env: {
              ...process.env,
              PG_CONFIG: JSON.stringify({ ...db.config, application_name: uniqueName('dropin-exit') }),
            },
            timeout: 3_000,
          }).then(
            ({ stdout }) => `exited: ${stdout.trim()}`,
            (error: { killed?: boolean; stdout?: string }) =>
              `${error.killed ? 'still running' : 'failed'}: ${error.stdout?.trim()}`,
          )
        }
        expect(exits).toEqual({ true: 'exited: idle true', false: 'still running: idle true' })
      })
    })
  })
})
