import pg from 'pg'
import {
  createPool,
  type DestroyReason,
  describeCause,
  ENGINE,
  type Pool as EnginePool,
  engineOf,
  isPoolError,
  type LeakReport,
  PoolError,
  type PoolHealth,
  type PoolLogger,
  type PoolStats,
} from '../index.js'
import { createPgDriver, type PgDriverOptions } from './driver.js'
import { leavesConnectionUsable, PG_MESSAGES, withPgWording } from './errors.js'
import { checkPoolerMode, engineConfigOf, expandFilePool, type PoolConfig } from './options.js'

type Callback = (error: Error | undefined, ...results: unknown[]) => void
type QueryMethod = (config: unknown, values?: unknown, callback?: unknown) => unknown

/** What pg-pool's constructor sets up and we keep using (not all of it is in @types/pg). */
interface PgPoolFields {
  options: Record<string, unknown>
  Promise: PromiseConstructor
  log: (...messages: unknown[]) => void
  ending: boolean
  ended: boolean
}

/**
 * The options of the drop-in `Pool` that are not pg-pool's: a shared engine, a logger.
 *
 * @example
 * ```ts
 * const pool = new Pool({ connectionString, logger: console })  // warnings to the console
 * const view = new Pool({ engine: pool })                       // same connections, pg.Pool API
 * ```
 */
export interface PoolFacadeOptions {
  /**
   * Build this pool over an engine that already exists, instead of creating one: another
   * `@pools/core/pg` `Pool` (or any facade exposing its engine), or an engine made with
   * `createPool(createPgDriver(...), config)`. The pools share connections, queue and limits; this
   * one never closes the engine: its `end()` only detaches it. Only `log`, `Promise` and `logger`
   * may be given with it; everything else belongs to the engine.
   *
   * @example
   * ```ts
   * const engine = createPool(createPgDriver({ connectionString }), { name: 'main', max: 20 })
   * const forKnex = engine                         // or anything else that takes the engine
   * const forPgCode = new Pool({ engine })         // pg.Pool API over the same connections
   * ```
   */
  engine?: EnginePool<pg.PoolClient> | object | undefined
  /**
   * Where the engine's few warnings (create failures, leak reports, a throwing listener) go.
   * Default: nowhere, as with pg-pool. Pass `console` to see them.
   */
  logger?: PoolLogger | false | undefined
}

/** The options `new Pool(options)` takes: pg-pool's, plus `pools`, `poolerMode`, `engine` and `logger`. */
export type PoolOptions = PoolConfig & PoolFacadeOptions

/** Options that may come with `engine` (they are about this facade, not the connections). */
const FACADE_KEYS: ReadonlySet<string> = new Set(['engine', 'logger', 'log', 'Promise'])

const NOOP = (): void => {}

/** pg-pool's log lines for a removal, by the engine's reason. */
const REMOVAL_LOG: Partial<Record<DestroyReason, string>> = {
  'max-uses': 'remove expended client',
  'max-lifetime': 'remove expired client',
  'idle-timeout': 'remove idle client',
}

/** What `#lend` returns when an 'acquire' listener threw; allocated only then. */
class ListenerThrew {
  constructor(readonly error: unknown) {}
}

/** A failed checkout as pg-pool reports it: a failed connect as pg's own error, the rest in pg-pool's words. */
function checkoutError(error: unknown): Error {
  if (isPoolError(error, 'POOL_CREATE_FAILED') && error.cause instanceof Error) return error.cause
  return withPgWording(error) as Error
}

function invalidOptions(message: string): PoolError {
  return new PoolError('POOL_CONFIG_INVALID', `Invalid pg pool options: ${message}.`)
}

/** pg-pool's constructor reads `options` as an object; refuse anything else before it echoes it in a TypeError. */
function checkedOptions(options: unknown): PoolOptions | undefined {
  if (options === undefined || options === null) return undefined
  if (typeof options !== 'object' || Array.isArray(options)) {
    const what = typeof options === 'string' ? 'a string' : Array.isArray(options) ? 'an array' : typeof options
    throw invalidOptions(
      `new Pool() takes an options object, got ${what}; for a connection string use new Pool({ connectionString })`,
    )
  }
  return expandFilePool(options as PoolOptions) as PoolOptions
}

/** The engine behind `given`: an engine itself, or a facade exposing one under `ENGINE`. */
function engineBehind(given: unknown): EnginePool<pg.PoolClient> {
  try {
    return engineOf(given) as EnginePool<pg.PoolClient>
  } catch {
    throw invalidOptions(
      '"engine" must be a @pools/core engine (createPool(createPgDriver(...), config)) or a pool that exposes one',
    )
  }
}

