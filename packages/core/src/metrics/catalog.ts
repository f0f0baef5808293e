/**
 * Every metric the OpenTelemetry and Prometheus exporters publish, listed once. The OpenTelemetry
 * names follow the database client connection-pool semantic conventions (Development status);
 * our extras live under `pools.connection.*`. The Prometheus names are what the OpenTelemetry JS
 * Prometheus exporter makes of the OpenTelemetry names (`.` → `_`, `_total` on monotonic sums, no
 * unit suffix), so one dashboard reads either path.
 */

/**
 * Instrument kind, in OpenTelemetry's words (`updowncounter` is a Prometheus gauge).
 *
 * @example
 * ```ts
 * import { METRICS } from '@pools/core/otel'
 * const gauges = Object.values(METRICS).filter((m) => m.kind === 'updowncounter')
 * ```
 */
export type MetricKind = 'updowncounter' | 'counter' | 'histogram'

/**
 * One published metric: its OpenTelemetry and Prometheus names, kind, unit and attributes.
 *
 * @example
 * ```ts
 * import { METRICS, type MetricSpec } from '@pools/core/otel'
 * const wait: MetricSpec = METRICS.waitTime // { otel: 'db.client.connection.wait_time', unit: 's', ... }
 * ```
 */
export interface MetricSpec {
  /** OpenTelemetry instrument name. */
  readonly otel: string
  /** Name in a Prometheus scrape of prom-client or of the OpenTelemetry JS Prometheus exporter (without `_bucket`/`_sum`/`_count`). */
  readonly prometheus: string
  readonly kind: MetricKind
  /** UCUM unit, as OpenTelemetry records it. */
  readonly unit: string
  readonly description: string
  /** Attributes besides the pool name. */
  readonly attributes: readonly string[]
  /** Only published with `connectionMaxMetric: true`. */
  readonly optional?: boolean
}

/**
 * Attribute naming the pool on every metric: the pool's `name` option, never a connection string.
 *
 * @example
 * ```ts
 * import { POOL_NAME_ATTRIBUTE } from '@pools/core/otel'
 * const orders = { [POOL_NAME_ATTRIBUTE]: 'orders' }
 * ```
 */
export const POOL_NAME_ATTRIBUTE = 'db.client.connection.pool.name'
/**
 * Attribute of `db.client.connection.count`: `idle` or `used`.
 *
 * @example
 * ```ts
 * import { STATE_ATTRIBUTE } from '@pools/core/otel'
 * const used = { [STATE_ATTRIBUTE]: 'used' }
 * ```
 */
export const STATE_ATTRIBUTE = 'db.client.connection.state'
/**
 * Attribute of `pools.connection.destroyed`: a destroy reason (`idle-timeout`, `max-lifetime`, ...).
 *
 * @example
 * ```ts
 * import { DESTROY_REASON_ATTRIBUTE } from '@pools/core/otel'
 * const lifetime = { [DESTROY_REASON_ATTRIBUTE]: 'max-lifetime' }
 * ```
 */
export const DESTROY_REASON_ATTRIBUTE = 'pools.destroy.reason'

/**
 * Bucket bounds of the three time histograms, in seconds (OpenTelemetry explicit bucket advice and
 * Prometheus `le`): 0.1 ms to 30 s.
 *
 * @example
 * ```ts
 * import { TIME_BUCKETS_SECONDS } from '@pools/core/otel'
 * TIME_BUCKETS_SECONDS[0] // 0.0001
 * ```
 */
export const TIME_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30,
])

/** Turn an OpenTelemetry name into its Prometheus form (the OpenTelemetry JS exporter's rule). */
function prometheusName(otel: string, kind: MetricKind): string {
  const base = otel.replaceAll('.', '_')
  return kind === 'counter' ? `${base}_total` : base
}

function spec(
  otel: string,
  kind: MetricKind,
  unit: string,
  description: string,
  attributes: readonly string[] = [],
  optional = false,
): MetricSpec {
  return Object.freeze({
    otel,
    prometheus: prometheusName(otel, kind),
    kind,
    unit,
    description,
    attributes: Object.freeze([...attributes]),
    ...(optional ? { optional } : {}),
  })
}

