/** In the idle stack. */
export const IDLE = 0
/** Lent to a caller. */
export const BORROWED = 1
/** Being validated or reset; not available, not lent. */
export const BUSY = 2
/** Gone: destroyed or being destroyed. */
export const DESTROYED = 3
export type ResourceState = typeof IDLE | typeof BORROWED | typeof BUSY | typeof DESTROYED

/** The engine's bookkeeping for one resource. */
export class PooledResource<T> {
  state: ResourceState = IDLE
  uses = 0
  borrowedAt = 0
  /** This loan's times are exact and go into the percentiles (see `timingSampleEvery`). */
  timed = false
  /** Correlation id of the current (or last) loan. */
  loanId = 0
  /** Acquire-site of the current loan, when leak detection captures stacks. */
  site: Error | undefined = undefined
  leakReported = false
  /** Marked by `pool.invalidate()`: destroyed instead of reused at the next chance. */
  broken = false
  /** Last release (or creation): drives the idle timeout. */
  lastUsedAt: number
  /** Last time it was known to work (release, creation, validation): drives the validation bypass window. */
  lastAliveAt: number

  constructor(
    readonly resource: T,
    readonly createdAt: number,
    /** When max lifetime (with jitter) retires it; `Infinity` without a lifetime. */
    readonly retireAt: number,
  ) {
    this.lastUsedAt = createdAt
    this.lastAliveAt = createdAt
  }
}
