import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { ENGINE, engineOf, type PoolEvents } from '../index.js'
import { FakeClock, flushMicrotasks } from '../testing/index.js'
import genericPool, {
  createPool,
  type Factory,
  isPoolError,
  type Options,
  Pool,
  PoolError,
  TimeoutError,
} from './index.js'

interface Res {
  id: number
}

function setup(options: Options = {}, overrides: Partial<Factory<Res>> = {}) {
  const clock = new FakeClock()
  const warnings: string[] = []
  const created: Res[] = []
  const destroyed: Res[] = []
  let next = 0
  const factory: Factory<Res> = {
    create: async () => {
      const resource = { id: ++next }
      created.push(resource)
      return resource
    },
    destroy: async (resource) => {
      destroyed.push(resource)
    },
    ...overrides,
  }
  const pool = createPool(factory, options, { clock, logger: { warn: (message) => warnings.push(message) } })
  return { pool, clock, created, destroyed, warnings }
}

const settle = flushMicrotasks

function props(pool: Pool<Res>) {
  const { size, available, borrowed, pending, max, min, spareResourceCapacity } = pool
  return { size, available, borrowed, pending, max, min, spareResourceCapacity }
}

/** Record how each promise settles, without awaiting it. */
function track<T>(promise: Promise<T>): { value?: T; error?: unknown; settled: boolean } {
  const out: { value?: T; error?: unknown; settled: boolean } = { settled: false }
  promise.then(
    (value) => Object.assign(out, { value, settled: true }),
    (error: unknown) => Object.assign(out, { error, settled: true }),
  )
  return out
}

describe('createPool: the generic-pool 3.x surface', () => {
  it('is an EventEmitter with every generic-pool method and property', () => {
    const { pool } = setup()
    expect(pool).toBeInstanceOf(Pool)
    expect(pool).toBeInstanceOf(EventEmitter)
    for (const method of ['acquire', 'release', 'destroy', 'drain', 'clear', 'use', 'ready', 'start'] as const) {
      expect(typeof pool[method]).toBe('function')
    }
    expect(pool.isBorrowedResource({ id: 1 })).toBe(false)
    expect(props(pool)).toEqual({
      size: 0,
      available: 0,
      borrowed: 0,
      pending: 0,
      max: 1,
      min: 0,
      spareResourceCapacity: 1,
    })
  })

  it('has a default export for `import genericPool from ...`', () => {
    expect(genericPool.createPool).toBe(createPool)
    expect(genericPool.Pool).toBe(Pool)
    expect(genericPool.TimeoutError).toBe(TimeoutError)
  })

  it("checks the factory like generic-pool, with generic-pool's TypeErrors", () => {
    const destroy = async () => {}
    const create = async () => ({ id: 1 })
    expect(() => createPool({ destroy } as unknown as Factory<Res>)).toThrow(
      new TypeError('factory.create must be a function'),
    )
    expect(() => createPool({ create } as unknown as Factory<Res>)).toThrow(
      new TypeError('factory.destroy must be a function'),
    )
    expect(() => createPool({ create, destroy, validate: 1 } as unknown as Factory<Res>)).toThrow(
      new TypeError('factory.validate must be a function'),
    )
    expect(() => createPool(null as unknown as Factory<Res>)).toThrow(TypeError)
  })

  it('reads options as generic-pool does: strings parsed, max at least 1, min capped at max', () => {
    expect(props(setup({ max: '4' as unknown as number, min: '2' as unknown as number }).pool)).toMatchObject({
      max: 4,
      min: 2,
    })
    expect(props(setup({ max: 0 }).pool)).toMatchObject({ max: 1, min: 0 })
    expect(props(setup({ max: 2, min: 5 }).pool)).toMatchObject({ max: 2, min: 2 })
    expect(props(setup({ min: -3 }).pool)).toMatchObject({ max: 1, min: 0 })
    expect(props(setup({ max: Number.NaN }).pool)).toMatchObject({ max: 1 })
  })

  it('maps options onto the engine configuration', () => {
    const { pool } = setup({
      max: 5,
      min: 1,
      acquireTimeoutMillis: 2_000,
      destroyTimeoutMillis: 300,
      testOnBorrow: true,
      testOnReturn: true,
      idleTimeoutMillis: 60_000,
      softIdleTimeoutMillis: 10_000,
      evictionRunIntervalMillis: 500,
    })
    expect(pool.engine.config).toMatchObject({
      max: 5,
      min: 1,
      acquireTimeoutMs: 2_000,
      destroyTimeoutMs: 300,
      validateOnBorrow: true,
      validateOnRelease: true,
      validationBypassMs: 0,
      // idle resources are evicted by generic-pool's own evictor, not the engine's idle timeout
      idleTimeoutMs: 0,
      housekeepingIntervalMs: 500,
      maxLifetimeMs: 0,
    })
    expect(setup().pool.engine.config).toMatchObject({
      max: 1,
      min: 0,
      acquireTimeoutMs: 0,
      validateOnBorrow: false,
      validateOnRelease: false,
      idleTimeoutMs: 0,
      maxLifetimeMs: 0,
    })
    // the engine's idle timeout only when asked for under `pools`
    expect(setup({ pools: { idleTimeoutMs: 60_000 } }).pool.engine.config.idleTimeoutMs).toBe(60_000)
  })

  it('rejects a negative duration at construction, naming the generic-pool option', () => {
    expect(() => setup({ acquireTimeoutMillis: -5 })).toThrow(/acquireTimeoutMillis/)
    try {
      setup({ acquireTimeoutMillis: -5 })
    } catch (error) {
      expect(isPoolError(error, 'POOL_CONFIG_INVALID')).toBe(true)
    }
  })
})

