import { describe, expect, it } from 'vitest'
import { configFromUrl, isPoolError, parsePoolConfig } from '../index.js'
import { decorateConnectError, leavesConnectionUsable, withPgWording } from './errors.js'
import { checkPoolerMode, engineConfigOf, PG_POOL_DEFAULTS, poolNameOf, translatePgPoolOptions } from './options.js'

describe('pg-pool options → engine config', () => {
  it('a bare pool gets pg-pool defaults in engine terms', () => {
    const config = parsePoolConfig(engineConfigOf({}))
    expect(config).toMatchObject({ name: 'pg', ...PG_POOL_DEFAULTS })
    // engine features keep the engine's defaults
    expect(config.validateOnBorrow).toBe(true)
    expect(config.createTimeoutMs).toBe(10_000)
  })

  it('maps every pg-pool option', () => {
    expect(
      translatePgPoolOptions({
        max: 7,
        min: 2,
        idleTimeoutMillis: 1_500,
        connectionTimeoutMillis: 2_500,
        maxUses: 100,
        maxLifetimeSeconds: 60,
        allowExitOnIdle: true,
      }),
    ).toEqual({
      max: 7,
      min: 2,
      idleTimeoutMs: 1_500,
      acquireTimeoutMs: 2_500,
      createTimeoutMs: 2_500,
      maxUses: 100,
      maxLifetimeMs: 60_000,
      allowExitOnIdle: true,
    })
  })

  it("follows pg-pool's loose reading: 0/null/Infinity mean off, strings are numbers, poolSize is max", () => {
    expect(
      translatePgPoolOptions({
        idleTimeoutMillis: null,
        connectionTimeoutMillis: 0,
        maxUses: Number.POSITIVE_INFINITY,
        maxLifetimeSeconds: 0,
      }),
    ).toEqual({
      idleTimeoutMs: 0,
      acquireTimeoutMs: 0,
      maxUses: 0,
      maxLifetimeMs: 0,
    })
    expect(translatePgPoolOptions({ max: '12' as unknown as number })).toEqual({ max: 12 })
    expect(translatePgPoolOptions({ poolSize: 4 } as object)).toEqual({ max: 4 })
    expect(translatePgPoolOptions({ max: 0 })).toEqual({})
  })

  it('refuses values pg-pool would hang on, naming the pg option', () => {
    expect(() => translatePgPoolOptions({ max: -1 })).toThrow(/max must not be negative/)
    expect(() => translatePgPoolOptions({ idleTimeoutMillis: 'soon' as unknown as number })).toThrow(
      /idleTimeoutMillis must be a number/,
    )
  })

  it('`pools` object wins over pg-pool options; a preset yields to them', () => {
    expect(engineConfigOf({ max: 5, pools: { max: 8, acquireTimeoutMs: 100 } })).toMatchObject({
      max: 8,
      acquireTimeoutMs: 100,
      idleTimeoutMs: 10_000,
    })
    const fromPreset = parsePoolConfig(engineConfigOf({ max: 3, pools: 'test' }))
    expect(fromPreset.max).toBe(3)
    expect(fromPreset.acquireTimeoutMs).toBe(2_000) // the preset's, not pg-pool's "wait forever"
  })

  it('an unknown preset or engine option is a POOL_CONFIG_INVALID with a hint', () => {
    expect(() => engineConfigOf({ pools: 'wbe' as 'web' })).toThrow(/did you mean "web"/)
    try {
      parsePoolConfig(engineConfigOf({ pools: { maxx: 1 } as object }))
      expect.unreachable()
    } catch (error) {
      expect(isPoolError(error, 'POOL_CONFIG_INVALID')).toBe(true)
      expect(String(error)).toMatch(/did you mean "max"/)
    }
  })

  it('reads connectionTimeoutMillis exactly as configFromUrl does, 0 included', () => {
    for (const value of [0, 1, 2_500]) {
      const fromUrl = configFromUrl(`postgres://db/app?connectionTimeoutMillis=${value}`).config
      expect(translatePgPoolOptions({ connectionTimeoutMillis: value })).toEqual(fromUrl)
    }
    // 0 = wait forever; one connect attempt stays bounded by the engine's createTimeoutMs
    expect(parsePoolConfig(engineConfigOf({ connectionTimeoutMillis: 0 }))).toMatchObject({
      acquireTimeoutMs: 0,
      createTimeoutMs: 10_000,
    })
    expect(translatePgPoolOptions({ connectionTimeoutMillis: Number.POSITIVE_INFINITY })).toEqual({
      acquireTimeoutMs: 0,
    })
  })

  it('a preset replaces pg-pool defaults entirely, keeping pg-pool behaviour and the name', () => {
    const config = parsePoolConfig(engineConfigOf({ pools: 'high-throughput' }))
    const plain = parsePoolConfig('high-throughput')
    // idle timeout and lifetime are the preset's (schema defaults), not pg-pool's 10 s and "never"
    expect([config.idleTimeoutMs, config.maxLifetimeMs]).toEqual([plain.idleTimeoutMs, plain.maxLifetimeMs])
    expect(config).toMatchObject({ name: 'pg', failWaiterOnCreateError: true, min: 20, max: 20 })
    // the same preset named inside the pools object, with an override on top
    expect(engineConfigOf({ max: 30, pools: { preset: 'high-throughput', min: 5 } })).toMatchObject({
      min: 5,
      max: 30,
      maxPending: 1_000,
    })
  })

  it('refuses a max above MAX_POOL_SIZE instead of trying to open it', () => {
    expect(() => parsePoolConfig(engineConfigOf({ max: 1e9 }))).toThrow(/max: must be at most 10000 \(MAX_POOL_SIZE\)/)
    expect(() => parsePoolConfig(engineConfigOf({ max: Number.POSITIVE_INFINITY }))).toThrow(/POOL_CONFIG_INVALID|max/)
  })

  it('names the pool from pools.name, else application_name, else "pg"', () => {
    expect(engineConfigOf({ application_name: 'app' }).name).toBe('app')
    expect(engineConfigOf({ application_name: 'app', pools: { name: 'orders' } }).name).toBe('orders')
    expect(engineConfigOf({ application_name: 'app', pools: 'web' }).name).toBe('app')
    expect(poolNameOf({ pools: { name: 'orders' }, application_name: 'app' })).toBe('orders')
    expect(poolNameOf({ application_name: 'app' })).toBe('app')
    expect(poolNameOf({ pools: 'web' })).toBe('pg')
  })
})