/**
 * The error an idle client was removed for, by whichever pool on its engine saw it first: the other
 * pools sharing that engine report the same error instead of taking it for an echo.
 */
const removedFor = new WeakMap<pg.PoolClient, Error>()

/** The facade's view of one client. */
interface ClientRecord {
  /** The error handler of the `pool.query()` running on this client, if any. */
  queryError: ((error: Error) => void) | undefined
  /** An 'error' was already handled; later ones are echoes of it. */
  errored: boolean
  /** The engine destroyed it. */
  removed: boolean
  /** This pool's 'error' listener on the client. */
  onError: (error: Error) => void
}

/**
 * A drop-in `pg.Pool` whose connections are managed by the @pools engine.
 *
 * It *is* a `pg.Pool` (`instanceof pg.Pool`, same constructor options, `connect()`, `query()`,
 * `end()`, events and counters), so code and libraries written for pg keep working: change the
 * import, nothing else. pg-pool's own queue, timers and client lists are never used.
 *
 * Added: `pools` (every engine option, or a preset name), `poolerMode` for PgBouncer/Supavisor,
 * `engine` (share another pool's engine), `logger`, and `stats()`, `health()`, `leaks()`, `ready()`
 * and `pools` (the engine, also under `Symbol.for('@pools/core.engine')`).
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
  readonly #engine: EnginePool<pg.PoolClient>
  /** This pool created its engine (and so closes it in `end()`). */
  readonly #ownsEngine: boolean
  readonly #logger: PoolLogger | undefined
  /** Clients this pool has seen (created through its engine, or lent by it). */
  readonly #clients = new Map<pg.PoolClient, ClientRecord>()
  readonly #onCreate = ({ resource }: { resource: pg.PoolClient }): void => this.#created(resource)
  readonly #onDestroy = ({ resource, reason }: { resource: pg.PoolClient; reason: DestroyReason }): void =>
    this.#destroyed(resource, reason)

  constructor(options?: PoolOptions) {
    super(checkedOptions(options))
    const given: PoolOptions = checkedOptions(options) ?? {}
    // pg-pool's own client lists stay empty; frozen so that nothing can start using them.
    const fields = this as unknown as Record<string, unknown>
    // pg-pool hides options.password from console.log(pool); a connection string holds the same password
    const own = (this as unknown as { options: Record<string, unknown> }).options
    if (typeof own.connectionString === 'string') {
      Object.defineProperty(own, 'connectionString', {
        value: own.connectionString,
        enumerable: false,
        writable: true,
        configurable: true,
      })
    }
    fields._idle = Object.freeze([])
    fields._pendingQueue = Object.freeze([])
    Object.defineProperty(this, '_clients', {
      get: () => [...this.#clients.keys()],
      configurable: true,
      enumerable: false,
    })
    const logger = given.logger
    if (logger !== undefined && logger !== false && typeof (logger as { warn?: unknown } | null)?.warn !== 'function') {
      throw invalidOptions('"logger" must be an object with a warn(line) method (console works), or false')
    }
    this.#logger = logger === undefined || logger === false ? undefined : logger
    if (given.engine !== undefined && given.engine !== null) {
      const extra = Object.keys(given).filter(
        (key) => !FACADE_KEYS.has(key) && given[key as keyof PoolOptions] !== undefined,
      )
      if (extra.length > 0) {
        throw invalidOptions(
          `with "engine", the connection and pool options belong to that engine; ${extra.join(', ')} cannot be given here`,
        )
      }
      this.#engine = engineBehind(given.engine)
      this.#ownsEngine = false
      const own = this.#pg.options
      own.max = this.#engine.max
      own.min = this.#engine.min
      own.idleTimeoutMillis = this.#engine.config.idleTimeoutMs
    } else {
      checkPoolerMode(given)
      const config = engineConfigOf(given)
      const name = config.name ?? 'pg'
      // read through to pool.options on every connect (pg-pool's `pool.options.password = next` rotation)
      const driverOptions = Object.create(this.#pg.options) as PgDriverOptions
      driverOptions.poolName = name
      // application_name defaults to the pool's name (pg: used only when no application_name is set anywhere)
      if (given.fallback_application_name === undefined) driverOptions.fallback_application_name = name
      this.#engine = createPool(createPgDriver(driverOptions), config, { logger: this.#logger ?? false })
      this.#ownsEngine = true
    }
    this.#engine.on('create', this.#onCreate)
    this.#engine.on('destroy', this.#onDestroy)
  }

  /**
   * The @pools engine behind this pool: `stats()`, `health()`, `leaks()`, `on('leak' | 'timeout' | ...)`,
   * `resize()`, `suspend()`/`resume()`. Borrow through `connect()`/`query()` rather than
   * `pools.acquire()`, so pg's events and `client.release()` keep working.
   */
  get pools(): EnginePool<pg.PoolClient> {
    return this.#engine
  }

  /** The engine, where every `@pools` facade exposes it (`engineOf(pool)` from `@pools/core` reads it). */
  get [ENGINE](): EnginePool<pg.PoolClient> {
    return this.#engine
  }

  /** A snapshot of the engine's gauges, counters and latencies (every checkout counts, `pool.query()` too). */
  stats(): PoolStats {
    return this.#engine.stats()
  }

  /** `healthy` / `degraded` / `unhealthy`, with reasons. */
  health(): PoolHealth {
    return this.#engine.health()
  }

  /** Clients held longer than `pools.leakDetectionThresholdMs`, with where they were checked out. */
  leaks(): LeakReport<pg.PoolClient>[] {
    return this.#engine.leaks()
  }

  /**
   * Resolves once `max(min, 1)` connections are open: fail fast at start-up when the database is
   * unreachable or the credentials are wrong (rejects with the engine's `POOL_CREATE_FAILED`,
   * whose `cause` is pg's error).
   */
  ready(): Promise<void> {
    return this.#engine.ready()
  }

  // ── the pg-pool surface, installed on the prototype so @types/pg's declarations stay the types ──

  static {
    const surface: PropertyDescriptorMap = {
      totalCount: {
        get(this: Pool) {
          const engine = this.#engine
          // as pg-pool: open clients, plus those connecting for a caller (a refill of `min` is not counted yet)
          return engine.total + Math.min(engine.creating, engine.pending)
        },
        configurable: true,
      },
      idleCount: {
        get(this: Pool) {
          return this.#engine.idle
        },
        configurable: true,
      },
      waitingCount: {
        get(this: Pool) {
          const engine = this.#engine
          // as pg-pool: a caller a new connection is being opened for is not waiting in the queue
          return engine.pending - Math.min(engine.creating, engine.pending)
        },
        configurable: true,
      },
      expiredCount: {
        get(this: Pool) {
          return this.#engine.expired
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
    for (const name of [
      '_isFull',
      '_isAboveMin',
      '_pulseQueue',
      '_remove',
      'newClient',
      '_afterConnect',
      '_acquireClient',
      '_releaseOnce',
      '_release',
    ]) {
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
    // the engine's callback form: no promise per checkout, the client on the next tick
    this.#engine.acquireWith((error, client) => {
      if (error !== null) {
        response.callback(checkoutError(error), undefined, NOOP)
        return
      }
      const lent = this.#lend(client!)
      if (lent instanceof ListenerThrew) response.callback(lent.error as Error, undefined, NOOP)
      else response.callback(undefined, client, client!.release)
    })
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
    // the engine's callback form: no promise per checkout, the query sent on the next tick
    this.#engine.acquireWith((error, client) => {
      if (error !== null) {
        response.callback(checkoutError(error))
        return
      }
      const lent = this.#lend(client!)
      if (lent instanceof ListenerThrew) response.callback(lent.error as Error)
      else this.#runQuery(client!, lent, text, vals, response.callback)
    })
    return response.result
  }

  /** pg-pool's `query()` after the checkout, except that an SQL error does not cost the connection. */
  #runQuery(client: pg.PoolClient, record: ClientRecord, text: unknown, values: unknown, callback: Callback): void {
    let released = false
    record.queryError = (error: Error): void => {
      if (released) return
      released = true
      client.release(error)
      callback(error)
    }
    this.#pg.log('dispatching query')
    try {
      ;(client.query as QueryMethod).call(client, text, values, (error: Error | undefined, result: unknown) => {
        this.#pg.log('query dispatched')
        record.queryError = undefined
        if (released) return
        released = true
        // pg-pool destroys the client on any query error; a server-reported error leaves it usable.
        const destroy = error !== undefined && error !== null && !leavesConnectionUsable(error)
        client.release(destroy || error === undefined || error === null ? error : undefined)
        if (error) callback(error)
        else callback(undefined, result)
      })
    } catch (error) {
      record.queryError = undefined
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
    let closed: Promise<void>
    if (this.#ownsEngine) {
      // pg-pool's end(): callers already queued are still served; new ones are refused (this.ending)
      closed = this.#engine.close({ serveWaiting: true }).then(() => {
        fields.ended = true
      })
      // pg-pool sets `ended` as soon as no client is left in the pool (their sockets may still be closing)
      this.#markEndedWhenEmpty()
    } else {
      // not ours to close: stop listening, leave the engine and its connections to their owner
      this.#engine.off('create', this.#onCreate)
      this.#engine.off('destroy', this.#onDestroy)
      for (const [client, record] of this.#clients) client.off('error', record.onError)
      this.#clients.clear()
      fields.ended = true
      closed = Promise.resolve()
    }
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
    return this.#engine.acquire().then(
      (client) => {
        const lent = this.#lend(client)
        if (lent instanceof ListenerThrew) throw lent.error
        return client
      },
      (error: unknown) => {
        throw checkoutError(error)
      },
    )
  }

  /**
   * Hand a client out through this pool: its `release()`, the 'acquire' event. When an 'acquire'
   * listener throws, the client is given back and the checkout fails with that error (pg-pool would
   * throw it uncaught from a nextTick).
   */
  #lend(client: pg.PoolClient): ClientRecord | ListenerThrew {
    const record = this.#clients.get(client) ?? this.#adopt(client)
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
      return new ListenerThrew(error)
    }
    return record
  }

  /** `release()` gives the client back; `release(truthy)` destroys it (pg-pool's contract). */
  #release(client: pg.PoolClient, error: Error | boolean | undefined): void {
    try {
      this.emit('release', error, client)
    } finally {
      if (error) this.#engine.destroy(client)
      else this.#engine.release(client)
    }
  }

  #markEndedWhenEmpty(): void {
    const engine = this.#engine
    if (this.ending && engine.total + engine.creating + engine.pending === 0) this.#pg.ended = true
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

  // ── engine events ─────────────────────────────────────────────────────────

  /** A listener of ours threw: the user's logger hears of it, if there is one (pg-pool has no such report). */
  #listenerThrew(event: string, error: unknown): void {
    this.#logger?.warn(`[pools:${this.#engine.name}] a '${event}' listener threw: ${describeCause(error)}`)
  }

  /** Start following a client: its 'error' events, its removal. */
  #adopt(client: pg.PoolClient): ClientRecord {
    const record: ClientRecord = {
      queryError: undefined,
      errored: false,
      removed: false,
      onError: (error: Error) => this.#clientError(client, record, error),
    }
    this.#clients.set(client, record)
    client.on('error', record.onError)
    return record
  }

  #created(client: pg.PoolClient): void {
    if (!this.#clients.has(client)) this.#adopt(client)
    try {
      this.emit('connect', client)
    } catch (error) {
      this.#listenerThrew('connect', error)
    }
  }

  #destroyed(client: pg.PoolClient, reason: DestroyReason): void {
    const record = this.#clients.get(client)
    if (record === undefined) return
    this.#clients.delete(client)
    record.removed = true
    const line = REMOVAL_LOG[reason]
    if (line !== undefined) this.#pg.log(line)
    // pg-pool emits 'remove' once the client has ended
    const emitRemove = (): void => {
      try {
        this.emit('remove', client)
      } catch (error) {
        this.#listenerThrew('remove', error)
      }
    }
    if ((client as unknown as { _ended?: boolean })._ended === true) process.nextTick(emitRemove)
    else client.once('end', emitRemove)
    this.#markEndedWhenEmpty()
  }

  /**
   * A client reported an error. Running a `pool.query()`: that query fails with it. Idle (or being
   * checked by the pool): it is removed at once and the error is emitted on the pool as
   * `(err, client)`, as pg-pool does, which also means an unhandled 'error' throws, as it does there.
   * Borrowed: the borrower sees it through its query, and the client is closed on release.
   */
  #clientError(client: pg.PoolClient, record: ClientRecord, error: Error): void {
    if (record.errored || (record.removed && removedFor.get(client) !== error)) {
      this.#pg.log('additional client error after disconnection due to error', error)
      return
    }
    record.errored = true
    if (record.removed) {
      // another pool on the same engine removed it for this very error: report it here too
      this.#emitClientError(client, error)
      return
    }
    const queryError = record.queryError
    if (queryError !== undefined) {
      record.queryError = undefined
      queryError(error)
      return
    }
    if (this.#engine.isBorrowed(client)) return
    removedFor.set(client, error)
    if (!this.#engine.invalidate(client)) return
    this.#emitClientError(client, error)
  }

  /**
   * pg-pool's `emit('error', err, client)`: without a listener it throws, as there. A pool over an
   * engine it did not create only tells its listeners: the engine's owner answers for the rest.
   */
  #emitClientError(client: pg.PoolClient, error: Error): void {
    ;(error as Error & { client?: pg.PoolClient }).client = client
    if (this.#ownsEngine || this.listenerCount('error') > 0) this.emit('error', error, client)
  }
}
