import { describe, expect, it } from 'vitest'
import { configFromUrl, isPoolError, parsePoolConfig } from '../index.js'
import { resolveOptions } from './options.js'

const base = { host: '127.0.0.1', user: 'app', password: 's3cret', database: 'shop' }

describe('mysql2 options → engine config', () => {
  it("a bare pool gets mysql2's defaults and a user@host name without the password", () => {
    const { engine } = resolveOptions(base)
    expect(engine).toEqual({ max: 10, idleTimeoutMs: 60_000, name: 'mysql2 app@127.0.0.1:3306/shop' })
    expect(JSON.stringify(engine)).not.toContain('s3cret')
  })

  it('reads each pool option with the same table as mysql URLs', () => {
    const options = { connectionLimit: 4, queueLimit: 3, idleTimeout: 0, connectTimeout: 0, acquireTimeout: 2_000 }
    const { engine } = resolveOptions({ ...base, ...options })
    const query = Object.entries(options)
      .map(([key, value]) => `${key}=${value}`)
      .join('&')
    expect(engine).toMatchObject(configFromUrl(`mysql://db/app?${query}`).config)
    // connectTimeout 0 leaves createTimeoutMs at its default; idleTimeout 0 expires at once (1 ms)
    expect(parsePoolConfig(engine)).toMatchObject({
      createTimeoutMs: 10_000,
      idleTimeoutMs: 1,
      acquireTimeoutMs: 2_000,
    })
  })

  it('a maxIdle at or above connectionLimit caps nothing, as in mysql2', () => {
    expect(resolveOptions({ ...base, connectionLimit: 5, maxIdle: 5 }).engine).not.toHaveProperty('maxIdle')
    expect(resolveOptions({ ...base, connectionLimit: 5, maxIdle: 2 }).engine.maxIdle).toBe(2)
  })

  it("'high-throughput' is the preset, not mysql2's 60 s idle timeout", () => {
    const config = parsePoolConfig(resolveOptions({ ...base, pools: 'high-throughput' }).engine)
    expect(config.idleTimeoutMs).toBe(parsePoolConfig('high-throughput').idleTimeoutMs)
    expect(config.name).toBe('mysql2 app@127.0.0.1:3306/shop')
  })

  it('refuses connectionLimit 0 and a max above MAX_POOL_SIZE, naming the mysql2 option', () => {
    expect(() => resolveOptions({ ...base, connectionLimit: 0 })).toThrow(/connectionLimit must be a whole number ≥ 1/)
    try {
      parsePoolConfig(resolveOptions({ ...base, connectionLimit: 1e6 }).engine)
      expect.unreachable()
    } catch (error) {
      expect(isPoolError(error, 'POOL_CONFIG_INVALID')).toBe(true)
      expect(String(error)).toMatch(/max: must be at most 10000/)
    }
  })
})
