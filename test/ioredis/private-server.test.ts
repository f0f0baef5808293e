/**
 * @pools/ioredis against a redis-server of the test's own (killed, restarted, password-protected),
 * never the shared one; for ioredis 5 and 6.
 */
import { randomBytes } from 'node:crypto'
import { inspect } from 'node:util'
import { isPoolError, type PoolEventName } from '@pools/core'
import { createRedisPool } from '@pools/ioredis'
import { Redis } from 'ioredis'
import { Redis as Redis6 } from 'ioredis6'
import { describe, expect, it } from 'vitest'
import { withTimeout } from '../harness/util.js'
import { startPrivateRedis } from './private-redis.js'

const VERSIONS = [
  ['ioredis 5', Redis],
  ['ioredis 6', Redis6 as unknown as typeof Redis],
] as const

const EVENTS: PoolEventName[] = [
  'create',
  'createError',
  'acquire',
  'release',
  'destroy',
  'leak',
  'leakReturned',
  'validationFailed',
  'error',
  'timeout',
]

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  await withTimeout(
    (async () => {
      while (!condition()) await sleep(10)
    })(),
    ms,
    what,
  )
}

/** Errors a caller may see while the server is down: the pool's own, or ioredis's for a dropped socket. */
function expectedOutageError(error: unknown): boolean {
  if (isPoolError(error))
    return ['POOL_ACQUIRE_TIMEOUT', 'POOL_CREATE_FAILED', 'POOL_CREATE_TIMEOUT'].includes(error.code)
  return error instanceof Error && /Connection is closed|ECONNRESET|ECONNREFUSED|EPIPE/.test(error.message)
}

