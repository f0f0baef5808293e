import { describe, expect, it } from 'vitest'
import { createPool } from '../engine/pool.js'
import { isPoolError } from '../errors/pool-error.js'
import { resolveOptions as resolveGenericPool } from '../generic-pool/options.js'
import { resolveOptions as resolveMysql2 } from '../mysql2/options.js'
import { engineConfigOf } from '../pg/options.js'
import { configFromUrl } from './config-from-url.js'
import { mysql2Dialect, type OptionDialect, optionDialects, pgDialect } from './dialects.js'
import { MAX_PENDING_LIMIT, MAX_POOL_SIZE } from './limits.js'
import { parsePoolConfig } from './parse-pool-config.js'
import { type PresetName, presetNames } from './presets.js'
import { mergeOptionLayers, translateOptions } from './translate.js'

const mysql2Base = { host: '127.0.0.1', user: 'app', database: 'shop' }

/** The engine configuration each drop-in builds for `pools: name`, resolved. */
function dropIns(pools: PresetName) {
  return {
    pg: parsePoolConfig(engineConfigOf({ pools })),
    mysql2: parsePoolConfig(resolveMysql2({ ...mysql2Base, pools }).engine),
    genericPool: parsePoolConfig(resolveGenericPool({ pools }).config),
  }
}

function configError(run: () => unknown): Error {
  try {
    run()
  } catch (error) {
    expect(isPoolError(error, 'POOL_CONFIG_INVALID')).toBe(true)
    return error as Error
  }
  throw new Error('expected POOL_CONFIG_INVALID')
}

/** Numeric rows of a facade table, checked against the URL table that reuses them. */
function numericRows(dialect: OptionDialect) {
  return dialect.mappings.filter((m) => m.targets.length > 0 && !m.custom && m.unit !== 'boolean' && m.unit !== 'text')
}

describe('one table per dialect, shared by the drop-ins and configFromUrl', () => {
  it.each([
    [pgDialect, 'postgres'],
    [mysql2Dialect, 'mysql'],
  ] as const)('every %s row reads a value exactly as the %s URL does, 0 included', (dialect, scheme) => {
    const rows = numericRows(dialect)
    expect(rows.length).toBeGreaterThan(4)
    for (const row of rows) {
      for (const value of [0, 1, 7, 2_500]) {
        const url = `${scheme}://db/app?${row.key}=${value}`
        let fromUrl: unknown
        let fromOptions: unknown
        try {
          fromUrl = configFromUrl(url).config
        } catch (error) {
          fromUrl = (error as Error).name
        }
        try {
          fromOptions = translateOptions(dialect, { [row.key]: value })
        } catch (error) {
          fromOptions = (error as Error).name
        }
        expect({ key: row.key, value, config: fromOptions }).toEqual({ key: row.key, value, config: fromUrl })
      }
    }
  })

  it('connectTimeout: 0 and connectionTimeoutMillis: 0 map the same way in every path (was NO_TIMEOUT_MS in URLs only)', () => {
    // a "no connect timeout" 0 leaves createTimeoutMs at its default: one attempt stays bounded
    const defaultCreate = parsePoolConfig({}).createTimeoutMs
    expect(parsePoolConfig(resolveMysql2({ ...mysql2Base, connectTimeout: 0 }).engine).createTimeoutMs).toBe(
      defaultCreate,
    )
    expect(parsePoolConfig(engineConfigOf({ connectionTimeoutMillis: 0 })).createTimeoutMs).toBe(defaultCreate)
    for (const url of [
      'mysql://db/app?connectTimeout=0',
      'postgres://db/app?connect_timeout=0',
      'postgres://db/app?connectionTimeoutMillis=0',
    ]) {
      expect(parsePoolConfig(configFromUrl(url).config).createTimeoutMs).toBe(defaultCreate)
    }
    expect(configFromUrl('postgres://db/app?connectionTimeoutMillis=0').config).toEqual(
      translateOptions('pg', { connectionTimeoutMillis: 0 }),
    )
    expect(configFromUrl('mysql://db/app?connectTimeout=0').config).toEqual(
      translateOptions('mysql2', { connectTimeout: 0 }),
    )
    // and a non-zero value is the same number everywhere
    expect(resolveMysql2({ ...mysql2Base, connectTimeout: 2_500 }).engine.createTimeoutMs).toBe(2_500)
    expect(engineConfigOf({ connectionTimeoutMillis: 2_500 }).createTimeoutMs).toBe(2_500)
    expect(configFromUrl('postgres://db/app?connectionTimeoutMillis=2500').config).toEqual({
      acquireTimeoutMs: 2_500,
      createTimeoutMs: 2_500,
    })
  })
})

