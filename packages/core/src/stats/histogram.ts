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

/** Upper (exclusive) bound of a bucket, in microseconds. */
function upperOf(bucket: number): number {
  if (bucket < SUB) return bucket + 1
  const group = bucket >>> SUB_BITS
  const width = 2 ** (group - 1)
  return (SUB + (bucket & (SUB - 1)) + 1) * width
}

/**
 * The upper bound of every histogram bucket, in ms (a value `v` is counted in the first bucket
 * with `v < boundsMs[i]`, at microsecond resolution). 448 bounds: exact steps of 1 µs up to
 * 16 µs, then 16 steps per power of two (≤ 6.25 % wide) up to about 35 minutes; the last bucket
 * also holds everything above.
 *
 * @example
 * ```ts
 * import { HISTOGRAM_BOUNDS_MS } from '@pools/core'
 * HISTOGRAM_BOUNDS_MS.length // 448
 * ```
 */
export const HISTOGRAM_BOUNDS_MS: readonly number[] = Object.freeze(
  Array.from({ length: HISTOGRAM_BUCKETS }, (_, i) => upperOf(i) / 1000),
)

/**
 * A histogram's buckets, for exporters that want distributions rather than percentiles.
 * `counts[i]` is the number of values in bucket `i` alone (**not cumulative**), whose upper bound
 * is `boundsMs[i]`; `sum` and `count` cover every recorded value. Map it onto your own bucket
 * bounds (Prometheus `le`, OpenTelemetry explicit bounds) with {@link cumulativeBuckets}.
 *
 * @example
 * ```ts
 * const { acquireWaitMs } = pool.stats({ histograms: true }).histograms!
 * console.log(acquireWaitMs.count, acquireWaitMs.sum / acquireWaitMs.count)
 * ```
 */
export interface HistogramSnapshot {
  /** Upper bound of each bucket, in ms: {@link HISTOGRAM_BOUNDS_MS} (shared, frozen). */
  boundsMs: readonly number[]
  /** Values per bucket, not cumulative; same length as `boundsMs`. */
  counts: number[]
  /** Sum of every recorded value, in ms. */
  sum: number
  /** Number of recorded values (the sum of `counts`). */
  count: number
  /** The largest recorded value, exact, in ms. */
  max: number
}

/**
 * Cumulative counts of a {@link HistogramSnapshot} at your own bucket bounds: element `i` is the
 * number of values `≤ boundsMs[i]` (Prometheus `le` semantics), accurate to the snapshot's bucket
 * width (≤ 6.25 %, exact below 16 µs): a snapshot bucket is counted under a bound when its whole
 * range lies at or below it, so a value is never counted under a bound it exceeds, and one just
 * below a bound (within its bucket's width) may be counted under the next. Append `count`
 * yourself for `+Inf`.
 *
 * @example
 * ```ts
 * import { cumulativeBuckets } from '@pools/core'
 * const le = [1, 5, 10, 50, 100, 500, 1_000, 5_000]
 * const snapshot = pool.stats({ histograms: true }).histograms!.acquireWaitMs
 * const counts = cumulativeBuckets(snapshot, le) // [n ≤ 1 ms, n ≤ 5 ms, ...]
 * ```
 */
export function cumulativeBuckets(snapshot: HistogramSnapshot, boundsMs: readonly number[]): number[] {
  const out: number[] = []
  let bucket = 0
  let seen = 0
  for (const bound of boundsMs) {
    // a bucket [lower, upper) lies at or below `bound` when upper - 1 µs ≤ bound
    while (bucket < snapshot.counts.length && snapshot.boundsMs[bucket]! - 0.001 <= bound + 1e-9) {
      seen += snapshot.counts[bucket]!
      bucket++
    }
    out.push(seen)
  }
  return out
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

  /** The buckets as plain numbers (a copy): see {@link HistogramSnapshot}. */
  snapshot(): HistogramSnapshot {
    return {
      boundsMs: HISTOGRAM_BOUNDS_MS,
      counts: Array.from(this.counts),
      sum: this.sumMs,
      count: this.count,
      max: this.maxMs,
    }
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
