import type { LeakCaptureStack } from '../config/schema.js'
import type { LeakReport } from '../events/pool-events.js'
import { BORROWED, type PooledResource } from './pooled-resource.js'

/** Marks where a resource was acquired; its stack is formatted only if a leak is reported. */
class AcquireSite extends Error {
  override name = 'AcquireSite'
}

/** Format a captured acquire site as "at …" lines (without the error's own first line). */
export function formatSite(site: Error | undefined): string | undefined {
  const stack = site?.stack
  if (stack === undefined) return undefined
  const newline = stack.indexOf('\n')
  return newline === -1 ? stack : stack.slice(newline + 1)
}

/**
 * Finds borrowed resources held past `leakDetectionThresholdMs`. It owns no
 * timer: the housekeeper calls `scan`, so detection costs nothing per acquire
 * beyond the optional stack capture.
 */
export class LeakDetector<T> {
  readonly enabled: boolean
  /**
   * Whether acquires record their site now. A plain field: the pool reads it on
   * every acquire. With 'after-first-leak' it turns on when the first leak is
   * reported, so detection costs nothing per acquire until there is a leak to explain.
   */
  capturing: boolean
  readonly #mode: LeakCaptureStack

  constructor(
    readonly thresholdMs: number,
    readonly reclaimAfterMs: number,
    mode: LeakCaptureStack,
  ) {
    this.enabled = thresholdMs > 0 || reclaimAfterMs > 0
    this.#mode = this.enabled ? mode : 'never'
    this.capturing = this.#mode === 'always'
  }

  /** Called when a leak is reported: returns true if stack capture just turned on because of it. */
  noteLeak(): boolean {
    if (this.capturing || this.#mode !== 'after-first-leak') return false
    this.capturing = true
    return true
  }

  /** Capture the acquire site (call from `acquire`, skipping frames from `boundary` inward). */
  // biome-ignore lint/complexity/noBannedTypes: captureStackTrace takes any function as its boundary
  captureSite(boundary: Function): Error {
    const site = new AcquireSite('acquired here')
    Error.captureStackTrace(site, boundary)
    return site
  }

  /**
   * Check every borrowed resource. `onLeak` is called once per loan when it
   * crosses the threshold; `onReclaim` when it crosses the reclaim threshold.
   */
  scan(
    records: Iterable<PooledResource<T>>,
    now: number,
    onLeak: (record: PooledResource<T>, heldMs: number) => void,
    onReclaim: (record: PooledResource<T>, heldMs: number) => void,
  ): void {
    if (!this.enabled) return
    const reclaimable: [PooledResource<T>, number][] = []
    for (const record of records) {
      if (record.state !== BORROWED) continue
      const held = now - record.borrowedAt
      if (this.thresholdMs > 0 && !record.leakReported && held >= this.thresholdMs) {
        record.leakReported = true
        onLeak(record, held)
      }
      if (this.reclaimAfterMs > 0 && held >= this.reclaimAfterMs) reclaimable.push([record, held])
    }
    // reclaim after the loop: destroying mutates the collection being iterated
    for (const [record, held] of reclaimable) onReclaim(record, held)
  }

  /** Current suspects: borrowed resources held at least the threshold. */
  suspects(records: Iterable<PooledResource<T>>, now: number): LeakReport<T>[] {
    if (!this.enabled) return []
    const threshold = this.#threshold()
    const found: LeakReport<T>[] = []
    for (const record of records) {
      if (record.state !== BORROWED) continue
      const heldMs = now - record.borrowedAt
      if (heldMs >= threshold) {
        found.push({ id: record.loanId, resource: record.resource, heldMs, stack: formatSite(record.site) })
      }
    }
    return found
  }

  /** How many suspects there are, without formatting their stacks (for `stats()`, which every error snapshots). */
  countSuspects(records: Iterable<PooledResource<T>>, now: number): number {
    if (!this.enabled) return 0
    const threshold = this.#threshold()
    let count = 0
    for (const record of records) if (record.state === BORROWED && now - record.borrowedAt >= threshold) count++
    return count
  }

  #threshold(): number {
    return this.thresholdMs > 0 ? this.thresholdMs : this.reclaimAfterMs
  }

  report(record: PooledResource<T>, heldMs: number): LeakReport<T> {
    return { id: record.loanId, resource: record.resource, heldMs, stack: formatSite(record.site) }
  }
}
