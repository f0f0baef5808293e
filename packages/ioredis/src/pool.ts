import { inspect } from 'node:util'
import {
  type AcquireOptions,
  type CloseOptions,
  createPool,
  type LeakReport,
  type Pool,
  type PoolEventName,
  type PoolHealth,
  type PoolListener,
  type PoolStats,
} from '@pools/core'
import { Redis as DefaultRedis } from 'ioredis'
import { createRedisDriver, type RedisDriver, stateOf } from './driver.js'
import { type RedisConstructor, type RedisPoolOptions, resolveRedisOptions } from './options.js'

/** The engine handle every @pools facade exposes (`engineOf()` in `@pools/core` reads it). */
const ENGINE: unique symbol = Symbol.for('@pools/core.engine') as never

/**
 * A connection of its own for pub/sub, from {@link RedisPool.subscriber}. It counts against the pool's
 * `max` while open and is destroyed by {@link RedisSubscriber.close}: it is never lent for commands.
 * Unlike pooled command connections it reconnects and resubscribes on its own (ioredis's
 * `retryStrategy` and `autoResubscribe`).
 *
 * @example
 * ```ts
 * const sub = await pool.subscriber()
 * sub.client.on('message', (channel, message) => console.log(channel, message))
 * await sub.client.subscribe('news')
 * // ...
 * await sub.close()
 * ```
 */
export interface RedisSubscriber<R> extends AsyncDisposable {
  /** The ioredis client: call `subscribe`/`psubscribe`/`ssubscribe` and listen to `message`. */
  readonly client: R
  /** Close the connection and free its slot. Idempotent; resolves once the socket is closed. */
  close(): Promise<void>
}

/**
 * A pool of dedicated ioredis connections on the @pools engine, for the work that needs a connection
 * of its own: blocking commands (BLPOP, BLMOVE, XREAD BLOCK...), WATCH/MULTI/EXEC, SELECT of another
 * database, CLIENT-level state, pub/sub. Plain commands do not need it: one shared ioredis client
 * multiplexes them. Create one with {@link createRedisPool}.
 *
 * Each client is reset when it comes back (UNSUBSCRIBE, DISCARD/UNWATCH, SELECT, CLIENT SETNAME,
 * borrower listeners removed); one with a blocking command still waiting, or a state the pool cannot
 * undo, is destroyed instead.
 *
 * @example
 * ```ts
 * const pool = createRedisPool({ url: 'redis://127.0.0.1:6379', pools: { max: 10 } })
 * const job = await pool.use((redis) => redis.blpop('jobs', 5))
 * await pool.close()
 * ```
 */
export class RedisPool<R = DefaultRedis> implements AsyncDisposable {
  readonly #engine: Pool<R>
  readonly #driver: RedisDriver<R>
  readonly #subscribers = new Set<RedisSubscriber<R>>()

