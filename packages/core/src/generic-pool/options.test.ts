import { describe, expect, it } from 'vitest'
import { isPoolError, parsePoolConfig } from '../index.js'
import { resolveOptions } from './options.js'

describe('generic-pool options → engine config', () => {
  it("pools may be a preset name: the preset replaces generic-pool's defaults", () => {
    const { config } = resolveOptions({ pools: 'api' })
    expect(config).not.toHaveProperty('0')
    expect(parsePoolConfig(config)).toMatchObject({ ...parsePoolConfig('api'), validationBypassMs: 0 })
  })

  it("caps min at generic-pool's max (default 1) without a preset, at a max you wrote under one", () => {
    expect(resolveOptions({ min: 3 }).config).toMatchObject({ min: 1, max: 1 })
    expect(resolveOptions({ min: 3, max: 2 }).config).toMatchObject({ min: 2, max: 2 })
    expect(resolveOptions({ min: 3, pools: 'web' }).config).toMatchObject({ min: 3, max: 10 })
    expect(resolveOptions({ min: 3, max: 2, pools: 'web' }).config).toMatchObject({ min: 2, max: 2 })
  })

  it('idle: the smaller of idleTimeoutMillis and softIdleTimeoutMillis; an explicit eviction 0 never evicts', () => {
    expect(resolveOptions({ softIdleTimeoutMillis: 5_000 }).config.idleTimeoutMs).toBe(5_000)
    expect(resolveOptions({ idleTimeoutMillis: 4_000, softIdleTimeoutMillis: 5_000 }).config.idleTimeoutMs).toBe(4_000)
    expect(resolveOptions({ evictionRunIntervalMillis: 250 }).config).toMatchObject({
      idleTimeoutMs: 30_000,
      housekeepingIntervalMs: 250,
    })
    expect(resolveOptions({ evictionRunIntervalMillis: 0, pools: 'web' }).config.idleTimeoutMs).toBe(0)
    // under a preset an unset idle timeout is the preset's
    expect(resolveOptions({ pools: 'web' }).config.idleTimeoutMs).toBe(300_000)
  })

  it("reads values as generic-pool does: strings parsed, 0 and junk mean 'not given'", () => {
    expect(resolveOptions({ max: '4' as never, acquireTimeoutMillis: '250' as never }).config).toMatchObject({
      max: 4,
      acquireTimeoutMs: 250,
    })
    expect(resolveOptions({ max: 0, acquireTimeoutMillis: 0, destroyTimeoutMillis: 0 }).config).toMatchObject({
      max: 1,
      acquireTimeoutMs: 0,
    })
    expect(resolveOptions({ destroyTimeoutMillis: 0 }).config).not.toHaveProperty('destroyTimeoutMs')
  })

  it('refuses a negative duration and a pools that is neither object nor preset, with POOL_CONFIG_INVALID', () => {
    for (const run of [
      () => resolveOptions({ destroyTimeoutMillis: -1 }),
      () => resolveOptions({ pools: 7 as never }),
      () => resolveOptions({ pools: 'nope' as never }),
    ]) {
      expect(run).toThrow()
      try {
        run()
      } catch (error) {
        expect(isPoolError(error, 'POOL_CONFIG_INVALID')).toBe(true)
      }
    }
  })
})
