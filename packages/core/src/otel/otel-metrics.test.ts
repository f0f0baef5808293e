import type { MeterProvider as ApiMeterProvider } from '@opentelemetry/api'
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  MeterProvider,
  type MetricData,
  MetricReader,
  type SumMetricData,
} from '@opentelemetry/sdk-metrics'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createPool, type Pool, type ResourceDriver } from '../index.js'
import { FakeClock, flushMicrotasks } from '../testing/index.js'
import { METER_NAME, METRICS, registerOtelMetrics, TIME_BUCKETS_SECONDS } from './index.js'

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE })
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
  async metrics(): Promise<Map<string, MetricData>> {
    const { resourceMetrics, errors } = await this.collect()
    expect(errors).toEqual([])
    const out = new Map<string, MetricData>()
    for (const scope of resourceMetrics.scopeMetrics) {
      expect(scope.scope.name).toBe(METER_NAME)
      for (const metric of scope.metrics) {
        expect(out.has(metric.descriptor.name)).toBe(false) // one instrument per name
        out.set(metric.descriptor.name, metric)
      }
    }
    return out
  }
}

/** The value of the data point whose attributes include `attributes`. */
function pointOf(
  metrics: Map<string, MetricData>,
  name: string,
  attributes: Record<string, string>,
): number | Histogram | undefined {
  const points = (metrics.get(name)?.dataPoints ?? []) as DataPoint<number | Histogram>[]
  const matching = points.filter((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v))
  expect(matching.length).toBeLessThanOrEqual(1)
  return matching[0]?.value
}

const driver = (): ResourceDriver<{ id: number }> => {
  let next = 0
  return { create: async () => ({ id: next++ }), destroy: () => {} }
}