/**
 * The metrics, by key. Every metric also carries `db.client.connection.pool.name`.
 *
 * @example
 * ```ts
 * import { METRICS } from '@pools/core/otel'
 * METRICS.count.prometheus // 'db_client_connection_count'
 * ```
 */
export const METRICS = Object.freeze({
  count: spec(
    'db.client.connection.count',
    'updowncounter',
    '{connection}',
    'Open connections in the state given by db.client.connection.state (idle or used).',
    [STATE_ATTRIBUTE],
  ),
  idleMax: spec(
    'db.client.connection.idle.max',
    'updowncounter',
    '{connection}',
    'Most idle connections the pool keeps open (maxIdle, or max when unset).',
  ),
  idleMin: spec(
    'db.client.connection.idle.min',
    'updowncounter',
    '{connection}',
    'Fewest connections the pool keeps open (min).',
  ),
  limit: spec('db.client.connection.limit', 'updowncounter', '{connection}', 'Most open connections allowed (max).'),
  max: spec(
    'db.client.connection.max',
    'updowncounter',
    '{connection}',
    'Most open connections allowed (max): the name before semantic conventions 1.45.',
    [],
    true,
  ),
  pendingRequests: spec(
    'db.client.connection.pending_requests',
    'updowncounter',
    '{request}',
    'Callers pending for a connection.',
  ),
  timeouts: spec(
    'db.client.connection.timeouts',
    'counter',
    '{timeout}',
    'Acquires that gave up after acquireTimeoutMs (POOL_ACQUIRE_TIMEOUT).',
  ),
  createTime: spec(
    'db.client.connection.create_time',
    'histogram',
    's',
    'Time a successful connection create took (every create).',
  ),
  waitTime: spec(
    'db.client.connection.wait_time',
    'histogram',
    's',
    'Time an acquire waited for a connection (sampled loans: timingSampleEvery).',
  ),
  useTime: spec(
    'db.client.connection.use_time',
    'histogram',
    's',
    'Time a connection was borrowed, acquire to release (sampled loans: timingSampleEvery).',
  ),
  creating: spec('pools.connection.creating', 'updowncounter', '{connection}', 'Connection creates in flight.'),
  leakSuspects: spec(
    'pools.connection.leak_suspects',
    'updowncounter',
    '{connection}',
    'Borrowed connections held past leakDetectionThresholdMs now.',
  ),
  acquires: spec('pools.connection.acquires', 'counter', '{acquire}', 'Acquires that got a connection.'),
  queueFull: spec(
    'pools.connection.queue_full',
    'counter',
    '{acquire}',
    'Acquires refused at once because maxPending callers were pending (POOL_QUEUE_FULL).',
  ),
  created: spec('pools.connection.created', 'counter', '{connection}', 'Connections created.'),
  createErrors: spec(
    'pools.connection.create_errors',
    'counter',
    '{error}',
    'Connection creates that failed, timeouts included.',
  ),
  createTimeouts: spec(
    'pools.connection.create_timeouts',
    'counter',
    '{error}',
    'Connection creates that hit createTimeoutMs (POOL_CREATE_TIMEOUT).',
  ),
  destroyed: spec(
    'pools.connection.destroyed',
    'counter',
    '{connection}',
    'Connections destroyed, by pools.destroy.reason.',
    [DESTROY_REASON_ATTRIBUTE],
  ),
  validationFailures: spec(
    'pools.connection.validation_failures',
    'counter',
    '{validation}',
    'Validations that found a connection unusable (on borrow, on return or while idle).',
  ),
  leaks: spec(
    'pools.connection.leaks',
    'counter',
    '{leak}',
    'Loans that crossed leakDetectionThresholdMs (each loan counted once).',
  ),
} satisfies Record<string, MetricSpec>)

/** Key of a metric in {@link METRICS}. */
export type MetricKey = keyof typeof METRICS

/**
 * A pool name fit for a metric label: the name itself, except that anything that looks like
 * credentials in a URL (`user:password@`) is cut out, in case a name was built from a connection
 * string.
 */
export function labelOf(name: string): string {
  return name.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/?#\s]*@/gi, '$1')
}