describe('acquire, release, destroy and the properties at each step', () => {
  it('counts size, available, borrowed, pending and spare capacity like generic-pool', async () => {
    const { pool, destroyed } = setup({ max: 2, min: 1 })
    expect(props(pool)).toMatchObject({ size: 1, available: 0, borrowed: 0, pending: 0, spareResourceCapacity: 1 })
    await settle()
    expect(props(pool)).toMatchObject({ size: 1, available: 1, borrowed: 0, pending: 0, spareResourceCapacity: 1 })

    const a = await pool.acquire()
    expect(pool.isBorrowedResource(a)).toBe(true)
    expect(props(pool)).toMatchObject({ size: 1, available: 0, borrowed: 1, pending: 0, spareResourceCapacity: 1 })

    const b = track(pool.acquire())
    const c = track(pool.acquire())
    expect(props(pool)).toMatchObject({ size: 2, available: 0, borrowed: 1, pending: 2, spareResourceCapacity: 0 })
    await settle()
    expect(b.value).toEqual({ id: 2 })
    expect(c.settled).toBe(false)
    expect(props(pool)).toMatchObject({ size: 2, available: 0, borrowed: 2, pending: 1, spareResourceCapacity: 0 })

    await expect(pool.release(a)).resolves.toBeUndefined()
    await settle()
    expect(c.value).toBe(a)
    expect(props(pool)).toMatchObject({ size: 2, available: 0, borrowed: 2, pending: 0 })

    await expect(pool.destroy(c.value!)).resolves.toBeUndefined()
    await settle()
    expect(destroyed).toEqual([a])
    expect(pool.isBorrowedResource(a)).toBe(false)
    expect(props(pool)).toMatchObject({ size: 1, available: 0, borrowed: 1, pending: 0, spareResourceCapacity: 1 })

    await pool.release(b.value!)
    expect(props(pool)).toMatchObject({ size: 1, available: 1, borrowed: 0, pending: 0, spareResourceCapacity: 1 })
  })

  it('rejects release/destroy of a resource that is not borrowed with generic-pool’s message, as a PoolError', async () => {
    const { pool } = setup({ max: 1 })
    const a = await pool.acquire()
    await pool.release(a)
    const before = props(pool)
    for (const attempt of [() => pool.release(a), () => pool.destroy(a), () => pool.release({ id: 42 })]) {
      const error = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(Error)
      expect(error).toBeInstanceOf(PoolError)
      expect((error as Error).message).toBe('Resource not currently part of this pool')
      expect(isPoolError(error, 'POOL_RELEASE_INVALID')).toBe(true)
      // the engine's own explanation is the cause
      expect(isPoolError((error as Error).cause, 'POOL_RELEASE_INVALID')).toBe(true)
    }
    expect(props(pool)).toEqual(before)
  })

  it('serves waiters in order and creates no more than max', async () => {
    const { pool, created } = setup({ max: 2 })
    const order: number[] = []
    const loans = [1, 2, 3, 4, 5].map((n) =>
      pool.acquire().then((r) => {
        order.push(n)
        return r
      }),
    )
    await settle()
    expect(created).toHaveLength(2)
    expect(order).toEqual([1, 2])
    for (let i = 0; i < 5; i++) {
      await pool.release(await loans[i]!)
      await settle()
    }
    expect(order).toEqual([1, 2, 3, 4, 5])
    expect(created).toHaveLength(2)
  })
})

