/**
 * `@pools/ioredis`: dedicated ioredis connections on the @pools engine, for blocking commands,
 * WATCH/MULTI/EXEC, pub/sub, SELECT and other per-connection state. Works with ioredis 5 and 6.
 *
 * @example
 * ```ts
 * import { createRedisPool } from '@pools/ioredis'
 *
 * const pool = createRedisPool({ url: 'redis://127.0.0.1:6379/0', pools: { max: 10 } })
 * const job = await pool.use((redis) => redis.blpop('jobs', 5))
 * await pool.close()
 * ```
 * @module
 */
export { createRedisDriver, type RedisDriver, type RedisDriverOptions } from './driver.js'
export type { RedisConstructor, RedisPoolOptions } from './options.js'
export { createRedisPool, RedisPool, type RedisSubscriber } from './pool.js'
