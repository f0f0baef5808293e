import { describe, expect, it } from 'vitest'
import { PoolError } from '../errors/pool-error.js'
import { configFromUrl, NO_TIMEOUT_MS } from './config-from-url.js'
import { parsePoolConfig } from './parse-pool-config.js'
import { preset } from './presets.js'

const SECRET = 'hunter2-SECRET'
const USER = 'admin-user'
const HOST = 'db.internal.example'
const base = (scheme = 'postgres') => `${scheme}://${USER}:${SECRET}@${HOST}:5432/app`

function urlError(input: unknown): PoolError {
  try {
    configFromUrl(input as string)
  } catch (err) {
    expect(err).toBeInstanceOf(PoolError)
    const poolError = err as PoolError
    expect(poolError.code).toBe('POOL_CONFIG_INVALID')
    // Nothing from the URL's authority may leak, in the message, the stack or a cause.
    for (const text of [poolError.message, poolError.stack ?? '', String(poolError)]) {
      expect(text).not.toContain(SECRET)
      expect(text).not.toContain(USER)
      expect(text).not.toContain(HOST)
    }
    expect(poolError.cause).toBeUndefined()
    return poolError
  }
  throw new Error('expected configFromUrl to throw')
}

describe('configFromUrl: Prisma parameters', () => {
  it('reads connection_limit, pool_timeout, connect_timeout and the lifetimes (seconds → ms) and strips them', () => {
    const { config, url } = configFromUrl(
      `${base('postgresql')}?schema=public&connection_limit=5&pool_timeout=20&connect_timeout=3` +
        '&max_idle_connection_lifetime=60&max_connection_lifetime=1800&sslmode=require',
    )
    expect(config).toEqual({
      max: 5,
      acquireTimeoutMs: 20_000,
      createTimeoutMs: 3_000,
      idleTimeoutMs: 60_000,
      maxLifetimeMs: 1_800_000,
    })
    expect(url).toBe(`${base('postgresql')}?schema=public&sslmode=require`)
  })

  it('maps pool_timeout=0 (no timeout, as our acquireTimeoutMs: 0) to 0; connect_timeout=0 leaves createTimeoutMs at its default', () => {
    const { config } = configFromUrl(`${base()}?pool_timeout=0&connect_timeout=0`)
    expect(NO_TIMEOUT_MS).toBe(2 ** 31 - 1)
    // as in the drop-ins: the wait is unbounded, one connect attempt stays bounded by createTimeoutMs
    expect(config).toEqual({ acquireTimeoutMs: 0 })
    // createTimeoutMs has no "off" value, so a literal 0 would be rejected.
    expect(() => parsePoolConfig({ createTimeoutMs: 0 })).toThrow(/createTimeoutMs/)
    expect(parsePoolConfig(config).createTimeoutMs).toBe(10_000)
  })

  it('keeps 0 for the lifetimes, where 0 means "never" in both Prisma and @pools', () => {
    const { config } = configFromUrl(`${base()}?max_idle_connection_lifetime=0&max_connection_lifetime=0`)
    expect(config).toEqual({ idleTimeoutMs: 0, maxLifetimeMs: 0 })
  })

  it('accepts fractional seconds and rounds to whole milliseconds, never down to a 0 that would mean "no limit"', () => {
    expect(configFromUrl(`${base()}?pool_timeout=1.5`).config).toEqual({ acquireTimeoutMs: 1_500 })
    expect(configFromUrl(`${base()}?pool_timeout=0.0012`).config).toEqual({ acquireTimeoutMs: 1 })
    expect(configFromUrl(`${base()}?connect_timeout=0.0004`).config).toEqual({ createTimeoutMs: 1 })
    expect(configFromUrl(`${base()}?connect_timeout=0.000`).config).toEqual({})
  })
})