describe('priorities', () => {
  /** Queue acquires with `priorities` behind a max-1 pool's only resource; return the priorities in the order served. */
  async function order(priorityRange: number, priorities: (number | undefined)[]): Promise<(number | undefined)[]> {
    const { pool } = setup({ max: 1, priorityRange })
    const only = await pool.acquire()
    const served: (number | undefined)[] = []
    for (const p of priorities) void pool.acquire(p).then(() => served.push(p))
    for (const _ of priorities) {
      await pool.release(only)
      await settle()
    }
    return served
  }

  it('priorityRange 3 is exact: 0 (the default) first, then 1, then 2; out of range counts as lowest', async () => {
    expect(await order(3, [2, 1, undefined, 0, 9, -1, 1])).toEqual([undefined, 0, 1, 1, 2, 9, -1])
  })

  it('a wider range is folded onto high / normal / low: 0 high, the last low, the rest normal in arrival order', async () => {
    expect(await order(5, [3, 1, 4, 0, 2])).toEqual([0, 3, 1, 2, 4])
    const { pool } = setup({ max: 1, priorityRange: 5 })
    await pool.acquire()
    const seen: string[] = []
    pool.engine.on('enqueue', (event: PoolEvents<Res>['enqueue']) => seen.push(event.priority))
    for (const p of [0, 1, 2, 3, 4, 5]) void pool.acquire(p)
    expect(seen).toEqual(['high', 'normal', 'normal', 'normal', 'low', 'low'])
  })

  it('priorityRange 1 (the default) queues everyone first come, first served', async () => {
    expect(await order(1, [2, 0, 1])).toEqual([2, 0, 1])
  })
})

describe('maxWaitingClients', () => {
  it("refuses with generic-pool's message (a POOL_QUEUE_FULL PoolError) once that many wait at max", async () => {
    const { pool } = setup({ max: 1, maxWaitingClients: 2 })
    await pool.acquire()
    const waiting = [track(pool.acquire()), track(pool.acquire())]
    const refused = await pool.acquire().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(refused).toBeInstanceOf(Error)
    expect((refused as Error).message).toBe('max waitingClients count exceeded')
    expect(isPoolError(refused, 'POOL_QUEUE_FULL')).toBe(true)
    expect(pool.pending).toBe(2)
    expect(waiting.every((w) => !w.settled)).toBe(true)
  })

  it('does not count callers waiting for a create below max (0 = only fail when nothing can be created)', async () => {
    const { pool } = setup({ max: 3, maxWaitingClients: 0 })
    const loans = [track(pool.acquire()), track(pool.acquire()), track(pool.acquire())]
    await settle()
    expect(loans.map((l) => l.value?.id)).toEqual([1, 2, 3])
    await expect(pool.acquire()).rejects.toThrow('max waitingClients count exceeded')
  })
})

