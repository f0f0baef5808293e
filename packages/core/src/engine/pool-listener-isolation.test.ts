import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { PoolEventName } from '../events/pool-events.js'
import { type DriverHooks, rejectedWith, type Setup, setup, track } from './__fixtures__/driver.js'
import type { AcquireOptions } from './pool.js'

/** Ways a listener can fail. */
const flavours: [string, () => unknown][] = [
  [
    'throws',
    () => {
      throw new Error('listener bug')
    },
  ],
  ['returns a rejected promise (async listener)', () => Promise.reject(new Error('async listener bug'))],
  [
    'throws a value that cannot be printed',
    () => {
      throw Object.create(null)
    },
  ],
]

interface Scenario {
  config?: Parameters<typeof setup>[0]
  hooks?: DriverHooks
  /** Drive the pool so the event fires, asserting every promise still settles as it should. */
  run(s: Setup, listen: () => void): Promise<void>
}

const scenarios: Record<PoolEventName, Scenario> = {
  enqueue: {
    config: { max: 1 },
    async run(s, listen) {
      const held = await s.pool.acquire()
      listen()
      const queued = track(s.pool.acquire(), s.clock)
      s.pool.release(held)
      await s.clock.advance(0)
      expect(queued.value).toBe(held)
    },
  },
  acquire: {
    config: { max: 1 },
    async run(s, listen) {
      listen()
      // the slow path (a create), then the fast path (idle), both through use()
      expect(await s.pool.use(async (conn) => conn.id)).toBe(1)
      expect(await s.pool.use((conn) => conn.id)).toBe(1)
      const conn = await s.pool.acquire()
      s.pool.release(conn)
      expect(s.pool.idle).toBe(1)
    },
  },
  release: {
    config: { max: 1 },
    async run(s, listen) {
      listen()
      expect(await s.pool.use(async (conn) => conn.id)).toBe(1)
      await expect(s.pool.use(() => Promise.reject(new Error('work failed')))).rejects.toThrow('work failed')
      expect(s.pool.borrowed).toBe(0)
      expect(s.pool.idle).toBe(1)
    },
  },
  timeout: {
    config: { max: 1, acquireTimeoutMs: 100 },
    async run(s, listen) {
      const held = await s.pool.acquire()
      listen()
      const queued = track(s.pool.acquire(), s.clock)
      await s.clock.advance(100)
      rejectedWith(queued, 'POOL_ACQUIRE_TIMEOUT')
      s.pool.release(held)
    },
  },
  abort: {
    config: { max: 1 },
    async run(s, listen) {
      const held = await s.pool.acquire()
      listen()
      const controller = new AbortController()
      const options: AcquireOptions = { signal: controller.signal }
      const queued = track(s.pool.acquire(options), s.clock)
      controller.abort()
      await s.clock.advance(0)
      rejectedWith(queued, 'POOL_ACQUIRE_ABORTED')
      s.pool.release(held)
    },
  },
  create: {
    config: { max: 2 },
    async run(s, listen) {
      listen()
      const conn = await s.pool.acquire()
      expect(s.pool.isBorrowed(conn)).toBe(true)
      await s.pool.ready()
      s.pool.release(conn)
    },
  },
  createError: {
    config: { max: 1, failWaiterOnCreateError: true },
    async run(s, listen) {
      listen()
      s.fake.failWith = new Error('ECONNREFUSED')
      const caller = track(s.pool.acquire(), s.clock)
      await s.clock.advance(0)
      rejectedWith(caller, 'POOL_CREATE_FAILED')
      const ready = track(s.pool.ready(), s.clock)
      await s.clock.advance(1_000) // the next attempt, after the backoff
      rejectedWith(ready, 'POOL_CREATE_FAILED')
    },
  },
  destroy: {
    config: { max: 1 },
    async run(s, listen) {
      const conn = await s.pool.acquire()
      listen()
      s.pool.destroy(conn)
      expect(conn.closed).toBe(true)
      expect(await s.pool.use((c) => c.id)).toBe(2)
    },
  },
  validationFailed: {
    config: { max: 1, validateOnBorrow: true, validationBypassMs: 0 },
    hooks: { validate: (conn) => conn.id !== 1 },
    async run(s, listen) {
      const first = await s.pool.acquire()
      s.pool.release(first)
      listen()
      const next = await s.pool.acquire() // conn 1 fails its check, conn 2 is made
      expect(next.id).toBe(2)
      s.pool.release(next)
    },
  },
  leak: {
    config: { max: 1, leakDetectionThresholdMs: 1_000, housekeepingIntervalMs: 100 },
    async run(s, listen) {
      const conn = await s.pool.acquire()
      listen()
      await s.clock.advance(1_100)
      expect(s.pool.stats().counters.leaks).toBe(1)
      s.pool.release(conn)
    },
  },
  leakReturned: {
    config: { max: 1, leakDetectionThresholdMs: 1_000, housekeepingIntervalMs: 100 },
    async run(s, listen) {
      const conn = await s.pool.acquire()
      await s.clock.advance(1_100)
      listen()
      expect(() => s.pool.release(conn)).not.toThrow()
      expect(await s.pool.use((c) => c.id)).toBe(conn.id)
    },
  },
  error: {
    config: { max: 1 },
    hooks: { destroy: () => Promise.reject(new Error('destroy failed')) },
    async run(s, listen) {
      const conn = await s.pool.acquire()
      listen()
      s.pool.destroy(conn)
      await s.clock.advance(0)
      expect(s.pool.stats().counters.destroyErrors).toBe(1)
    },
  },
  suspend: {
    async run(s, listen) {
      listen()
      expect(() => s.pool.suspend()).not.toThrow()
      expect(s.pool.state).toBe('suspended')
      s.pool.resume()
    },
  },
  resume: {
    async run(s, listen) {
      listen()
      s.pool.suspend()
      const queued = track(s.pool.acquire(), s.clock)
      expect(() => s.pool.resume()).not.toThrow()
      await s.clock.advance(0)
      expect(queued.value).toBeDefined()
      s.pool.release(queued.value!)
    },
  },
  resize: {
    async run(s, listen) {
      listen()
      expect(() => s.pool.resize({ min: 1, max: 3 })).not.toThrow()
      expect(s.pool.max).toBe(3)
    },
  },
  close: {
    async run(s, listen) {
      await s.pool.use((c) => c.id)
      listen()
      const closed = track(s.pool.close(), s.clock)
      await s.clock.advance(0)
      expect(closed.settled).toBe(true)
      expect(closed.error).toBeUndefined()
    },
  },
  closed: {
    async run(s, listen) {
      listen()
      const closed = track(s.pool.close(), s.clock)
      await s.clock.advance(0)
      expect(closed.settled).toBe(true)
      expect(closed.error).toBeUndefined()
    },
  },
}

