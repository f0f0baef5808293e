import type { IncomingMessage, ServerResponse } from 'node:http'
import promClient from 'prom-client'
import { DESTROY_REASONS, PoolError } from '../index.js'
import { METRICS, type MetricKey, type MetricSpec, TIME_BUCKETS_SECONDS } from '../metrics/catalog.js'
import { type NameReading, PoolWatch, type TimeBuckets } from '../metrics/pool-watch.js'

/** The slice of a prom-client `Registry` used here. */
type Registry = promClient.Registry

/** Labels, Prometheus spelling of the attributes. */
const POOL = 'db_client_connection_pool_name'
const STATE = 'db_client_connection_state'
const REASON = 'pools_destroy_reason'

/** Marks our metric objects, across copies of @pools/core. */
const BRAND = Symbol.for('@pools/core.prometheus')

/**
 * Options of {@link registerPrometheusMetrics}.
 *
 * @example
 * ```ts
 * import { Registry } from 'prom-client'
 * registerPrometheusMetrics({ register: new Registry() })
 * ```
 */
export interface PrometheusMetricsOptions {
  /** The prom-client registry to register on. Default: prom-client's global `register`. */
  register?: Registry
  /** Also publish `db_client_connection_max` (same value as `db_client_connection_limit`). Default `false`. */
  connectionMaxMetric?: boolean
}

/**
 * What {@link registerPrometheusMetrics} returns.
 *
 * @example
 * ```ts
 * const metrics = registerPrometheusMetrics()
 * console.log(metrics.conflicts) // [] unless a name was already taken by another metric
 * metrics.stop()
 * ```
 */
export interface PrometheusMetrics {
  /** The registry the metrics are on. */
  readonly register: Registry
  /**
   * Metric names left out because the registry already held a different metric under that name
   * (not one of ours): registering never throws.
   */
  readonly conflicts: readonly string[]
  /** Remove the metrics from the registry once every handle on it has stopped. Idempotent. */
  stop(): void
}

interface Sample {
  value: number
  labels: Record<string, string | number>
  metricName?: string
}

/** A prom-client metric whose values are read at scrape time (prom-client calls `get()`). */
class CollectedMetric {
  readonly [BRAND] = true
  readonly help: string
  readonly type: 'gauge' | 'counter' | 'histogram'
  readonly aggregator = 'sum'
  // prom-client renames counters in place for OpenMetrics output: a plain writable field
  name: string
  readonly #samples: () => Sample[]

  constructor(spec: MetricSpec, samples: () => Sample[]) {
    this.name = spec.prometheus
    this.help = `${spec.description} (${spec.otel}, unit ${spec.unit})`
    this.type = spec.kind === 'updowncounter' ? 'gauge' : spec.kind
    this.#samples = samples
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.#samples() }
  }

  /** Values are the pools' own counters: `register.resetMetrics()` leaves them alone. */
  reset(): void {}
}

interface Registration {
  handles: number
  readonly conflicts: string[]
  stop(): void
}

const registrations = new WeakMap<Registry, Registration>()

/**
 * Publish every pool of this process on a prom-client registry, under the names the
 * OpenTelemetry JS Prometheus exporter gives the same metrics (`db_client_connection_count`,
 * `db_client_connection_wait_time_bucket`, `pools_connection_leaks_total`, ...), so one dashboard
 * works with either path (see docs/metrics.md).
 *
 * Everything is read from `pool.stats({ histograms: true })` when the registry is scraped: no
 * observer, no cost on the hot path. Pools are found on their own (`livePools()` and the
 * `pools:pool:created` / `pools:pool:closed` channels), including pools created inside frameworks.
 * Registering twice on one registry returns another handle on the same metrics (the first call's
 * options hold); a name already
 * taken by someone else's metric is skipped (see {@link PrometheusMetrics.conflicts}); it never
 * throws on either.
 *
 * @throws PoolError `POOL_CONFIG_INVALID` when `register` is not a prom-client registry.
 * @example
 * ```ts
 * import http from 'node:http'
 * import { metricsHandler, registerPrometheusMetrics } from '@pools/core/prometheus'
 *
 * registerPrometheusMetrics() // prom-client's global registry
 * http.createServer(metricsHandler()).listen(9464)
 * ```
 */
export function registerPrometheusMetrics(options: PrometheusMetricsOptions = {}): PrometheusMetrics {
  if (options === null || typeof options !== 'object') {
    throw new PoolError(
      'POOL_CONFIG_INVALID',
      `registerPrometheusMetrics() needs an options object, got ${String(options)}.`,
    )
  }
  const register = checkRegistry(options.register ?? promClient.register, 'registerPrometheusMetrics')
  let registration = registrations.get(register)
  if (registration === undefined) {
    registration = start(register, options.connectionMaxMetric === true, () => registrations.delete(register))
    registrations.set(register, registration)
  }
  registration.handles++
  const shared = registration
  let stopped = false
  return {
    register,
    conflicts: Object.freeze([...shared.conflicts]),
    stop() {
      if (stopped) return
      stopped = true
      if (--shared.handles === 0) shared.stop()
    },
  }
}

function checkRegistry(register: unknown, caller: string): Registry {
  const r = register as Partial<Registry> | null
  if (
    r === null ||
    typeof r !== 'object' ||
    typeof r.registerMetric !== 'function' ||
    typeof r.metrics !== 'function' ||
    typeof r.getSingleMetric !== 'function'
  ) {
    throw new PoolError('POOL_CONFIG_INVALID', `${caller}(): register must be a prom-client Registry.`)
  }
  return r as Registry
}

