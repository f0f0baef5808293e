// The order of targets in benchmark rounds: every target runs before and after its baseline equally
// often over an even number of rounds, and every target takes every position.
import { describe, expect, it } from 'vitest'
import { roundOrder } from '../../bench/lib/order.mjs'

describe('bench round order', () => {
  it('pairs of rounds: an order rotated by one per pair, then that order reversed', () => {
    const targets = ['a', 'b', 'c']
    expect([0, 1, 2, 3, 4, 5].map((r) => roundOrder(targets, r).join(''))).toEqual([
      'abc',
      'cba',
      'bca',
      'acb',
      'cab',
      'bac',
    ])
    expect(targets).toEqual(['a', 'b', 'c']) // not reordered in place
  })

  it.each([2, 3, 4, 6, 8, 12])(
    'with %i targets and an even number of rounds, every two meet in each order equally often',
    (n) => {
      const targets = Array.from({ length: n }, (_, i) => `t${i}`)
      for (const rounds of [2, 4, 6, 8]) {
        const orders = Array.from({ length: rounds }, (_, r) => roundOrder(targets, r))
        for (const order of orders) expect([...order].sort()).toEqual([...targets].sort())
        for (const x of targets) {
          for (const y of targets) {
            if (x === y) continue
            const first = orders.filter((o) => o.indexOf(x) < o.indexOf(y)).length
            expect(first).toBe(rounds / 2)
          }
        }
      }
    },
  )

  it('over 2n rounds of n targets, every target takes every position', () => {
    const targets = ['a', 'b', 'c', 'd']
    const positions = new Map(targets.map((t) => [t, new Set<number>()]))
    for (let r = 0; r < 2 * targets.length; r += 2) {
      for (const [i, t] of roundOrder(targets, r).entries()) positions.get(t)?.add(i)
    }
    for (const seen of positions.values()) expect(seen.size).toBe(targets.length)
  })
})