describe.each(VERSIONS)('@pools/ioredis with %s on a private redis-server', (_version, RedisClass) => {
  it('recovers from a Redis restart with load running, with no hung waiter', async () => {
    const server = await startPrivateRedis()
    const pool = createRedisPool({
      Redis: RedisClass,
      url: server.url,
      pools: {
        name: 'restart',
        max: 5,
        acquireTimeoutMs: 1_000,
        createTimeoutMs: 1_000,
        retry: { initialDelayMs: 50, maxDelayMs: 250 },
      },
      runtime: { logger: false },
    })
    try {
      await pool.ready()
      const sub = await pool.subscriber()
      const messages: string[] = []
      sub.client.on('message', (_channel, message) => messages.push(message))
      await sub.client.subscribe('events')

      let phase: 'before' | 'down' | 'after' = 'before'
      const ok = { before: 0, down: 0, after: 0 }
      const unexpected: unknown[] = []
      let outageErrors = 0
      let stop = false
      const hardStop = Date.now() + 12_000
      const worker = async (): Promise<void> => {
        while (!stop && Date.now() < hardStop) {
          try {
            await pool.use((redis) => redis.incr('n'))
            ok[phase]++
          } catch (error) {
            if (expectedOutageError(error)) outageErrors++
            else unexpected.push(error)
            await sleep(20)
          }
        }
      }
      const running = Array.from({ length: 10 }, worker)
      await until(() => ok.before >= 50, 5_000, 'no load before the restart')
      await server.kill()
      phase = 'down'
      await sleep(500)
      await server.start()
      phase = 'after'
      await until(() => ok.after >= 50, 8_000, 'the pool did not recover after the restart')
      stop = true
      await withTimeout(Promise.all(running), 5_000, 'a caller hung after the restart')

      expect(unexpected).toEqual([])
      expect(outageErrors).toBeGreaterThan(0)
      const s = pool.stats()
      expect(s.pending).toBe(0)
      expect(s.borrowed).toBe(1) // the subscriber
      expect(s.counters.destroyedBy.broken).toBeGreaterThanOrEqual(1)

      // The subscriber reconnected and resubscribed on its own.
      await until(
        () => {
          void pool.use((redis) => redis.publish('events', 'after-restart')).catch(() => {})
          return messages.includes('after-restart')
        },
        8_000,
        'the subscriber did not resubscribe after the restart',
      )
      await sub.close()
      expect(sub.client.status).toBe('end')
    } finally {
      await pool.close({ graceMs: 1_000 })
      await server.destroy()
    }
  })

  it('closes a subscriber and the pool while Redis is down and the subscriber is between reconnects', async () => {
    const server = await startPrivateRedis()
    const pool = createRedisPool({
      Redis: RedisClass,
      url: server.url,
      redis: { retryStrategy: () => 200 },
      pools: { name: 'down', max: 2 },
      runtime: { logger: false },
    })
    try {
      const sub = await pool.subscriber()
      await sub.client.subscribe('events')
      await server.kill()
      await until(() => sub.client.status === 'reconnecting', 3_000, 'the subscriber did not start reconnecting')
      await withTimeout(sub.close(), 2_000, 'close() hung on a reconnecting subscriber')
      expect(sub.client.status).toBe('end')
      expect(pool.stats().borrowed).toBe(0)
      await withTimeout(pool.close(), 2_000, 'pool.close() hung while Redis is down')
    } finally {
      await pool.close({ graceMs: 0 })
      await server.destroy()
    }
  })

  it('destroys a client whose PING on borrow does not answer in time, and lends a fresh one', async () => {
    const server = await startPrivateRedis()
    const pool = createRedisPool({
      Redis: RedisClass,
      url: server.url,
      pools: { name: 'validation', max: 2, validationBypassMs: 0, validationTimeoutMs: 100, createTimeoutMs: 5_000 },
      runtime: { logger: false },
    })
    const admin = new RedisClass(server.url)
    try {
      const first = await pool.use(async (redis) => redis)
      const failed: string[] = []
      pool.on('validationFailed', ({ phase, error }) => failed.push(`${phase}: ${String((error as Error).message)}`))
      await admin.client('PAUSE', '400', 'ALL') // every client's commands wait 400 ms: the PING times out
      const second = await withTimeout(
        pool.use(async (redis) => {
          expect(await redis.ping()).toBe('PONG')
          return redis
        }),
        5_000,
        'no client after the failed validation',
      )
      expect(second).not.toBe(first)
      expect(failed).toEqual([expect.stringMatching(/^borrow: validate\(\) did not finish/)])
      const s = pool.stats()
      expect(s.counters.validationFailures).toBe(1)
      expect(s.counters.destroyedBy['validation-failed']).toBe(1)
    } finally {
      admin.disconnect()
      await pool.close({ graceMs: 500 })
      await server.destroy()
    }
  })

  it('keeps credentials out of errors, events, logs, leak reports and inspected clients', async () => {
    const password = `pw-${randomBytes(8).toString('hex')}`
    const wrong = `nope-${randomBytes(8).toString('hex')}`
    const server = await startPrivateRedis({ password })
    const logs: string[] = []
    const events: unknown[] = []
    const logger = { warn: (m: string) => logs.push(m), info: (m: string) => logs.push(m) }
    const pool = createRedisPool({
      Redis: RedisClass,
      url: server.url,
      pools: { name: 'creds', leakDetectionThresholdMs: 30, housekeepingIntervalMs: 10, validationBypassMs: 0 },
      runtime: { logger },
    })
    const bad = createRedisPool({
      Redis: RedisClass,
      url: `redis://default:${wrong}@127.0.0.1:${server.port}/0`,
      pools: { name: 'creds-bad', acquireTimeoutMs: 30_000 },
      runtime: { logger },
    })
    const badNoUser = createRedisPool({
      Redis: RedisClass,
      url: `redis://127.0.0.1:${server.port}/0`,
      redis: { password: wrong },
      pools: { name: 'creds-bad2', acquireTimeoutMs: 30_000 },
      runtime: { logger },
    })
    try {
      for (const p of [pool, bad, badNoUser]) {
        for (const event of EVENTS) p.on(event, (payload) => events.push(payload))
      }
      const client = await pool.acquire()
      expect(await client.ping()).toBe('PONG')
      await until(() => logs.some((line) => line.includes('possible leak')), 3_000, 'no leak reported')
      const leaks = pool.leaks()
      pool.release(client)

      // A wrong password is a fatal create error: the caller fails at once, not after 30 s.
      const failures: unknown[] = []
      for (const p of [bad, badNoUser]) {
        const failure = await withTimeout(
          p
            .use((redis) => redis.ping())
            .then(
              () => undefined,
              (error: unknown) => error,
            ),
          5_000,
          'a wrong password did not fail fast',
        )
        expect(isPoolError(failure, 'POOL_CREATE_FAILED')).toBe(true)
        expect(String((failure as Error).message)).toMatch(/WRONGPASS|invalid password|NOAUTH/)
        failures.push(failure)
      }

      const rendered = [
        inspect(events, { depth: 8 }),
        JSON.stringify(events),
        inspect(leaks, { depth: 8 }),
        JSON.stringify(leaks),
        inspect(client, { depth: 8 }),
        JSON.stringify(client),
        inspect(pool, { depth: 8 }),
        ...failures.map((f) => inspect(f, { depth: 8, showHidden: true })),
        ...failures.map((f) => JSON.stringify(f)),
        ...failures.map((f) => String((f as Error).stack)),
        logs.join('\n'),
      ].join('\n')
      expect(rendered).toContain('creds') // the rendering did happen
      expect(rendered).toContain(`127.0.0.1:${server.port}/0`)
      expect(rendered).not.toContain(password)
      expect(rendered).not.toContain(wrong)
    } finally {
      await Promise.all([pool.close({ graceMs: 500 }), bad.close({ graceMs: 0 }), badNoUser.close({ graceMs: 0 })])
      await server.destroy()
    }
  })
})

