import { closestKey } from '../config/closest-key.js'

/**
 * The candidate closest to `name` (case-insensitive), when it is close enough to be a likely typo:
 * the same rule as the "did you mean" of `parsePoolConfig`, for the names a config file adds
 * (pool keys, `connection`, `extends`, profile names).
 */
export const closestName: (name: string, candidates: Iterable<string>) => string | undefined = closestKey

/** ` (did you mean "x"?)` or nothing. */
export function didYouMean(name: string, candidates: Iterable<string>, prefix = ''): string {
  const hint = closestName(name, candidates)
  return hint === undefined ? '' : ` (did you mean "${prefix}${hint}"?)`
}
