import type { PoolState, PoolStats, StatsOptions } from './pool-stats.js'
import type { StatsRecorder } from './stats-recorder.js'

/** The gauges of a pool at one moment. */
export interface PoolGauges {
  name: string
  state: PoolState
  min: number
  max: number
  total: number
  idle: number
  borrowed: number
  pending: number
  creating: number
  leakSuspects: number
}

/** Assemble `pool.stats()`: gauges, a copy of the counters, the percentile summaries and, on request, the buckets. */
export function snapshotStats(gauges: PoolGauges, recorder: StatsRecorder, options?: StatsOptions): PoolStats {
  const stats: PoolStats = {
    name: gauges.name,
    state: gauges.state,
    min: gauges.min,
    max: gauges.max,
    total: gauges.total,
    idle: gauges.idle,
    used: gauges.total - gauges.idle,
    borrowed: gauges.borrowed,
    pending: gauges.pending,
    creating: gauges.creating,
    leakSuspects: gauges.leakSuspects,
    counters: recorder.snapshotCounters(),
    acquireWaitMs: recorder.acquireWait.summary(),
    useTimeMs: recorder.useTime.summary(),
    createTimeMs: recorder.createTime.summary(),
  }
  if (options?.histograms === true) {
    stats.histograms = {
      acquireWaitMs: recorder.acquireWait.snapshot(),
      useTimeMs: recorder.useTime.snapshot(),
      createTimeMs: recorder.createTime.snapshot(),
    }
  }
  return stats
}
