import {
  type Attributes,
  type BatchObservableResult,
  type Histogram,
  type Meter,
  type MeterProvider,
  metrics,
  type Observable,
  ValueType,
} from '@opentelemetry/api'
import { DESTROY_REASONS, type Pool, PoolError } from '../index.js'
import {
  DESTROY_REASON_ATTRIBUTE,
  METRICS,
  type MetricKey,
  type MetricSpec,
  POOL_NAME_ATTRIBUTE,
  STATE_ATTRIBUTE,
  TIME_BUCKETS_SECONDS,
} from '../metrics/catalog.js'
import { type NameReading, PoolWatch } from '../metrics/pool-watch.js'

/**
 * Name of the meter the instruments are created on (the `otel_scope_name` label in a Prometheus scrape).
 *
 * @example
 * ```ts
 * import { METER_NAME } from '@pools/core/otel'
 * const view = { meterName: METER_NAME, instrumentName: 'db.client.connection.use_time' }
 * ```
 */
export const METER_NAME = '@pools/core'

/**
 * Options of {@link registerOtelMetrics}.
 *
 * @example
 * ```ts
 * registerOtelMetrics({ meterProvider, connectionMaxMetric: true })
 * ```
 */
export interface OtelMetricsOptions {
  /** Where the instruments are created. Default: the global provider (`metrics.getMeterProvider()`). */
  meterProvider?: MeterProvider
  /**
   * Also publish `db.client.connection.max` (the name of `db.client.connection.limit` before
   * semantic conventions 1.45), for backends and dashboards built on the older conventions.
   * Default `false`.
   */
  connectionMaxMetric?: boolean
}

/**
 * What {@link registerOtelMetrics} returns.
 *
 * @example
 * ```ts
 * const otel = registerOtelMetrics()
 * otel.stop() // instruments stop reporting, observers removed from every pool
 * ```
 */
export interface OtelMetrics {
  /** Stop publishing: remove the batch callback and every pool observer. Idempotent. */
  stop(): void
}

interface Registration {
  handles: number
  stop(): void
}

/** One registration per meter provider: a second call shares it. */
const registrations = new WeakMap<MeterProvider, Registration>()

/**
 * Publish every pool of this process through OpenTelemetry, per the database client
 * connection-pool semantic conventions, plus `pools.connection.*` extras (see docs/metrics.md).
 *
 * Pools are found on their own (`livePools()` and the `pools:pool:created` / `pools:pool:closed`
 * channels), including pools created inside Prisma, Knex, TypeORM, Nest or ioredis modules. Gauges
 * and counters come from `pool.stats()` in **one batch observable callback** at collection time;
 * the three time histograms are fed by a {@link PoolObserver} with the timings the engine already
 * takes (acquire and use times are the sampled loans, see `timingSampleEvery`). The hot path pays
 * nothing else. Records through `@opentelemetry/api` alone: a no-op until the app registers an SDK.
 *
 * Calling it again for the same provider returns another handle on the same instruments (never a
 * second set; the first call's options hold); the instruments go away when every handle has stopped.
 * Call it after the SDK has started, or pass `meterProvider`: the OpenTelemetry API has no proxy for
 * metrics, so instruments made on the global no-op provider stay no-ops.
 *
 * @throws PoolError `POOL_CONFIG_INVALID` for options that are not an object.
 * @example
 * ```ts
 * import { registerOtelMetrics } from '@pools/core/otel'
 * import { Pool } from '@pools/core/pg'
 *
 * registerOtelMetrics() // after the OpenTelemetry SDK has started
 * const pool = new Pool({ connectionString: process.env.DATABASE_URL, pools: { name: 'orders' } })
 * ```
 */
export function registerOtelMetrics(options: OtelMetricsOptions = {}): OtelMetrics {
  if (options === null || typeof options !== 'object') {
    throw new PoolError('POOL_CONFIG_INVALID', `registerOtelMetrics() needs an options object, got ${String(options)}.`)
  }
  const provider = options.meterProvider ?? metrics.getMeterProvider()
  let registration = registrations.get(provider)
  if (registration === undefined) {
    registration = start(provider.getMeter(METER_NAME), options.connectionMaxMetric === true, () =>
      registrations.delete(provider),
    )
    registrations.set(provider, registration)
  }
  registration.handles++
  const shared = registration
  let stopped = false
  return {
    stop() {
      if (stopped) return
      stopped = true
      if (--shared.handles === 0) shared.stop()
    },
  }
}

