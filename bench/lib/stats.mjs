/** Small, dependency-free statistics helpers. */

const sorted = (xs) => Float64Array.from(xs).sort()

export function median(xs) {
  if (xs.length === 0) return Number.NaN
  const s = sorted(xs)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

export const min = (xs) => (xs.length ? Math.min(...xs) : Number.NaN)
export const max = (xs) => (xs.length ? Math.max(...xs) : Number.NaN)

/**
 * Nearest-rank percentile (p in 0..100) of an already sorted typed array / array.
 * @param {ArrayLike<number>} s sorted ascending
 */
export function percentileSorted(s, p) {
  if (s.length === 0) return Number.NaN
  const rank = Math.ceil((p / 100) * s.length)
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))]
}

/** Jain's fairness index: 1 = perfectly equal shares, 1/n = one caller got everything. */
export function jain(xs) {
  let sum = 0
  let sq = 0
  for (const x of xs) {
    sum += x
    sq += x * x
  }
  return sq === 0 ? Number.NaN : (sum * sum) / (xs.length * sq)
}

/** { median, min, max, n } of a list of numbers. */
export function summary(xs) {
  return { median: median(xs), min: min(xs), max: max(xs), n: xs.length }
}
