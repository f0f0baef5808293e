import diagnosticsChannel from 'node:diagnostics_channel'
import {
  cumulativeBuckets,
  DESTROY_REASONS,
  type DestroyReason,
  type HistogramSnapshot,
  livePools,
  POOL_CLOSED_CHANNEL,
  POOL_CREATED_CHANNEL,
  type Pool,
  type PoolChannelMessage,
  type PoolCounters,
  type PoolStats,
} from '../index.js'
import { labelOf, TIME_BUCKETS_SECONDS } from './catalog.js'

const BOUNDS_MS = TIME_BUCKETS_SECONDS.map((s) => s * 1000)

/** Most names whose closed pools' totals are kept (the oldest name is dropped beyond). */
const RETIRED_NAMES = 256

/** A time histogram at {@link TIME_BUCKETS_SECONDS}: cumulative counts (`le`), count and sum in seconds. */
export interface TimeBuckets {
  cumulative: number[]
  count: number
  sumSeconds: number
}

/** The counters the exporters publish (one pool, or every pool of one name added up). */
export type Totals = Omit<PoolCounters, 'destroyedBy'> & { destroyedBy: Record<DestroyReason, number> }

/** Gauges of the open pools of one name, added up. */
export interface Gauges {
  idle: number
  used: number
  pending: number
  creating: number
  leakSuspects: number
  min: number
  max: number
  maxIdle: number
}

/** What the exporters read at a scrape: one entry per pool name. */
export interface NameReading {
  /** The pool name as a label (credentials cut out). */
  name: string
  /** Gauges of the open pools with that name; `undefined` when only closed pools had it. */
  gauges: Gauges | undefined
  /** Counters since start, including pools of that name that have closed. */
  totals: Totals
  /** Only with `histograms: true`. */
  times?: { wait: TimeBuckets; use: TimeBuckets; create: TimeBuckets }
}

interface Retired {
  totals: Totals
  times: { wait: TimeBuckets; use: TimeBuckets; create: TimeBuckets }
}

/** What a watch tells its exporter. */
export interface WatchHooks {
  added?(pool: Pool<unknown>, label: string): void
  removed?(pool: Pool<unknown>): void
}

