import pg from 'pg'
import { createPool, type Pool as EnginePool } from '../engine/pool.js'
import { describeCause, isPoolError } from '../errors/pool-error.js'
import type { LeakReport } from '../events/pool-events.js'
import type { PoolHealth } from '../health/pool-health.js'
import type { PoolStats } from '../stats/pool-stats.js'
import {
  type ClientState,
  createPgDriver,
  type PgDriverHost,
  sendStatementsUnnamed,
  setStateOf,
  stateOf,
  trackTransactionStatus,
} from './driver.js'
import { decorateConnectError, leavesConnectionUsable, PG_MESSAGES, withPgWording } from './errors.js'
import { checkPoolerMode, engineConfigOf, POOL_ONLY_KEYS, type PoolConfig, type PoolerMode } from './options.js'

type Callback = (error: Error | undefined, ...results: unknown[]) => void
type QueryMethod = (config: unknown, values?: unknown, callback?: unknown) => unknown

/** What pg-pool's constructor sets up and we keep using (not all of it is in @types/pg). */
interface PgPoolFields {
  options: Record<string, unknown>
  Client: new (config: Record<string, unknown>) => pg.PoolClient
  Promise: PromiseConstructor
  log: (...messages: unknown[]) => void
  ending: boolean
  ended: boolean
}

const NOOP = (): void => {}

/** A failed checkout as pg-pool reports it: a failed connect as pg's own error, the rest in pg-pool's words. */
function checkoutError(error: unknown): Error {
  if (isPoolError(error, 'POOL_CREATE_FAILED') && error.cause instanceof Error) return error.cause
  return withPgWording(error) as Error
}

/** pg's `Client` has `ref()`/`unref()` (its socket); @types/pg does not declare them. */
function socketOf(client: pg.PoolClient): { ref(): void; unref(): void } {
  return client as unknown as { ref(): void; unref(): void }
}

/** pg-pool's internal machinery: never run here, the engine is the only pool. */
const PG_POOL_INTERNALS = [
  '_isFull',
  '_isAboveMin',
  '_pulseQueue',
  '_remove',
  'newClient',
  '_afterConnect',
  '_acquireClient',
  '_releaseOnce',
  '_release',
] as const

function warn(message: string): void {
  console.warn(message)
}

/**
 * A drop-in `pg.Pool` whose connections are managed by the @pools engine.
 *
 * It *is* a `pg.Pool` (`instanceof pg.Pool`, same constructor options, `connect()`, `query()`,
 * `end()`, events and counters), so code and libraries written for pg keep working: change the
 * import, nothing else. pg-pool's own queue, timers and client lists are never used.
 *
 * Added: one option, `pools` (every engine option, or a preset name), `poolerMode` for
 * PgBouncer/Supavisor, and `stats()`, `health()`, `leaks()`, `ready()` and `pools` (the engine).
 *
 * @example
 * ```ts
 * import { Pool } from '@pools/core/pg' // was: import { Pool } from 'pg'
 *
 * const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 20, pools: 'web' })
 * const { rows } = await pool.query('SELECT now()')
 * console.log(pool.health().status)
 * await pool.end()
 * ```
 */
export class Pool extends pg.Pool {
  /**
   * The @pools engine behind this pool: `stats()`, `health()`, `leaks()`, `on('leak' | 'timeout' | ...)`,
   * `resize()`, `suspend()`/`resume()`. Borrow through `connect()`/`query()` rather than
   * `pools.acquire()`, so pg's events and `client.release()` keep working.
   */
  readonly pools: EnginePool<pg.PoolClient>
  readonly #name: string
  readonly #poolerMode: PoolerMode
  /** Clients in the pool, for `_clients`. */
  readonly #clients = new Set<pg.PoolClient>()

