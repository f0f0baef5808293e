import { describe, expect, it } from 'vitest'
import { HISTOGRAM_BUCKETS, Histogram } from './histogram.js'

/** A deterministic PRNG so failures reproduce. */
function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!
}

describe('Histogram', () => {
  const distributions: [string, (r: () => number) => number][] = [
    ['uniform 0–1000 ms', (r) => r() * 1_000],
    ['exponential, mean 20 ms', (r) => -Math.log(1 - r()) * 20],
    [
      'log-normal around 5 ms',
      (r) => Math.exp(Math.log(5) + 1.2 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())),
    ],
    ['sub-millisecond', (r) => 0.02 + r() * 0.5],
    ['wide: 50 µs to 10 minutes', (r) => 10 ** (r() * 7.1 - 1.3)],
  ]
  for (const [name, draw] of distributions) {
    it(`quantiles are within 7% of exact on random data: ${name}`, () => {
      const r = prng(name.length * 7919)
      const h = new Histogram()
      const values: number[] = []
      for (let i = 0; i < 20_000; i++) {
        const v = draw(r)
        values.push(v)
        h.record(v)
      }
      values.sort((a, b) => a - b)
      for (const q of [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999]) {
        const exact = exactQuantile(values, q)
        const got = h.quantile(q)
        expect(Math.abs(got - exact) / exact, `q=${q}: got ${got}, exact ${exact}`).toBeLessThanOrEqual(0.07)
      }
      expect(h.quantile(1)).toBe(values[values.length - 1])
      expect(h.maxMs).toBe(values[values.length - 1])
      expect(h.count).toBe(values.length)
      const mean = values.reduce((a, b) => a + b, 0) / values.length
      expect(h.summary().mean).toBeCloseTo(mean, 6)
    })
  }

  it('is exact below 16 µs and never reports more than the maximum', () => {
    const h = new Histogram()
    for (const us of [0, 1, 5, 15]) h.record(us / 1_000)
    expect(h.quantile(0.25)).toBe(0)
    expect(h.quantile(0.5)).toBe(0.001)
    expect(h.quantile(0.75)).toBe(0.005)
    expect(h.quantile(1)).toBe(0.015)
    const one = new Histogram()
    one.record(123.456)
    expect(one.quantile(0.5)).toBe(123.456)
  })

  it('uses fixed memory however much it records', () => {
    const h = new Histogram()
    const r = prng(1)
    expect(h.counts.length).toBe(HISTOGRAM_BUCKETS)
    for (let i = 0; i < 200_000; i++) h.record(r() * 3_600_000)
    expect(h.counts.length).toBe(HISTOGRAM_BUCKETS)
    expect(HISTOGRAM_BUCKETS).toBe(448)
    expect(h.count).toBe(200_000)
  })

  it('treats negative and NaN values as 0 and clamps huge ones', () => {
    const h = new Histogram()
    h.record(-5)
    h.record(Number.NaN)
    h.record(10 * 3_600_000)
    expect(h.count).toBe(3)
    expect(h.quantile(0.5)).toBe(0)
    expect(h.quantile(1)).toBeLessThanOrEqual(10 * 3_600_000)
    expect(h.quantile(1)).toBeGreaterThan(30 * 60_000)
    expect(h.summary().mean).toBeCloseTo((10 * 3_600_000) / 3, 3)
  })

  it('is empty at first and after reset()', () => {
    const h = new Histogram()
    expect(h.summary()).toEqual({ count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 })
    h.record(5)
    h.reset()
    expect(h.summary()).toEqual({ count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 })
  })

  it('merge() equals recording everything in one histogram', () => {
    const r = prng(99)
    const a = new Histogram()
    const b = new Histogram()
    const both = new Histogram()
    for (let i = 0; i < 5_000; i++) {
      const v = r() * 100
      ;(i % 2 ? a : b).record(v)
      both.record(v)
    }
    a.merge(b)
    expect(a.summary()).toEqual(both.summary())
    expect(Array.from(a.counts)).toEqual(Array.from(both.counts))
  })
})
