import { describe, expect, it } from 'vitest'
import * as core from '../index.js'
import { setup, thrown } from './__fixtures__/driver.js'
import { ENGINE, engineOf, hasEngine } from './engine-handle.js'

describe('ENGINE and engineOf()', () => {
  it('ENGINE is the registered symbol every copy of the package agrees on', () => {
    expect(ENGINE).toBe(Symbol.for('@pools/core.engine'))
    expect(core.ENGINE).toBe(ENGINE)
    expect(core.engineOf).toBe(engineOf)
  })

  it('a Pool is its own engine', () => {
    const { pool } = setup({ max: 1 })
    expect(pool[ENGINE]).toBe(pool)
    expect(engineOf(pool)).toBe(pool)
  })

  it('a facade exposes its engine under [ENGINE], also as a getter or on a class', () => {
    const { pool } = setup({ max: 1 })
    expect(engineOf({ [ENGINE]: pool })).toBe(pool)
    class Facade {
      readonly #engine = pool
      get [ENGINE]() {
        return this.#engine
      }
    }
    expect(engineOf(new Facade())).toBe(pool)
    const callable = Object.assign(() => undefined, { [ENGINE]: pool })
    expect(engineOf(callable)).toBe(pool)
  })

  it('a pool from a second copy of the package (same symbol, different class) is accepted', () => {
    const foreign: Record<symbol | string, unknown> = {
      acquire: () => Promise.resolve({}),
      release: () => undefined,
    }
    Object.defineProperty(foreign, Symbol.for('@pools/core.engine'), { get: () => foreign })
    expect(engineOf({ [Symbol.for('@pools/core.engine')]: foreign })).toBe(foreign)
  })

  it('anything else is POOL_CONFIG_INVALID, never a crash', () => {
    const throwingGetter = {
      get [ENGINE]() {
        throw new Error('boom')
      },
    }
    const notAPool = { [ENGINE]: { acquire: 1 } }
    for (const value of [undefined, null, 42, 'pool', {}, [], throwingGetter, notAPool, { [ENGINE]: null }]) {
      const error = thrown(() => engineOf(value), 'POOL_CONFIG_INVALID')
      expect(error.message).toMatch(/engineOf\(\) needs a @pools\/core Pool/)
    }
  })
})

describe('hasEngine()', () => {
  it('is engineOf() without the throw: true for a pool and a facade, false for anything else', () => {
    const { pool } = setup({ max: 1 })
    const facade = {
      get [ENGINE]() {
        return pool
      },
    }
    expect([hasEngine(pool), hasEngine(facade)]).toEqual([true, true])
    const throwing = {
      get [ENGINE](): never {
        throw new Error('boom')
      },
    }
    for (const other of [null, undefined, 1, 'x', {}, { [ENGINE]: {} }, throwing]) expect(hasEngine(other)).toBe(false)
    expect(core.hasEngine).toBe(hasEngine)
  })
})

describe('public exports the drop-ins rely on', () => {
  it('describeCause, MAX_POOL_SIZE and the error helpers come from the barrel', () => {
    expect(core.MAX_POOL_SIZE).toBe(10_000)
    const cause = Object.assign(new Error('connect refused'), { code: 'ECONNREFUSED' })
    expect(core.describeCause(cause)).toBe('ECONNREFUSED: connect refused')
    expect(core.describeCause(Object.create(null))).toBe('[object Object]')
    expect(core.describeCause('text')).toBe('text')
    expect(typeof core.isPoolError).toBe('function')
  })
})