  constructor(options?: PoolConfig) {
    super(options)
    const given: PoolConfig = options ?? {}
    this.#poolerMode = checkPoolerMode(given)
    const config = engineConfigOf(given)
    this.#name = config.name ?? 'pg'
    // pg-pool's own client lists stay empty; frozen so that nothing can start using them.
    const fields = this as unknown as Record<string, unknown>
    fields._idle = Object.freeze([])
    fields._pendingQueue = Object.freeze([])
    Object.defineProperty(this, '_clients', { get: () => [...this.#clients], configurable: true, enumerable: false })
    this.pools = createPool(createPgDriver(this.#driverHost()), config)
    this.pools.on('create', ({ resource }) => this.#created(resource))
    this.pools.on('destroy', ({ resource }) => {
      this.#clients.delete(resource)
      this.#markEndedWhenEmpty()
    })
  }

  /** A snapshot of the engine's gauges, counters and latencies (every checkout counts, `pool.query()` too). */
  stats(): PoolStats {
    return this.pools.stats()
  }

  /** `healthy` / `degraded` / `unhealthy`, with reasons. */
  health(): PoolHealth {
    return this.pools.health()
  }

  /** Clients held longer than `pools.leakDetectionThresholdMs`, with where they were checked out. */
  leaks(): LeakReport<pg.PoolClient>[] {
    return this.pools.leaks()
  }

  /**
   * Resolves once `max(min, 1)` connections are open: fail fast at start-up when the database is
   * unreachable or the credentials are wrong (rejects with the engine's `POOL_CREATE_FAILED`,
   * whose `cause` is pg's error).
   */
  ready(): Promise<void> {
    return this.pools.ready()
  }

  // ── the pg-pool surface, installed on the prototype so @types/pg's declarations stay the types ──

  static {
    const surface: PropertyDescriptorMap = {
      totalCount: {
        get(this: Pool) {
          return this.pools.total + this.pools.creating
        },
        configurable: true,
      },
      idleCount: {
        get(this: Pool) {
          return this.pools.idle
        },
        configurable: true,
      },
      waitingCount: {
        get(this: Pool) {
          return this.pools.pending
        },
        configurable: true,
      },
      expiredCount: {
        get(this: Pool) {
          return this.pools.expired
        },
        configurable: true,
      },
      connect: {
        value: function connect(this: Pool, callback?: Callback) {
          return this.#connect(callback)
        },
        writable: true,
        configurable: true,
      },
      query: {
        value: function query(this: Pool, text: unknown, values?: unknown, callback?: unknown) {
          return this.#query(text, values, callback)
        },
        writable: true,
        configurable: true,
      },
      end: {
        value: function end(this: Pool, callback?: Callback) {
          return this.#end(callback)
        },
        writable: true,
        configurable: true,
      },
    }
    for (const name of PG_POOL_INTERNALS) {
      surface[name] = {
        value: () => {
          throw new Error(`@pools/core/pg: pg-pool's ${name}() is not used; the @pools engine manages this pool.`)
        },
        writable: true,
        configurable: true,
      }
    }
    Object.defineProperties(Pool.prototype, surface)
  }

  get #pg(): PgPoolFields {
    return this as unknown as PgPoolFields
  }

  #connect(callback?: Callback): unknown {
    const P = this.#pg.Promise
    if (this.ending) {
      const error = new Error(PG_MESSAGES.ended)
      return callback ? callback(error) : P.reject(error)
    }
    if (callback === undefined && P === Promise) return this.#checkout()
    const response = this.#promisify(callback)
    this.#checkout().then(
      (client) => response.callback(undefined, client, client.release),
      (error: Error) => response.callback(error, undefined, NOOP),
    )
    return response.result
  }

  #query(text: unknown, values?: unknown, callback?: unknown): unknown {
    if (typeof text === 'function') {
      const response = this.#promisify(text as Callback)
      setImmediate(() => response.callback(new Error(PG_MESSAGES.queryFunction)))
      return response.result
    }
    let cb = callback
    let vals = values
    if (typeof vals === 'function') {
      cb = vals
      vals = undefined
    }
    const response = this.#promisify(typeof cb === 'function' ? (cb as Callback) : undefined)
    if (this.ending) {
      response.callback(new Error(PG_MESSAGES.ended))
      return response.result
    }
    // one promise stage between the engine handing a client over and the query being sent
    this.pools.acquire().then(
      (client) => this.#runQuery(this.#lend(client), text, vals, response.callback),
      (error: unknown) => response.callback(checkoutError(error)),
    )
    return response.result
  }

  /** pg-pool's `query()` after the checkout, except that an SQL error does not cost the connection. */
  #runQuery(client: pg.PoolClient, text: unknown, values: unknown, callback: Callback): void {
    let released = false
    const state = stateOf(client)!
    state.queryError = (error: Error): void => {
      if (released) return
      released = true
      client.release(error)
      callback(error)
    }
    this.#pg.log('dispatching query')
    try {
      ;(client.query as QueryMethod).call(client, text, values, (error: Error | undefined, result: unknown) => {
        this.#pg.log('query dispatched')
        state.queryError = undefined
        if (released) return
        released = true
        // pg-pool destroys the client on any query error; a server-reported error leaves it usable.
        const destroy = error !== undefined && error !== null && !leavesConnectionUsable(error)
        client.release(destroy || error === undefined || error === null ? error : undefined)
        if (error) callback(error)
        else callback(undefined, result)
      })
    } catch (error) {
      state.queryError = undefined
      if (released) throw error
      released = true
      client.release(error as Error)
      callback(error as Error)
    }
  }

  #end(callback?: Callback): unknown {
    const fields = this.#pg
    fields.log('ending')
    if (this.ending) {
      const error = new Error(PG_MESSAGES.endTwice)
      return callback ? callback(error) : fields.Promise.reject(error)
    }
    fields.ending = true
    const closed = this.pools.close().then(() => {
      fields.ended = true
    })
    // pg-pool sets `ended` as soon as no client is left in the pool (their sockets may still be closing)
    this.#markEndedWhenEmpty()
    if (callback) {
      // pg-pool calls the end callback with no arguments
      const done = callback as () => void
      closed.then(() => done(), callback)
      return undefined
    }
    const P = fields.Promise
    return P === Promise ? closed : new P<void>((resolve, reject) => closed.then(resolve, reject))
  }