describe('acquireTimeoutMillis', () => {
  it('rejects with TimeoutError("ResourceRequest timed out"), which is also a POOL_ACQUIRE_TIMEOUT PoolError', async () => {
    const { pool, clock } = setup({ max: 1, acquireTimeoutMillis: 1_000, pools: { name: 'things' } })
    await pool.acquire()
    const waiting = track(pool.acquire())
    await clock.advance(999)
    expect(waiting.settled).toBe(false)
    await clock.advance(1)
    const error = waiting.error as TimeoutError
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toBeInstanceOf(PoolError)
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('TimeoutError')
    expect(error.message).toBe('ResourceRequest timed out')
    expect(error.code).toBe('POOL_ACQUIRE_TIMEOUT')
    expect(isPoolError(error, 'POOL_ACQUIRE_TIMEOUT')).toBe(true)
    expect(error.poolName).toBe('things')
    expect(error.stats).toMatchObject({ used: 1, max: 1 })
    expect(isPoolError(error.cause, 'POOL_ACQUIRE_TIMEOUT')).toBe(true)
    expect((error.cause as Error).message).toMatch(/waited 1000 ms/)
    expect(String(error)).toBe('TimeoutError: ResourceRequest timed out')
    expect(pool.pending).toBe(0)
  })

  it('without acquireTimeoutMillis an acquire waits as long as it takes (no engine default timeout)', async () => {
    const { pool, clock } = setup({ max: 1 })
    const a = await pool.acquire()
    const waiting = track(pool.acquire())
    await clock.advance(3_600_000)
    expect(waiting.settled).toBe(false)
    expect(pool.pending).toBe(1)
    await pool.release(a)
    await settle()
    expect(waiting.value).toBe(a)
  })
})

describe('testOnBorrow and testOnReturn', () => {
  it('testOnBorrow validates every borrow of an idle resource and replaces one that fails', async () => {
    const bad = new Set<number>()
    const checked: number[] = []
    const { pool, destroyed } = setup(
      { max: 2, testOnBorrow: true },
      {
        validate: async (r) => {
          checked.push(r.id)
          return !bad.has(r.id)
        },
      },
    )
    const a = await pool.acquire()
    await pool.release(a)
    const again = await pool.acquire()
    expect(again.id).toBe(1)
    await pool.release(again)
    bad.add(1)
    const b = await pool.acquire()
    expect(b.id).toBe(2)
    expect(destroyed.map((r) => r.id)).toEqual([1])
    // 1 was checked on both borrows (no bypass window); 2 was lent as created
    expect(checked).toEqual([1, 1])
    expect(props(pool)).toMatchObject({ size: 1, borrowed: 1, available: 0 })
  })

  it('a validate that rejects or throws counts as invalid (generic-pool left that resource stuck in test)', async () => {
    let calls = 0
    const { pool, destroyed } = setup(
      { max: 1, testOnBorrow: true },
      {
        validate: (r) => {
          calls++
          if (r.id === 1) return Promise.reject(new Error('ping failed'))
          if (r.id === 2) throw new Error('sync failure')
          return Promise.resolve(true)
        },
      },
    )
    const first = await pool.acquire()
    await pool.release(first)
    const second = await pool.acquire()
    await pool.release(second)
    const third = await pool.acquire()
    expect(third.id).toBe(3)
    expect(destroyed.map((r) => r.id)).toEqual([1, 2])
    expect(calls).toBe(2)
  })

  it('only `false` is invalid, as in generic-pool', async () => {
    const { pool, destroyed } = setup(
      { max: 1, testOnBorrow: true },
      { validate: async () => undefined as unknown as boolean },
    )
    await pool.release(await pool.acquire())
    await pool.release(await pool.acquire())
    expect(destroyed).toEqual([])
  })

  it('testOnReturn validates on release and destroys a resource that fails (generic-pool 3.9.0 never ran it)', async () => {
    const bad = new Set<number>()
    const { pool, destroyed } = setup({ max: 1, testOnReturn: true }, { validate: async (r) => !bad.has(r.id) })
    const a = await pool.acquire()
    await pool.release(a)
    await settle()
    expect(props(pool)).toMatchObject({ size: 1, available: 1 })
    const again = await pool.acquire()
    expect(again).toBe(a)
    bad.add(a.id)
    await pool.release(again)
    await settle()
    expect(destroyed).toEqual([a])
    expect(props(pool)).toMatchObject({ size: 0, available: 0, borrowed: 0 })
    expect((await pool.acquire()).id).toBe(2)
  })
})

