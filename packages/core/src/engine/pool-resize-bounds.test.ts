import { describe, expect, it } from 'vitest'
import { setup, thrown } from './__fixtures__/driver.js'
import { MAX_POOL_SIZE } from './limits.js'

describe('resize() bounds', () => {
  it('accepts max up to MAX_POOL_SIZE (10,000)', () => {
    const { pool } = setup({ max: 2 })
    expect(MAX_POOL_SIZE).toBe(10_000)
    pool.resize({ max: MAX_POOL_SIZE })
    expect(pool.max).toBe(10_000)
    pool.resize({ min: MAX_POOL_SIZE })
    expect(pool.min).toBe(10_000)
  })

  const bad: [string, { min?: number; max?: number }, RegExp][] = [
    [
      'max above MAX_POOL_SIZE',
      { max: 10_001 },
      /max must be a whole number from 1 to 10000 \(MAX_POOL_SIZE\), got 10001/,
    ],
    ['max Infinity', { max: Number.POSITIVE_INFINITY }, /max must be a whole number from 1 to 10000/],
    ['max 1e9', { max: 1e9 }, /max must be a whole number from 1 to 10000/],
    ['min above MAX_POOL_SIZE', { min: 20_000, max: 10_000 }, /min must be a whole number from 0 to 10000, got 20000/],
    ['a fractional max', { max: 2.5 }, /max must be a whole number/],
    ['a negative min', { min: -1 }, /min must be a whole number from 0/],
    ['min above max', { min: 5, max: 4 }, /min \(5\) must not exceed max \(4\)/],
    ['NaN', { max: Number.NaN }, /max must be a whole number/],
  ]
  for (const [what, size, message] of bad) {
    it(`refuses ${what} with POOL_CONFIG_INVALID and changes nothing`, () => {
      const { pool } = setup({ min: 1, max: 2 })
      const error = thrown(() => pool.resize(size), 'POOL_CONFIG_INVALID')
      expect(error.message).toMatch(message)
      expect(error.message).toMatch(/^Pool "pool": resize\(\) was given an invalid size/)
      expect([pool.min, pool.max]).toEqual([1, 2])
    })
  }
})