function start(register: Registry, withMax: boolean, done: () => void): Registration {
  const watch = new PoolWatch()
  // every metric of one scrape reads the pools once: prom-client calls each get() in the same tick
  let cached: NameReading[] | undefined
  const read = (): NameReading[] => {
    if (cached === undefined) {
      cached = watch.read(true)
      queueMicrotask(() => {
        cached = undefined
      })
    }
    return cached
  }
  const gauge = (pick: (g: NonNullable<NameReading['gauges']>) => number) => (): Sample[] =>
    read().flatMap((r) => (r.gauges === undefined ? [] : [{ value: pick(r.gauges), labels: { [POOL]: r.name } }]))
  const counter = (pick: (t: NameReading['totals']) => number) => (): Sample[] =>
    read().map((r) => ({ value: pick(r.totals), labels: { [POOL]: r.name } }))
  const histogram =
    (spec: MetricSpec, pick: (times: NonNullable<NameReading['times']>) => TimeBuckets) => (): Sample[] =>
      read().flatMap((r) => (r.times === undefined ? [] : bucketSamples(spec.prometheus, r.name, pick(r.times))))

  const samples: Record<MetricKey, () => Sample[]> = {
    count: () =>
      read().flatMap((r) =>
        r.gauges === undefined
          ? []
          : [
              { value: r.gauges.idle, labels: { [POOL]: r.name, [STATE]: 'idle' } },
              { value: r.gauges.used, labels: { [POOL]: r.name, [STATE]: 'used' } },
            ],
      ),
    idleMax: gauge((g) => g.maxIdle),
    idleMin: gauge((g) => g.min),
    limit: gauge((g) => g.max),
    max: gauge((g) => g.max),
    pendingRequests: gauge((g) => g.pending),
    timeouts: counter((t) => t.timeouts),
    createTime: histogram(METRICS.createTime, (t) => t.create),
    waitTime: histogram(METRICS.waitTime, (t) => t.wait),
    useTime: histogram(METRICS.useTime, (t) => t.use),
    creating: gauge((g) => g.creating),
    leakSuspects: gauge((g) => g.leakSuspects),
    acquires: counter((t) => t.acquired),
    queueFull: counter((t) => t.queueFull),
    created: counter((t) => t.created),
    createErrors: counter((t) => t.createErrors),
    createTimeouts: counter((t) => t.createTimeouts),
    destroyed: () =>
      read().flatMap((r) =>
        DESTROY_REASONS.map((reason) => ({
          value: r.totals.destroyedBy[reason],
          labels: { [POOL]: r.name, [REASON]: reason },
        })),
      ),
    validationFailures: counter((t) => t.validationFailures),
    leaks: counter((t) => t.leaks),
  }

  const conflicts: string[] = []
  const mine: CollectedMetric[] = []
  for (const [key, spec] of Object.entries(METRICS) as [MetricKey, MetricSpec][]) {
    if (spec.optional === true && !withMax) continue
    const existing = register.getSingleMetric(spec.prometheus) as unknown as Record<symbol, unknown> | undefined
    if (existing !== undefined) {
      // ours from another copy of @pools/core (it publishes every pool too), or someone else's
      if (existing[BRAND] !== true) conflicts.push(spec.prometheus)
      continue
    }
    const metric = new CollectedMetric(spec, samples[key])
    register.registerMetric(metric as unknown as promClient.Metric)
    mine.push(metric)
  }
  watch.start()
  return {
    handles: 0,
    conflicts,
    stop() {
      for (const metric of mine) {
        if (register.getSingleMetric(metric.name) === (metric as unknown)) register.removeSingleMetric(metric.name)
      }
      watch.stop()
      done()
    },
  }
}

function bucketSamples(name: string, pool: string, times: TimeBuckets): Sample[] {
  const out: Sample[] = TIME_BUCKETS_SECONDS.map((le, i) => ({
    metricName: `${name}_bucket`,
    value: times.cumulative[i]!,
    labels: { [POOL]: pool, le },
  }))
  out.push({ metricName: `${name}_bucket`, value: times.count, labels: { [POOL]: pool, le: '+Inf' } })
  out.push({ metricName: `${name}_sum`, value: times.sumSeconds, labels: { [POOL]: pool } })
  out.push({ metricName: `${name}_count`, value: times.count, labels: { [POOL]: pool } })
  return out
}

/**
 * A `node:http` request listener that answers with the registry's metrics in the Prometheus text
 * format (or OpenMetrics, if the registry is set to it). Only `GET` and `HEAD`; a failing scrape
 * answers 500 with a one-line reason. Express accepts it as a route handler as it is.
 *
 * @throws PoolError `POOL_CONFIG_INVALID` when `register` is not a prom-client registry.
 * @example
 * ```ts
 * import http from 'node:http'
 * import { metricsHandler } from '@pools/core/prometheus'
 *
 * const handler = metricsHandler()
 * http
 *   .createServer((req, res) => (req.url === '/metrics' ? handler(req, res) : res.writeHead(404).end()))
 *   .listen(9464)
 * ```
 */
export function metricsHandler(
  register: Registry = promClient.register,
): (request: IncomingMessage, response: ServerResponse) => void {
  const registry = checkRegistry(register, 'metricsHandler')
  return (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('GET only\n')
      return
    }
    registry.metrics().then(
      (body) => {
        response.writeHead(200, { 'content-type': registry.contentType })
        response.end(request.method === 'HEAD' ? undefined : body)
      },
      (error: unknown) => {
        if (response.headersSent) {
          response.destroy()
          return
        }
        const reason = error instanceof Error ? error.name : 'error'
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`metrics failed: ${reason}\n`)
      },
    )
  }
}
