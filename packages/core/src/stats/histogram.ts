// Log-linear buckets over microseconds: values below 16 µs are exact, above that each
// power of two is split into 16 buckets (≤ 6.25 % error). 448 slots cover 0 µs – 35 min
// in fixed memory, and recording is a clz32, two shifts and an increment.
const SUB_BITS = 4
const SUB = 1 << SUB_BITS
const MAX_VALUE = 0x7fffffff
/** Number of slots in a {@link Histogram}. */
export const HISTOGRAM_BUCKETS = (31 - SUB_BITS + 1) * SUB

function bucketOf(us: number): number {
  if (us < SUB) return us
  const exponent = 31 - Math.clz32(us)
  return (exponent - SUB_BITS + 1) * SUB + ((us >>> (exponent - SUB_BITS)) & (SUB - 1))
}

/** Midpoint of a bucket, in microseconds. */
function midpointOf(bucket: number): number {
  if (bucket < SUB) return bucket
  const group = bucket >>> SUB_BITS
  const width = 2 ** (group - 1)
  return (SUB + (bucket & (SUB - 1))) * width + width / 2
}

/** Percentile summary of one latency, in milliseconds. */
export interface LatencySummary {
  count: number
  mean: number
  p50: number
  p95: number
  p99: number
  max: number
}

/** A fixed-memory latency histogram (milliseconds in, milliseconds out). */
export class Histogram {
  readonly counts = new Float64Array(HISTOGRAM_BUCKETS)
  count = 0
  sumMs = 0
  maxMs = 0

  record(ms: number): void {
    const us = ms > 0 ? (ms >= MAX_VALUE / 1000 ? MAX_VALUE : (ms * 1000) | 0) : 0
    this.counts[bucketOf(us)]! += 1
    this.count++
    // biome-ignore lint/complexity/useMathMinMax: Math.max(NaN, 0) is NaN; a NaN sample must count as 0
    this.sumMs += ms > 0 ? ms : 0
    if (ms > this.maxMs) this.maxMs = ms
  }

  /** Record an exact 0 (the idle fast path): two increments. */
  recordZero(): void {
    this.counts[0]! += 1
    this.count++
  }

  reset(): void {
    this.counts.fill(0)
    this.count = 0
    this.sumMs = 0
    this.maxMs = 0
  }

  /** Add another histogram's counts into this one. */
  merge(other: Histogram): void {
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) this.counts[i]! += other.counts[i]!
    this.count += other.count
    this.sumMs += other.sumMs
    if (other.maxMs > this.maxMs) this.maxMs = other.maxMs
  }

  /** The value at quantile `q` (0–1), in ms; never above the exact maximum. */
  quantile(q: number): number {
    if (this.count === 0) return 0
    const rank = Math.max(1, Math.ceil(q * this.count))
    if (rank >= this.count) return this.maxMs // the top rank is the exact maximum
    let seen = 0
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
      seen += this.counts[i]!
      if (seen >= rank) return Math.min(midpointOf(i) / 1000, this.maxMs)
    }
    return this.maxMs
  }

  summary(): LatencySummary {
    return {
      count: this.count,
      mean: this.count === 0 ? 0 : this.sumMs / this.count,
      p50: this.quantile(0.5),
      p95: this.quantile(0.95),
      p99: this.quantile(0.99),
      max: this.maxMs,
    }
  }
}
