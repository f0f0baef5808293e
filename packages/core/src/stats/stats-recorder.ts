import { Histogram } from './histogram.js'
import type { DestroyReason, PoolCounters } from './pool-stats.js'
import { DESTROY_REASONS } from './pool-stats.js'
import { RecentWindow } from './recent-window.js'

/** The pool's counters and latency histograms. Fixed memory; every record is O(1). */
export class StatsRecorder {
  readonly acquireWait = new Histogram()
  readonly useTime = new Histogram()
  readonly createTime = new Histogram()
  readonly window: RecentWindow
  readonly counters: PoolCounters = {
    created: 0,
    createErrors: 0,
    createTimeouts: 0,
    destroyed: 0,
    destroyedBy: Object.fromEntries(DESTROY_REASONS.map((r) => [r, 0])) as Record<DestroyReason, number>,
    destroyErrors: 0,
    acquired: 0,
    released: 0,
    timeouts: 0,
    aborted: 0,
    queueFull: 0,
    validations: 0,
    validationFailures: 0,
    leaks: 0,
    leaksReclaimed: 0,
  }

  constructor(windowMs: number) {
    this.window = new RecentWindow(windowMs)
  }

  /** A timed loan started after `waitMs` (0: served from the idle stack without waiting). */
  acquired(waitMs: number, now: number): void {
    this.counters.acquired++
    if (waitMs === 0) {
      this.acquireWait.recordZero()
      this.window.at(now).acquireWait.recordZero()
    } else {
      this.acquireWait.record(waitMs)
      this.window.at(now).acquireWait.record(waitMs)
    }
  }

  released(heldMs: number): void {
    this.counters.released++
    this.useTime.record(heldMs)
  }

  created(createMs: number, now: number): void {
    this.counters.created++
    this.createTime.record(createMs)
    this.window.at(now).created++
  }

  createFailed(timedOut: boolean, now: number): void {
    this.counters.createErrors++
    if (timedOut) this.counters.createTimeouts++
    this.window.at(now).createErrors++
  }

  destroyed(reason: DestroyReason): void {
    this.counters.destroyed++
    this.counters.destroyedBy[reason]++
  }

  timedOut(now: number): void {
    this.counters.timeouts++
    this.window.at(now).timeouts++
  }

  snapshotCounters(): PoolCounters {
    return { ...this.counters, destroyedBy: { ...this.counters.destroyedBy } }
  }
}