describe('drain and clear', () => {
  it('drain refuses new acquires, serves queued ones, waits for every loan; clear then destroys everything', async () => {
    const { pool, destroyed } = setup({ max: 2, min: 1 })
    const a = await pool.acquire()
    const b = await pool.acquire()
    const queued = track(pool.acquire())
    const drained = track(pool.drain())

    const refused = await pool.acquire().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect((refused as Error).message).toBe('pool is draining and cannot accept work')
    expect(isPoolError(refused, 'POOL_CLOSED')).toBe(true)
    await expect(pool.use(async () => 1)).rejects.toThrow('pool is draining and cannot accept work')

    await pool.release(a)
    await settle()
    expect(queued.value).toBe(a)
    expect(drained.settled).toBe(false)
    await pool.destroy(b)
    await settle()
    // min is no longer maintained while draining
    expect(props(pool)).toMatchObject({ size: 1, borrowed: 1 })
    expect(drained.settled).toBe(false)
    await pool.release(a)
    await settle()
    expect(drained.settled).toBe(true)
    expect(props(pool)).toMatchObject({ size: 1, available: 1, borrowed: 0, pending: 0, min: 1 })
    await expect(pool.drain()).resolves.toBeUndefined()

    await pool.clear()
    expect(destroyed).toEqual([b, a])
    expect(pool.engine.state).toBe('closed')
    expect(props(pool)).toMatchObject({ size: 0, available: 0, borrowed: 0, pending: 0, spareResourceCapacity: 2 })
    await expect(pool.acquire()).rejects.toThrow('pool is draining and cannot accept work')
    await expect(pool.clear()).resolves.toBeUndefined()
  })

  it('drain resolves at once on an idle pool and keeps the idle resources until clear', async () => {
    const { pool, destroyed } = setup({ max: 2, min: 2 })
    await settle()
    await pool.drain()
    expect(props(pool)).toMatchObject({ size: 2, available: 2 })
    expect(destroyed).toEqual([])
    await pool.clear()
    expect(destroyed).toHaveLength(2)
  })

  it('clear during a drain gives a loan still out closeGraceMs, then destroys it', async () => {
    const { pool, clock, destroyed } = setup({ max: 1, pools: { closeGraceMs: 5_000 } })
    const a = await pool.acquire()
    const drained = track(pool.drain())
    const cleared = track(pool.clear())
    await clock.advance(4_999)
    expect(cleared.settled).toBe(false)
    await clock.advance(1)
    expect(destroyed).toEqual([a])
    expect(cleared.settled).toBe(true)
    expect(drained.settled).toBe(true)
    await expect(pool.release(a)).resolves.toBeUndefined() // a loan the pool ended itself: accepted quietly
  })

  it('clear without drain destroys idle resources, refills min and keeps working', async () => {
    const { pool, destroyed } = setup({ max: 4, min: 2 })
    await settle()
    const a = await pool.acquire()
    const b = await pool.acquire()
    const c = await pool.acquire()
    await pool.release(b)
    await pool.release(c)
    expect(props(pool)).toMatchObject({ size: 3, available: 2, borrowed: 1 })
    await pool.clear()
    await settle()
    expect(destroyed.sort((x, y) => x.id - y.id)).toEqual([b, c])
    // min refilled around the one still borrowed, as generic-pool does
    expect(props(pool)).toMatchObject({ size: 2, available: 1, borrowed: 1, max: 4, min: 2 })
    expect(pool.engine.state).toBe('running')
    await pool.release(a)
    expect((await pool.acquire()).id).toBeGreaterThan(0)
  })

  it('clear without drain and nothing borrowed destroys every idle resource and keeps working', async () => {
    const { pool, destroyed } = setup({ max: 3 })
    const loans = [await pool.acquire(), await pool.acquire(), await pool.acquire()]
    for (const r of loans) await pool.release(r)
    await pool.clear()
    expect(destroyed).toHaveLength(3)
    expect(props(pool)).toMatchObject({ size: 0, available: 0, max: 3 })
    expect((await pool.acquire()).id).toBeGreaterThan(3)
  })
})