/** Calls per command since the last CONFIG RESETSTAT, from `INFO commandstats`. */
async function commandCalls(admin: Redis): Promise<Record<string, number>> {
  const calls: Record<string, number> = {}
  for (const match of (await admin.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    calls[match[1]!] = Number(match[2])
  }
  return calls
}

describe.each(VERSIONS)(
  'round trips of @pools/ioredis with %s (server-side command counts)',
  (_version, RedisClass) => {
    it('a clean loan costs no command of the pool: no PING, UNWATCH, DISCARD, SELECT or CLIENT', async () => {
      const server = await startPrivateRedis()
      const admin = new Redis(server.url, { lazyConnect: true })
      const pool = createRedisPool({
        Redis: RedisClass,
        url: server.url,
        // A bypass window no loan of this test outlives, and one connection (a second one would be opened, with
        // its PING, when a loan starts while the last one's UNWATCH is still under way), so the counts cannot
        // depend on the machine's speed.
        pools: { name: 'round-trips', max: 1, validationBypassMs: 600_000 },
        runtime: { logger: false },
      })
      try {
        await admin.connect()
        await pool.ready()
        await admin.config('RESETSTAT')
        for (let i = 0; i < 20; i++) {
          const result = await pool.use(async (redis) => {
            await redis.watch('counter')
            const value = await redis.get('counter')
            return redis
              .multi()
              .set('counter', String(Number(value ?? 0) + 1))
              .exec()
          })
          expect(result).not.toBeNull()
        }
        // A WATCH ended by UNWATCH, a MULTI ended by DISCARD: nothing left for the pool either.
        await pool.use(async (redis) => {
          await redis.watch('counter')
          await redis.unwatch()
        })
        await pool.use(async (redis) => {
          await redis.multi({ pipeline: false })
          await redis.set('other', '1')
          await redis.discard()
        })
        const calls = await commandCalls(admin)
        // A command queued in a MULTI is counted when it runs: the discarded SET never does.
        expect(calls).toMatchObject({ watch: 21, get: 20, multi: 21, set: 20, exec: 20, unwatch: 1, discard: 1 })
        for (const command of ['ping', 'select', 'client', 'hello', 'quit']) expect(calls[command]).toBeUndefined()

        // A loan that leaves a WATCH behind costs exactly one UNWATCH at release.
        await admin.config('RESETSTAT')
        await pool.use((redis) => redis.watch('counter'))
        await pool.use((redis) => redis.get('counter'))
        const after = await commandCalls(admin)
        expect(after).toMatchObject({ watch: 1, unwatch: 1, get: 1 })
        expect(after.ping).toBeUndefined()
        // the next loan waited for that UNWATCH instead of opening another connection
        expect(pool.stats().counters.created).toBe(1)
      } finally {
        await pool.close({ graceMs: 500 })
        admin.disconnect()
        await server.destroy()
      }
    })
  },
)
