import { describe, expect, it } from 'vitest'
import { setup } from '../engine/__fixtures__/driver.js'
import { cumulativeBuckets, HISTOGRAM_BOUNDS_MS, HISTOGRAM_BUCKETS, Histogram } from './histogram.js'

describe('histogram buckets', () => {
  it('bounds rise strictly, start exact at 1 µs steps and cover about 35 minutes', () => {
    expect(HISTOGRAM_BOUNDS_MS).toHaveLength(HISTOGRAM_BUCKETS)
    expect(HISTOGRAM_BOUNDS_MS.slice(0, 3)).toEqual([0.001, 0.002, 0.003])
    for (let i = 1; i < HISTOGRAM_BOUNDS_MS.length; i++) {
      expect(HISTOGRAM_BOUNDS_MS[i]!).toBeGreaterThan(HISTOGRAM_BOUNDS_MS[i - 1]!)
      // each bucket is at most 6.25 % wide above 16 µs
      if (i > 16) expect(HISTOGRAM_BOUNDS_MS[i]! / HISTOGRAM_BOUNDS_MS[i - 1]!).toBeLessThanOrEqual(1.0625 + 1e-12)
    }
    expect(HISTOGRAM_BOUNDS_MS.at(-1)).toBeGreaterThan(35 * 60_000)
    expect(Object.isFrozen(HISTOGRAM_BOUNDS_MS)).toBe(true)
  })

  it('every value lands in the bucket whose bounds hold it', () => {
    const values = [0, 0.0005, 0.001, 0.0159, 0.016, 0.5, 1, 1.0001, 7.3, 250, 1_000, 59_999, 3_600_000]
    for (const v of values) {
      const h = new Histogram()
      h.record(v)
      const snapshot = h.snapshot()
      const i = snapshot.counts.indexOf(1)
      expect(snapshot.counts.reduce((a, b) => a + b, 0)).toBe(1)
      const lower = i === 0 ? 0 : snapshot.boundsMs[i - 1]!
      const us = Math.trunc(v * 1000) / 1000
      if (v < 2_147_483) {
        expect(us, `value ${v} in bucket ${i}`).toBeGreaterThanOrEqual(lower - 1e-9)
        expect(us, `value ${v} in bucket ${i}`).toBeLessThan(snapshot.boundsMs[i]!)
      } else {
        expect(i).toBe(HISTOGRAM_BUCKETS - 1)
      }
    }
  })

  it('a snapshot is a copy with sum, count and max, not cumulative', () => {
    const h = new Histogram()
    for (const v of [1, 1, 2, 10]) h.record(v)
    const snapshot = h.snapshot()
    expect(snapshot).toMatchObject({ sum: 14, count: 4, max: 10 })
    expect(snapshot.counts.reduce((a, b) => a + b, 0)).toBe(4)
    expect(Math.max(...snapshot.counts)).toBe(2)
    h.record(5)
    expect(snapshot.count).toBe(4)
    expect(snapshot.counts.reduce((a, b) => a + b, 0)).toBe(4)
  })

  it('cumulativeBuckets() maps onto Prometheus-style le bounds', () => {
    const h = new Histogram()
    for (const v of [0.5, 0.9, 3, 3, 8, 40, 400, 4_000]) h.record(v)
    const le = [1, 5, 10, 50, 100, 500, 1_000, 5_000]
    expect(cumulativeBuckets(h.snapshot(), le)).toEqual([2, 4, 5, 6, 6, 7, 7, 8])
    // never counts a value above a bound: one in a bucket that straddles it goes to the next bound
    const edge = new Histogram()
    edge.record(1) // bucket [0.992, 1.024) ms
    expect(cumulativeBuckets(edge.snapshot(), [1, 1.024, 2])).toEqual([0, 1, 1])
    expect(cumulativeBuckets(h.snapshot(), [])).toEqual([])
    expect(cumulativeBuckets(new Histogram().snapshot(), le)).toEqual([0, 0, 0, 0, 0, 0, 0, 0])
  })
})

describe('pool.stats({ histograms: true })', () => {
  it('adds the three histograms, matching the percentile summaries; plain stats() leaves them out', async () => {
    const s = setup({ max: 1, timingSampleEvery: 1 }, {}, {}, (fake) => {
      fake.createDelayMs = 25
    })
    const p = s.pool.acquire()
    await s.clock.advance(25)
    const conn = await p
    await s.clock.advance(40)
    s.pool.release(conn)
    expect(s.pool.stats().histograms).toBeUndefined()
    const { histograms, acquireWaitMs, useTimeMs, createTimeMs } = s.pool.stats({ histograms: true })
    expect(histograms).toBeDefined()
    expect(histograms!.acquireWaitMs).toMatchObject({ count: acquireWaitMs.count, sum: 25, max: 25 })
    expect(histograms!.useTimeMs).toMatchObject({ count: useTimeMs.count, sum: 40, max: 40 })
    expect(histograms!.createTimeMs).toMatchObject({ count: createTimeMs.count, sum: 25 })
    expect(cumulativeBuckets(histograms!.useTimeMs, [39, 41])).toEqual([0, 1])
    expect(JSON.parse(JSON.stringify(histograms)).acquireWaitMs.counts).toHaveLength(HISTOGRAM_BUCKETS)
  })
})