type Observables = Record<Exclude<MetricKey, 'createTime' | 'waitTime' | 'useTime'>, Observable>

function start(meter: Meter, withMax: boolean, done: () => void): Registration {
  const observables = {} as Observables
  for (const [key, metric] of Object.entries(METRICS) as [MetricKey, MetricSpec][]) {
    if (metric.kind === 'histogram' || (metric.optional === true && !withMax)) continue
    const instrument = { description: metric.description, unit: metric.unit, valueType: ValueType.INT }
    observables[key as keyof Observables] =
      metric.kind === 'counter'
        ? meter.createObservableCounter(metric.otel, instrument)
        : meter.createObservableUpDownCounter(metric.otel, instrument)
  }
  const histogram = (metric: MetricSpec): Histogram =>
    meter.createHistogram(metric.otel, {
      description: metric.description,
      unit: metric.unit,
      valueType: ValueType.DOUBLE,
      advice: { explicitBucketBoundaries: [...TIME_BUCKETS_SECONDS] },
    })
  const waitTime = histogram(METRICS.waitTime)
  const useTime = histogram(METRICS.useTime)
  const createTime = histogram(METRICS.createTime)

  const observing = new WeakMap<Pool<unknown>, () => void>()
  const watch = new PoolWatch({
    added(pool, label) {
      const attributes: Attributes = { [POOL_NAME_ATTRIBUTE]: label }
      observing.set(
        pool,
        pool.observe({
          recordAcquire: (waitMs) => waitTime.record(waitMs / 1000, attributes),
          recordUse: (heldMs) => useTime.record(heldMs / 1000, attributes),
          recordCreate: (createMs) => createTime.record(createMs / 1000, attributes),
        }),
      )
    },
    removed(pool) {
      observing.get(pool)?.()
      observing.delete(pool)
    },
  })
  const callback = (result: BatchObservableResult): void => {
    for (const reading of watch.read(false)) observe(result, observables, reading)
  }
  const list = Object.values(observables)
  meter.addBatchObservableCallback(callback, list)
  watch.start()
  return {
    handles: 0,
    stop() {
      meter.removeBatchObservableCallback(callback, list)
      watch.stop()
      done()
    },
  }
}

const CLOSED: NonNullable<NameReading['gauges']> = Object.freeze({
  idle: 0,
  used: 0,
  pending: 0,
  creating: 0,
  leakSuspects: 0,
  min: 0,
  max: 0,
  maxIdle: 0,
})

function observe(result: BatchObservableResult, o: Observables, reading: NameReading): void {
  const pool: Attributes = { [POOL_NAME_ATTRIBUTE]: reading.name }
  const { totals } = reading
  // a name whose pools have all closed reports zeros: the SDK keeps the last value of a series
  // it no longer sees (cumulative temporality), which would freeze a closed pool's gauges
  const gauges = reading.gauges ?? CLOSED
  result.observe(o.count, gauges.idle, { ...pool, [STATE_ATTRIBUTE]: 'idle' })
  result.observe(o.count, gauges.used, { ...pool, [STATE_ATTRIBUTE]: 'used' })
  result.observe(o.idleMax, gauges.maxIdle, pool)
  result.observe(o.idleMin, gauges.min, pool)
  result.observe(o.limit, gauges.max, pool)
  if (o.max !== undefined) result.observe(o.max, gauges.max, pool)
  result.observe(o.pendingRequests, gauges.pending, pool)
  result.observe(o.creating, gauges.creating, pool)
  result.observe(o.leakSuspects, gauges.leakSuspects, pool)
  result.observe(o.timeouts, totals.timeouts, pool)
  result.observe(o.acquires, totals.acquired, pool)
  result.observe(o.queueFull, totals.queueFull, pool)
  result.observe(o.created, totals.created, pool)
  result.observe(o.createErrors, totals.createErrors, pool)
  result.observe(o.createTimeouts, totals.createTimeouts, pool)
  result.observe(o.validationFailures, totals.validationFailures, pool)
  result.observe(o.leaks, totals.leaks, pool)
  for (const reason of DESTROY_REASONS) {
    result.observe(o.destroyed, totals.destroyedBy[reason], { ...pool, [DESTROY_REASON_ATTRIBUTE]: reason })
  }
}
