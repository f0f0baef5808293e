import http, { type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import promClient from 'prom-client'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createPool, Pool } from '../index.js'
import { parseExposition } from '../metrics/__fixtures__/exposition.js'
import { FakeClock, flushMicrotasks } from '../testing/index.js'
import { METRICS, metricsHandler, registerPrometheusMetrics, TIME_BUCKETS_SECONDS } from './index.js'

const POOL = 'db_client_connection_pool_name'

describe('registerPrometheusMetrics', () => {
  const cleanup: (() => unknown)[] = []
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step()
  })

  function pool(name: string, config: Record<string, unknown> = {}, clock?: FakeClock): Pool<object> {
    const p = createPool(
      { create: async () => ({}), destroy: () => {} },
      { name, timingSampleEvery: 1, ...config },
      { logger: false, ...(clock ? { clock } : {}) },
    )
    cleanup.push(() => p.close())
    return p
  }

  function registry() {
    const register = new promClient.Registry()
    const metrics = registerPrometheusMetrics({ register })
    cleanup.push(() => metrics.stop())
    return { register, metrics, scrape: async () => parseExposition(await register.metrics()) }
  }

  it('publishes every metric under its Prometheus name and type, with exact values in seconds', async () => {
    const { scrape } = registry()
    const clock = new FakeClock()
    const p = pool('orders', { max: 2, min: 1, acquireTimeoutMs: 100 }, clock)
    const a = await p.acquire()
    const b = await p.acquire()
    const waiting = p.acquire()
    await flushMicrotasks()
    let s = await scrape()
    const orders = { [POOL]: 'orders' }
    expect(s.value('db_client_connection_count', { ...orders, db_client_connection_state: 'used' })).toBe(2)
    expect(s.value('db_client_connection_count', { ...orders, db_client_connection_state: 'idle' })).toBe(0)
    expect(s.value('db_client_connection_pending_requests', orders)).toBe(1)
    expect(s.value('db_client_connection_limit', orders)).toBe(2)
    expect(s.value('db_client_connection_idle_min', orders)).toBe(1)
    expect(s.value('db_client_connection_idle_max', orders)).toBe(2)
    expect(s.value('db_client_connection_max', orders)).toBeUndefined() // only by option

    await clock.advance(40)
    p.release(a) // the waiting caller waited 40 ms; `a` was held 40 ms
    p.release(await waiting)
    p.release(b) // held 40 ms
    s = await scrape()
    for (const metric of Object.values(METRICS)) {
      if (metric.optional === true) continue
      const type = metric.kind === 'updowncounter' ? 'gauge' : metric.kind
      expect(s.types.get(metric.prometheus), metric.prometheus).toBe(type)
    }
    expect(s.value('db_client_connection_wait_time_count', orders)).toBe(3)
    expect(s.value('db_client_connection_wait_time_sum', orders)).toBeCloseTo(0.04, 6)
    expect(s.value('db_client_connection_wait_time_bucket', { ...orders, le: '0.0001' })).toBe(2) // two immediate
    expect(s.value('db_client_connection_wait_time_bucket', { ...orders, le: '0.05' })).toBe(3)
    expect(s.value('db_client_connection_wait_time_bucket', { ...orders, le: '+Inf' })).toBe(3)
    expect(s.value('db_client_connection_use_time_count', orders)).toBe(3)
    expect(s.value('db_client_connection_use_time_sum', orders)).toBeCloseTo(0.08, 6)
    expect(s.value('db_client_connection_create_time_count', orders)).toBe(2)
    const buckets = s.samples.filter((x) => x.name === 'db_client_connection_use_time_bucket')
    expect(buckets.map((x) => x.labels.le)).toEqual([...TIME_BUCKETS_SECONDS.map(String), '+Inf'])
    expect(s.value('pools_connection_acquires_total', orders)).toBe(3)
    expect(s.value('pools_connection_created_total', orders)).toBe(2)
    expect(s.value('pools_connection_destroyed_total', { ...orders, pools_destroy_reason: 'idle-timeout' })).toBe(0)
    expect(s.value('db_client_connection_timeouts_total', orders)).toBe(0)
  })

  it('registering twice, two registries, two pools: nothing throws and nothing is counted twice', async () => {
    const { register, scrape } = registry()
    const again = registerPrometheusMetrics({ register })
    expect(again.conflicts).toEqual([])
    const other = registry()
    pool('one')
    const two = pool('two')
    await two.use(async () => {})
    const s = await scrape()
    expect(s.value('pools_connection_acquires_total', { [POOL]: 'two' })).toBe(1)
    expect(s.value('db_client_connection_limit', { [POOL]: 'one' })).toBe(10)
    expect((await other.scrape()).value('pools_connection_acquires_total', { [POOL]: 'two' })).toBe(1)
    again.stop()
    expect((await scrape()).value('pools_connection_acquires_total', { [POOL]: 'two' })).toBe(1) // one handle left
  })

  it('stop() removes its metrics from the registry and leaves the others alone', async () => {
    const register = new promClient.Registry()
    const mine = new promClient.Counter({ name: 'app_requests_total', help: 'app', registers: [register] })
    mine.inc()
    const metrics = registerPrometheusMetrics({ register, connectionMaxMetric: true })
    pool('gone', { max: 4 })
    expect(parseExposition(await register.metrics()).value('db_client_connection_max', { [POOL]: 'gone' })).toBe(4)
    metrics.stop()
    metrics.stop()
    const s = parseExposition(await register.metrics())
    expect([...s.names()]).toEqual(['app_requests_total'])
  })

  it('a name someone else registered is left out and reported, not thrown', async () => {
    const register = new promClient.Registry()
    new promClient.Gauge({ name: 'db_client_connection_count', help: 'not ours', registers: [register] })
    const metrics = registerPrometheusMetrics({ register })
    cleanup.push(() => metrics.stop())
    expect(metrics.conflicts).toEqual(['db_client_connection_count'])
    pool('p')
    const s = parseExposition(await register.metrics())
    expect(s.value('db_client_connection_limit', { [POOL]: 'p' })).toBe(10)
  })

  it("defaults to prom-client's global registry", async () => {
    const metrics = registerPrometheusMetrics()
    cleanup.push(() => metrics.stop())
    expect(metrics.register).toBe(promClient.register)
    pool('global')
    const s = parseExposition(await promClient.register.metrics())
    expect(s.value('db_client_connection_limit', { [POOL]: 'global' })).toBe(10)
  })

  it('OpenMetrics output keeps the counter names', async () => {
    const register = new promClient.Registry()
    register.setContentType(promClient.Registry.OPENMETRICS_CONTENT_TYPE as never)
    const metrics = registerPrometheusMetrics({ register })
    cleanup.push(() => metrics.stop())
    await pool('om').use(async () => {})
    const text = await register.metrics()
    expect(text).toContain('# TYPE pools_connection_acquires counter')
    expect(text).toContain('pools_connection_acquires_total{db_client_connection_pool_name="om"} 1')
  })

  it('registers no observer on any pool: a loan costs nothing more', async () => {
    const observe = vi.spyOn(Pool.prototype, 'observe')
    try {
      const { scrape } = registry()
      const p = pool('quiet')
      await p.use(async () => {})
      expect((await scrape()).value('pools_connection_acquires_total', { [POOL]: 'quiet' })).toBe(1)
      expect(observe).not.toHaveBeenCalled()
    } finally {
      observe.mockRestore()
    }
  })

  it('rejects a register that is not a prom-client registry', () => {
    const check = (run: () => unknown) => expect(run).toThrow(expect.objectContaining({ code: 'POOL_CONFIG_INVALID' }))
    check(() => registerPrometheusMetrics({ register: {} as never }))
    check(() => registerPrometheusMetrics(null as never))
    check(() => metricsHandler({} as never))
  })
})

describe('metricsHandler', () => {
  let server: Server | undefined
  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined))
    server = undefined
  })

  async function serve(handler: http.RequestListener): Promise<string> {
    server = http.createServer(handler)
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  it('answers GET with the registry in the Prometheus text format, 405 otherwise, 500 on a failing scrape', async () => {
    const register = new promClient.Registry()
    const metrics = registerPrometheusMetrics({ register })
    const p = createPool({ create: async () => ({}), destroy: () => {} }, { name: 'http' }, { logger: false })
    try {
      const url = await serve(metricsHandler(register))
      const response = await fetch(`${url}/metrics`)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe(register.contentType)
      expect(parseExposition(await response.text()).value('db_client_connection_limit', { [POOL]: 'http' })).toBe(10)
      expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405)

      new promClient.Gauge({
        name: 'broken',
        help: 'throws at scrape',
        registers: [register],
        collect() {
          throw new Error('postgres://u:secret@h/db unreachable')
        },
      })
      const failed = await fetch(`${url}/metrics`)
      expect(failed.status).toBe(500)
      expect(await failed.text()).toBe('metrics failed: Error\n') // the error's message may hold anything
    } finally {
      metrics.stop()
      await p.close()
    }
  })
})
