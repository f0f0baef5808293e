import { isPoolError, parsePoolConfig } from '@pools/core'
import { describe, expect, it } from 'vitest'
import { engineConfigOf, KNEX_DEFAULTS, translateKnexOptions } from './knex-options.js'

describe('knex pool options → engine options', () => {
  it('maps every tarn and knex option, with units', () => {
    const noop = () => {}
    expect(
      translateKnexOptions(
        {
          min: 1,
          max: 7,
          acquireTimeoutMillis: 9_000,
          createTimeoutMillis: 3_000,
          destroyTimeoutMillis: 1_000,
          idleTimeoutMillis: 5_000,
          reapIntervalMillis: 250,
          createRetryIntervalMillis: 100,
          propagateCreateError: false,
          maxConnectionLifetimeMillis: 60_000,
          maxConnectionLifetimeJitterMillis: 5_000,
          validate: () => true,
          afterCreate: noop,
          log: noop,
        },
        undefined,
      ),
    ).toEqual({
      min: 1,
      max: 7,
      acquireTimeoutMs: 9_000,
      createTimeoutMs: 3_000,
      destroyTimeoutMs: 1_000,
      idleTimeoutMs: 5_000,
      housekeepingIntervalMs: 250,
      retry: { initialDelayMs: 100, maxDelayMs: 100 }, // multiplier 1: knex's defaults layer
      failWaiterOnCreateError: false,
      maxLifetimeMs: 65_000,
      maxLifetimeJitterMs: 5_000,
      validateOnBorrow: true,
      validationBypassMs: 0,
    })
  })

  it('the smaller positive acquire timeout wins, as in knex; 0 means the default, as in tarn', () => {
    expect(translateKnexOptions({ acquireTimeoutMillis: 9_000 }, 2_000).acquireTimeoutMs).toBe(2_000)
    expect(translateKnexOptions({ acquireTimeoutMillis: 1_000 }, 2_000).acquireTimeoutMs).toBe(1_000)
    expect(translateKnexOptions({ acquireTimeoutMillis: 0 }, undefined)).toEqual({})
    expect(translateKnexOptions({ idleTimeoutMillis: 0, createTimeoutMillis: 0 }, 0)).toEqual({})
  })

  it("layers knex's defaults, then the knex options, then pools (or a preset under the knex options)", () => {
    expect(engineConfigOf(undefined, undefined, undefined)).toEqual({ ...KNEX_DEFAULTS, name: 'knex' })
    expect(engineConfigOf({ createRetryIntervalMillis: 50 }, undefined, undefined).retry).toEqual({
      initialDelayMs: 50,
      maxDelayMs: 50,
      multiplier: 1,
    })
    expect(engineConfigOf({ max: 4 }, undefined, { max: 6, name: 'api' })).toMatchObject({
      min: 2,
      max: 6,
      name: 'api',
    })
    const fromPreset = engineConfigOf({ max: 4 }, undefined, 'web')
    expect(fromPreset.max).toBe(4)
    expect(fromPreset.name).toBe('knex')
    for (const config of [engineConfigOf({ min: 0, max: 3 }, 500, undefined), fromPreset]) {
      expect(() => parsePoolConfig(config)).not.toThrow()
    }
  })

  it('refuses what tarn refuses, naming the key, with POOL_CONFIG_INVALID', () => {
    const cases: [unknown, RegExp][] = [
      [{ maxSize: 3 }, /unknown pool option "maxSize"/],
      [{ max: 0 }, /pool.max must be a number ≥ 1/],
      [{ min: -1 }, /pool.min must be a number/],
      [{ idleTimeoutMillis: '5s' }, /pool.idleTimeoutMillis/],
      [{ propagateCreateError: 'yes' }, /propagateCreateError/],
      [{ afterCreate: 'SET x' }, /pool.afterCreate must be a function/],
    ]
    for (const [pool, message] of cases) {
      let caught: unknown
      try {
        translateKnexOptions(pool as never, undefined)
      } catch (error) {
        caught = error
      }
      expect(isPoolError(caught, 'POOL_CONFIG_INVALID')).toBe(true)
      expect((caught as Error).message).toMatch(message)
    }
    expect(() => engineConfigOf(undefined, undefined, 7)).toThrow(/"pools" must be/)
    expect(() => engineConfigOf(undefined, undefined, 'no-such')).toThrow(/preset/)
  })
})
