/**
 * Both metrics paths, scraped over HTTP after a known workload on the real PostgreSQL through
 * @pools/core/pg: prom-client (@pools/core/prometheus) and OpenTelemetry (@pools/core/otel) through
 * the OpenTelemetry JS Prometheus exporter. Names, labels, units and values must match each other,
 * the metric catalogue, and every metric the shipped Grafana dashboard queries.
 */
import { readFileSync } from 'node:fs'
import http, { type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus'
import { MeterProvider } from '@opentelemetry/sdk-metrics'
import { type OtelMetrics, registerOtelMetrics } from '@pools/core/otel'
import { Pool } from '@pools/core/pg'
import { METRICS, metricsHandler, type PrometheusMetrics, registerPrometheusMetrics } from '@pools/core/prometheus'
import pg from 'pg'
import promClient from 'prom-client'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { parseExposition, type Scrape } from '../../packages/core/src/metrics/__fixtures__/exposition.js'
import { describeWithPostgres, type PostgresDatabase, usePostgres } from '../harness/index.js'
import { uniqueName } from '../pg/helpers.js'

const POOL = 'db_client_connection_pool_name'
/** Put in every pool's URL; never in a scrape. The server's real password when it has one (embedded PostgreSQL), else any (trust auth). */
let password = 'metrics-secret-5d1c'
const LABELS = new Set([POOL, 'db_client_connection_state', 'pools_destroy_reason'])

/** Every metric name the dashboard's queries and variables read (a `__name__=~` regex stays a regex). */
function dashboardMetrics(): { names: Set<string>; patterns: RegExp[] } {
  const dashboard = readFileSync(new URL('../../docs/dashboards/pools.json', import.meta.url), 'utf8')
  const json = JSON.parse(dashboard) as {
    panels: { targets: { expr: string }[] }[]
    templating: { list: { definition?: string }[] }
  }
  const exprs = [
    ...json.panels.flatMap((p) => p.targets.map((t) => t.expr)),
    ...json.templating.list.flatMap((v) => (v.definition === undefined ? [] : [v.definition])),
  ]
  const names = new Set<string>()
  const patterns: RegExp[] = []
  for (const expr of exprs) {
    for (const [, regex] of expr.matchAll(/__name__=~"([^"]+)"/g)) patterns.push(new RegExp(`^(?:${regex})$`))
    const bare = expr.replace(/__name__=~"[^"]+"/g, '')
    for (const [name] of bare.matchAll(/\b(?:db_client_connection|pools_connection)_[a-z_]+\b/g)) {
      if (!LABELS.has(name)) names.add(name)
    }
  }
  return { names, patterns }
}

describeWithPostgres('metrics scraped from a real workload', () => {
  let db: PostgresDatabase
  const servers: Server[] = []
  const pools: Pool[] = []
  let provider: MeterProvider
  let otel: OtelMetrics
  let prometheus: PrometheusMetrics
  let promUrl: string
  let otelUrl: string

  async function serve(handler: http.RequestListener): Promise<string> {
    const server = http.createServer(handler)
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`
  }

  const scrape = async (url: string): Promise<Scrape> => {
    const response = await fetch(url)
    expect(response.status).toBe(200)
    const text = await response.text()
    expect(text).not.toContain(password)
    return parseExposition(text)
  }

  function make(name: string, extra: Record<string, unknown> = {}): Pool {
    const pool = new Pool({
      connectionString: `postgres://${encodeURIComponent(db.config.user)}:${encodeURIComponent(password)}@${db.config.host}:${db.config.port}/${db.config.database}`,
      max: 3,
      pools: { name, timingSampleEvery: 1, acquireTimeoutMs: 300, ...extra },
    })
    pools.push(pool)
    return pool
  }

  beforeAll(async () => {
    db = await usePostgres()
    if (db.config.password) password = db.config.password
    const register = new promClient.Registry()
    prometheus = registerPrometheusMetrics({ register })
    promUrl = await serve(metricsHandler(register))
    const exporter = new PrometheusExporter({ preventServerStart: true })
    provider = new MeterProvider({ readers: [exporter] })
    otel = registerOtelMetrics({ meterProvider: provider })
    otelUrl = await serve((req, res) => exporter.getMetricsRequestHandler(req, res))
  })

  afterAll(async () => {
    await Promise.all(pools.map((pool) => (pool.ending ? undefined : pool.end())))
    otel?.stop()
    prometheus?.stop()
    await provider?.shutdown()
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
  })

  it('both paths publish the same names, labels and exact values; every dashboard metric is in both', async () => {
    // instrumentation-pg's pool metrics hook pg-pool's prototype connect(): prove ours never calls it
    const pgPoolConnect = Object.getPrototypeOf(Pool.prototype).connect as (...args: unknown[]) => unknown
    let hooked = 0
    const proto = Object.getPrototypeOf(Pool.prototype) as { connect: typeof pgPoolConnect }
    proto.connect = function (this: unknown, ...args: unknown[]) {
      hooked++
      return pgPoolConnect.apply(this, args)
    }
    const name = uniqueName('metrics')
    try {
      const pool = make(name)
      // known workload: 20 queries one after another, then 3 held clients, one acquire that times out
      for (let i = 0; i < 20; i++) await pool.query('SELECT 1')
      const held = await Promise.all([pool.connect(), pool.connect(), pool.connect()])
      const timedOut = await pool.connect().then(
        (client) => {
          client.release()
          return false
        },
        () => true,
      )
      expect(timedOut).toBe(true)
      const [fromProm, fromOtel] = await Promise.all([scrape(promUrl), scrape(otelUrl)])
      for (const client of held) client.release()
      expect(hooked).toBe(0)

      const labels = { [POOL]: name }
      for (const s of [fromProm, fromOtel]) {
        expect(s.value('db_client_connection_count', { ...labels, db_client_connection_state: 'used' })).toBe(3)
        expect(s.value('db_client_connection_count', { ...labels, db_client_connection_state: 'idle' })).toBe(0)
        expect(s.value('db_client_connection_limit', labels)).toBe(3)
        expect(s.value('db_client_connection_idle_max', labels)).toBe(3)
        expect(s.value('db_client_connection_idle_min', labels)).toBe(0)
        expect(s.value('db_client_connection_pending_requests', labels)).toBe(0)
        expect(s.value('db_client_connection_timeouts_total', labels)).toBe(1)
        expect(s.value('pools_connection_acquires_total', labels)).toBe(23)
        expect(s.value('pools_connection_created_total', labels)).toBe(3)
        expect(s.value('pools_connection_create_errors_total', labels)).toBe(0)
        expect(s.value('pools_connection_leak_suspects', labels)).toBe(0)
        // timingSampleEvery: 1 times every loan; 20 queries and 3 clients came back or are out
        expect(s.value('db_client_connection_wait_time_count', labels)).toBe(23)
        expect(s.value('db_client_connection_wait_time_bucket', { ...labels, le: '+Inf' })).toBe(23)
        expect(s.value('db_client_connection_use_time_count', labels)).toBe(20)
        expect(s.value('db_client_connection_create_time_count', labels)).toBe(3)
        expect(s.value('db_client_connection_create_time_sum', labels)).toBeGreaterThan(0)
        expect(s.value('db_client_connection_create_time_sum', labels)).toBeLessThan(30) // seconds, not ms
        for (const metric of Object.values(METRICS)) {
          if (metric.optional === true) continue
          const type = metric.kind === 'updowncounter' ? 'gauge' : metric.kind
          expect(s.types.get(metric.prometheus), metric.prometheus).toBe(type)
        }
      }
      // the same series (label sets) on both paths, apart from the exporter's scope label
      const series = (s: Scrape) =>
        s.samples
          .filter((x) => x.labels[POOL] === name)
          .map((x) => {
            const { otel_scope_name: _scope, ...rest } = x.labels
            return `${x.name}${JSON.stringify(Object.entries(rest).sort())}`
          })
          .sort()
      expect(series(fromOtel)).toEqual(series(fromProm))

      const dashboard = dashboardMetrics()
      expect(dashboard.names.size).toBeGreaterThan(10)
      for (const s of [fromProm, fromOtel]) {
        const scraped = s.names()
        const families = new Set([...s.types.keys()])
        for (const metric of dashboard.names) {
          expect(scraped.has(metric) || families.has(metric), `dashboard metric ${metric}`).toBe(true)
        }
        for (const pattern of dashboard.patterns) {
          expect(
            [...scraped].some((n) => pattern.test(n)),
            `dashboard pattern ${pattern}`,
          ).toBe(true)
        }
      }
    } finally {
      proto.connect = pgPoolConnect
    }
  })

  it('a pool created later shows up on both paths; a closed one keeps its counters', async () => {
    const name = uniqueName('later')
    const later = make(name, { min: 1 })
    await later.ready()
    await later.query('SELECT 1')
    const labels = { [POOL]: name }
    for (const url of [promUrl, otelUrl]) {
      const s = await scrape(url)
      expect(s.value('db_client_connection_count', { ...labels, db_client_connection_state: 'idle' })).toBe(1)
      expect(s.value('pools_connection_acquires_total', labels)).toBe(1)
    }
    await later.end()
    for (const url of [promUrl, otelUrl]) {
      const s = await scrape(url)
      expect(s.value('pools_connection_acquires_total', labels)).toBe(1)
      expect(s.value('pools_connection_destroyed_total', { ...labels, pools_destroy_reason: 'closed' })).toBe(1)
    }
  })

  it('a plain pg.Pool is not published (it is not a @pools pool)', async () => {
    const poolNames = (s: Scrape) => new Set(s.samples.map((x) => x.labels[POOL]))
    const before = poolNames(await scrape(promUrl))
    const plain = new pg.Pool({ ...db.config, max: 1, application_name: 'plain-pg' })
    try {
      await plain.query('SELECT 1')
      expect(poolNames(await scrape(promUrl))).toEqual(before)
    } finally {
      await plain.end()
    }
  })
})
