import {
  configFromUrl,
  type FilePool,
  filePoolOptions,
  isFilePool,
  type PoolConfigInput,
  PoolError,
  type PoolRuntime,
  type PresetName,
  preset,
} from '@pools/core'
import type { RedisOptions } from 'ioredis'

/**
 * The ioredis client class the pool constructs: ioredis 5's or 6's `Redis` (the default is the
 * `ioredis` package your app resolves). Anything `new`-able as `new Redis(url?, options)`.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis'
 * const pool = createRedisPool({ Redis, url: 'redis://127.0.0.1:6379' }) // RedisPool<Redis>
 * ```
 */
// biome-ignore lint/suspicious/noExplicitAny: ioredis's constructor is overloaded (port, host, url, options); any class of that shape fits
export type RedisConstructor<R> = new (...args: any[]) => R

/**
 * Options of {@link createRedisPool}.
 *
 * @example
 * ```ts
 * const pool = createRedisPool({
 *   url: process.env.REDIS_URL, // redis://user:pass@host:6379/2?pool.max=20
 *   redis: { connectionName: 'worker', keyPrefix: 'jobs:' },
 *   pools: { name: 'jobs', max: 20, acquireTimeoutMs: 2_000 },
 * })
 * ```
 */
export interface RedisPoolOptions<R = unknown> {
  /**
   * A `redis://` or `rediss://` URL (user, password, host, port, database; ioredis reads any other
   * query parameter as an option). `pool.*` parameters and the generic pool parameters
   * (`max`, `min`, `idleTimeoutMillis`...) are read as pool options and removed before ioredis sees the URL.
   */
  url?: string | URL | undefined
  /**
   * ioredis options for every client (`host`, `port`, `password`, `db`, `tls`, `connectionName`,
   * `keyPrefix`...). They override what the URL says. `lazyConnect` is the pool's; `retryStrategy`
   * only applies to {@link RedisPool.subscriber} connections (pooled command connections never
   * reconnect on their own: a dropped one is destroyed and the pool opens a new one, with backoff).
   */
  redis?: RedisOptions | undefined
  /**
   * Every @pools engine option, or the name of a preset (`'web'`, `'api'`, `'background'`...). An object
   * is applied on top of a default `name` of `"redis"`; `pool.*` URL parameters override it.
   *
   * Or a pool of the config file, `await resolvePool('cache')` from `@pools/core/config-file`: its
   * options configure the engine, and its URL (or host, port, user, password) is used when `url`
   * (or the same `redis` option) is not given.
   */
  pools?: PoolConfigInput | PresetName | FilePool | undefined
  /** The ioredis class to use (default: `Redis` from `ioredis`); pass ioredis 6's here to pick it explicitly. */
  Redis?: RedisConstructor<R> | undefined
  /** Clock, randomness and logger of the engine (tests pass `FakeClock`). */
  runtime?: PoolRuntime | undefined
}

const OPTION_KEYS = new Set(['url', 'redis', 'pools', 'Redis', 'runtime'])
/** ioredis options the pool owns or refuses. */
const REFUSED_REDIS_KEYS: Readonly<Record<string, string>> = {
  lazyConnect: 'the pool connects each client itself',
  monitor: 'a MONITOR connection cannot run commands; open one with new Redis({ monitor: true }) instead',
}

const DEFAULT_NAME = 'redis'

function invalid(message: string, name?: string): PoolError {
  return new PoolError(
    'POOL_CONFIG_INVALID',
    `Invalid Redis pool options: ${message}.`,
    name === undefined ? {} : { poolName: name },
  )
}

/** What the driver needs, resolved once from {@link RedisPoolOptions}. */
export interface ResolvedRedisOptions {
  /** The URL without pool parameters, or undefined. Holds credentials: never print it. */
  readonly url: string | undefined
  readonly redis: RedisOptions
  readonly pools: PoolConfigInput
}

/** `pools: <a config file's pool>` spelled out: its URL or settings where none are given, its options as `pools`. */
function fromFilePool(file: FilePool, options: RedisPoolOptions<unknown>): RedisPoolOptions<unknown> {
  const driver = file.connection.driver
  if (driver !== undefined && driver !== 'ioredis') {
    throw invalid(`pools: pool "${file.name}" of the config file is a ${driver} pool, not a Redis one`, file.name)
  }
  const c = file.connection
  const settings = Object.entries({ host: c.host, port: c.port, username: c.user, password: c.password })
  const redis = { ...Object.fromEntries(settings.filter(([, value]) => value !== undefined)), ...options.redis }
  const url = options.url ?? c.url
  return { ...options, ...(url === undefined ? {} : { url }), redis, pools: filePoolOptions(file) }
}

