import { inspect } from 'node:util'
import { isPoolError } from '@pools/core'
import { describe, expect, it } from 'vitest'
import { getClientToken, getDataSourceToken, getDrizzleToken, getKnexToken, getPoolToken } from './pools.constants.js'
import { buildPool } from './pools.factory.js'
import { PoolsModule } from './pools.module.js'
import { PoolsRegistry } from './pools.registry.js'

function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  )
}

describe('tokens', () => {
  it('are distinct per kind and name, default name "default"', () => {
    expect(getPoolToken()).toBe(getPoolToken('default'))
    expect(new Set([getPoolToken('a'), getDrizzleToken('a'), getKnexToken('a'), getDataSourceToken('a')]).size).toBe(4)
    expect(getClientToken('knex', 'replica')).toBe(getKnexToken('replica'))
    expect(() => getPoolToken('')).toThrow(TypeError)
  })
})

describe('PoolsModule.forRoot / forRootAsync', () => {
  it('forRoot declares one provider per pool and client, exports them, and honours isGlobal', () => {
    const module = PoolsModule.forRoot({
      isGlobal: true,
      pools: { primary: { url: 'postgres://db/app', drizzle: true, knex: {} }, replica: 'postgres://db/app' },
    })
    expect(module.global).toBe(true)
    const exported = module.exports as unknown[]
    for (const token of [getPoolToken('primary'), getPoolToken('replica'), getDrizzleToken('primary')]) {
      expect(exported).toContain(token)
    }
    expect(exported).toContain(getKnexToken('primary'))
    expect(exported).not.toContain(getDrizzleToken('replica'))
    expect(PoolsModule.forRoot({ pool: 'postgres://db/app' }).global).toBe(false)
  })

  it('forRootAsync declares the pools named in provide (default: one, "default")', () => {
    const one = PoolsModule.forRootAsync({ useFactory: () => ({ pool: 'postgres://db/app' }) })
    expect(one.exports).toContain(getPoolToken('default'))
    const two = PoolsModule.forRootAsync({
      provide: { primary: ['typeorm'], replica: [] },
      useFactory: () => ({ pools: {} }),
    })
    expect(two.exports).toEqual(
      expect.arrayContaining([getPoolToken('primary'), getPoolToken('replica'), getDataSourceToken('primary')]),
    )
  })

  it('bad options are PoolErrors with POOL_CONFIG_INVALID', () => {
    const codeOf = (fn: () => unknown) => {
      try {
        fn()
      } catch (error) {
        return isPoolError(error) ? error.code : String(error)
      }
      return 'no error'
    }
    expect(codeOf(() => PoolsModule.forRoot({}))).toBe('POOL_CONFIG_INVALID')
    expect(codeOf(() => PoolsModule.forRoot({ pool: 'postgres://a/b', pools: { default: 'postgres://a/b' } }))).toBe(
      'POOL_CONFIG_INVALID',
    )
    expect(
      codeOf(() => PoolsModule.forRootAsync({ provide: { a: ['sequelize' as never] }, useFactory: () => ({}) })),
    ).toBe('POOL_CONFIG_INVALID')
  })
})

describe('buildPool', () => {
  it('an invalid URL is refused without echoing it (it may hold a password)', async () => {
    const error = await rejectionOf(buildPool('primary', 'postgres//user:hunter2@db'))
    expect(isPoolError(error)).toBe(true)
    expect((error as { code: string }).code).toBe('POOL_CONFIG_INVALID')
    expect(inspect(error)).not.toContain('hunter2')
    expect(JSON.stringify(error)).not.toContain('hunter2')
  })

  it('an unknown driver is refused', async () => {
    const error = await rejectionOf(buildPool('x', { driver: 'oracle' as never }))
    expect((error as Error).message).toMatch(/unknown driver "oracle"/)
  })

  it('an existing object without an engine is refused', async () => {
    const error = await rejectionOf(buildPool('x', { existing: {} }))
    expect((error as { code: string }).code).toBe('POOL_CONFIG_INVALID')
  })

  it('builds a pg pool lazily (no connection until used) that the registry closes', async () => {
    const registry = new PoolsRegistry({
      pools: { a: 'postgres://127.0.0.1:1/none?pool.max=2' },
      shutdown: { graceMs: 0 },
    })
    const managed = await registry.get('a')
    expect(managed).toMatchObject({ driver: 'pg', owned: true })
    expect(managed.engine.max).toBe(2)
    expect(managed.engine.total).toBe(0)
    await registry.close()
    expect(managed.engine.state).toBe('closed')
    await expect(registry.get('missing')).rejects.toThrow(/no pool named "missing"/)
  })

  it('a negative grace period is refused', () => {
    expect(() => new PoolsRegistry({ pool: 'postgres://a/b', shutdown: { graceMs: -1 } }).graceMs).toThrow(/graceMs/)
  })
})
