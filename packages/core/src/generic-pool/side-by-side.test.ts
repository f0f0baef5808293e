/**
 * The same scenario scripts, run against the real generic-pool 3.9.0 and
 * against `@pools/core/generic-pool`: the traces (which caller got which
 * resource, in what order, every property at every step, every rejection's
 * name and message, every factory call) must be identical. Where the two
 * deliberately differ, the last block pins the difference down.
 */
import { createRequire } from 'node:module'
import { describe, expect, it, vi } from 'vitest'
import { FakeClock } from '../testing/index.js'
import { createPool, type Factory, type Options } from './index.js'

const require = createRequire(import.meta.url)
const genericPool = require('generic-pool') as typeof import('generic-pool')

interface Res {
  id: number
}

/** What a scenario can do with either pool (the common generic-pool surface). */
interface AnyPool {
  acquire(priority?: number): Promise<Res>
  release(resource: Res): Promise<void>
  destroy(resource: Res): Promise<void>
  use<U>(fn: (resource: Res) => U | Promise<U>, priority?: number): Promise<U>
  drain(): Promise<void>
  clear(): Promise<void>
  ready(): Promise<void>
  isBorrowedResource(resource: Res): boolean
  on(event: string, listener: (error: unknown) => void): unknown
  readonly size: number
  readonly available: number
  readonly borrowed: number
  readonly pending: number
  readonly max: number
  readonly min: number
  readonly spareResourceCapacity: number
}

interface FactoryPlan {
  /** Resource ids that fail validation. */
  invalid?: number[]
  /** Resource ids that fail validation once they have been lent. */
  invalidOnceLent?: number[]
  /** Create attempts (1-based) that reject. */
  failCreates?: number[]
  /** Resource ids whose destroy rejects. */
  failDestroys?: number[]
}

/** generic-pool's errors are plain `Error`s (but for `TimeoutError`); ours are PoolErrors: compare the rest. */
function explain(error: Error): string {
  return `${error instanceof Error ? '' : 'not an Error: '}${error.name === 'TimeoutError' ? 'TimeoutError: ' : ''}${error.message}`
}

/** Let every pending continuation and immediate run (creates, validations and destroys all resolve at once). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** Drives one pool and records everything observable, in order. */
class Driver {
  readonly trace: string[] = []
  /** Labels in the order their acquires resolved. */
  readonly served: string[] = []
  readonly held = new Map<string, Res>()
  /**
   * Resources are named after their first borrower: which of two resources
   * created in the same tick goes to which caller is an accident of promise
   * scheduling, not behaviour.
   */
  readonly #names = new Map<Res, string>()
  #attempts = 0
  #ids = 0

  constructor(
    readonly make: (factory: Factory<Res>) => AnyPool,
    readonly plan: FactoryPlan = {},
  ) {}

  pool!: AnyPool