  /** Borrow through the engine: every checkout (connect and query) is queued, timed and counted there. */
  #checkout(): Promise<pg.PoolClient> {
    if (this.ending) return Promise.reject(new Error(PG_MESSAGES.ended))
    return this.pools.acquire().then(
      (client) => this.#lend(client),
      (error: unknown) => {
        throw checkoutError(error)
      },
    )
  }

  #lend(client: pg.PoolClient): pg.PoolClient {
    if (this.pools.config.allowExitOnIdle) socketOf(client).ref()
    let released = false
    const release = (error?: Error | boolean): void => {
      if (released) throw new Error(PG_MESSAGES.doubleRelease)
      released = true
      this.#release(client, error)
    }
    client.release = release
    try {
      this.emit('acquire', client)
    } catch (error) {
      release()
      throw error
    }
    return client
  }

  /** `release()` gives the client back; `release(truthy)` destroys it (pg-pool's contract). */
  #release(client: pg.PoolClient, error: Error | boolean | undefined): void {
    try {
      this.emit('release', error, client)
    } finally {
      if (error) this.pools.destroy(client)
      else this.pools.release(client)
      if (this.pools.config.allowExitOnIdle) socketOf(client).unref()
    }
  }

  #markEndedWhenEmpty(): void {
    if (this.ending && this.pools.total + this.pools.creating === 0) this.#pg.ended = true
  }

  /** Same `(callback | promise)` convention as pg-pool; a throwing user callback surfaces as it would there. */
  #promisify(callback: Callback | undefined): { callback: Callback; result: Promise<unknown> | undefined } {
    if (callback !== undefined) {
      return {
        callback: (error, ...results) => {
          try {
            callback(error, ...results)
          } catch (thrown) {
            process.nextTick(() => {
              throw thrown
            })
          }
        },
        result: undefined,
      }
    }
    let resolve: (value: unknown) => void = NOOP
    let reject: (reason: unknown) => void = NOOP
    const result = new this.#pg.Promise<unknown>((res, rej) => {
      resolve = res
      reject = rej
    })
    return { callback: (error, value) => (error ? reject(error) : resolve(value)), result }
  }

  // ── engine and driver hooks ───────────────────────────────────────────────

  #driverHost(): PgDriverHost {
    return {
      newClient: () => new this.#pg.Client(this.#clientConfig()),
      attach: (client) => this.#attach(client),
      setUp: (client) => this.#setUp(client),
      connectError: (client, error) => {
        const secrets: string[] = []
        const password = (client as { password?: unknown }).password
        if (typeof password === 'string') secrets.push(password)
        const configured = this.#pg.options.password
        if (typeof configured === 'string') secrets.push(configured)
        return decorateConnectError(error, this.#name, client, secrets)
      },
      removed: (client, state) => this.#removed(client, state),
      log: (...messages) => this.#pg.log(...messages),
    }
  }

  /** What each `Client` gets: the pool's options as pg-pool passes them, minus ours, password still hidden. */
  #clientConfig(): Record<string, unknown> {
    const options = this.#pg.options
    const config: Record<string, unknown> = {}
    for (const key of Object.keys(options)) if (!POOL_ONLY_KEYS.has(key)) config[key] = options[key]
    if ('password' in options) {
      Object.defineProperty(config, 'password', {
        value: options.password,
        enumerable: false,
        writable: true,
        configurable: true,
      })
    }
    // application_name defaults to the pool's name (pg: used only when no application_name is set anywhere)
    if (config.fallback_application_name === undefined) config.fallback_application_name = this.#name
    return config
  }

  #attach(client: pg.PoolClient): ClientState {
    const state: ClientState = {
      queryError: undefined,
      pooled: false,
      errored: false,
      txStatus: null,
    }
    setStateOf(client, state)
    // Always listening: an idle client's error must never become an uncaught 'error' event.
    client.on('error', (error: Error) => {
      this.#clientError(client, error)
      const queryError = state.queryError
      if (queryError !== undefined) {
        state.queryError = undefined
        queryError(error)
      }
    })
    trackTransactionStatus(client, state)
    if (this.#poolerMode === 'transaction') sendStatementsUnnamed(client)
    return state
  }

  async #setUp(client: pg.PoolClient): Promise<void> {
    const { onConnect, verify } = this.#pg.options as PoolConfig
    if (typeof onConnect === 'function') await onConnect(client)
    if (typeof verify === 'function') {
      await new Promise<void>((resolve, reject) => verify(client, (error) => (error ? reject(error) : resolve())))
    }
    if (this.pools.config.allowExitOnIdle) socketOf(client).unref()
  }

  #created(client: pg.PoolClient): void {
    const state = stateOf(client)
    if (state !== undefined) state.pooled = true
    this.#clients.add(client)
    try {
      this.emit('connect', client)
    } catch (error) {
      warn(`[pools:${this.#name}] a 'connect' listener threw: ${describeCause(error)}`)
    }
  }

  #removed(client: pg.PoolClient, state: ClientState | undefined): void {
    if (state === undefined || !state.pooled) return
    state.pooled = false
    this.#pg.log('removed client')
    try {
      this.emit('remove', client)
    } catch (error) {
      warn(`[pools:${this.#name}] a 'remove' listener threw: ${describeCause(error)}`)
    }
  }

  /**
   * A client reported an error. Idle (or being checked by the pool): it is destroyed at once and the
   * error goes to the pool's 'error' listeners as `(err, client)`, like pg-pool, or to a warning
   * when there are none (pg-pool would crash the process). Borrowed: it is destroyed on release,
   * and the borrower sees the error through its query (pg-pool emits nothing on the pool either).
   */
  #clientError(client: pg.PoolClient, error: Error): void {
    const state = stateOf(client)
    if (state === undefined || state.errored) {
      this.#pg.log('additional client error after disconnection due to error', error)
      return
    }
    state.errored = true
    if (!state.pooled) return // still connecting (its connect() reports it) or already removed
    const borrowed = this.pools.isBorrowed(client)
    const held = this.pools.invalidate(client)
    if (borrowed || !held) return
    ;(error as Error & { client?: pg.PoolClient }).client = client
    if (this.listenerCount('error') > 0) {
      this.emit('error', error, client)
    } else {
      warn(
        `[pools:${this.#name}] an idle client failed and was removed from the pool: ${describeCause(error)}. ` +
          "Listen with pool.on('error', (err, client) => …) to handle this yourself.",
      )
    }
  }
}