describe('use()', () => {
  it('releases after fn resolves and resolves with its value', async () => {
    const { pool } = setup({ max: 1 })
    await expect(pool.use(async (r) => `got ${r.id}`)).resolves.toBe('got 1')
    expect(props(pool)).toMatchObject({ size: 1, available: 1, borrowed: 0 })
    await expect(pool.use((r) => r.id * 10)).resolves.toBe(10)
  })

  it('destroys the resource when fn rejects or throws, and rejects with fn’s own error', async () => {
    const { pool, destroyed } = setup({ max: 1 })
    const boom = new PoolError('POOL_CLOSED', 'a PoolError of the caller: not relabelled')
    await expect(
      pool.use(async () => {
        throw boom
      }),
    ).rejects.toBe(boom)
    const sync = new Error('sync')
    await expect(
      pool.use(() => {
        throw sync
      }),
    ).rejects.toBe(sync)
    await settle()
    expect(destroyed.map((r) => r.id)).toEqual([1, 2])
    expect(props(pool)).toMatchObject({ size: 0, borrowed: 0 })
  })

  it('does not double-release when fn released the resource itself', async () => {
    const { pool } = setup({ max: 1 })
    await expect(pool.use((r) => pool.release(r).then(() => 'done'))).resolves.toBe('done')
    expect(props(pool)).toMatchObject({ size: 1, available: 1, borrowed: 0 })
  })

  it('maps an acquire timeout to TimeoutError, and passes the priority', async () => {
    const { pool, clock } = setup({ max: 1, acquireTimeoutMillis: 100, priorityRange: 2 })
    await pool.acquire()
    const seen: string[] = []
    pool.engine.on('enqueue', (event: PoolEvents<Res>['enqueue']) => seen.push(event.priority))
    const used = track(pool.use(async () => 1, 1))
    await clock.advance(100)
    expect(used.error).toBeInstanceOf(TimeoutError)
    expect(seen).toEqual(['low'])
  })
})

describe('events', () => {
  it('factoryCreateError gets the error create threw; creates back off instead of looping', async () => {
    let attempts = 0
    const failure = new Error('connection refused')
    const { pool, clock } = setup(
      { max: 1 },
      {
        create: async () => {
          attempts++
          if (attempts <= 5) throw failure
          return { id: attempts }
        },
      },
    )
    const errors: unknown[] = []
    pool.on('factoryCreateError', (error) => errors.push(error))
    const waiting = track(pool.acquire())
    await settle()
    expect(attempts).toBe(1)
    expect(errors).toEqual([failure])
    await clock.advance(50)
    expect(attempts).toBeLessThanOrEqual(2)
    await clock.advance(5_000)
    expect(attempts).toBe(6)
    expect(errors).toHaveLength(5)
    expect(errors.every((e) => e === failure)).toBe(true)
    expect(waiting.value).toEqual({ id: 6 })
  })

  it('keeps refilling min after a failed create, with nobody waiting (generic-pool gave up)', async () => {
    let attempts = 0
    const { pool, clock } = setup(
      { max: 2, min: 2 },
      {
        create: async () => {
          attempts++
          if (attempts === 1) throw new Error('not yet')
          return { id: attempts }
        },
      },
    )
    await settle()
    expect(pool.size).toBe(1)
    await clock.advance(1_000)
    expect(pool.size).toBe(2)
  })

  it('factoryDestroyError gets the error destroy threw, or the destroyTimeoutMillis timeout', async () => {
    const failure = new Error('close failed')
    const { pool, clock } = setup(
      { max: 2, destroyTimeoutMillis: 100 },
      { destroy: (r) => (r.id === 1 ? Promise.reject(failure) : new Promise(() => {})) },
    )
    const errors: unknown[] = []
    pool.on('factoryDestroyError', (error) => errors.push(error))
    const a = await pool.acquire()
    const b = await pool.acquire()
    await pool.destroy(a)
    await settle()
    expect(errors).toEqual([failure])
    await pool.destroy(b)
    await clock.advance(100)
    expect(errors).toHaveLength(2)
    // generic-pool's wording; the engine's detailed error is the cause
    expect((errors[1] as Error).message).toBe('destroy timed out')
    expect(isPoolError(errors[1], 'POOL_DESTROY_FAILED')).toBe(true)
    expect(String(((errors[1] as Error).cause as Error).message)).toMatch(/within 100 ms/)
  })

  it('without listeners, factory errors never throw: they are logged through the runtime logger', async () => {
    const { pool, warnings } = setup(
      { max: 1 },
      {
        destroy: () => {
          throw new Error('destroy exploded')
        },
      },
    )
    await pool.destroy(await pool.acquire())
    await settle()
    expect(warnings.some((w) => w.includes('destroy exploded'))).toBe(true)
  })

  it('a listener that throws is logged and does not break the pool', async () => {
    const { pool, warnings } = setup({ max: 1 }, { destroy: () => Promise.reject(new Error('nope')) })
    pool.on('factoryDestroyError', () => {
      throw new Error('listener bug')
    })
    await pool.destroy(await pool.acquire())
    await settle()
    expect(warnings.some((w) => w.includes('listener bug'))).toBe(true)
    await expect(pool.acquire()).resolves.toEqual({ id: 2 })
  })
})

