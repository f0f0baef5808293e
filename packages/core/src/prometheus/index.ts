/**
 * `@pools/core/prometheus`: every pool's metrics on a prom-client registry (`prom-client` 15, an
 * optional peer dependency), named so one dashboard reads this and the OpenTelemetry path alike,
 * and a ready `/metrics` handler for `node:http`. See docs/metrics.md.
 *
 * @example
 * ```ts
 * import http from 'node:http'
 * import { metricsHandler, registerPrometheusMetrics } from '@pools/core/prometheus'
 * registerPrometheusMetrics()
 * http.createServer(metricsHandler()).listen(9464)
 * ```
 * @module
 */
export type { MetricKind, MetricSpec } from '../metrics/catalog.js'
export { METRICS, TIME_BUCKETS_SECONDS } from '../metrics/catalog.js'
export type { PrometheusMetrics, PrometheusMetricsOptions } from './prometheus-metrics.js'
export { metricsHandler, registerPrometheusMetrics } from './prometheus-metrics.js'