  constructor(options?: RedisPoolOptions<R>) {
    const resolved = resolveRedisOptions(options as RedisPoolOptions<unknown> | undefined)
    const Redis = (options?.Redis ?? DefaultRedis) as RedisConstructor<R>
    let engine: Pool<R> | undefined
    this.#driver = createRedisDriver<R>({
      Redis,
      url: resolved.url,
      redis: resolved.redis,
      // A connection that ended (killed, server gone, gave up reconnecting) leaves the pool at once.
      onEnd: (client) => engine?.invalidate(client),
    })
    engine = createPool(this.#driver, resolved.pools, options?.runtime)
    this.#engine = engine
  }

  /** The `@pools/core` engine behind this pool (events, stats, resize, suspend...). */
  get engine(): Pool<R> {
    return this.#engine
  }
  get [ENGINE](): Pool<R> {
    return this.#engine
  }
  /** The pool's name (`pools.name`, default `"redis"`). */
  get name(): string {
    return this.#engine.name
  }

  /**
   * Borrow a client for the duration of `fn` and always give it back, also when `fn` throws. The
   * client is reset before anyone else gets it.
   *
   * @example
   * ```ts
   * const next = await pool.use((redis) => redis.blmove('queue', 'processing', 'LEFT', 'RIGHT', 5))
   * ```
   */
  use<T>(fn: (client: R) => T | PromiseLike<T>, options?: AcquireOptions): Promise<T> {
    return this.#engine.use(fn, options)
  }

  /**
   * Borrow a client; give it back with {@link release}. Prefer {@link use}.
   *
   * @example
   * ```ts
   * const redis = await pool.acquire({ timeoutMs: 1_000 })
   * try { await redis.watch('k') } finally { pool.release(redis) }
   * ```
   */
  acquire(options?: AcquireOptions): Promise<R> {
    return this.#engine.acquire(options)
  }

  /** Give back a client from {@link acquire}; it is reset (or destroyed) before the next loan. */
  release(client: R): void {
    this.#engine.release(client)
  }

  /** Give back a client you know is unusable: it is closed and its slot freed. */
  destroy(client: R): void {
    this.#engine.destroy(client)
  }

  /**
   * A connection of its own for pub/sub, taken from the pool (it counts against `max` while open)
   * and never lent for commands again: {@link RedisSubscriber.close} destroys it. It reconnects and
   * resubscribes on its own. Leak detection sees it as a long loan: keep `leakDetectionThresholdMs`
   * off, or above how long subscribers live, in a pool that lends subscribers.
   *
   * @example
   * ```ts
   * await using sub = await pool.subscriber()
   * sub.client.on('message', (channel, message) => console.log(channel, message))
   * await sub.client.subscribe('news')
   * ```
   */
  async subscriber(options?: AcquireOptions): Promise<RedisSubscriber<R>> {
    const client = await this.#engine.acquire(options)
    const state = stateOf(client)
    if (state === undefined) {
      this.#engine.destroy(client)
      throw new Error('subscriber(): the pool lent a client it did not create')
    }
    state.subscriber = true
    const c = client as unknown as {
      status: string
      options: { retryStrategy?: unknown }
      once(event: 'end', listener: () => void): unknown
    }
    // Only command connections must not reconnect (a silent reconnect drops WATCH and MULTI state);
    // a subscriber should, and ioredis resubscribes it.
    c.options.retryStrategy = this.#driver.subscriberRetryStrategy
    const engine = this.#engine
    let closing: Promise<void> | undefined
    const handle: RedisSubscriber<R> = {
      client,
      close: () => {
        closing ??= new Promise<void>((resolve) => {
          this.#subscribers.delete(handle)
          if (c.status === 'end') resolve()
          else c.once('end', resolve)
          if (engine.isBorrowed(client)) engine.destroy(client)
        })
        return closing
      },
      [Symbol.asyncDispose]: () => handle.close(),
    }
    this.#subscribers.add(handle)
    return handle
  }

  /** Resolves once `max(min, 1)` connections are open; rejects at the first failed connect. */
  ready(): Promise<void> {
    return this.#engine.ready()
  }

  /**
   * Close subscribers, then the pool: queued callers fail with `POOL_CLOSED`, idle clients are
   * closed, borrowed ones are awaited for `graceMs` (default `closeGraceMs`) and then closed.
   */
  async close(options?: CloseOptions): Promise<void> {
    await Promise.all([...this.#subscribers].map((subscriber) => subscriber.close()))
    await this.#engine.close(options)
  }

  /** `await using pool = createRedisPool(...)` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  /** Gauges, counters and latency percentiles (the engine's). */
  stats(): PoolStats {
    return this.#engine.stats()
  }

  /** `healthy`, `degraded` or `unhealthy`, with the reasons. */
  health(): PoolHealth {
    return this.#engine.health()
  }

  /** Clients held longer than `leakDetectionThresholdMs`, with their acquire sites. */
  leaks(): LeakReport<R>[] {
    return this.#engine.leaks()
  }

  /** Listen to an engine event (`acquire`, `release`, `create`, `destroy`, `leak`...). */
  on<K extends PoolEventName>(event: K, listener: PoolListener<R, K>): this {
    this.#engine.on(event, listener)
    return this
  }

  /** Remove a listener. */
  off<K extends PoolEventName>(event: K, listener: PoolListener<R, K>): this {
    this.#engine.off(event, listener)
    return this
  }

  /** Listen to the next occurrence of an engine event only. */
  once<K extends PoolEventName>(event: K, listener: PoolListener<R, K>): this {
    this.#engine.once(event, listener)
    return this
  }

  [inspect.custom](): string {
    const s = this.#engine.stats()
    return `RedisPool { name: '${s.name}', state: '${s.state}', total: ${s.total}, idle: ${s.idle}, borrowed: ${s.borrowed}, pending: ${s.pending} }`
  }
}

/**
 * A pool of dedicated ioredis connections. See {@link RedisPool}.
 *
 * @throws PoolError `POOL_CONFIG_INVALID` for bad options (never echoing the URL or a password).
 * @example
 * ```ts
 * import { createRedisPool } from '@pools/ioredis'
 *
 * const pool = createRedisPool({ url: process.env.REDIS_URL, pools: 'background' })
 * await pool.use(async (redis) => {
 *   await redis.watch('stock')
 *   const stock = Number(await redis.get('stock'))
 *   return redis.multi().set('stock', stock - 1).exec() // null when another client changed "stock"
 * })
 * ```
 */
export function createRedisPool<R = DefaultRedis>(options?: RedisPoolOptions<R>): RedisPool<R> {
  return new RedisPool<R>(options)
}
