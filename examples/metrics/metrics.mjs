// Pool metrics on a /metrics endpoint, through prom-client and through OpenTelemetry, for a pg pool.
// Run it with `npm run build && node examples/metrics/metrics.mjs` (PostgreSQL on 127.0.0.1:5432, or set
// DATABASE_URL). It serves both scrapes on loopback, runs a small workload, prints the pool's lines from
// each scrape, and exits. See docs/metrics.md.
import http from 'node:http'
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus'
import { MeterProvider } from '@opentelemetry/sdk-metrics'
import { registerOtelMetrics } from '@pools/core/otel'
import { Pool } from '@pools/core/pg'
import { metricsHandler, registerPrometheusMetrics } from '@pools/core/prometheus'

const URL_ENV = 'DATABASE_URL'
const connectionString = process.env[URL_ENV] ?? 'postgres://postgres@127.0.0.1:5432/test'

// prom-client: its global registry, served by the ready handler
const prometheus = registerPrometheusMetrics()
const promServer = http.createServer(metricsHandler())

// OpenTelemetry: an SDK with the Prometheus exporter (in an app: NodeSDK and OTLP, or this exporter)
const exporter = new PrometheusExporter({ preventServerStart: true })
const provider = new MeterProvider({ readers: [exporter] })
const otel = registerOtelMetrics({ meterProvider: provider })
const otelServer = http.createServer((req, res) => exporter.getMetricsRequestHandler(req, res))

const listen = (server) =>
  new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}/metrics`)),
  )
const [promUrl, otelUrl] = await Promise.all([listen(promServer), listen(otelServer)])

// the pool is found on its own: created after the exporters, no reference handed to them
const pool = new Pool({ connectionString, max: 4, pools: { name: 'example', timingSampleEvery: 1 } })
try {
  await Promise.all(Array.from({ length: 40 }, () => pool.query('SELECT pg_sleep(0.005)')))
  for (const [path, url] of [
    ['prom-client', promUrl],
    ['OpenTelemetry', otelUrl],
  ]) {
    const text = await (await fetch(url)).text()
    const wanted =
      /^(db_client_connection_(count|limit|timeouts_total|wait_time_count)|pools_connection_(acquires|created)_total)\{/
    console.log(`# ${path} (${url})`)
    for (const line of text.split('\n')) if (wanted.test(line) && line.includes('"example"')) console.log(line)
  }
} finally {
  await pool.end()
  otel.stop()
  prometheus.stop()
  await provider.shutdown()
  promServer.close()
  otelServer.close()
}
