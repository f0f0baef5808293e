/**
 * Test-only helpers for the engine's unit tests: a scriptable driver on a
 * FakeClock, a capturing logger, and small promise/error helpers.
 * Excluded from the build (tsconfig.build.json).
 */
import { expect } from 'vitest'
import type { PoolConfigInput } from '../../config/schema.js'
import type { ResourceDriver } from '../../driver/resource-driver.js'
import { isPoolError, type PoolError, type PoolErrorCode } from '../../errors/pool-error.js'
import { FakeClock } from '../../testing/fake-clock.js'
import { createPool, type Pool, type PoolLogger, type PoolRuntime } from '../pool.js'

/** What the fake driver hands out. */
export interface Conn {
  id: number
  closed: boolean
}

/** Optional driver hooks; a hook that is not given is absent from the driver (as in a real one). */
export interface DriverHooks {
  validate?: (conn: Conn, signal: AbortSignal) => boolean | Promise<boolean>
  reset?: (conn: Conn) => void | Promise<void>
  isBroken?: (conn: Conn) => boolean
  isFatalCreateError?: (error: unknown) => boolean
  destroy?: (conn: Conn, signal: AbortSignal) => void | Promise<void>
  ref?: (conn: Conn) => void
  unref?: (conn: Conn) => void
}

/**
 * A scriptable driver. By default `create` resolves at once with a new `Conn`.
 * Set `failWith` to make creates reject, `createDelayMs` to make them take
 * fake time, or `createImpl` to take over completely.
 */
export class FakeDriver {
  /** Fake time of every `create()` call. */
  readonly createCalls: number[] = []
  /** The signal passed to every `create()` call. */
  readonly createSignals: AbortSignal[] = []
  /** Every Conn made (including abandoned ones). */
  readonly made: Conn[] = []
  /** Every Conn passed to `destroy()`, in order. */
  readonly destroyed: Conn[] = []
  /** The signal passed to every `destroy()` call, in order. */
  readonly destroySignals: AbortSignal[] = []
  /** When set, `create()` rejects with it. */
  failWith: unknown = undefined
  /** When > 0, `create()` resolves after this many fake ms (ignoring its signal). */
  createDelayMs = 0
  /** Replaces `create()` when set (may throw synchronously or return junk). */
  createImpl: ((signal: AbortSignal) => Promise<Conn>) | undefined = undefined
  readonly driver: ResourceDriver<Conn>
  #next = 1

  constructor(
    readonly clock: FakeClock,
    hooks: DriverHooks = {},
  ) {
    const driver: ResourceDriver<Conn> = {
      create: (signal) => this.#create(signal),
      destroy: (conn, signal) => {
        conn.closed = true
        this.destroyed.push(conn)
        this.destroySignals.push(signal)
        return hooks.destroy?.(conn, signal)
      },
    }
    if (hooks.validate) driver.validate = hooks.validate
    if (hooks.reset) driver.reset = hooks.reset
    if (hooks.isBroken) driver.isBroken = hooks.isBroken
    if (hooks.isFatalCreateError) driver.isFatalCreateError = hooks.isFatalCreateError
    if (hooks.ref) driver.ref = hooks.ref
    if (hooks.unref) driver.unref = hooks.unref
    this.driver = driver
  }

  /** Make a Conn as a successful create would. */
  make(): Conn {
    const conn = { id: this.#next++, closed: false }
    this.made.push(conn)
    return conn
  }

  /** Conns made and not destroyed. */
  get live(): number {
    return this.made.filter((c) => !c.closed).length
  }

  #create(signal: AbortSignal): Promise<Conn> {
    this.createCalls.push(this.clock.now())
    this.createSignals.push(signal)
    if (this.createImpl) return this.createImpl(signal)
    if (this.failWith !== undefined) return Promise.reject(this.failWith)
    if (this.createDelayMs > 0) {
      return new Promise((resolve) => this.clock.setTimeout(() => resolve(this.make()), this.createDelayMs))
    }
    return Promise.resolve(this.make())
  }
}

/** A logger that keeps every line. */
export class CaptureLogger implements PoolLogger {
  readonly warns: string[] = []
  readonly infos: string[] = []
  warn(message: string): void {
    this.warns.push(message)
  }
  info(message: string): void {
    this.infos.push(message)
  }
}