  start(): this {
    const plan = this.plan
    const factory: Factory<Res> = {
      create: async () => {
        const attempt = ++this.#attempts
        if (plan.failCreates?.includes(attempt)) {
          this.trace.push(`create attempt ${attempt} fails`)
          throw new Error(`create ${attempt} failed`)
        }
        const resource = { id: ++this.#ids }
        this.trace.push('create')
        return resource
      },
      destroy: async (resource) => {
        this.trace.push(`destroy ${this.name(resource)}`)
        if (plan.failDestroys?.includes(resource.id)) throw new Error(`destroy ${this.name(resource)} failed`)
      },
      validate: async (resource) => {
        const lent = this.#names.has(resource)
        const ok = !(plan.invalid?.includes(resource.id) || (lent && plan.invalidOnceLent?.includes(resource.id)))
        this.trace.push(`validate ${this.name(resource)} ${ok}`)
        return ok
      },
    }
    this.pool = this.make(factory)
    this.pool.on('factoryCreateError', (error) => this.trace.push(`factoryCreateError ${(error as Error).message}`))
    this.pool.on('factoryDestroyError', (error) => this.trace.push(`factoryDestroyError ${(error as Error).message}`))
    return this
  }

  /** `a`'s resource is called `a`; one never lent is `(never lent)`. */
  name(resource: Res): string {
    return this.#names.get(resource) ?? '(never lent)'
  }

  acquire(label: string, priority?: number): void {
    this.pool.acquire(priority).then(
      (resource) => {
        if (!this.#names.has(resource)) this.#names.set(resource, label)
        this.held.set(label, resource)
        this.served.push(label)
        this.trace.push(`${label} got ${this.name(resource)}`)
      },
      (error: Error) => this.trace.push(`${label} rejected: ${explain(error)}`),
    )
  }

  release(label: string): void {
    const resource = this.held.get(label)!
    this.held.delete(label)
    this.pool.release(resource).then(
      () => this.trace.push(`${label} released`),
      (error: Error) => this.trace.push(`${label} release rejected: ${error.message}`),
    )
  }

  releaseAgain(label: string, resource: Res): void {
    this.pool.release(resource).then(
      () => this.trace.push(`${label} released again`),
      (error: Error) => this.trace.push(`${label} second release rejected: ${error.message}`),
    )
  }

  destroy(label: string): void {
    const resource = this.held.get(label)!
    this.held.delete(label)
    this.pool.destroy(resource).then(
      () => this.trace.push(`${label} destroyed`),
      (error: Error) => this.trace.push(`${label} destroy rejected: ${error.message}`),
    )
  }

  use(label: string, outcome: 'resolve' | 'reject'): void {
    this.pool
      .use(async (resource) => {
        if (!this.#names.has(resource)) this.#names.set(resource, label)
        this.trace.push(`${label} uses ${this.name(resource)}`)
        if (outcome === 'reject') throw new Error(`${label} failed`)
        return `${label} result`
      })
      .then(
        (value) => this.trace.push(`${label} use resolved: ${value}`),
        (error: Error) => this.trace.push(`${label} use rejected: ${error.message}`),
      )
  }

  drain(): void {
    this.pool.drain().then(() => this.trace.push('drained'))
  }

  clear(): void {
    this.pool.clear().then(() => this.trace.push('cleared'))
  }

  snap(tag: string): void {
    const p = this.pool
    const held = [...this.held.entries()].map(([label, r]) => `${label}:${p.isBorrowedResource(r)}`).join(',')
    this.trace.push(
      `[${tag}] size=${p.size} available=${p.available} borrowed=${p.borrowed} pending=${p.pending} ` +
        `spare=${p.spareResourceCapacity} max=${p.max} min=${p.min} held=${held}`,
    )
  }
}

type Script = (d: Driver) => Promise<void>

function generic(options: Options): (factory: Factory<Res>) => AnyPool {
  return (factory) => genericPool.createPool(factory as import('generic-pool').Factory<Res>, options) as AnyPool
}

function ours(options: Options): (factory: Factory<Res>) => AnyPool {
  return (factory) => createPool(factory, options, { clock: new FakeClock(), logger: false })
}

/**
 * The trace cut at each snapshot, each piece sorted: within one settled step
 * the order in which *different* promises' callbacks run (an acquire that a
 * release served vs the release's own promise) depends on how many `then`s sit
 * in between, which is not behaviour. The order of acquisitions is compared
 * separately, unsorted (`served`).
 */
function steps(trace: string[]): string[][] {
  const out: string[][] = [[]]
  for (const line of trace) {
    if (line.startsWith('[')) out.push([line], [])
    else out.at(-1)!.push(line)
  }
  return out.map((step) => step.sort()).filter((step) => step.length > 0)
}

/** Run `script` on both pools. */
async function sideBySide(options: Options, script: Script, plan?: FactoryPlan): Promise<[Driver, Driver]> {
  const theirs = new Driver(generic(options), plan).start()
  const mine = new Driver(ours(options), plan).start()
  await script(theirs)
  await script(mine)
  return [theirs, mine]
}

async function expectSame(options: Options, script: Script, plan?: FactoryPlan): Promise<Driver> {
  const [theirs, mine] = await sideBySide(options, script, plan)
  expect(steps(mine.trace)).toEqual(steps(theirs.trace))
  expect(mine.served).toEqual(theirs.served)
  return mine
}

describe('side by side with generic-pool 3.9.0: identical outcomes', () => {
  it('acquire / release / destroy at max, with every property at every step', async () => {
    const mine = await expectSame({ max: 2 }, async (d) => {
      d.snap('start')
      d.acquire('a')
      d.acquire('b')
      d.acquire('c')
      d.snap('three asked')
      await settle()
      d.snap('two lent')
      d.release('a')
      await settle()
      d.snap('c served')
      d.destroy('b')
      await settle()
      d.snap('b destroyed')
      d.release('c')
      await settle()
      d.snap('all back')
      d.acquire('d')
      await settle()
      d.snap('d lent')
      d.release('d')
      d.drain()
      await settle()
      d.snap('drained')
    })
    expect(mine.trace).toContain('c got a')
    expect(mine.served).toEqual(['a', 'b', 'c', 'd'])
  })

  it('min resources at start, refilled after a destroy, not refilled while draining', async () => {
    await expectSame({ min: 2, max: 3, fifo: false }, async (d) => {
      await settle()
      d.snap('started')
      d.acquire('a')
      d.acquire('b')
      d.acquire('c')
      d.acquire('d')
      await settle()
      d.snap('saturated')
      d.destroy('a')
      await settle()
      d.snap('a destroyed')
      d.release('b')
      d.release('c')
      await settle()
      d.snap('returned')
      d.drain()
      d.destroy('d')
      await settle()
      d.snap('drained')
    })
  })

  it('priorities: 0 first; missing, out-of-range and string priorities read as generic-pool reads them', async () => {
    const order = ['holder', 'top', 'default', 'mid', 'text', 'low', 'beyond', 'negative']
    const mine = await expectSame({ max: 1, priorityRange: 3 }, async (d) => {
      d.acquire('holder')
      await settle()
      d.acquire('low', 2)
      d.acquire('mid', 1)
      d.acquire('top', 0)
      d.acquire('default')
      d.acquire('beyond', 7)
      d.acquire('negative', -1)
      d.acquire('text', '1' as unknown as number)
      d.snap('queued')
      for (const label of order) {
        await settle()
        d.release(label)
      }
      await settle()
      d.snap('done')
    })
    expect(mine.served).toEqual(order)
  })

  it('maxWaitingClients only refuses when the pool is at max with nothing idle', async () => {
    // 0 does not mean "never wait for a create": both acquires below max go through
    await expectSame({ max: 2, maxWaitingClients: 0 }, async (d) => {
      d.acquire('a')
      d.acquire('b')
      d.acquire('c')
      d.snap('asked')
      await settle()
      d.snap('settled')
      d.release('a')
      d.release('b')
      await settle()
    })
    await expectSame({ max: 1, maxWaitingClients: 1 }, async (d) => {
      d.acquire('a')
      await settle()
      d.acquire('b')
      d.acquire('c')
      await settle()
      d.snap('one queued, one refused')
      d.release('a')
      await settle()
      d.acquire('d')
      await settle()
      d.snap('d queued')
    })
  })

  it('release twice, destroy after release and foreign resources are rejected with the same message', async () => {
    const mine = await expectSame({ max: 1 }, async (d) => {
      d.acquire('a')
      await settle()
      const resource = d.held.get('a')!
      d.release('a')
      await settle()
      d.releaseAgain('a', resource)
      d.pool.destroy(resource).then(
        () => d.trace.push('destroy resolved'),
        (error: Error) => d.trace.push(`destroy rejected: ${error.message}`),
      )
      d.pool.release({ id: 99 }).then(
        () => d.trace.push('foreign released'),
        (error: Error) => d.trace.push(`foreign rejected: ${error.message}`),
      )
      await settle()
      d.snap('nothing changed')
    })
    expect(mine.trace).toContain('a second release rejected: Resource not currently part of this pool')
  })

  it('drain serves the queue, refuses new acquires and waits for every loan', async () => {
    const mine = await expectSame({ max: 2 }, async (d) => {
      d.acquire('a')
      d.acquire('b')
      d.acquire('queued')
      await settle()
      d.drain()
      d.acquire('late')
      await settle()
      d.snap('draining')
      d.release('a')
      await settle()
      d.snap('queued served')
      d.release('b')
      await settle()
      d.snap('one loan left')
      d.release('queued')
      await settle()
      d.snap('drained')
      d.acquire('after')
      d.clear()
      await settle()
    })
    expect(mine.trace).toContain('late rejected: pool is draining and cannot accept work')
    expect(mine.trace.indexOf('drained')).toBeGreaterThan(mine.trace.indexOf('[one loan left]'))
  })

  it('testOnBorrow: a resource that fails validation is destroyed and a fresh one lent', async () => {
    const withoutFreshValidations = async (options: Options) => {
      const [theirs, mine] = await sideBySide(
        options,
        async (d) => {
          d.acquire('a')
          await settle()
          d.release('a')
          await settle()
          d.snap('a back')
          d.acquire('b')
          await settle()
          d.snap('b served')
          d.release('b')
          await settle()
        },
        { invalidOnceLent: [1] },
      )
      // generic-pool also validates a resource created for the very acquire it serves; the engine lends
      // it as created (validate could only confirm what create just did). Everything else is identical.
      const old = theirs.trace.filter((line) => !line.startsWith('validate (never lent)'))
      expect(steps(mine.trace)).toEqual(steps(old))
      expect(mine.trace).toContain('validate a false')
      expect(mine.trace).toContain('destroy a')
      expect(mine.trace).toContain('b got b')
    }
    await withoutFreshValidations({ max: 2, testOnBorrow: true })
    await withoutFreshValidations({ max: 1, testOnBorrow: true })
  })

  it('use(): released when fn resolves, destroyed when it rejects', async () => {
    await expectSame({ max: 1 }, async (d) => {
      d.use('ok', 'resolve')
      await settle()
      d.snap('after ok')
      d.use('bad', 'reject')
      await settle()
      d.snap('after bad')
      d.use('again', 'resolve')
      await settle()
      d.snap('after again')
    })
  })

  it('factoryDestroyError and factoryCreateError carry the factory errors', async () => {
    const mine = await expectSame(
      { max: 1 },
      async (d) => {
        d.acquire('a')
        await settle()
        d.destroy('a')
        await settle()
        d.snap('after destroy')
      },
      { failDestroys: [1] },
    )
    expect(mine.trace).toContain('factoryDestroyError destroy a failed')
    // a failing create with nobody waiting: one attempt, one event (generic-pool's retry needs a waiting caller)
    await expectSame(
      { min: 1, max: 1 },
      async (d) => {
        await settle()
        d.snap('after failed min create')
      },
      { failCreates: [1] },
    )
  })

  it('acquireTimeoutMillis rejects with TimeoutError: ResourceRequest timed out (real timers)', async () => {
    const script: Script = async (d) => {
      d.acquire('a')
      await settle()
      d.acquire('b')
      await new Promise((resolve) => setTimeout(resolve, 60))
      await settle()
      d.snap('after timeout')
      d.release('a')
      await settle()
      d.snap('released')
    }
    const theirs = new Driver(generic({ max: 1, acquireTimeoutMillis: 20 })).start()
    const mine = new Driver((f) => createPool(f, { max: 1, acquireTimeoutMillis: 20 }, { logger: false })).start()
    await Promise.all([script(theirs), script(mine)])
    expect(steps(mine.trace)).toEqual(steps(theirs.trace))
    expect(mine.trace).toContain('b rejected: TimeoutError: ResourceRequest timed out')
  })
})

describe('side by side: deliberate differences', () => {
  it('fifo (the default): generic-pool lends the longest-idle resource, the engine the most recent (LIFO)', async () => {
    const script: Script = async (d) => {
      d.acquire('a')
      d.acquire('b')
      await settle()
      d.release('a')
      await settle()
      d.release('b')
      await settle()
      d.acquire('c')
      await settle()
    }
    const [theirs, mine] = await sideBySide({ max: 2 }, script)
    expect(theirs.trace).toContain('c got a')
    expect(mine.trace).toContain('c got b')
    // fifo: false makes generic-pool LIFO too: then they agree.
    await expectSame({ max: 2, fifo: false }, script)
  })

  it('a failing create with a waiting caller: generic-pool retries at once, in a loop; the engine backs off', async () => {
    const failing = { failCreates: Array.from({ length: 20 }, (_, i) => i + 1) }
    const script: Script = async (d) => {
      d.acquire('a')
      await settle()
    }
    const [theirs, mine] = await sideBySide({ max: 1 }, script, failing)
    const attempts = (trace: string[]) => trace.filter((line) => line.startsWith('create attempt')).length
    // generic-pool burns through all 20 planned failures without yielding to the event loop once
    expect(attempts(theirs.trace)).toBe(20)
    expect(theirs.served).toEqual(['a'])
    // the engine tried once and waits for its backoff timer (a FakeClock here: time stands still)
    expect(attempts(mine.trace)).toBe(1)
    expect(mine.served).toEqual([])
  })

  it('testOnReturn: generic-pool 3.9.0 never validates on release; the engine does', async () => {
    const script: Script = async (d) => {
      d.acquire('a')
      await settle()
      d.release('a')
      await settle()
      d.snap('returned')
    }
    const [theirs, mine] = await sideBySide({ max: 1, testOnReturn: true }, script, { invalid: [1] })
    expect(theirs.trace.some((line) => line.startsWith('validate'))).toBe(false)
    expect(theirs.trace.at(-1)).toContain('size=1 available=1')
    expect(mine.trace).toContain('validate a false')
    expect(mine.trace).toContain('destroy a')
    expect(mine.trace.at(-1)).toContain('size=0 available=0')
  })

  it('clear(): generic-pool leaves destroyed resources in `available` and lends them again; the engine does not', async () => {
    const script: Script = async (d) => {
      d.acquire('a')
      d.acquire('b')
      d.acquire('c')
      await settle()
      d.release('a')
      d.release('b')
      await settle()
      d.clear()
      await settle()
      d.snap('cleared')
      d.acquire('d')
      await settle()
    }
    const [theirs, mine] = await sideBySide({ max: 3, fifo: false }, script)
    // generic-pool destroyed a and b but still counts them available, and lends a destroyed one
    expect(theirs.trace).toContain('destroy a')
    expect(theirs.trace).toContain('destroy b')
    expect(theirs.trace).toContain('[cleared] size=1 available=2 borrowed=1 pending=0 spare=2 max=3 min=0 held=c:true')
    expect(theirs.trace.some((line) => line === 'd got a' || line === 'd got b')).toBe(true)
    // ours destroyed both idle resources and lends a new one
    expect(mine.trace).toContain('[cleared] size=1 available=0 borrowed=1 pending=0 spare=2 max=3 min=0 held=c:true')
    expect(mine.trace.at(-1)).toBe('d got d')
  })

  it('clear() after drain(): generic-pool still reports the destroyed resources as available', async () => {
    const script: Script = async (d) => {
      d.acquire('a')
      await settle()
      d.release('a')
      d.drain()
      await settle()
      d.clear()
      await settle()
      d.snap('closed')
    }
    const [theirs, mine] = await sideBySide({ max: 2 }, script)
    expect(theirs.trace.at(-1)).toBe('[closed] size=0 available=1 borrowed=0 pending=0 spare=2 max=2 min=0 held=')
    expect(mine.trace.at(-1)).toBe('[closed] size=0 available=0 borrowed=0 pending=0 spare=2 max=2 min=0 held=')
    expect(steps(mine.trace).slice(0, -1)).toEqual(steps(theirs.trace).slice(0, -1))
  })
})

/**
 * The evictor side by side: generic-pool runs on vitest's fake timers (setTimeout and Date), ours on a
 * FakeClock; the script advances both by the same amounts.
 */
type TimedScript = (d: Driver, advance: (ms: number) => Promise<void>) => Promise<void>

async function expectSameOverTime(options: Options, script: TimedScript): Promise<Driver> {
  const theirs = new Driver(generic(options))
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  try {
    theirs.start()
    await script(theirs, async (ms) => {
      for (let t = 0; t < ms; t += 100) await vi.advanceTimersByTimeAsync(100)
      await settle()
    })
    // generic-pool's evictor timer is unref'd but still scheduled: let it go with the fake timers
    await theirs.pool.drain()
    vi.clearAllTimers()
  } finally {
    vi.useRealTimers()
  }
  const clock = new FakeClock()
  const mine = new Driver((factory) => createPool(factory, options, { clock, logger: false })).start()
  await script(mine, async (ms) => {
    for (let t = 0; t < ms; t += 100) await clock.advance(100)
    await settle()
  })
  expect(steps(mine.trace)).toEqual(steps(theirs.trace))
  expect(mine.served).toEqual(theirs.served)
  return mine
}

/** Borrow `labels` at once, then release them in order. */
async function borrowAndRelease(d: Driver, labels: string[]): Promise<void> {
  for (const label of labels) d.acquire(label)
  await settle()
  for (const label of labels) d.release(label)
  await settle()
}

describe('side by side with generic-pool 3.9.0: the evictor (evictionRunIntervalMillis)', () => {
  it('idleTimeoutMillis: evicted at the first run after it, numTestsPerEvictionRun per run', async () => {
    const mine = await expectSameOverTime(
      { max: 4, evictionRunIntervalMillis: 1_000, idleTimeoutMillis: 4_500 },
      async (d, advance) => {
        await borrowAndRelease(d, ['a', 'b', 'c', 'd'])
        await advance(4_000)
        d.snap('t=4000')
        await advance(1_000)
        d.snap('t=5000')
        await advance(1_000)
        d.snap('t=6000')
      },
    )
    expect(mine.trace).toContain('[t=5000] size=1 available=1 borrowed=0 pending=0 spare=3 max=4 min=0 held=')
  })

  it('the examination resumes where the previous run stopped (numTestsPerEvictionRun: 1)', async () => {
    const mine = await expectSameOverTime(
      { max: 3, evictionRunIntervalMillis: 1_000, idleTimeoutMillis: 2_500, numTestsPerEvictionRun: 1 },
      async (d, advance) => {
        for (const label of ['a', 'b', 'c']) d.acquire(label)
        await settle()
        d.release('a')
        await settle()
        await advance(1_000)
        d.release('b')
        d.release('c')
        await settle()
        for (let t = 2_000; t <= 7_000; t += 1_000) {
          await advance(1_000)
          d.snap(`t=${t}`)
        }
      },
    )
    // t=1000 looked at a, t=2000 at b, t=3000 at c: a (idle 3000 ms) only goes at t=4000
    expect(mine.trace).toContain('[t=3000] size=3 available=3 borrowed=0 pending=0 spare=0 max=3 min=0 held=')
    expect(mine.trace).toContain('[t=4000] size=2 available=2 borrowed=0 pending=0 spare=1 max=3 min=0 held=')
  })

  it('softIdleTimeoutMillis keeps min idle; idleTimeoutMillis goes below min and min is refilled', async () => {
    await expectSameOverTime(
      { max: 4, min: 2, evictionRunIntervalMillis: 500, softIdleTimeoutMillis: 1_000, idleTimeoutMillis: 60_000 },
      async (d, advance) => {
        await borrowAndRelease(d, ['a', 'b', 'c', 'd'])
        await advance(2_000)
        d.snap('soft')
      },
    )
    await expectSameOverTime(
      { max: 2, min: 2, evictionRunIntervalMillis: 500, idleTimeoutMillis: 1_000 },
      async (d, advance) => {
        await borrowAndRelease(d, ['a', 'b'])
        await advance(1_600)
        d.snap('hard')
      },
    )
  })

  it('autostart: false starts the evictor at the first acquire; drain() stops it', async () => {
    await expectSameOverTime(
      { max: 1, autostart: false, evictionRunIntervalMillis: 1_000, idleTimeoutMillis: 800 },
      async (d, advance) => {
        await advance(500)
        await borrowAndRelease(d, ['a'])
        await advance(900)
        d.snap('t=1400')
        await advance(200)
        d.snap('t=1600')
      },
    )
    await expectSameOverTime(
      { max: 1, evictionRunIntervalMillis: 1_000, idleTimeoutMillis: 800 },
      async (d, advance) => {
        await borrowAndRelease(d, ['a'])
        d.drain()
        await settle()
        await advance(5_000)
        d.snap('drained')
      },
    )
  })

  it('no evictionRunIntervalMillis: nothing is ever evicted', async () => {
    await expectSameOverTime({ max: 2, idleTimeoutMillis: 1_000, softIdleTimeoutMillis: 500 }, async (d, advance) => {
      await borrowAndRelease(d, ['a', 'b'])
      await advance(10_000)
      d.snap('later')
    })
  })

  it('a destroy that outlives destroyTimeoutMillis: factoryDestroyError "destroy timed out"', async () => {
    const hanging = { create: async () => ({ id: 1 }), destroy: () => new Promise<void>(() => {}) }
    const messages: string[] = []
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    try {
      const theirs = genericPool.createPool(hanging, {
        destroyTimeoutMillis: 200,
      } as import('generic-pool').Options) // in generic-pool's code, missing from its typings
      theirs.on('factoryDestroyError', (error: Error) => messages.push(`theirs: ${error.message}`))
      await theirs.destroy(await theirs.acquire())
      await vi.advanceTimersByTimeAsync(250)
    } finally {
      vi.useRealTimers()
    }
    const clock = new FakeClock()
    const mine = createPool(hanging, { destroyTimeoutMillis: 200 }, { clock, logger: false })
    mine.on('factoryDestroyError', (error: Error) => messages.push(`ours: ${error.message}`))
    await mine.destroy(await mine.acquire())
    await clock.advance(250)
    await settle()
    expect(messages).toEqual(['theirs: destroy timed out', 'ours: destroy timed out'])
  })
})