describe('start, autostart and ready', () => {
  it('autostart: false creates nothing until start()', async () => {
    const { pool, created } = setup({ max: 3, min: 2, autostart: false })
    await settle()
    expect(created).toHaveLength(0)
    expect(props(pool)).toMatchObject({ size: 0, min: 2 })
    pool.start()
    pool.start()
    await settle()
    expect(created).toHaveLength(2)
  })

  it('autostart: false starts on the first acquire', async () => {
    const { pool, created } = setup({ max: 3, min: 2, autostart: false })
    await pool.acquire()
    await settle()
    expect(created).toHaveLength(2)
    expect(props(pool)).toMatchObject({ size: 2, borrowed: 1, available: 1 })
  })

  it('ready() resolves once min resources are open, and at once for min 0', async () => {
    const { pool, created } = setup({ max: 3 })
    await pool.ready()
    expect(created).toHaveLength(0)
    const { pool: warm } = setup({ max: 3, min: 2, autostart: false })
    await warm.ready()
    expect(warm.size).toBe(2)
  })

  it('ready() rejects with the first create failure instead of polling forever', async () => {
    const { pool } = setup(
      { max: 1, min: 1 },
      {
        create: async () => {
          throw new Error('ECONNREFUSED')
        },
      },
    )
    const error = await pool.ready().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isPoolError(error, 'POOL_CREATE_FAILED')).toBe(true)
    expect((error as Error).message).toMatch(/ECONNREFUSED/)
  })
})

describe("idle eviction: generic-pool's evictor", () => {
  async function idleAfter(options: Options, ms: number, step = 250): Promise<number> {
    const { pool, clock } = setup({ max: 3, ...options })
    const loans = [await pool.acquire(), await pool.acquire(), await pool.acquire()]
    for (const r of loans) await pool.release(r)
    for (let t = 0; t < ms; t += step) await clock.advance(step)
    await settle()
    return pool.available
  }

  it('never evicts without evictionRunIntervalMillis (generic-pool default 0), whatever idleTimeoutMillis says', async () => {
    expect(await idleAfter({}, 120_000, 10_000)).toBe(3)
    expect(await idleAfter({ idleTimeoutMillis: 1_000 }, 60_000, 10_000)).toBe(3)
    expect(await idleAfter({ evictionRunIntervalMillis: 0, idleTimeoutMillis: 1_000 }, 60_000, 10_000)).toBe(3)
  })

  it('evicts resources idle longer than idleTimeoutMillis (default 30 s) at each run, numTestsPerEvictionRun at a time', async () => {
    expect(await idleAfter({ evictionRunIntervalMillis: 1_000 }, 30_000)).toBe(3)
    expect(await idleAfter({ evictionRunIntervalMillis: 1_000 }, 31_000)).toBe(0)
    expect(await idleAfter({ evictionRunIntervalMillis: 1_000, numTestsPerEvictionRun: 1 }, 31_000)).toBe(2)
    expect(await idleAfter({ evictionRunIntervalMillis: 1_000, numTestsPerEvictionRun: 1 }, 33_000)).toBe(0)
    // idleTimeoutMillis goes below min: generic-pool destroys and creates again
    const { pool, clock, created, destroyed } = setup({
      max: 2,
      min: 2,
      evictionRunIntervalMillis: 500,
      idleTimeoutMillis: 1_000,
    })
    await settle()
    expect(created).toHaveLength(2)
    for (let t = 0; t < 1_500; t += 250) await clock.advance(250)
    await settle()
    expect(destroyed).toHaveLength(2)
    expect(created).toHaveLength(4)
    expect(pool.available).toBe(2)
    expect(pool.stats().counters.destroyedBy['idle-timeout']).toBe(2)
  })

  it('softIdleTimeoutMillis evicts only while more than min are idle', async () => {
    expect(await idleAfter({ evictionRunIntervalMillis: 500, softIdleTimeoutMillis: 2_000 }, 3_000)).toBe(0)
    expect(await idleAfter({ evictionRunIntervalMillis: 500, softIdleTimeoutMillis: 2_000, min: 1 }, 3_000)).toBe(1)
  })

  it('autostart: false starts the evictor at the first acquire; drain() stops it', async () => {
    const { pool, clock } = setup({
      max: 1,
      autostart: false,
      evictionRunIntervalMillis: 1_000,
      idleTimeoutMillis: 800,
    })
    await clock.advance(500)
    await pool.release(await pool.acquire()) // started at t=500: runs at 1500, 2500, …
    await clock.advance(900) // t=1400
    expect(pool.available).toBe(1)
    await clock.advance(200) // t=1600: the run at 1500 found it idle 1000 ms
    expect(pool.available).toBe(0)
    const drained = setup({ max: 1, evictionRunIntervalMillis: 1_000, idleTimeoutMillis: 800 })
    await drained.pool.release(await drained.pool.acquire())
    await drained.pool.drain()
    await drained.clock.advance(10_000)
    expect(drained.pool.available).toBe(1)
    await drained.pool.clear()
  })

  it('never retires a resource for its age (generic-pool has no max lifetime)', async () => {
    const { pool, clock, destroyed } = setup({ max: 1 })
    const a = await pool.acquire()
    await clock.advance(7_200_000)
    await pool.release(a)
    expect(destroyed).toEqual([])
    expect(await pool.acquire()).toBe(a)
  })
})

