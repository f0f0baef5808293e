/**
 * `@pools/core/otel`: every pool's metrics through OpenTelemetry (`@opentelemetry/api`, an
 * optional peer dependency): the database client connection-pool semantic conventions plus
 * `pools.connection.*` extras. See docs/metrics.md.
 *
 * @example
 * ```ts
 * import { registerOtelMetrics } from '@pools/core/otel'
 * registerOtelMetrics()
 * ```
 * @module
 */
export type { MetricKind, MetricSpec } from '../metrics/catalog.js'
export {
  DESTROY_REASON_ATTRIBUTE,
  METRICS,
  POOL_NAME_ATTRIBUTE,
  STATE_ATTRIBUTE,
  TIME_BUCKETS_SECONDS,
} from '../metrics/catalog.js'
export type { OtelMetrics, OtelMetricsOptions } from './otel-metrics.js'
export { METER_NAME, registerOtelMetrics } from './otel-metrics.js'