/**
 * Check the options and split them into the engine configuration and what each client gets.
 * Throws `POOL_CONFIG_INVALID` with a message that never contains the URL or a password.
 */
export function resolveRedisOptions(options: RedisPoolOptions<unknown> | undefined): ResolvedRedisOptions {
  if (options === undefined) options = {}
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw invalid(`expected an options object, got ${options === null ? 'null' : typeof options}`)
  }
  if (isFilePool(options.pools)) options = fromFilePool(options.pools, options)
  const unknown = Object.keys(options).filter((key) => !OPTION_KEYS.has(key))
  if (unknown.length > 0) {
    throw invalid(
      `unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')} ` +
        '(expected url, redis, pools, Redis, runtime; ioredis options go under "redis", pool options under "pools")',
    )
  }
  const redis: unknown = options.redis ?? {}
  if (redis === null || typeof redis !== 'object' || Array.isArray(redis)) {
    throw invalid(`"redis" must be an object of ioredis options, got ${redis === null ? 'null' : typeof redis}`)
  }
  for (const [key, why] of Object.entries(REFUSED_REDIS_KEYS)) {
    if ((redis as Record<string, unknown>)[key] !== undefined) throw invalid(`redis.${key} is not supported: ${why}`)
  }
  if (options.Redis !== undefined && typeof options.Redis !== 'function') {
    throw invalid(`"Redis" must be the ioredis Redis class, got ${typeof options.Redis}`)
  }

  let pools: PoolConfigInput
  const given: unknown = options.pools
  if (given === undefined || given === null) pools = { name: DEFAULT_NAME }
  else if (typeof given === 'string') pools = preset(given as PresetName, { name: DEFAULT_NAME })
  else if (typeof given === 'object' && !Array.isArray(given)) {
    pools = { name: DEFAULT_NAME, ...(given as PoolConfigInput) }
  } else {
    throw invalid(`"pools" must be a preset name or an object of @pools options, got ${typeof given}`)
  }

  let url: string | undefined
  if (options.url !== undefined) {
    const raw: unknown = options.url
    const text = raw instanceof URL ? raw.href : raw
    if (typeof text !== 'string') throw invalid(`"url" must be a string or URL, got ${typeof raw}`, pools.name)
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase()
    if (scheme !== 'redis' && scheme !== 'rediss') {
      throw invalid(
        `"url" must start with redis:// or rediss://${scheme === undefined ? '' : `, got ${scheme}://`}`,
        pools.name,
      )
    }
    let parsed: ReturnType<typeof configFromUrl>
    try {
      parsed = configFromUrl(text)
    } catch (error) {
      // configFromUrl's messages name parameters, never credentials; keep the code.
      if (error instanceof PoolError) throw error
      throw invalid('"url" is not a valid URL', pools.name)
    }
    url = parsed.url
    const fromUrl = parsed.config
    const base = pools
    pools = { ...base, ...fromUrl }
    // retry and health are merged key by key, as preset() does
    if (fromUrl.retry) pools.retry = { ...base.retry, ...fromUrl.retry }
    if (fromUrl.health) pools.health = { ...base.health, ...fromUrl.health }
  }
  return { url, redis: redis as RedisOptions, pools }
}

/** `host:port/db` (or the socket path) of a client's options: never the user or password. */
export function describeEndpoint(options: {
  host?: string | undefined
  port?: number | undefined
  path?: string | undefined
  db?: number | undefined
}): string {
  const where = options.path ? options.path : `${options.host ?? '127.0.0.1'}:${options.port ?? 6379}`
  return `${where}/${options.db ?? 0}`
}

/**
 * An error fit to show: the original message with any secret replaced by `***`, its `code`, and no
 * `cause` or attached command (ioredis attaches `{ name, args }` to reply errors, and the
 * arguments of AUTH/HELLO are the password).
 */
export function cleanError(error: unknown, secrets: readonly string[]): Error {
  let message = error instanceof Error ? error.message : String(error)
  for (const secret of secrets) if (secret.length > 0) message = message.split(secret).join('***')
  const clean = new Error(message)
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string') (clean as Error & { code?: string }).code = code
  if (error instanceof Error && error.name !== 'Error') clean.name = error.name
  return clean
}
