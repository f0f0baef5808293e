import { describe, expect, it } from 'vitest'
import { isPoolError } from '../index.js'
import { MARIADB_POOL_DEFAULTS, resolveOptions } from './options.js'

describe('mariadb pool options → engine configuration', () => {
  it("mariadb's defaults, and no connection opened before it is needed", () => {
    const { engine, connection, reset } = resolveOptions({ host: 'db', user: 'app', password: 'pw', database: 'shop' })
    expect(engine).toMatchObject({
      max: MARIADB_POOL_DEFAULTS.connectionLimit,
      acquireTimeoutMs: 10_000,
      idleTimeoutMs: 1_800_000,
      name: 'mariadb app@db:3306/shop',
    })
    expect(engine.min).toBeUndefined()
    expect(connection).toEqual({ host: 'db', user: 'app', password: 'pw', database: 'shop' })
    expect(reset).toBe('rollback')
  })

  it('maps the pool options (idleTimeout is in seconds) and keeps them away from the connection', () => {
    const { engine, connection } = resolveOptions({
      host: 'db',
      connectionLimit: 4,
      minimumIdle: 9,
      acquireTimeout: 0,
      idleTimeout: 30,
      leakDetectionTimeout: 2_000,
      connectTimeout: 1_500,
    })
    expect(engine).toMatchObject({
      max: 4,
      min: 4,
      acquireTimeoutMs: 0,
      idleTimeoutMs: 30_000,
      leakDetectionThresholdMs: 2_000,
      createTimeoutMs: 1_500,
    })
    expect(connection).toEqual({ host: 'db', connectTimeout: 1_500 })
  })

  it('`pools` wins over the mariadb options; a preset sits between the defaults and them', () => {
    expect(resolveOptions({ connectionLimit: 4, pools: { max: 7 } }).engine.max).toBe(7)
    const preset = resolveOptions({ connectionLimit: 4, pools: 'web' }).engine
    expect(preset.max).toBe(4)
  })

  it('release: rollback by default, COM_RESET_CONNECTION with resetAfterUse, nothing with noControlAfterUse', () => {
    expect(resolveOptions({ resetAfterUse: true }).reset).toBe('reset')
    expect(resolveOptions({ noControlAfterUse: true }).reset).toBe('none')
  })

  it('reads a mariadb:// or mysql:// URL, options in its query string', () => {
    const { engine, connection } = resolveOptions('mariadb://app:s%40cret@db:3307/shop?connectionLimit=3&compress=true')
    expect(engine.max).toBe(3)
    expect(connection).toEqual({
      host: 'db',
      port: 3307,
      user: 'app',
      password: 's@cret',
      database: 'shop',
      compress: true,
    })
    expect(resolveOptions('mysql://app@db/shop').connection.host).toBe('db')
  })

  it('bad input is a PoolError without the password', () => {
    for (const bad of ['postgres://u:secret@h/db', '::', { connectionLimit: 0 }, { idleTimeout: -1 }, { pools: [] }]) {
      let thrown: unknown
      try {
        resolveOptions(bad as string)
      } catch (error) {
        thrown = error
      }
      expect(isPoolError(thrown, 'POOL_CONFIG_INVALID')).toBe(true)
      expect((thrown as Error).message).not.toContain('secret')
    }
  })
})