describe('poolerMode', () => {
  it('defaults to session and accepts anything there', () => {
    expect(checkPoolerMode({ statement_timeout: 1_000 })).toBe('session')
  })

  it('transaction mode refuses session settings, from options or the connection string', () => {
    expect(checkPoolerMode({ poolerMode: 'transaction', application_name: 'ok' })).toBe('transaction')
    expect(() => checkPoolerMode({ poolerMode: 'transaction', statement_timeout: 1_000 })).toThrow(
      /cannot apply statement_timeout/,
    )
    expect(() =>
      checkPoolerMode({
        poolerMode: 'transaction',
        connectionString: 'postgres://u:secret@h/db?idle_in_transaction_session_timeout=5000',
      }),
    ).toThrow(/idle_in_transaction_session_timeout/)
    expect(() => checkPoolerMode({ poolerMode: 'statement' as 'transaction' })).toThrow(/poolerMode must be/)
  })
})

describe('errors', () => {
  it('connect errors name user@host:port/db and mask known secrets', () => {
    const error = Object.assign(new Error('password "hunter22" was wrong'), { code: '28P01' })
    const out = decorateConnectError(error, 'api', { user: 'app', host: 'db', port: 5432, database: 'main' }, [
      'hunter22',
    ])
    expect(out).toBe(error)
    expect(out.message).toBe('password "***" was wrong (pool "api" connecting to app@db:5432/main)')
    expect(out.stack).not.toContain('hunter22')
    expect((out as Error & { code?: string }).code).toBe('28P01')
    // idempotent
    expect(decorateConnectError(out, 'api', undefined, []).message).toBe(out.message)
  })

  it("engine rejections keep their code and gain pg-pool's wording", async () => {
    const { PoolError } = await import('../errors/pool-error.js')
    const timeout = withPgWording(new PoolError('POOL_ACQUIRE_TIMEOUT', 'Pool "x": waited 5 ms')) as Error
    expect(timeout.message).toBe('timeout exceeded when trying to connect: Pool "x": waited 5 ms')
    expect(isPoolError(timeout, 'POOL_ACQUIRE_TIMEOUT')).toBe(true)
  })

  it('only server-reported, non-fatal errors leave a connection usable', () => {
    expect(leavesConnectionUsable({ severity: 'ERROR', code: '42601' })).toBe(true)
    expect(leavesConnectionUsable({ severity: 'FATAL', code: '57P01' })).toBe(false)
    expect(leavesConnectionUsable(new Error('Query read timeout'))).toBe(false)
  })
})