function zeroTotals(): Totals {
  const destroyedBy = {} as Record<DestroyReason, number>
  for (const reason of DESTROY_REASONS) destroyedBy[reason] = 0
  return {
    created: 0,
    createErrors: 0,
    createTimeouts: 0,
    destroyed: 0,
    destroyedBy,
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
}

function addTotals(into: Totals, from: PoolCounters | Totals): void {
  for (const key of Object.keys(into) as (keyof Totals)[]) {
    if (key === 'destroyedBy') continue
    into[key] += from[key]
  }
  for (const reason of DESTROY_REASONS) into.destroyedBy[reason] += from.destroyedBy[reason] ?? 0
}

function zeroTimes(): TimeBuckets {
  return { cumulative: BOUNDS_MS.map(() => 0), count: 0, sumSeconds: 0 }
}

function addTimes(into: TimeBuckets, from: HistogramSnapshot | TimeBuckets): void {
  if ('counts' in from) {
    const cumulative = cumulativeBuckets(from, BOUNDS_MS)
    for (let i = 0; i < cumulative.length; i++) into.cumulative[i]! += cumulative[i]!
    into.count += from.count
    into.sumSeconds += from.sum / 1000
  } else {
    for (let i = 0; i < from.cumulative.length; i++) into.cumulative[i]! += from.cumulative[i]!
    into.count += from.count
    into.sumSeconds += from.sumSeconds
  }
}

function zeroRetired(): Retired {
  return { totals: zeroTotals(), times: { wait: zeroTimes(), use: zeroTimes(), create: zeroTimes() } }
}

/**
 * The pools an exporter publishes: every open pool of this process, found through
 * `livePools()` and the `pools:pool:created` / `pools:pool:closed` channels (so pools created
 * inside a framework show up without a reference to them), held weakly, and read by name.
 * A closed pool's counters stay in its name's totals, so a counter never goes backwards when one
 * of two pools with the same name closes.
 */
export class PoolWatch {
  readonly #hooks: WatchHooks
  #refs = new WeakMap<Pool<unknown>, WeakRef<Pool<unknown>>>()
  readonly #live = new Set<WeakRef<Pool<unknown>>>()
  readonly #retired = new Map<string, Retired>()
  #running = false

  readonly #onCreated = (message: unknown): void => {
    const pool = (message as PoolChannelMessage | undefined)?.pool
    if (pool !== undefined) this.#add(pool)
  }

  readonly #onClosed = (message: unknown): void => {
    const pool = (message as PoolChannelMessage | undefined)?.pool
    if (pool !== undefined) this.#retire(pool)
  }

  constructor(hooks: WatchHooks = {}) {
    this.#hooks = hooks
  }

  /** Subscribe to the channels and take in the pools already open. */
  start(): void {
    if (this.#running) return
    this.#running = true
    diagnosticsChannel.subscribe(POOL_CREATED_CHANNEL, this.#onCreated)
    diagnosticsChannel.subscribe(POOL_CLOSED_CHANNEL, this.#onClosed)
    for (const pool of livePools()) this.#add(pool)
  }

  /** Unsubscribe and let go of every pool (calling `removed` for each). */
  stop(): void {
    if (!this.#running) return
    this.#running = false
    diagnosticsChannel.unsubscribe(POOL_CREATED_CHANNEL, this.#onCreated)
    diagnosticsChannel.unsubscribe(POOL_CLOSED_CHANNEL, this.#onClosed)
    for (const pool of this.pools()) this.#forget(pool)
    this.#refs = new WeakMap()
    this.#live.clear()
    this.#retired.clear()
  }

  /** The open pools being watched. */
  pools(): Pool<unknown>[] {
    const pools: Pool<unknown>[] = []
    for (const ref of this.#live) {
      const pool = ref.deref()
      if (pool === undefined) this.#live.delete(ref)
      else pools.push(pool)
    }
    return pools
  }

  /** One reading per pool name: gauges of the open pools, totals including closed ones. */
  read(histograms: boolean): NameReading[] {
    const byName = new Map<string, NameReading>()
    const entry = (name: string): NameReading => {
      let reading = byName.get(name)
      if (reading === undefined) {
        reading = { name, gauges: undefined, totals: zeroTotals() }
        if (histograms) reading.times = { wait: zeroTimes(), use: zeroTimes(), create: zeroTimes() }
        byName.set(name, reading)
      }
      return reading
    }
    for (const pool of this.pools()) {
      const stats = pool.stats(histograms ? { histograms: true } : undefined)
      if (stats.state === 'closed') continue // its closed message is on its way; its totals go to retired then
      const reading = entry(labelOf(stats.name))
      addGauges(reading, stats, pool.config.maxIdle)
      addTotals(reading.totals, stats.counters)
      if (reading.times !== undefined && stats.histograms !== undefined) {
        addTimes(reading.times.wait, stats.histograms.acquireWaitMs)
        addTimes(reading.times.use, stats.histograms.useTimeMs)
        addTimes(reading.times.create, stats.histograms.createTimeMs)
      }
    }
    for (const [name, retired] of this.#retired) {
      const reading = entry(name)
      addTotals(reading.totals, retired.totals)
      if (reading.times !== undefined) {
        addTimes(reading.times.wait, retired.times.wait)
        addTimes(reading.times.use, retired.times.use)
        addTimes(reading.times.create, retired.times.create)
      }
    }
    return [...byName.values()]
  }

  #add(pool: Pool<unknown>): void {
    if (!this.#running || this.#refs.has(pool) || pool.stats().state === 'closed') return
    const ref = new WeakRef(pool)
    this.#refs.set(pool, ref)
    this.#live.add(ref)
    this.#hooks.added?.(pool, labelOf(pool.name))
  }

  #retire(pool: Pool<unknown>): void {
    if (!this.#refs.has(pool)) return
    const stats: PoolStats = pool.stats({ histograms: true })
    const name = labelOf(stats.name)
    let retired = this.#retired.get(name)
    if (retired === undefined) {
      retired = zeroRetired()
      if (this.#retired.size >= RETIRED_NAMES) this.#retired.delete(this.#retired.keys().next().value as string)
    } else this.#retired.delete(name) // re-inserted below: most recent last
    this.#retired.set(name, retired)
    addTotals(retired.totals, stats.counters)
    if (stats.histograms !== undefined) {
      addTimes(retired.times.wait, stats.histograms.acquireWaitMs)
      addTimes(retired.times.use, stats.histograms.useTimeMs)
      addTimes(retired.times.create, stats.histograms.createTimeMs)
    }
    this.#forget(pool)
  }

  #forget(pool: Pool<unknown>): void {
    const ref = this.#refs.get(pool)
    if (ref === undefined) return
    this.#refs.delete(pool)
    this.#live.delete(ref)
    this.#hooks.removed?.(pool)
  }
}

function addGauges(reading: NameReading, stats: PoolStats, maxIdle: number): void {
  if (reading.gauges === undefined) {
    reading.gauges = { idle: 0, used: 0, pending: 0, creating: 0, leakSuspects: 0, min: 0, max: 0, maxIdle: 0 }
  }
  const gauges = reading.gauges
  gauges.idle += stats.idle
  gauges.used += stats.used
  gauges.pending += stats.pending
  gauges.creating += stats.creating
  gauges.leakSuspects += stats.leakSuspects
  gauges.min += stats.min
  gauges.max += stats.max
  gauges.maxIdle += Math.min(maxIdle, stats.max)
}