describe('configFromUrl: pg parameters', () => {
  it('reads max, min, idleTimeoutMillis, connectionTimeoutMillis, maxUses, maxLifetimeSeconds, allowExitOnIdle', () => {
    const { config, url } = configFromUrl(
      `${base()}?max=20&min=2&idleTimeoutMillis=30000&connectionTimeoutMillis=5000&maxUses=7500` +
        '&maxLifetimeSeconds=900&allowExitOnIdle=true&application_name=api',
    )
    expect(config).toEqual({
      max: 20,
      min: 2,
      idleTimeoutMs: 30_000,
      acquireTimeoutMs: 5_000,
      // pg.Pool's connectionTimeoutMillis bounds the connect too, as in the pg drop-in
      createTimeoutMs: 5_000,
      maxUses: 7_500,
      maxLifetimeMs: 900_000,
      allowExitOnIdle: true,
      // application_name names the pool, as in the pg drop-in, and stays in the URL for the driver
      name: 'api',
    })
    expect(url).toBe(`${base()}?application_name=api`)
  })

  it('translates each 0 by its pg meaning', () => {
    const { config } = configFromUrl(
      `${base()}?idleTimeoutMillis=0&connectionTimeoutMillis=0&maxUses=0&maxLifetimeSeconds=0&allowExitOnIdle=0`,
    )
    expect(config).toEqual({
      idleTimeoutMs: 0,
      acquireTimeoutMs: 0,
      // pg's 0 also leaves createTimeoutMs at its default, as Prisma's connect_timeout=0 and mysql2's connectTimeout=0 do
      maxUses: 0,
      maxLifetimeMs: 0,
      allowExitOnIdle: false,
    })
  })
})

describe('configFromUrl: mysql2 parameters', () => {
  it('reads connectionLimit, queueLimit, idleTimeout, maxIdle, acquireTimeout and connectTimeout', () => {
    const { config, url } = configFromUrl(
      `${base('mysql')}?connectionLimit=15&queueLimit=100&idleTimeout=45000&maxIdle=3&acquireTimeout=8000` +
        '&connectTimeout=4000&charset=utf8mb4',
    )
    expect(config).toEqual({
      max: 15,
      maxPending: 100,
      idleTimeoutMs: 45_000,
      maxIdle: 3,
      acquireTimeoutMs: 8_000,
      createTimeoutMs: 4_000,
    })
    expect(url).toBe(`${base('mysql')}?charset=utf8mb4`)
  })

  it('leaves maxPending unset for queueLimit=0 (unbounded in mysql2) but still strips it', () => {
    const { config, url } = configFromUrl(`${base('mysql')}?queueLimit=0`)
    expect(config).toEqual({})
    expect('maxPending' in config).toBe(false)
    expect(url).toBe(base('mysql'))
    expect(parsePoolConfig(config).maxPending).toBe(Number.POSITIVE_INFINITY)
  })

  it('maps idleTimeout=0 (expire at once in mysql2) to 1 ms, since our 0 means never', () => {
    expect(configFromUrl(`${base('mysql')}?idleTimeout=0`).config).toEqual({ idleTimeoutMs: 1 })
  })

  it('maps connectTimeout=0 (no timeout) to the createTimeoutMs default and acquireTimeout=0 to 0 (no timeout in both)', () => {
    expect(configFromUrl(`${base('mysql')}?connectTimeout=0&acquireTimeout=0`).config).toEqual({
      acquireTimeoutMs: 0,
    })
  })
})

describe('configFromUrl: the table follows the scheme', () => {
  it('postgres URLs read Prisma and pg rows; application_name names the pool unless pool.name does, and stays', () => {
    expect(configFromUrl(`${base()}?application_name=shop&sslmode=require&pgbouncer=true`)).toEqual({
      config: { name: 'shop' },
      url: `${base()}?application_name=shop&sslmode=require&pgbouncer=true`,
    })
    expect(configFromUrl(`${base()}?application_name=shop&pool.name=orders`).config).toEqual({ name: 'orders' })
    // a mysql2-only parameter is not a pool option in a postgres URL: it stays for the driver
    expect(configFromUrl(`${base()}?queueLimit=5`)).toEqual({ config: {}, url: `${base()}?queueLimit=5` })
  })

  it('mysql URLs read Prisma and mysql2 rows, and leave pg-only parameters to the driver', () => {
    expect(configFromUrl(`${base('mysql')}?connection_limit=4&queueLimit=5&idleTimeoutMillis=1`)).toEqual({
      config: { max: 4, maxPending: 5 },
      url: `${base('mysql')}?idleTimeoutMillis=1`,
    })
    expect(configFromUrl(`${base('mariadb')}?connectionLimit=3`).config).toEqual({ max: 3 })
  })

  it('other schemes read both tables', () => {
    expect(configFromUrl('redis://h:6379/0?max=3&queueLimit=5').config).toEqual({ max: 3, maxPending: 5 })
  })

  it('pool.preset names a preset (checked by name), which parsePoolConfig expands', () => {
    expect(configFromUrl(`${base()}?pool.preset=serverless&connection_limit=2`).config).toEqual({
      preset: 'serverless',
      max: 2,
    })
    expect(parsePoolConfig(configFromUrl(`${base()}?pool.preset=serverless&connection_limit=2`).config)).toMatchObject({
      max: 2,
      allowExitOnIdle: true,
    })
    expect(() => configFromUrl(`${base()}?pool.preset=nope`)).toThrow(/"pool\.preset" must be a preset name/)
  })
})