describe('presets: one preset is the same pool in every drop-in', () => {
  it.each(presetNames)('%s resolves identically in the pg, mysql2 and generic-pool drop-ins', (name) => {
    const { pg, mysql2, genericPool } = dropIns(name)
    const plain = parsePoolConfig(name)
    for (const config of [pg, mysql2, genericPool]) {
      for (const key of ['min', 'max', 'maxPending', 'acquireTimeoutMs', 'idleTimeoutMs', 'maxLifetimeMs'] as const) {
        expect({ name, key, value: config[key] }).toEqual({ name, key, value: plain[key] })
      }
    }
  })

  it("'high-throughput' has one idle timeout in the pg and mysql2 drop-ins (was 10 min vs 60 s)", () => {
    const { pg, mysql2 } = dropIns('high-throughput')
    expect(pg.idleTimeoutMs).toBe(mysql2.idleTimeoutMs)
    expect(pg.idleTimeoutMs).toBe(parsePoolConfig({}).idleTimeoutMs)
  })

  it("generic-pool's pools: 'web' is the web preset, not { 0: 'w', 1: 'e', 2: 'b' }", () => {
    const { config } = resolveGenericPool({ pools: 'web' })
    expect(Object.keys(config)).not.toContain('0')
    expect(parsePoolConfig(config)).toMatchObject({ min: 2, max: 10, acquireTimeoutMs: 10_000, idleTimeoutMs: 300_000 })
    // generic-pool options you wrote still win over the preset; the pools object wins over both
    expect(resolveGenericPool({ max: 4, pools: 'web' }).config.max).toBe(4)
    expect(resolveGenericPool({ max: 4, pools: { preset: 'web', max: 6 } }).config.max).toBe(6)
  })

  it('a preset name is accepted wherever options are', () => {
    const web = parsePoolConfig('web')
    expect(parsePoolConfig({ preset: 'web' })).toEqual(web)
    expect(parsePoolConfig({ preset: 'web', max: 20 })).toEqual({ ...web, max: 20 })
    expect(parsePoolConfig(configFromUrl('postgres://db/app?pool.preset=web&pool.max=20').config)).toEqual({
      ...web,
      max: 20,
    })
    const pool = createPool({ create: async () => ({}), destroy: () => {} }, 'web' as never)
    expect(pool.config).toEqual(web)
    void pool.close()
    expect(parsePoolConfig(engineConfigOf({ pools: 'web' })).keepaliveIntervalMs).toBe(web.keepaliveIntervalMs)
    expect(parsePoolConfig(resolveMysql2({ ...mysql2Base, pools: { preset: 'web' } }).engine).min).toBe(web.min)
  })

  it('an unknown preset name is refused with a hint, wherever it is written', () => {
    expect(configError(() => parsePoolConfig('wbe' as never)).message).toMatch(/did you mean the preset "web"/)
    expect(configError(() => parsePoolConfig({ preset: 'wbe' as never })).message).toMatch(/did you mean "web"/)
    expect(configError(() => configFromUrl('postgres://db/app?pool.preset=wbe')).message).toMatch(/did you mean "web"/)
    expect(configError(() => resolveGenericPool({ pools: 'wbe' as never })).message).toMatch(/did you mean "web"/)
  })
})

describe('mergeOptionLayers: facade defaults < preset < driver options < pools object', () => {
  const defaults = { max: 10, idleTimeoutMs: 10_000, acquireTimeoutMs: 0 }
  const behaviour = { name: 'pg', failWaiterOnCreateError: true }

  it('without a preset: defaults, behaviour, driver options, then pools', () => {
    expect(
      mergeOptionLayers({ defaults, behaviour, driver: { max: 3 }, pools: { max: 5, retry: { maxDelayMs: 50 } } }),
    ).toEqual({
      max: 5,
      idleTimeoutMs: 10_000,
      acquireTimeoutMs: 0,
      name: 'pg',
      failWaiterOnCreateError: true,
      retry: { maxDelayMs: 50 },
    })
  })

  it('a preset drops the facade defaults, keeps its behaviour; driver options and pools still win', () => {
    const merged = mergeOptionLayers({ defaults, behaviour, driver: { max: 3 }, pools: 'api' })
    expect(merged).toMatchObject({ name: 'pg', failWaiterOnCreateError: true, max: 3, acquireTimeoutMs: 2_000 })
    expect(merged.idleTimeoutMs).toBe(300_000)
    const nested = mergeOptionLayers({
      defaults,
      driver: { health: { degradedPending: 5 } },
      pools: { preset: 'api', health: { unhealthyAcquireWaitP95Ms: 900 } },
    })
    expect(nested.health).toEqual({ degradedAcquireWaitP95Ms: 200, unhealthyAcquireWaitP95Ms: 900, degradedPending: 5 })
    expect(nested).not.toHaveProperty('preset')
  })

  it('refuses a pools that is neither a preset name nor an object', () => {
    expect(configError(() => mergeOptionLayers({ pools: 5 as never })).message).toMatch(/"pools" must be a preset name/)
    expect(configError(() => mergeOptionLayers({ pools: [] as never })).message).toMatch(/got an array/)
  })
})

