import type { Sample } from './exposition.js'

/** The pool label every @pools metric carries (OpenTelemetry's `db.client.connection.pool.name`). */
export const POOL_LABEL = 'db_client_connection_pool_name'

/** One pool as one scrape of the metrics endpoint shows it (same-named series added up). */
export interface PoolSnapshot {
  readonly name: string
  readonly used: number
  readonly idle: number
  readonly pending: number
  readonly creating: number
  /** `db_client_connection_limit` (or `_max`); `undefined` when neither is published. */
  readonly max: number | undefined
  readonly min: number | undefined
  readonly leakSuspects: number
  /** Counters, as totals since the app started. */
  readonly timeouts: number
  readonly leaks: number
  readonly acquires: number
  /** The wait-time histogram: cumulative counts by upper bound in seconds (`+Inf` last). */
  readonly waitBuckets: ReadonlyMap<number, number>
}

/** Wait-time histogram names: prom-client / OTel JS exporter, and the OTel Collector's (unit appended). */
const WAIT_BUCKET = new Set(['db_client_connection_wait_time_bucket', 'db_client_connection_wait_time_seconds_bucket'])

interface Mutable {
  name: string
  used: number
  idle: number
  pending: number
  creating: number
  max: number | undefined
  limit: number | undefined
  min: number | undefined
  leakSuspects: number
  timeouts: number
  leaks: number
  acquires: number
  waitBuckets: Map<number, number>
}

function add(current: number | undefined, value: number): number {
  return (current ?? 0) + (Number.isFinite(value) ? value : 0)
}

/**
 * The pools in one scrape, by name (sorted). Series without the pool label are ignored, so an
 * endpoint that also serves other metrics works; an endpoint without any @pools metric gives `[]`.
 */
export function poolSnapshots(samples: readonly Sample[]): PoolSnapshot[] {
  const pools = new Map<string, Mutable>()
  for (const { name, labels, value } of samples) {
    const pool = labels[POOL_LABEL]
    if (pool === undefined) continue
    let p = pools.get(pool)
    if (p === undefined) {
      p = {
        name: pool,
        used: 0,
        idle: 0,
        pending: 0,
        creating: 0,
        max: undefined,
        limit: undefined,
        min: undefined,
        leakSuspects: 0,
        timeouts: 0,
        leaks: 0,
        acquires: 0,
        waitBuckets: new Map(),
      }
      pools.set(pool, p)
    }
    if (WAIT_BUCKET.has(name)) {
      const le =
        labels.le === undefined ? Number.NaN : labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(labels.le)
      if (!Number.isNaN(le)) p.waitBuckets.set(le, add(p.waitBuckets.get(le), value))
      continue
    }
    switch (name) {
      case 'db_client_connection_count':
        if (labels.db_client_connection_state === 'used') p.used = add(p.used, value)
        else if (labels.db_client_connection_state === 'idle') p.idle = add(p.idle, value)
        break
      case 'db_client_connection_pending_requests':
        p.pending = add(p.pending, value)
        break
      case 'pools_connection_creating':
        p.creating = add(p.creating, value)
        break
      case 'db_client_connection_limit':
        p.limit = add(p.limit, value)
        break
      case 'db_client_connection_max':
        p.max = add(p.max, value)
        break
      case 'db_client_connection_idle_min':
        p.min = add(p.min, value)
        break
      case 'pools_connection_leak_suspects':
        p.leakSuspects = add(p.leakSuspects, value)
        break
      case 'db_client_connection_timeouts_total':
        p.timeouts = add(p.timeouts, value)
        break
      case 'pools_connection_leaks_total':
        p.leaks = add(p.leaks, value)
        break
      case 'pools_connection_acquires_total':
        p.acquires = add(p.acquires, value)
        break
    }
  }
  return [...pools.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map(({ limit, max, waitBuckets, ...rest }) => ({
      ...rest,
      max: limit ?? max,
      waitBuckets: new Map([...waitBuckets].sort(([a], [b]) => a - b)),
    }))
}

/** A counter's increase between two scrapes; a drop means the app restarted, so the new total is the increase. */
export function increase(previous: number | undefined, current: number): number {
  if (previous === undefined) return current
  return current >= previous ? current - previous : current
}

/** Result of {@link waitQuantile}: seconds, or `above` the last finite bucket, or no waits at all. */
export type Quantile = { seconds: number; above: boolean } | undefined

/**
 * The `q` quantile (0.95 for p95) of the acquire wait time from the histogram's buckets, over the
 * waits between `previous` and `current` (all waits so far without `previous`), interpolated
 * linearly inside the bucket as Prometheus' `histogram_quantile` does. `undefined` when no acquire
 * was timed in between.
 */
export function waitQuantile(
  current: ReadonlyMap<number, number>,
  previous: ReadonlyMap<number, number> | undefined,
  q = 0.95,
): Quantile {
  const bounds = [...current.keys()].sort((a, b) => a - b)
  const inf = current.get(Number.POSITIVE_INFINITY)
  if (inf === undefined) return undefined
  const restarted = previous !== undefined && (previous.get(Number.POSITIVE_INFINITY) ?? 0) > inf
  const delta = (le: number) => {
    const now = current.get(le) ?? 0
    return previous === undefined || restarted ? now : Math.max(0, now - (previous.get(le) ?? 0))
  }
  const total = delta(Number.POSITIVE_INFINITY)
  if (total <= 0) return undefined
  const rank = q * total
  let lower = 0
  let below = 0
  for (const le of bounds) {
    const count = delta(le)
    if (count >= rank) {
      if (le === Number.POSITIVE_INFINITY) return { seconds: lower, above: true }
      const inBucket = count - below
      const fraction = inBucket > 0 ? (rank - below) / inBucket : 1
      return { seconds: lower + (le - lower) * fraction, above: false }
    }
    lower = le
    below = count
  }
  return { seconds: lower, above: true }
}