export interface Setup {
  clock: FakeClock
  fake: FakeDriver
  pool: Pool<Conn>
  logger: CaptureLogger
}

/**
 * A pool on a FakeClock with a FakeDriver, a capturing logger and `random() = 0.5`.
 * `prepare` scripts the driver before the pool starts its first creates.
 */
export function setup(
  config: PoolConfigInput = {},
  hooks: DriverHooks = {},
  runtime: PoolRuntime = {},
  prepare?: (fake: FakeDriver) => void,
): Setup {
  const clock = new FakeClock()
  const fake = new FakeDriver(clock, hooks)
  prepare?.(fake)
  const logger = new CaptureLogger()
  const pool = createPool(fake.driver, config, { clock, logger, random: () => 0.5, ...runtime })
  return { clock, fake, pool, logger }
}

/** A promise's outcome, readable synchronously once it has settled. */
export interface Tracked<T> {
  readonly settled: boolean
  readonly value: T | undefined
  readonly error: unknown
  /** Fake time at which it settled. */
  readonly at: number | undefined
}

/**
 * Follow a promise without letting it become an unhandled rejection. `clock`
 * stamps the settle time.
 */
export function track<T>(promise: Promise<T>, clock?: FakeClock): Tracked<T> {
  const state: { settled: boolean; value: T | undefined; error: unknown; at: number | undefined } = {
    settled: false,
    value: undefined,
    error: undefined,
    at: undefined,
  }
  promise.then(
    (value) => {
      state.settled = true
      state.value = value
      state.at = clock?.now()
    },
    (error: unknown) => {
      state.settled = true
      state.error = error
      state.at = clock?.now()
    },
  )
  return state
}

/** Await `promise`, expect it to reject with a PoolError of `code`, and return the error. */
export async function rejection(promise: Promise<unknown>, code: PoolErrorCode): Promise<PoolError> {
  let error: unknown
  try {
    await promise
  } catch (e) {
    error = e
  }
  expect(error, `expected a ${code} rejection`).toBeDefined()
  expect(isPoolError(error), `expected a PoolError, got ${String(error)}`).toBe(true)
  expect((error as PoolError).code).toBe(code)
  return error as PoolError
}

/** Call `fn`, expect it to throw a PoolError of `code`, and return the error. */
export function thrown(fn: () => unknown, code: PoolErrorCode): PoolError {
  let error: unknown
  try {
    fn()
  } catch (e) {
    error = e
  }
  expect(error, `expected ${code} to be thrown`).toBeDefined()
  expect(isPoolError(error), `expected a PoolError, got ${String(error)}`).toBe(true)
  expect((error as PoolError).code).toBe(code)
  return error as PoolError
}

/** Expect a tracked acquire to have rejected with `code`; return the error. */
export function rejectedWith(tracked: Tracked<unknown>, code: PoolErrorCode): PoolError {
  expect(tracked.settled, 'expected the promise to have settled').toBe(true)
  expect(isPoolError(tracked.error), `expected a PoolError, got ${String(tracked.error)}`).toBe(true)
  expect((tracked.error as PoolError).code).toBe(code)
  return tracked.error as PoolError
}

/** Gauges and counters of a pool, without latency summaries, for before/after comparisons. */
export function snapshot<T>(pool: Pool<T>): unknown {
  const { acquireWaitMs, useTimeMs, createTimeMs, ...rest } = pool.stats()
  return JSON.parse(JSON.stringify({ ...rest, acquireWaitMs, useTimeMs, createTimeMs }))
}

/** Warm `pool` to `n` idle resources (acquire n, release n) and return them, most recently released last. */
export async function warm(s: Setup, n: number): Promise<Conn[]> {
  const conns: Conn[] = []
  const pending = Array.from({ length: n }, () => s.pool.acquire())
  await s.clock.advance(0)
  for (const p of pending) conns.push(await p)
  for (const c of conns) s.pool.release(c)
  return conns
}

/** Close with no grace, advancing the fake clock so the forced destroys run. */
export async function closeNow(s: { pool: Pool<Conn>; clock: FakeClock }): Promise<void> {
  const closed = s.pool.close({ graceMs: 0 })
  await s.clock.advance(0)
  await closed
}
