import { describe, expect, it } from 'vitest'
import { pairedRatio, rng, totals } from '../../bench/lib/paired.mjs'

const slice = (count: number, elapsedMs = 500, cpuUs = count * 100) => ({ count, elapsedMs, cpuUs })

describe('bench/lib/paired', () => {
  it('totals weigh each slice by its length: ops/s over the summed time, CPU over the summed count', () => {
    const t = totals([slice(100, 500, 10_000), slice(300, 1500, 60_000)])
    expect(t.count).toBe(400)
    expect(t.ops).toBeCloseTo(200, 9)
    expect(t.cpuUsPerOp).toBeCloseTo(175, 9)
  })

  it('the same PRNG seed gives the same sequence, in [0, 1)', () => {
    const a = rng(7)
    const b = rng(7)
    const xs = Array.from({ length: 1000 }, () => a())
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()))
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...xs)).toBeLessThan(1)
  })

  it('a side that is 10 % faster in every cycle gets 1.1× with an interval around it, reproducibly', () => {
    // drift: the machine slows down over the run, for both sides alike
    const base = Array.from({ length: 30 }, (_, i) => slice(1000 - i * 10 + (i % 3) * 7))
    const faster = base.map((s, i) => slice(Math.round(s.count * 1.1) + (i % 2 ? 4 : -4), 500, s.count * 100))
    const r = pairedRatio([base], [faster])
    expect(r.cycles).toBe(30)
    expect(r.processes).toEqual([1, 1])
    expect(r.ops.ratio).toBeGreaterThan(1.09)
    expect(r.ops.ratio).toBeLessThan(1.11)
    expect(r.ops.low).toBeLessThanOrEqual(r.ops.ratio)
    expect(r.ops.high).toBeGreaterThanOrEqual(r.ops.ratio)
    expect(r.ops.low).toBeGreaterThan(1.08)
    expect(r.ops.high).toBeLessThan(1.12)
    // same CPU for more operations: less per operation
    expect(r.cpu.ratio).toBeCloseTo(1 / 1.1, 2)
    expect(pairedRatio([base], [faster])).toEqual(r)
  })

  it('identical sides give exactly 1 with a zero-width interval', () => {
    const base = Array.from({ length: 12 }, (_, i) => slice(900 + i))
    const r = pairedRatio([base, base], [base, base])
    expect(r.ops).toEqual({ ratio: 1, low: 1, high: 1 })
    expect(r.cpu).toEqual({ ratio: 1, low: 1, high: 1 })
  })

  it("one process's luck widens the interval: resampling processes, not only cycles", () => {
    const cycles = (rate: number) => Array.from({ length: 30 }, (_, i) => slice(Math.round(rate + (i % 5) * 3)))
    // the other side's two processes differ by 10 % from each other, steadily: each alone looks certain
    const base = [cycles(1000), cycles(1000)]
    const other = [cycles(950), cycles(1050)]
    const r = pairedRatio(base, other)
    expect(r.ops.ratio).toBeCloseTo(1, 2)
    expect(r.ops.low).toBeLessThan(0.97)
    expect(r.ops.high).toBeGreaterThan(1.03)
    const cyclesOnly = pairedRatio([base.flat()], [other.flat()])
    expect(cyclesOnly.ops.high - cyclesOnly.ops.low).toBeLessThan(r.ops.high - r.ops.low)
  })

  it('refuses slices that do not pair up', () => {
    expect(() => pairedRatio([[slice(1), slice(2)]], [[slice(1)]])).toThrow(/1 slices against 2/)
  })
})
