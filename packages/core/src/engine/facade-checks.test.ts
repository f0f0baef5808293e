import { describe, expect, it } from 'vitest'
import * as core from '../index.js'
import { setup } from './__fixtures__/driver.js'
import { ENGINE } from './engine-handle.js'
import {
  describeClass,
  isPoolsMariadbPool,
  isPoolsMysql2Pool,
  isPoolsPgPool,
  looksLikeClient,
} from './facade-checks.js'

describe('facade checks (what adapters use instead of instanceof)', () => {
  it('are exported from @pools/core', () => {
    expect(core.isPoolsPgPool).toBe(isPoolsPgPool)
    expect(core.isPoolsMysql2Pool).toBe(isPoolsMysql2Pool)
    expect(core.isPoolsMariadbPool).toBe(isPoolsMariadbPool)
    expect(core.looksLikeClient).toBe(looksLikeClient)
    expect(core.describeClass).toBe(describeClass)
  })

  it('recognise a facade by its engine and its API, whatever its class is called (minified, another copy)', () => {
    const { pool } = setup({ max: 1 })
    // a class renamed by a bundler, exposing the engine through a getter like the real facades
    class a {
      readonly #engine = pool
      get [ENGINE]() {
        return this.#engine
      }
      connect(): void {}
    }
    expect(isPoolsPgPool(new a())).toBe(true)
    const mysql2Like = { [ENGINE]: pool, getConnection() {}, query() {}, promise() {} }
    const mysql2PromiseLike = { [ENGINE]: pool, getConnection() {}, query() {}, pool: mysql2Like }
    const mariadbLike = { [ENGINE]: pool, getConnection() {}, query() {}, batch() {} }
    expect(isPoolsMysql2Pool(mysql2Like)).toBe(true)
    expect(isPoolsMysql2Pool(mysql2PromiseLike)).toBe(true)
    expect(isPoolsMariadbPool(mariadbLike)).toBe(true)
    // the two MySQL drivers' facades are told apart (adapter-mariadb cannot run on mysql2, Drizzle's mysql2 not on mariadb)
    expect(isPoolsMariadbPool(mysql2Like)).toBe(false)
    expect(isPoolsMariadbPool(mysql2PromiseLike)).toBe(false)
    expect(isPoolsMysql2Pool(mariadbLike)).toBe(false)
    expect(isPoolsPgPool(mysql2Like)).toBe(false)
    expect(isPoolsMysql2Pool(new a())).toBe(false)
  })

  it("say no to a driver's own pool, a fake engine, options and non-objects", () => {
    const { pool } = setup({ max: 1 })
    expect(isPoolsPgPool({ connect() {}, query() {} })).toBe(false)
    expect(isPoolsPgPool({ connect() {}, [ENGINE]: { stats: () => ({}) } })).toBe(false)
    expect(isPoolsMysql2Pool({ getConnection() {}, promise() {} })).toBe(false)
    expect(isPoolsMariadbPool({ getConnection() {}, batch() {} })).toBe(false)
    expect(isPoolsPgPool({ [ENGINE]: pool })).toBe(false)
    for (const value of [null, undefined, 'postgres://db', 42, () => {}]) {
      expect(isPoolsPgPool(value)).toBe(false)
      expect(isPoolsMysql2Pool(value)).toBe(false)
      expect(isPoolsMariadbPool(value)).toBe(false)
    }
    // a getter that throws is "not ours", not a crash
    const hostile = {
      connect() {},
      get [ENGINE]() {
        throw new Error('no')
      },
    }
    expect(isPoolsPgPool(hostile)).toBe(false)
  })

  it('looksLikeClient: anything that runs queries, not a plain options object', () => {
    expect(looksLikeClient({ query() {} })).toBe(true)
    expect(looksLikeClient({ getConnection() {} })).toBe(true)
    expect(looksLikeClient({ host: 'db', password: 'secret' })).toBe(false)
    expect(looksLikeClient(null)).toBe(false)
    expect(looksLikeClient('postgres://db')).toBe(false)
  })

  it('describeClass: the class name, or the type, never the value', () => {
    class BoundPool {}
    expect(describeClass(new BoundPool())).toBe('BoundPool')
    expect(describeClass('postgres://user:secret@db/app')).toBe('String')
    expect(describeClass(null)).toBe('object')
    expect(describeClass(undefined)).toBe('undefined')
    expect(describeClass(Object.create(null))).toBe('object')
  })
})
