/**
 * The largest `max` a pool accepts, in `resize()` and in the config schema alike. Far above any
 * database's connection limit; it exists so a typo (`max: 1e9`) fails loudly instead of letting the
 * pool try to open a billion connections.
 *
 * @example
 * ```ts
 * import { MAX_POOL_SIZE } from '@pools/core'
 * pool.resize({ max: Math.min(wanted, MAX_POOL_SIZE) })
 * ```
 */
export const MAX_POOL_SIZE = 10_000
