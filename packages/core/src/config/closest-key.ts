/** Levenshtein distance, for "did you mean" suggestions on unknown options. */
function distance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1)
  for (let j = 0; j <= b.length; j++) prev[j] = j
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number
    prev[0] = i
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] as number
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1
      prev[j] = Math.min(up + 1, (prev[j - 1] as number) + 1, diag + cost)
      diag = up
    }
  }
  return prev[b.length] as number
}

/** The valid key closest to `key` (case-insensitive edit distance, or a shared word), if any is close enough. */
export function closestKey(key: string, validKeys: Iterable<string>): string | undefined {
  const lower = key.toLowerCase()
  let best: string | undefined
  let bestScore = Number.POSITIVE_INFINITY
  for (const candidate of validKeys) {
    const c = candidate.toLowerCase()
    let score = distance(lower, c)
    // a shared word counts (maxWait ~ maxPending), but not one or two letters inside a longer name
    const shared = Math.min(c.length, lower.length) >= 3 && (c.includes(lower) || lower.includes(c))
    if (shared) score = Math.min(score, Math.abs(c.length - lower.length) / 2)
    if (score < bestScore) {
      bestScore = score
      best = candidate
    }
  }
  return best !== undefined && bestScore <= Math.max(2, Math.ceil(key.length * 0.4)) ? best : undefined
}
