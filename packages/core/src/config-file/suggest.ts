/** Edit distance between two short names (keys, profile names, pool names). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      )
    }
    previous = current
  }
  return previous[b.length] as number
}

/**
 * The candidate closest to `name` (case-insensitive), when it is close enough to be a likely typo.
 * The same rule as the "did you mean" of `parsePoolConfig`, for the names a config file adds
 * (pool keys, `connection`, `extends`, profile names).
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  const lower = name.toLowerCase()
  let best: string | undefined
  let bestScore = Number.POSITIVE_INFINITY
  for (const candidate of candidates) {
    const other = candidate.toLowerCase()
    let score = distance(lower, other)
    // A shared word counts (maxWait ~ maxWaiting), but not one letter inside a longer name.
    const shared = Math.min(other.length, lower.length) >= 3 && (other.includes(lower) || lower.includes(other))
    if (shared) score = Math.min(score, Math.abs(other.length - lower.length) / 2)
    if (score < bestScore) {
      bestScore = score
      best = candidate
    }
  }
  return best !== undefined && bestScore <= Math.max(2, Math.ceil(name.length * 0.4)) ? best : undefined
}

/** ` (did you mean "x"?)` or nothing. */
export function didYouMean(name: string, candidates: Iterable<string>, prefix = ''): string {
  const hint = closestName(name, candidates)
  return hint === undefined ? '' : ` (did you mean "${prefix}${hint}"?)`
}
