import { engineOf, isPoolError } from '@pools/core'
import mysql2WithPools from '@pools/core/mysql2'
import { Pool } from '@pools/core/pg'
import pg from 'pg'
import { DataSource } from 'typeorm'
import { describe, expect, it } from 'vitest'
import { mysql2Driver, pgDriver } from './drivers.js'
import { dataSourceEngines, withPools } from './with-pools.js'

describe('withPools (TypeORM options)', () => {
  it("supplies the driver module: pg with @pools/core/pg's Pool and no native, or @pools/core/mysql2", () => {
    const pgOptions = withPools({ type: 'postgres', url: 'postgres://u@h/db', poolSize: 5 })
    expect(pgOptions.driver).toBe(pgDriver)
    expect(pgDriver.Pool).toBe(Pool)
    expect((pgDriver as { native?: unknown }).native).toBeNull()
    expect(pgDriver.defaults).toBe(pg.defaults) // parseInt8 still settable
    expect(Object.getOwnPropertyDescriptor(pgDriver.defaults, 'parseInt8')?.set).toBeTypeOf('function')
    expect(pgOptions.poolSize).toBe(5) // TypeORM's own options are left to TypeORM
    for (const type of ['mysql', 'mariadb'] as const) {
      expect(withPools({ type, host: 'h' }).driver).toBe(mysql2Driver)
    }
    expect(mysql2Driver).toBe(mysql2WithPools)
    expect(typeof mysql2Driver.createPoolCluster).toBe('function')
  })

  it('puts pools into extra.pools, named after the data source unless applicationName names it', () => {
    expect(withPools({ type: 'postgres', pools: { max: 3 } }).extra).toEqual({ pools: { max: 3 } })
    expect(withPools({ type: 'mysql', name: 'orders', extra: { queueLimit: 5 } }).extra).toEqual({
      queueLimit: 5,
      pools: { name: 'orders' },
    })
    expect(withPools({ type: 'postgres', name: 'orders', applicationName: 'api' }).extra).toEqual({})
    expect(withPools({ type: 'postgres', name: 'orders', pools: 'web' }).extra).toEqual({ pools: 'web' })
    expect(withPools({ type: 'postgres', extra: { pools: { max: 2 } } }).extra).toEqual({ pools: { max: 2 } })
    expect('pools' in withPools({ type: 'postgres', pools: { max: 3 } })).toBe(false)
  })

  it('engine: the driver lends from that engine; what the engine decides may not be given', async () => {
    const owner = new Pool({ max: 2 })
    try {
      const options = withPools({ type: 'postgres', engine: owner, entities: [] })
      expect('engine' in options).toBe(false)
      const driver = options.driver as typeof pgDriver
      expect(driver.Pool).not.toBe(Pool)
      const view = new driver.Pool({ host: 'ignored', max: 99 })
      expect(view).toBeInstanceOf(Pool)
      expect(engineOf(view)).toBe(engineOf(owner))
      await view.end() // detaches only
      expect(engineOf(owner).state).toBe('running')
      for (const [extra, message] of [
        [{ poolSize: 3 }, /poolSize cannot be given/],
        [{ extra: { max: 3 } }, /extra cannot be given/],
        [{ pools: 'web' }, /pools cannot be given/],
        [{ replication: { master: {}, slaves: [] } }, /replication cannot be given/],
      ] as const) {
        expect(() => withPools({ type: 'postgres', engine: owner, ...extra } as never)).toThrow(message)
      }
      expect(() => withPools({ type: 'mysql', engine: {} })).toThrow(/engine must be a @pools\/core engine/)
    } finally {
      await owner.end()
    }
  })

  it('refuses what it cannot honour with POOL_CONFIG_INVALID', () => {
    const cases: [unknown, RegExp][] = [
      [{ type: 'sqlite', database: ':memory:' }, /type must be one of postgres, mysql, mariadb/],
      [{ type: 'postgres', driver: pg }, /'driver' option/],
      [{ type: 'postgres', pools: 3 }, /"pools" must be/],
      [{ type: 'postgres', pools: {}, extra: { pools: {} } }, /once/],
      [{ type: 'postgres', extra: 'x' }, /extra must be an object/],
      [null, /must be an object/],
    ]
    expect(() => dataSourceEngines(new DataSource({ type: 'postgres' }))).toThrow(/not initialized/)
    for (const [options, message] of cases) {
      let caught: unknown
      try {
        withPools(options as never)
      } catch (error) {
        caught = error
      }
      expect(isPoolError(caught, 'POOL_CONFIG_INVALID')).toBe(true)
      expect((caught as Error).message).toMatch(message)
    }
  })

  it('refuses a URL the WHATWG parser rejects without repeating it (TypeORM would split the password into the host)', () => {
    const password = 'Kx9qT@Vb2mR:Tr5wQ/Wz7pL#Hn4sD'
    const cases = [
      { type: 'mysql', url: `mysql://app:${password}@127.0.0.1:3306/db` },
      { type: 'postgres', replication: { master: { url: `postgres://app:${password}@db/x` }, slaves: [] } },
      { type: 'mariadb', replication: { master: {}, slaves: [{ url: `mariadb://app:${password}@db:99999/x` }] } },
    ]
    for (const options of cases) {
      let caught: unknown
      try {
        withPools(options as never)
      } catch (error) {
        caught = error
      }
      expect(isPoolError(caught, 'POOL_CONFIG_INVALID')).toBe(true)
      expect((caught as Error).message).toMatch(/could not be parsed as a URL/)
      expect(JSON.stringify([String(caught), (caught as Error).stack])).not.toMatch(/Vb2mR|Tr5wQ|Hn4sD/)
    }
    expect(() =>
      withPools({ type: 'mysql', url: `mysql://app:${encodeURIComponent(password)}@127.0.0.1/db` }),
    ).not.toThrow()
  })
})