describe('configFromUrl: our own pool.* parameters', () => {
  it('reads top-level, retry and health options with their types', () => {
    const { config, url } = configFromUrl(
      `${base()}?pool.name=orders&pool.max=25&pool.validateOnBorrow=false&pool.maxPending=0` +
        '&pool.retry.maxDelayMs=2000&pool.retry.jitterRatio=0.25&pool.health.windowMs=30000&ssl=true',
    )
    expect(config).toEqual({
      name: 'orders',
      max: 25,
      validateOnBorrow: false,
      maxPending: 0,
      retry: { maxDelayMs: 2_000, jitterRatio: 0.25 },
      health: { windowMs: 30_000 },
    })
    expect(url).toBe(`${base()}?ssl=true`)
    const resolved = parsePoolConfig(config)
    expect(resolved.maxPending).toBe(0)
    expect(resolved.retry.initialDelayMs).toBe(100)
  })

  it('decodes percent-encoded values', () => {
    expect(configFromUrl(`${base()}?pool.name=orders%20eu`).config).toEqual({ name: 'orders eu' })
  })

  it('rejects an unknown pool.* key with a suggestion', () => {
    const err = urlError(`${base()}?pool.maxx=5`)
    expect(err.message).toContain('unknown URL parameter "pool.maxx" (did you mean "pool.max"?)')
  })

  it('rejects an unknown key inside a group with a suggestion', () => {
    const err = urlError(`${base()}?pool.retry.maxDelay=5`)
    expect(err.message).toContain('"pool.retry.maxDelay" (did you mean "pool.retry.maxDelayMs"?)')
  })

  it('rejects a group used as a value', () => {
    const err = urlError(`${base()}?pool.retry=5`)
    expect(err.message).toContain('"pool.retry" is a group; use pool.retry.<option>')
  })

  it('rejects a bad boolean', () => {
    expect(urlError(`${base()}?pool.allowExitOnIdle=yes`).message).toContain(
      'URL parameter "pool.allowExitOnIdle" must be true or false',
    )
  })

  it('reads leakCaptureStack as a mode word or a boolean alias, and rejects anything else', () => {
    expect(configFromUrl(`${base()}?pool.leakCaptureStack=after-first-leak`).config).toEqual({
      leakCaptureStack: 'after-first-leak',
    })
    expect(configFromUrl(`${base()}?pool.leakCaptureStack=true`).config).toEqual({ leakCaptureStack: true })
    expect(parsePoolConfig(configFromUrl(`${base()}?pool.leakCaptureStack=false`).config).leakCaptureStack).toBe(
      'never',
    )
    expect(urlError(`${base()}?pool.leakCaptureStack=sometimes`).message).toContain(
      'must be one of always, after-first-leak, never, true or false',
    )
  })
})

