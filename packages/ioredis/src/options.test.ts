import { inspect } from 'node:util'
import { isPoolError } from '@pools/core'
import { describe, expect, it } from 'vitest'
import { cleanError, describeEndpoint, resolveRedisOptions } from './options.js'

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('did not throw')
}

describe('resolveRedisOptions', () => {
  it('defaults the pool name to "redis" and passes ioredis options through', () => {
    const resolved = resolveRedisOptions({ redis: { host: 'h', db: 2 } })
    expect(resolved.pools).toEqual({ name: 'redis' })
    expect(resolved.redis).toEqual({ host: 'h', db: 2 })
    expect(resolved.url).toBeUndefined()
    expect(resolveRedisOptions(undefined).pools).toEqual({ name: 'redis' })
  })

  it('takes a preset name or an object of pool options', () => {
    expect(resolveRedisOptions({ pools: 'web' }).pools).toMatchObject({ name: 'redis', min: 2, max: 10 })
    expect(resolveRedisOptions({ pools: { name: 'jobs', max: 3 } }).pools).toEqual({ name: 'jobs', max: 3 })
    expect(
      isPoolError(
        thrown(() => resolveRedisOptions({ pools: 'wbe' as never })),
        'POOL_CONFIG_INVALID',
      ),
    ).toBe(true)
    expect(String((thrown(() => resolveRedisOptions({ pools: 'wbe' as never })) as Error).message)).toContain('web')
    expect(
      isPoolError(
        thrown(() => resolveRedisOptions({ pools: 5 as never })),
        'POOL_CONFIG_INVALID',
      ),
    ).toBe(true)
  })

  it('reads pool parameters from the URL, removes them, and lets them override the object', () => {
    const resolved = resolveRedisOptions({
      url: 'redis://u:secret@h:6380/4?pool.max=20&pool.retry.maxDelayMs=500&family=6',
      pools: { name: 'q', max: 5, retry: { initialDelayMs: 10 } },
    })
    expect(resolved.url).toBe('redis://u:secret@h:6380/4?family=6')
    expect(resolved.pools).toEqual({ name: 'q', max: 20, retry: { initialDelayMs: 10, maxDelayMs: 500 } })
    expect(resolveRedisOptions({ url: new URL('rediss://h/1') }).url).toBe('rediss://h/1')
  })

  it('refuses other schemes, unknown keys and options the pool owns, never echoing a password', () => {
    const cases: unknown[] = [
      { url: 'postgres://u:hunter2@h/db' },
      { url: 'u:hunter2@h' },
      { url: 42 },
      { url: 'redis://u:hunter2@h/0?pool.max=lots' },
      { host: 'h' },
      { redis: { lazyConnect: true } },
      { redis: { monitor: true } },
      { redis: 'redis://h' },
      { Redis: 'ioredis' },
      [],
      null,
    ]
    for (const options of cases) {
      const error = thrown(() => resolveRedisOptions(options as never))
      expect(isPoolError(error, 'POOL_CONFIG_INVALID'), inspect(options)).toBe(true)
      expect(inspect(error, { depth: 5 })).not.toContain('hunter2')
    }
    expect(String((thrown(() => resolveRedisOptions({ host: 'h' } as never)) as Error).message)).toContain(
      'ioredis options go under "redis"',
    )
  })
})

describe('describeEndpoint', () => {
  it('says host:port/db or the socket path, never credentials', () => {
    expect(describeEndpoint({ host: 'cache', port: 6380, db: 3 })).toBe('cache:6380/3')
    expect(describeEndpoint({})).toBe('127.0.0.1:6379/0')
    expect(describeEndpoint({ path: '/run/redis.sock', db: 1 })).toBe('/run/redis.sock/1')
  })
})

describe('cleanError', () => {
  it('keeps message, name and code; drops the cause and attached command; masks secrets', () => {
    const original = Object.assign(new Error('WRONGPASS for s3cret'), {
      name: 'ReplyError',
      code: 'X',
      command: { name: 'auth', args: ['default', 's3cret'] },
    })
    const clean = cleanError(original, ['s3cret'])
    expect(clean.message).toBe('WRONGPASS for ***')
    expect(clean.name).toBe('ReplyError')
    expect((clean as Error & { code?: string }).code).toBe('X')
    expect(inspect(clean, { depth: 5, showHidden: true })).not.toContain('s3cret')
    expect(cleanError('plain', []).message).toBe('plain')
  })
})
