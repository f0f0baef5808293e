/**
 * The order in which a benchmark round runs its targets.
 *
 * Rounds come in pairs: round 2k runs the targets rotated by k, round 2k + 1 runs that same order
 * reversed. Each pair of rounds therefore runs every two targets once in each order, so whatever
 * running first or second does to a measurement (a server still settling after the previous worker,
 * a cache the previous one warmed) falls on ours and on theirs alike, and the rotation moves every
 * target through every position. With an odd number of rounds the last one is unpaired.
 *
 * @example
 * roundOrder(['a', 'b', 'c'], 0) // ['a', 'b', 'c']
 * roundOrder(['a', 'b', 'c'], 1) // ['c', 'b', 'a']
 * roundOrder(['a', 'b', 'c'], 2) // ['b', 'c', 'a']
 * roundOrder(['a', 'b', 'c'], 3) // ['a', 'c', 'b']
 *
 * @template T
 * @param {readonly T[]} targets
 * @param {number} round 0-based
 * @returns {T[]}
 */
export function roundOrder(targets, round) {
  const k = round >> 1
  const rotated = targets.map((_, i) => targets[(i + k) % targets.length])
  return round % 2 === 1 ? rotated.reverse() : rotated
}
