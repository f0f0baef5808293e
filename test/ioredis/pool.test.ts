/**
 * @pools/ioredis against the shared Redis (each test on its own key prefix), for ioredis 5 and 6.
 */
import { inspect } from 'node:util'
import { isPoolError, type PoolConfigInput } from '@pools/core'
import { createRedisPool, type RedisPool } from '@pools/ioredis'
import { Redis } from 'ioredis'
import { Redis as Redis6 } from 'ioredis6'
import { afterEach, describe, expect, it } from 'vitest'
import { describeWithRedis, type RedisNamespace, useRedis } from '../harness/index.js'
import { withTimeout } from '../harness/util.js'

const VERSIONS = [
  ['ioredis 5', Redis],
  ['ioredis 6', Redis6 as unknown as typeof Redis],
] as const

/** `db` and `name` of a connection, as the server sees it. */
async function clientInfo(redis: Redis): Promise<{ db: number; name: string; id: number }> {
  const info = String(await redis.client('INFO'))
  return {
    db: Number(/\bdb=(\d+)/.exec(info)?.[1]),
    name: /\bname=(\S*)/.exec(info)?.[1] ?? '',
    id: Number(/\bid=(\d+)/.exec(info)?.[1]),
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

describeWithRedis('@pools/ioredis on the shared Redis', () => {
  describe.each(VERSIONS)('%s', (version, RedisClass) => {
    let ns: RedisNamespace
    const pools: RedisPool[] = []
    const plain: Redis[] = []

    function makePool(config: PoolConfigInput = {}, redis: Record<string, unknown> = {}): RedisPool {
      const pool = createRedisPool({
        Redis: RedisClass,
        redis: { ...ns.options, ...redis },
        pools: { name: `t-${version}`, ...config },
        runtime: { logger: false },
      })
      pools.push(pool)
      return pool
    }

    /** A plain client on the same namespace (a producer, an admin connection). */
    function plainClient(): Redis {
      const client = new RedisClass({ ...ns.options, maxRetriesPerRequest: 1 })
      plain.push(client)
      return client
    }

    afterEach(async () => {
      await Promise.all(pools.splice(0).map((pool) => pool.close({ graceMs: 1_000 })))
      for (const client of plain.splice(0)) client.disconnect()
    })

    it('lends ready clients and validates each borrow with PING outside the bypass window', async () => {
      ns = await useRedis()
      const pool = makePool({ max: 2, validationBypassMs: 0 })
      await pool.use((redis) => redis.set('k', 'v'))
      expect(await pool.use((redis) => redis.get('k'))).toBe('v')
      const s = pool.stats()
      expect(s.counters.validations).toBeGreaterThanOrEqual(1)
      expect(s.counters.validationFailures).toBe(0)
      await pool.use((redis) => expect(redis.status).toBe('ready'))
    })

    it('50 BLPOP consumers on a pool of 10: every item is delivered exactly once', async () => {
      ns = await useRedis()
      const pool = makePool({ max: 10, acquireTimeoutMs: 10_000 })
      const producer = plainClient()
      const total = 600
      const seen = new Map<string, number>()
      let received = 0
      const deadline = Date.now() + 15_000
      const consumer = async (): Promise<void> => {
        while (received < total && Date.now() < deadline) {
          const popped = await pool.use((redis) => redis.blpop('queue', 0.2))
          if (popped === null) continue
          received++
          seen.set(popped[1], (seen.get(popped[1]) ?? 0) + 1)
        }
      }
      const producers = Array.from({ length: 3 }, async (_, p) => {
        for (let i = 0; i < total / 3; i++) {
          await producer.rpush('queue', `${p}:${i}`)
          if (i % 50 === 0) await sleep(5)
        }
      })
      await withTimeout(
        Promise.all([...producers, ...Array.from({ length: 50 }, consumer)]),
        20_000,
        'consumers did not finish',
      )
      expect(received).toBe(total)
      expect(seen.size).toBe(total)
      expect([...seen.values()].every((count) => count === 1)).toBe(true)
      expect(await producer.llen('queue')).toBe(0)
      const s = pool.stats()
      expect(s.total).toBeLessThanOrEqual(10)
      expect(s.pending).toBe(0)
      expect(s.counters.destroyed).toBe(0) // every BLPOP had finished when its client came back
    })

    it('WATCH/MULTI/EXEC increments under contention are exact; conflicts are retried', async () => {
      ns = await useRedis()
      const pool = makePool({ max: 5 })
      const workers = 20
      const each = 15
      let conflicts = 0
      const increment = async (): Promise<void> => {
        for (let attempt = 0; attempt < 1_000; attempt++) {
          const done = await pool.use(async (redis) => {
            await redis.watch('counter')
            const value = Number((await redis.get('counter')) ?? 0)
            await sleep(0) // let another transaction interleave
            return redis
              .multi()
              .set('counter', String(value + 1))
              .exec()
          })
          if (done !== null) return
          conflicts++
        }
        throw new Error('gave up after 1000 conflicts')
      }
      await withTimeout(
        Promise.all(
          Array.from({ length: workers }, async () => {
            for (let i = 0; i < each; i++) await increment()
          }),
        ),
        15_000,
        'increments did not finish',
      )
      expect(Number(await pool.use((redis) => redis.get('counter')))).toBe(workers * each)
      expect(conflicts).toBeGreaterThan(0)
    })

    it('a WATCH or a MULTI left open never reaches the next borrower', async () => {
      ns = await useRedis()
      const pool = makePool({ max: 1 })
      const other = plainClient()
      const first = await pool.use(async (redis) => {
        await redis.watch('w')
        return redis
      })
      await other.set('w', 'changed') // would abort an EXEC guarded by the WATCH above
      const second = await pool.use(async (redis) => {
        expect(await redis.multi().set('w', 'mine').exec()).toEqual([[null, 'OK']])
        return redis
      })
      expect(second).toBe(first) // the same connection, reset, not a new one
      await pool.use(async (redis) => {
        await redis.multi({ pipeline: false })
        expect(await redis.set('m', 'queued')).toBe('QUEUED')
      })
      await pool.use(async (redis) => {
        expect(await redis.get('m')).toBeNull() // DISCARDed, and this GET runs outside any MULTI
        expect(await redis.get('w')).toBe('mine')
      })
      expect(pool.stats().counters.destroyed).toBe(0)
    })

    it('SELECT and CLIENT SETNAME never leak to the next borrower', async () => {
      ns = await useRedis()
      const pool = makePool({ max: 1 }, { connectionName: 'pools-test' })
      const otherDb = ns.db === 9 ? 10 : 9
      await pool.use(async (redis) => {
        expect(await clientInfo(redis)).toMatchObject({ db: ns.db, name: 'pools-test' })
        await redis.select(otherDb)
        await redis.client('SETNAME', 'borrower')
        await redis.set('elsewhere', '1')
        expect(await clientInfo(redis)).toMatchObject({ db: otherDb, name: 'borrower' })
      })
      await pool.use(async (redis) => {
        expect(await clientInfo(redis)).toMatchObject({ db: ns.db, name: 'pools-test' })
        expect(await redis.get('elsewhere')).toBeNull()
        await redis.call('SELECT', String(otherDb)) // upper case through call()
        expect(await redis.del('elsewhere')).toBe(1)
      })
      await pool.use(async (redis) => expect((await clientInfo(redis)).db).toBe(ns.db))
      // without a connectionName the name is cleared again
      const unnamed = makePool({ max: 1 })
      await unnamed.use((redis) => redis.client('SETNAME', 'borrower'))
      expect(await unnamed.use((redis) => redis.client('GETNAME'))).toBeNull()
      expect(pool.stats().counters.destroyed + unnamed.stats().counters.destroyed).toBe(0)
    })

    it('subscriptions, patterns and message listeners are cleared on release', async () => {
      ns = await useRedis()
      const pool = makePool({ max: 1 })
      const publisher = plainClient()
      const stale: string[] = []
      await pool.use(async (redis) => {
        redis.on('message', (_channel, message) => stale.push(message))
        await redis.subscribe(ns.key('a'), ns.key('b'))
        await redis.psubscribe(`${ns.keyPrefix}p*`)
      })
      await publisher.publish(ns.key('a'), 'after-release')
      await pool.use(async (redis) => {
        expect(await redis.get('x')).toBeNull() // a normal command works: not in subscriber mode
        expect(redis.listenerCount('message')).toBe(0)
        const got = new Promise<string>((resolve) => redis.once('message', (_c, m) => resolve(m)))
        await redis.subscribe(ns.key('c'))
        await publisher.publish(ns.key('c'), 'mine')
        expect(await withTimeout(got, 2_000, 'no message')).toBe('mine')
      })
      await pool.use((redis) => redis.ping()) // the one client is back, so its reset has finished
      expect(stale).toEqual([])
      expect(pool.stats().counters.destroyed).toBe(0)
      expect(await publisher.pubsub('NUMSUB', ns.key('a'), ns.key('c'))).toEqual([ns.key('a'), 0, ns.key('c'), 0])
    })

    it('a subscriber connection is never lent for commands, and close() destroys it', async () => {
      ns = await useRedis()
      const pool = makePool({ max: 2 })
      const publisher = plainClient()
      const sub = await pool.subscriber()
      const messages: string[] = []
      sub.client.on('message', (_channel, message) => messages.push(message))
      await sub.client.subscribe(ns.key('news'))
      const lent = new Set<Redis>()
      await Promise.all(
        Array.from({ length: 20 }, () =>
          pool.use(async (redis) => {
            lent.add(redis)
            await redis.incr('n')
          }),
        ),
      )
      expect(lent.has(sub.client)).toBe(false)
      expect(lent.size).toBe(1) // the subscriber holds the other of the two slots
      expect(pool.stats().borrowed).toBe(1)
      await publisher.publish(ns.key('news'), 'hello')
      await withTimeout(
        (async () => {
          while (messages.length === 0) await sleep(10)
        })(),
        2_000,
        'no message',
      )
      // Even handed back by mistake, it is destroyed rather than pooled.
      await sub.close()
      expect(sub.client.status).toBe('end')
      expect(pool.stats().borrowed).toBe(0)
      const after = await pool.use(async (redis) => redis)
      expect(after).not.toBe(sub.client)
      await sub.close() // idempotent
      const second = await pool.subscriber()
      pool.release(second.client)
      expect(pool.stats().counters.destroyedBy.broken).toBeGreaterThanOrEqual(1)
      expect(await pool.use(async (redis) => redis === second.client)).toBe(false)
    })

    it('a blocking command still waiting at release gets its client destroyed, not reused', async () => {
      ns = await useRedis()
      const pool = makePool({ max: 1 })
      const producer = plainClient()
      let abandoned: Promise<unknown> | undefined
      const first = await pool.use(async (redis) => {
        // the caller gives up on the BLPOP (e.g. its own timeout fired) and returns
        abandoned = redis.blpop('jobs', 0).catch((error: Error) => error)
        await sleep(20)
        return redis
      })
      const error = await withTimeout(abandoned!, 3_000, 'the abandoned BLPOP was not ended')
      expect(error).toBeInstanceOf(Error)
      expect(pool.stats().counters.destroyedBy.broken).toBe(1)
      await producer.rpush('jobs', 'job-1')
      const second = await pool.use(async (redis) => {
        expect(await redis.blpop('jobs', 1)).toEqual([ns.key('jobs'), 'job-1'])
        return redis
      })
      expect(second).not.toBe(first)
    })

    it('a blocking command whose client-side timeout fired still blocks the server: its client is destroyed', async () => {
      ns = await useRedis()
      const pool = makePool({ max: 1 }, { commandTimeout: 100 })
      const producer = plainClient()
      const first = await pool.use(async (redis) => {
        // ioredis rejects after commandTimeout, but the server still holds the BLPOP
        await expect(redis.blpop('jobs', 0)).rejects.toThrow(/timed out/i)
        return redis
      })
      expect(pool.stats().counters.destroyedBy.broken).toBe(1)
      // once the server has dropped the connection, its BLPOP can take nothing more
      await withTimeout(
        (async () => {
          while (first.status !== 'end') await sleep(5)
        })(),
        3_000,
        'not closed',
      )
      await producer.rpush('jobs', 'job-1')
      const second = await pool.use(async (redis) => {
        expect(await redis.lpop('jobs')).toBe('job-1')
        return redis
      })
      expect(second).not.toBe(first)
    })

    it('CLIENT KILL of an idle client removes it at once; of a borrowed one, on release', async () => {
      ns = await useRedis()
      const pool = makePool({ max: 2, min: 1 })
      const admin = plainClient()
      await pool.ready()
      const [idle, idleId] = await pool.use(async (redis) => [redis, (await clientInfo(redis)).id] as const)
      await admin.client('KILL', 'ID', String(idleId))
      await withTimeout(
        (async () => {
          while (pool.stats().counters.destroyedBy.broken < 1) await sleep(10)
        })(),
        3_000,
        'the killed idle client stayed in the pool',
      )
      expect(idle.status).toBe('end')
      expect(await pool.use((redis) => redis.ping())).toBe('PONG')

      const error = await pool.use(async (redis) => {
        const { id } = await clientInfo(redis)
        const pending = redis.blpop('never', 5).then(
          () => undefined,
          (e: Error) => e,
        )
        await sleep(20)
        await admin.client('KILL', 'ID', String(id))
        return pending
      })
      expect(error?.message).toMatch(/Connection is closed|ECONNRESET/)
      expect(pool.stats().counters.destroyedBy.broken).toBe(2)
      expect(await pool.use((redis) => redis.ping())).toBe('PONG')
      expect(pool.stats().borrowed).toBe(0)
    })

    it('connection state the pool cannot undo (CLIENT TRACKING, HELLO) destroys the client', async () => {
      ns = await useRedis()
      const pool = makePool({ max: 1 })
      const first = await pool.use(async (redis) => {
        await redis.client('TRACKING', 'ON')
        return redis
      })
      expect(pool.stats().counters.destroyedBy.broken).toBe(1)
      await withTimeout(
        (async () => {
          while (first.status !== 'end') await sleep(10)
        })(),
        3_000,
        'not closed',
      )
      expect(await pool.use((redis) => redis.ping())).toBe('PONG')
    })

    it('is built from a URL: database and pool parameters come from it', async () => {
      ns = await useRedis()
      const url = new URL(ns.url)
      url.pathname = '/5'
      url.search = '?pool.max=3&pool.name=from-url'
      const pool = createRedisPool({ Redis: RedisClass, url: url.href, runtime: { logger: false } })
      pools.push(pool)
      expect(pool.name).toBe('from-url')
      expect(pool.engine.max).toBe(3)
      expect(pool.engine).toBe((pool as unknown as Record<symbol, unknown>)[Symbol.for('@pools/core.engine')])
      expect((await pool.use((redis) => clientInfo(redis))).db).toBe(5)
    })

    it('close() closes open subscribers instead of waiting out the grace period', async () => {
      ns = await useRedis()
      const pool = createRedisPool({
        Redis: RedisClass,
        redis: ns.options,
        pools: { max: 2, closeGraceMs: 60_000 },
        runtime: { logger: false },
      })
      const sub = await pool.subscriber()
      await sub.client.subscribe(ns.key('ch'))
      await withTimeout(pool.close(), 5_000, 'close() waited for the subscriber')
      expect(sub.client.status).toBe('end')
      expect(pool.stats()).toMatchObject({ state: 'closed', total: 0 })
      await expect(pool.use((redis) => redis.ping())).rejects.toMatchObject({ code: 'POOL_CLOSED' })
    })

    it('ready() fails fast when nothing listens, naming the address and not the password', async () => {
      ns = await useRedis()
      const pool = createRedisPool({
        Redis: RedisClass,
        url: 'redis://:hunter2@127.0.0.1:1/0',
        pools: { min: 1, acquireTimeoutMs: 30_000 },
        runtime: { logger: false },
      })
      pools.push(pool)
      const error = await withTimeout(
        pool.ready().then(
          () => undefined,
          (e: unknown) => e,
        ),
        5_000,
        'ready() did not fail fast',
      )
      expect(isPoolError(error, 'POOL_CREATE_FAILED')).toBe(true)
      expect(String((error as Error).message)).toContain('ECONNREFUSED 127.0.0.1:1')
      expect(inspect(error, { depth: 8, showHidden: true })).not.toContain('hunter2')
    })

    it('bad options fail with POOL_CONFIG_INVALID, never echoing the URL', () => {
      const attempt = (options: unknown): unknown => {
        try {
          createRedisPool(options as never)
        } catch (error) {
          return error
        }
        return undefined
      }
      for (const bad of [
        { url: 'postgres://u:hunter2@h/db' },
        { url: 'redis://u:hunter2@h:6379/0?pool.max=zero' },
        { urll: 'redis://u:hunter2@h' },
        { redis: { lazyConnect: true } },
        { pools: 'wbe' },
        { pools: { maxx: 1 } },
      ]) {
        const error = attempt({ Redis: RedisClass, ...bad })
        expect(isPoolError(error, 'POOL_CONFIG_INVALID')).toBe(true)
        expect(String((error as Error).message)).not.toContain('hunter2')
      }
    })
  })
})