describe('a failing listener never breaks the pool', () => {
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  const onUncaught = (error: unknown) => unhandled.push(error)
  beforeEach(() => {
    unhandled.length = 0
    process.on('unhandledRejection', onUnhandled)
    process.on('uncaughtException', onUncaught)
  })
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled)
    process.off('uncaughtException', onUncaught)
  })

  for (const [event, scenario] of Object.entries(scenarios) as [PoolEventName, Scenario][]) {
    for (const [flavour, fail] of flavours) {
      it(`'${event}' listener that ${flavour}: promises settle, it is logged, nothing is unhandled`, async () => {
        const s = setup(scenario.config ?? { max: 2 }, scenario.hooks)
        let calls = 0
        await scenario.run(s, () =>
          s.pool.on(event, (() => {
            calls++
            return fail()
          }) as () => void),
        )
        await s.clock.advance(0)
        await new Promise((resolve) => setImmediate(resolve))
        expect(calls).toBeGreaterThan(0)
        expect(s.logger.warns.some((w) => w.includes(`a '${event}' listener threw`))).toBe(true)
        expect(unhandled).toEqual([])
      })
    }
  }

  it('a failing listener is reported to error listeners, and a failing error listener to the logger', async () => {
    const s = setup({ max: 1 })
    const seen: string[] = []
    s.pool.on('acquire', () => {
      throw new Error('acquire listener bug')
    })
    s.pool.on('error', ({ error }) => {
      seen.push(error.message)
      throw new Error('error listener bug')
    })
    expect(await s.pool.use((c) => c.id)).toBe(1)
    await s.clock.advance(0)
    expect(seen).toEqual(['acquire listener bug'])
    expect(s.logger.warns.some((w) => w.includes("a 'error' listener threw: error listener bug"))).toBe(true)
    expect(unhandled).toEqual([])
  })

  it('a throwing logger is ignored too', async () => {
    const logger = {
      warn: () => {
        throw new Error('logger bug')
      },
    }
    const s = setup({ max: 1, leakDetectionThresholdMs: 1_000, housekeepingIntervalMs: 100 }, {}, { logger })
    s.pool.on('release', () => {
      throw new Error('release listener bug')
    })
    const conn = await s.pool.acquire()
    await s.clock.advance(1_100) // the leak report goes to the throwing logger, from the housekeeping timer
    s.pool.release(conn)
    expect(await s.pool.use((c) => c.id)).toBe(conn.id)
    await s.clock.advance(0)
    expect(unhandled).toEqual([])
  })
})