describe('framework tables: knex and TypeORM', () => {
  it('knex: every pool option, tarn 0 = its default, the smaller acquire timeout wins', () => {
    expect(
      translateOptions('knex', {
        pool: {
          min: 0,
          max: 7,
          idleTimeoutMillis: 5_000,
          acquireTimeoutMillis: 20_000,
          createTimeoutMillis: 3_000,
          destroyTimeoutMillis: 1_000,
          reapIntervalMillis: 500,
          createRetryIntervalMillis: 250,
          propagateCreateError: false,
        },
        acquireConnectionTimeout: 10_000,
      }),
    ).toEqual({
      min: 0,
      max: 7,
      idleTimeoutMs: 5_000,
      acquireTimeoutMs: 10_000,
      createTimeoutMs: 3_000,
      destroyTimeoutMs: 1_000,
      housekeepingIntervalMs: 500,
      retry: { initialDelayMs: 250, maxDelayMs: 250 },
      failWaiterOnCreateError: false,
    })
    expect(translateOptions('knex', { pool: { idleTimeoutMillis: 0, createTimeoutMillis: 0 } })).toEqual({})
    expect(configError(() => translateOptions('knex', { pool: { max: '5' } })).message).toMatch(
      /Invalid knex options: pool\.max must be a number ≥ 1, got string/,
    )
    expect(parsePoolConfig(mergeOptionLayers({ defaults: optionDialects.knex.defaults }))).toMatchObject({
      min: 2,
      max: 10,
      acquireTimeoutMs: 60_000,
      retry: { initialDelayMs: 200, maxDelayMs: 200, multiplier: 1 },
    })
  })

  it('TypeORM: poolSize, extra.max / connectionLimit (extra wins), connectTimeoutMS, applicationName', () => {
    expect(translateOptions('typeorm', { poolSize: 5, applicationName: 'shop', connectTimeoutMS: 0 })).toEqual({
      max: 5,
      name: 'shop',
    })
    expect(translateOptions('typeorm', { connectTimeoutMS: 4_000 })).toEqual({ createTimeoutMs: 4_000 })
    expect(translateOptions('typeorm', { poolSize: 5, extra: { max: 9 } })).toEqual({ max: 9 })
    expect(translateOptions('typeorm', { extra: { connectionLimit: 4, queueLimit: 0, idleTimeout: 0 } })).toEqual({
      max: 4,
      idleTimeoutMs: 1,
    })
  })

  it('names the bad key and the option it sets, and never echoes a URL text value', () => {
    expect(configError(() => translateOptions('typeorm', { extra: { max: MAX_POOL_SIZE + 1 } })).message).toBe(
      `Invalid TypeORM options: TypeORM option "extra.max"=${MAX_POOL_SIZE + 1} sets max: must be at most ${MAX_POOL_SIZE} (MAX_POOL_SIZE), got ${MAX_POOL_SIZE + 1}.`,
    )
    expect(configError(() => translateOptions('nope' as never, {})).message).toMatch(/Unknown option dialect "nope"/)
  })
})

describe('bounds', () => {
  it('createPool with min and max of 1e9 throws POOL_CONFIG_INVALID before creating anything', () => {
    let creates = 0
    const driver = { create: async () => ({ n: ++creates }), destroy: () => {} }
    const error = configError(() => createPool(driver, { min: 1e9, max: 1e9 }))
    expect(error.message).toContain(`max: must be at most ${MAX_POOL_SIZE} (MAX_POOL_SIZE), got 1000000000`)
    expect(error.message).toContain('min: must be at most')
    expect(creates).toBe(0)
  })

  it('max, min, maxIdle and maxPending have upper bounds; min may not exceed max', () => {
    expect(parsePoolConfig({ max: MAX_POOL_SIZE, min: MAX_POOL_SIZE }).max).toBe(MAX_POOL_SIZE)
    expect(configError(() => parsePoolConfig({ maxIdle: MAX_POOL_SIZE + 1 })).message).toMatch(
      /maxIdle: must be at most/,
    )
    expect(parsePoolConfig({ maxPending: MAX_PENDING_LIMIT }).maxPending).toBe(MAX_PENDING_LIMIT)
    expect(configError(() => parsePoolConfig({ maxPending: 1e9 })).message).toContain(
      `maxPending: must be at most ${MAX_PENDING_LIMIT} (MAX_PENDING_LIMIT), got 1000000000`,
    )
    expect(configError(() => parsePoolConfig({ min: 5, max: 4 })).message).toContain('min (5) must not exceed max (4)')
    expect(configError(() => configFromUrl('postgres://db/app?connection_limit=20000')).message).toContain(
      '"connection_limit"=20000 sets max: must be at most 10000 (MAX_POOL_SIZE)',
    )
  })
})