describe('what the engine adds', () => {
  it('the engine is reachable as engineOf(pool), under Symbol.for("@pools/core.engine")', () => {
    const { pool } = setup()
    expect(engineOf(pool)).toBe(pool.engine)
    expect(pool[ENGINE]).toBe(pool.engine)
    expect((pool as unknown as Record<symbol, unknown>)[Symbol.for('@pools/core.engine')]).toBe(pool.engine)
  })

  it('pools: engine options such as name and leak detection; stats(), health() and leaks()', async () => {
    const { pool, clock, warnings } = setup({
      max: 2,
      pools: { name: 'legacy', leakDetectionThresholdMs: 10_000, leakCaptureStack: false },
    })
    const a = await pool.acquire()
    await clock.advance(11_000)
    expect(pool.leaks()).toEqual([expect.objectContaining({ resource: a })])
    expect(warnings.some((w) => w.includes('[pools:legacy] possible leak'))).toBe(true)
    const stats = pool.stats()
    expect(stats).toMatchObject({ name: 'legacy', borrowed: 1, leakSuspects: 1 })
    expect(stats.counters.acquired).toBe(1)
    expect(pool.health().status).toBe('degraded')
    expect(pool.engine.name).toBe('legacy')
  })

  it('pools options win over the mapped ones, and bad ones fail with the engine’s message', () => {
    expect(setup({ max: 2, pools: { max: 8, maxLifetimeMs: 60_000 } }).pool.engine.config).toMatchObject({
      max: 8,
      maxLifetimeMs: 60_000,
    })
    expect(setup({ max: 2, pools: { max: 8 } }).pool.max).toBe(8)
    expect(() => setup({ pools: { maxSize: 3 } as never })).toThrow(/did you mean "max"/)
    expect(() => setup({ autostart: false, max: 2, pools: { min: 3 } })).toThrow(/min \(3\) must not exceed max/)
  })

  it('the Promise option wraps every returned promise', async () => {
    class Custom<T> extends Promise<T> {}
    const { pool } = setup({ max: 1, Promise: Custom })
    const acquiring = pool.acquire()
    expect(acquiring).toBeInstanceOf(Custom)
    const r = await acquiring
    expect(pool.release(r)).toBeInstanceOf(Custom)
    expect(pool.release(r).catch(() => {})).toBeInstanceOf(Custom)
    expect(pool.use(async () => 1)).toBeInstanceOf(Custom)
    expect(pool.ready()).toBeInstanceOf(Custom)
  })
})