describe('configFromUrl: the returned URL', () => {
  it('returns the input unchanged, byte for byte, when there is nothing to read', () => {
    const input = `${base()}?options=-c%20search_path%3Dapp&a=1+2&sslmode=require#frag`
    expect(configFromUrl(input)).toEqual({ config: {}, url: input })
    expect(configFromUrl(base())).toEqual({ config: {}, url: base() })
  })

  it('keeps other parameters in order and as encoded, and keeps the fragment', () => {
    const { url } = configFromUrl(
      `${base()}?options=-c%20search_path%3Dapp&max=4&a=1+2&connection_limit=4&z=%E2%9C%93#frag`,
    )
    expect(url).toBe(`${base()}?options=-c%20search_path%3Dapp&a=1+2&z=%E2%9C%93#frag`)
  })

  it('drops the "?" when every parameter was a pool parameter', () => {
    expect(configFromUrl(`${base()}?max=4&min=1#x`).url).toBe(`${base()}#x`)
  })

  it('preserves encoded credentials exactly', () => {
    const input = 'postgres://user%40corp:p%40ss%2Fw%3Ard@host/db?max=3'
    expect(configFromUrl(input)).toEqual({ config: { max: 3 }, url: 'postgres://user%40corp:p%40ss%2Fw%3Ard@host/db' })
  })

  it('accepts a URL object without modifying it', () => {
    const input = new URL(`${base()}?connection_limit=2&sslmode=require`)
    const before = input.href
    expect(configFromUrl(input)).toEqual({ config: { max: 2 }, url: `${base()}?sslmode=require` })
    expect(input.href).toBe(before)
  })

  it('accepts libpq-style URLs with an empty host (unix socket in ?host=)', () => {
    expect(configFromUrl('postgresql://app@/app?host=/var/run/postgresql&max=2')).toEqual({
      config: { max: 2 },
      url: 'postgresql://app@/app?host=/var/run/postgresql',
    })
  })

  it('reads Redis URLs too (nothing pool-related by default)', () => {
    expect(configFromUrl(`redis://:${SECRET}@${HOST}:6379/0?pool.max=4&family=6`)).toEqual({
      config: { max: 4 },
      url: `redis://:${SECRET}@${HOST}:6379/0?family=6`,
    })
  })

  it('merges with a preset and resolves', () => {
    const { config } = configFromUrl(`${base()}?connection_limit=3&pool_timeout=5`)
    const resolved = parsePoolConfig(preset('serverless', config))
    expect(resolved.max).toBe(3)
    expect(resolved.acquireTimeoutMs).toBe(5_000)
    expect(resolved.allowExitOnIdle).toBe(true)
  })
})

describe('configFromUrl: errors', () => {
  it.each([
    ['connection_limit=abc', '"connection_limit" must be a whole number'],
    ['connection_limit=', '"connection_limit" must be a whole number'],
    ['connection_limit=2.5', '"connection_limit" must be a whole number'],
    ['max=-1', '"max" must be a whole number'],
    ['idleTimeoutMillis=1e3', '"idleTimeoutMillis" must be a whole number of milliseconds'],
    ['pool_timeout=ten', '"pool_timeout" must be a number of seconds'],
    ['pool_timeout=-5', '"pool_timeout" must be a number of seconds'],
    ['allowExitOnIdle=maybe', '"allowExitOnIdle" must be true or false'],
    ['pool.max=many', '"pool.max" must be a number'],
  ])('%s → names the parameter', (query, expected) => {
    const err = urlError(`${base()}?${query}`)
    expect(err.message).toContain(expected)
    expect(err.message).toContain('Invalid pool configuration in connection URL')
  })

  it('blames a value out of the schema range on the URL parameter that set it', () => {
    const err = urlError(`${base()}?connection_limit=0`)
    expect(err.message).toContain('URL parameter "connection_limit"=0 sets max: Too small')
  })

  it('checks pool.* values against the schema too', () => {
    expect(urlError(`${base()}?pool.retry.jitterRatio=2`).message).toContain(
      '"pool.retry.jitterRatio"=2 sets retry.jitterRatio',
    )
    expect(urlError(`${base()}?pool.max=1.5`).message).toContain('"pool.max"=1.5 sets max')
  })

  it('rejects parameters that set one option to different values', () => {
    const err = urlError(`${base()}?connection_limit=5&max=10`)
    expect(err.message).toContain('URL parameters "connection_limit" and "max" both set max to different values')
  })

  it('accepts parameters that agree', () => {
    expect(configFromUrl(`${base()}?connection_limit=5&max=5`).config).toEqual({ max: 5 })
  })

  it('reports every bad parameter at once', () => {
    const err = urlError(`${base()}?max=x&pool_timeout=y&pool.nope=1`)
    expect(err.message).toContain('"max"')
    expect(err.message).toContain('"pool_timeout"')
    expect(err.message).toContain('"pool.nope"')
  })

  it('rejects an unparsable URL without echoing it or attaching the TypeError (whose input holds the password)', () => {
    const err = urlError(`postgres://${USER}:${SECRET}@${HOST}:notaport/app?max=2`)
    expect(err.message).toContain('could not be parsed')
    expect(urlError('not a url').message).toContain('could not be parsed')
  })

  it('rejects non-string input', () => {
    expect(urlError(42).message).toContain('expected a connection URL string or URL, got number')
    expect(urlError(null).message).toContain('got null')
  })
})
