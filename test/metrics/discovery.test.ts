/**
 * Pools made by the other drop-ins (mysql2 on the real MariaDB/MySQL, generic-pool) after the
 * exporters started are found through the diagnostics channel, without a reference to them: the same
 * way a pool created inside a framework module is found.
 */

import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics'
import genericPool from '@pools/core/generic-pool'
import { createPool as createMysqlPool } from '@pools/core/mysql2'
import { type OtelMetrics, registerOtelMetrics } from '@pools/core/otel'
import { type PrometheusMetrics, registerPrometheusMetrics } from '@pools/core/prometheus'
import promClient from 'prom-client'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { parseExposition } from '../../packages/core/src/metrics/__fixtures__/exposition.js'
import { describeWithMysql, type MysqlDatabase, useMysql } from '../harness/index.js'
import { uniqueName } from '../pg/helpers.js'

class Reader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

describeWithMysql('exporters find pools made by every drop-in', () => {
  let db: MysqlDatabase
  let prometheus: PrometheusMetrics
  let otel: OtelMetrics
  const register = new promClient.Registry()
  const reader = new Reader()
  const provider = new MeterProvider({ readers: [reader] })

  beforeAll(async () => {
    db = await useMysql()
    prometheus = registerPrometheusMetrics({ register })
    otel = registerOtelMetrics({ meterProvider: provider })
  })

  afterAll(async () => {
    otel?.stop()
    prometheus?.stop()
    await provider.shutdown()
  })

  it('a mysql2 pool and a generic-pool pool created later show up with their names and exact counts', async () => {
    const mysqlName = uniqueName('mysql')
    const genericName = uniqueName('generic')
    const mysql = createMysqlPool({ ...db.config, connectionLimit: 2, pools: { name: mysqlName } }).promise()
    const generic = genericPool.createPool(
      { create: async () => ({}), destroy: async () => {} },
      { max: 4, pools: { name: genericName } },
    )
    try {
      for (let i = 0; i < 5; i++) await mysql.query('SELECT 1')
      const resource = await generic.acquire()
      await generic.release(resource)

      const s = parseExposition(await register.metrics())
      const mysqlLabels = { db_client_connection_pool_name: mysqlName }
      expect(s.value('db_client_connection_limit', mysqlLabels)).toBe(2)
      expect(s.value('pools_connection_acquires_total', mysqlLabels)).toBe(5)
      expect(s.value('db_client_connection_limit', { db_client_connection_pool_name: genericName })).toBe(4)
      expect(s.value('pools_connection_acquires_total', { db_client_connection_pool_name: genericName })).toBe(1)

      const { resourceMetrics } = await reader.collect()
      const acquires = resourceMetrics.scopeMetrics
        .flatMap((scope) => scope.metrics)
        .find((m) => m.descriptor.name === 'pools.connection.acquires')
      const of = (name: string) =>
        acquires?.dataPoints.find((p) => p.attributes['db.client.connection.pool.name'] === name)?.value
      expect(of(mysqlName)).toBe(5)
      expect(of(genericName)).toBe(1)
    } finally {
      await mysql.end()
      await generic.drain()
      await generic.clear()
    }
  })
})
