/**
 * The Terminus indicator of @pools/nestjs in a real Nest app over HTTP: readiness `up` on a working
 * pool, `down` (503) when PostgreSQL becomes unreachable (a TCP fault proxy between pool and server
 * stops listening and resets its connections), and `up` again once it is back; liveness never touches
 * the database and stays 200 throughout. Also `degraded` (HTTP 200) on a saturated pool.
 */
import { Controller, Get, Inject, Module } from '@nestjs/common'
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus'
import type { Pool as PgPool } from '@pools/core/pg'
import { PoolsModule } from '@pools/nestjs'
import { PoolsHealthIndicator } from '@pools/nestjs/health'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createTcpProxy, type TcpProxy } from '../fault/tcp-proxy.js'
import { describeWithPostgres, type TestDatabase, usePostgres, waitForPgConnections } from '../harness/index.js'
import { type RunningApp, startApp, until } from './support.js'

@Controller('health')
class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(PoolsHealthIndicator) private readonly pools: PoolsHealthIndicator,
  ) {}

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.pools.isHealthy('pools', { pingTimeoutMs: 1_000 })])
  }

  @Get('live')
  live() {
    return { status: 'ok' }
  }
}

interface HealthBody {
  status: string
  info?: Record<string, { status: string; pools: Record<string, Record<string, unknown>> }>
  error?: Record<string, { status: string; pools: Record<string, Record<string, unknown>> }>
  details: Record<string, { status: string; pools: Record<string, Record<string, unknown>> }>
}

describeWithPostgres('PoolsHealthIndicator', () => {
  let db: TestDatabase
  let proxy: TcpProxy
  let running: RunningApp
  let secret = 'proxy-secret-pw'

  beforeAll(async () => {
    db = await usePostgres()
    // Any password passes trust auth; embedded PostgreSQL checks it, so there the real one is the secret.
    secret = db.config.password || 'proxy-secret-pw'
    proxy = await createTcpProxy({ target: { host: db.config.host, port: db.config.port } })
    @Module({
      imports: [
        TerminusModule,
        PoolsModule.forRoot({
          pools: {
            primary: {
              connection: { ...db.config, host: proxy.host, port: proxy.port, password: secret },
              pools: {
                max: 4,
                createTimeoutMs: 1_000,
                retry: { initialDelayMs: 20, maxDelayMs: 100 },
                health: { windowMs: 1_000 },
              },
            },
            direct: db.url,
          },
          shutdown: { graceMs: 1_000 },
        }),
      ],
      controllers: [HealthController],
      providers: [PoolsHealthIndicator],
    })
    class AppModule {}
    running = await startApp(AppModule)
  })

  afterAll(async () => {
    await running?.close()
    await proxy?.close()
    await waitForPgConnections(db.name, 0)
  })

  it('up → down when the server is unreachable → up again; liveness stays 200 and never borrows', async () => {
    const first = await running.get('/health/ready')
    expect(first.status).toBe(200)
    const body = first.body as HealthBody
    expect(body.status).toBe('ok')
    expect(body.details.pools?.status).toBe('up')
    const primary = body.details.pools?.pools.primary
    expect(primary).toMatchObject({ status: 'up', driver: 'pg', state: 'running', max: 4, leakSuspects: 0 })
    for (const key of ['total', 'idle', 'borrowed', 'pending', 'saturation', 'acquireWaitP95Ms', 'recentTimeouts']) {
      expect(typeof primary?.[key]).toBe('number')
    }
    expect(body.details.pools?.pools.direct).toMatchObject({ status: 'up' })

    await proxy.refuse()
    proxy.resetAll()
    let down: { status: number; body: unknown } | undefined
    await until(async () => {
      down = await running.get('/health/ready')
      return down.status === 503
    })
    const downBody = down?.body as HealthBody
    expect(downBody.status).toBe('error')
    expect(downBody.error?.pools?.pools.primary?.status).toBe('down')
    expect(downBody.details.pools?.pools.direct?.status).toBe('up')
    expect(JSON.stringify(downBody)).not.toContain(secret)

    const primaryPool = running.app.get<PgPool>('@pools/nestjs:pool:primary')
    const acquiresBefore = primaryPool.pools.stats().counters.acquired
    for (let i = 0; i < 5; i++)
      expect(await running.get('/health/live')).toEqual({ status: 200, body: { status: 'ok' } })
    expect(primaryPool.pools.stats().counters.acquired).toBe(acquiresBefore)

    await proxy.reopen()
    // Back to 200 as soon as a ping passes (degraded while the failed creates are in the 1 s window), then up.
    await until(async () => (await running.get('/health/ready')).status === 200, 15_000, 100)
    await until(
      async () => {
        const back = (await running.get('/health/ready')).body as HealthBody
        return back.status === 'ok' && back.details.pools?.pools.primary?.status === 'up'
      },
      15_000,
      100,
    )
  })

  it('a saturated pool is degraded: Terminus answers 200 with status degraded for the key', async () => {
    const direct = running.app.get<PgPool>('@pools/nestjs:pool:direct')
    const engine = direct.pools
    const held = await Promise.all(Array.from({ length: engine.max }, () => engine.acquire()))
    try {
      const response = await running.get('/health/ready')
      expect(response.status).toBe(200)
      const body = response.body as HealthBody
      expect(body.details.pools?.status).toBe('degraded')
      expect(body.details.pools?.pools.direct).toMatchObject({ status: 'degraded', saturation: 1 })
    } finally {
      for (const client of held) engine.release(client)
    }
  })
})