describe('registerOtelMetrics', () => {
  const cleanup: (() => unknown)[] = []
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step()
    vi.restoreAllMocks()
  })

  function setup(options: { connectionMaxMetric?: boolean } = {}) {
    const reader = new TestReader()
    const provider = new MeterProvider({ readers: [reader] })
    const handle = registerOtelMetrics({ meterProvider: provider, ...options })
    cleanup.push(
      () => provider.shutdown(),
      () => handle.stop(),
    )
    return { reader, provider, handle }
  }

  function pool(name: string, config: Record<string, unknown> = {}, clock?: FakeClock): Pool<{ id: number }> {
    const p = createPool(
      driver(),
      { name, timingSampleEvery: 1, ...config },
      { logger: false, ...(clock ? { clock } : {}) },
    )
    cleanup.push(() => p.close())
    return p
  }

  it('publishes the semantic-convention instruments with their units, and exact values after a known workload', async () => {
    const { reader } = setup()
    const clock = new FakeClock()
    const p = pool('orders', { max: 3, min: 1, maxIdle: 2, acquireTimeoutMs: 300 }, clock)
    await p.ready()
    const held = [await p.acquire(), await p.acquire(), await p.acquire()]
    const waiting = p.acquire() // pending until a release
    await flushMicrotasks()
    const metrics = await reader.metrics()

    const orders = { 'db.client.connection.pool.name': 'orders' }
    expect(pointOf(metrics, 'db.client.connection.count', { ...orders, 'db.client.connection.state': 'used' })).toBe(3)
    expect(pointOf(metrics, 'db.client.connection.count', { ...orders, 'db.client.connection.state': 'idle' })).toBe(0)
    expect(pointOf(metrics, 'db.client.connection.limit', orders)).toBe(3)
    expect(pointOf(metrics, 'db.client.connection.idle.max', orders)).toBe(2)
    expect(pointOf(metrics, 'db.client.connection.idle.min', orders)).toBe(1)
    expect(pointOf(metrics, 'db.client.connection.pending_requests', orders)).toBe(1)
    expect(pointOf(metrics, 'pools.connection.created', orders)).toBe(3)
    expect(pointOf(metrics, 'pools.connection.acquires', orders)).toBe(3)

    // the waiting caller gets a connection 250 ms later; the first loan is held 400 ms
    await clock.advance(250)
    p.release(held[0]!)
    const got = await waiting
    await clock.advance(150)
    p.release(held[1]!)
    p.release(held[2]!)
    p.release(got)
    // a timeout: one caller more than max, nobody releases
    const all = [await p.acquire(), await p.acquire(), await p.acquire()]
    const late = p.acquire().then(
      () => 'acquired',
      (error: { code?: string }) => error.code,
    )
    await clock.advance(310)
    expect(await late).toBe('POOL_ACQUIRE_TIMEOUT')
    for (const r of all) p.release(r)

    const after = await reader.metrics()
    for (const metric of Object.values(METRICS)) {
      if (metric.optional) {
        expect(after.has(metric.otel)).toBe(false)
        continue
      }
      const descriptor = after.get(metric.otel)?.descriptor
      expect(descriptor, metric.otel).toBeDefined()
      expect(descriptor?.unit).toBe(metric.unit)
      expect(descriptor?.description).toBe(metric.description)
    }
    expect(pointOf(after, 'db.client.connection.timeouts', orders)).toBe(1)
    expect(pointOf(after, 'pools.connection.acquires', orders)).toBe(7)
    expect((after.get('db.client.connection.timeouts') as SumMetricData | undefined)?.isMonotonic).toBe(true)
    expect((after.get('db.client.connection.count') as SumMetricData | undefined)?.isMonotonic).toBe(false)
    const wait = pointOf(after, 'db.client.connection.wait_time', orders) as Histogram
    expect(wait.count).toBe(7) // every loan timed (timingSampleEvery: 1)
    expect(wait.sum).toBeCloseTo(0.25, 6) // seconds: one caller waited 250 ms, the others none
    expect(wait.buckets.boundaries).toEqual([...TIME_BUCKETS_SECONDS])
    const use = pointOf(after, 'db.client.connection.use_time', orders) as Histogram
    expect(use.count).toBe(7)
    expect(use.sum).toBeCloseTo(0.25 + 0.15 + 0.4 + 0.4 + 3 * 0.31, 6)
    const create = pointOf(after, 'db.client.connection.create_time', orders) as Histogram
    expect(create.count).toBe(3)
  })

  it('reads every gauge and counter from one batch callback, and stop() removes it and the observers', async () => {
    const reader = new TestReader()
    const provider = new MeterProvider({ readers: [reader] })
    cleanup.push(() => provider.shutdown())
    const meters: ReturnType<ApiMeterProvider['getMeter']>[] = []
    const spying: ApiMeterProvider = {
      getMeter: (...args) => {
        const meter = provider.getMeter(...args)
        vi.spyOn(meter, 'addBatchObservableCallback')
        vi.spyOn(meter, 'removeBatchObservableCallback')
        meters.push(meter)
        return meter
      },
    }
    const p = pool('jobs')
    await p.use(async () => {})
    const handle = registerOtelMetrics({ meterProvider: spying })
    expect(meters).toHaveLength(1)
    expect(meters[0]!.addBatchObservableCallback).toHaveBeenCalledTimes(1)
    await p.use(async () => {})
    const jobs = { 'db.client.connection.pool.name': 'jobs' }
    const metrics = await reader.metrics()
    expect(pointOf(metrics, 'pools.connection.acquires', jobs)).toBe(2) // exact: counters come from stats
    expect((pointOf(metrics, 'db.client.connection.use_time', jobs) as Histogram).count).toBe(1) // since registered

    handle.stop()
    handle.stop() // idempotent
    expect(meters[0]!.removeBatchObservableCallback).toHaveBeenCalledTimes(1)
    await p.use(async () => {})
    const after = await reader.metrics()
    expect(pointOf(after, 'pools.connection.acquires', jobs)).toBe(2) // no longer observed: the SDK keeps the last value
    expect((pointOf(after, 'db.client.connection.use_time', jobs) as Histogram).count).toBe(1) // observer gone
  })

  it('finds pools created later, keeps a closed pool in its name totals, and adds up pools with one name', async () => {
    const { reader } = setup()
    const a = pool('shared', { max: 2 })
    await a.use(async () => {})
    const b = pool('shared', { max: 3 }) // created after registering: found through the channel
    await b.use(async () => {})
    await b.use(async () => {})
    const shared = { 'db.client.connection.pool.name': 'shared' }
    let metrics = await reader.metrics()
    expect(pointOf(metrics, 'db.client.connection.limit', shared)).toBe(5)
    expect(pointOf(metrics, 'pools.connection.acquires', shared)).toBe(3)
    expect((pointOf(metrics, 'db.client.connection.wait_time', shared) as Histogram).count).toBe(3)

    await b.close()
    metrics = await reader.metrics()
    expect(pointOf(metrics, 'db.client.connection.limit', shared)).toBe(2) // gauges: open pools only
    expect(pointOf(metrics, 'pools.connection.acquires', shared)).toBe(3) // counters never go back
    expect(pointOf(metrics, 'pools.connection.destroyed', { ...shared, 'pools.destroy.reason': 'closed' })).toBe(1)

    await a.close()
    metrics = await reader.metrics()
    expect(pointOf(metrics, 'db.client.connection.limit', shared)).toBe(0) // no open pool by that name
    expect(pointOf(metrics, 'db.client.connection.count', { ...shared, 'db.client.connection.state': 'idle' })).toBe(0)
    expect(pointOf(metrics, 'pools.connection.acquires', shared)).toBe(3)
  })

  it('registering twice on one provider shares one set of instruments; the last stop() ends it', async () => {
    const { reader, provider, handle } = setup()
    const second = registerOtelMetrics({ meterProvider: provider })
    const p = pool('twice')
    await p.use(async () => {})
    const twice = { 'db.client.connection.pool.name': 'twice' }
    let metrics = await reader.metrics()
    expect(pointOf(metrics, 'pools.connection.acquires', twice)).toBe(1)
    expect((pointOf(metrics, 'db.client.connection.wait_time', twice) as Histogram).count).toBe(1) // not 2
    handle.stop()
    await p.use(async () => {})
    metrics = await reader.metrics()
    expect(pointOf(metrics, 'pools.connection.acquires', twice)).toBe(2) // the second handle still publishes
    second.stop()
    await p.use(async () => {})
    metrics = await reader.metrics()
    expect(pointOf(metrics, 'pools.connection.acquires', twice)).toBe(2) // no longer observed
    expect((pointOf(metrics, 'db.client.connection.wait_time', twice) as Histogram).count).toBe(2)
  })

  it('connectionMaxMetric adds db.client.connection.max for the older conventions', async () => {
    const { reader } = setup({ connectionMaxMetric: true })
    pool('legacy', { max: 7 })
    const metrics = await reader.metrics()
    expect(metrics.get('db.client.connection.max')?.descriptor.unit).toBe('{connection}')
    expect(pointOf(metrics, 'db.client.connection.max', { 'db.client.connection.pool.name': 'legacy' })).toBe(7)
  })

  it('never puts credentials in a label, and publishes destroys, create errors and leaks in pools.connection.*', async () => {
    const { reader } = setup()
    const secretName = 'postgres://app:hunter2-secret@db.internal:5432/orders'
    let fail = true
    const p = createPool(
      {
        create: async () => {
          if (fail) throw new Error('ECONNREFUSED')
          return {}
        },
        destroy: () => {},
      },
      {
        name: secretName,
        leakDetectionThresholdMs: 1,
        housekeepingIntervalMs: 5,
        retry: { initialDelayMs: 1, maxDelayMs: 1 },
      },
      { logger: false },
    )
    cleanup.push(() => p.close())
    const first = p.acquire({ timeoutMs: 5 }).catch(() => undefined)
    await first
    fail = false
    const held = await p.acquire()
    await new Promise((resolve) => setTimeout(resolve, 30)) // a housekeeping pass marks the leak
    p.destroy(held)
    await flushMicrotasks()
    const metrics = await reader.metrics()
    const text = JSON.stringify([...metrics.values()].map((m) => m.dataPoints.map((d) => d.attributes)))
    expect(text).not.toContain('hunter2')
    const label = { 'db.client.connection.pool.name': 'postgres://db.internal:5432/orders' }
    expect(pointOf(metrics, 'pools.connection.create_errors', label)).toBeGreaterThanOrEqual(1)
    expect(pointOf(metrics, 'pools.connection.leaks', label)).toBe(1)
    expect(pointOf(metrics, 'pools.connection.destroyed', { ...label, 'pools.destroy.reason': 'broken' })).toBe(1)
  })

  it('rejects options that are not an object', () => {
    expect(() => registerOtelMetrics(null as never)).toThrow(expect.objectContaining({ code: 'POOL_CONFIG_INVALID' }))
  })
})
