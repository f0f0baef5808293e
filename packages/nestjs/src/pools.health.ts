/**
 * `@pools/nestjs/health`: a Terminus health indicator over the module's pools. A separate entry point
 * so apps without `@nestjs/terminus` never load it.
 *
 * @example
 * ```ts
 * import { PoolsHealthIndicator } from '@pools/nestjs/health'
 *
 * @Controller('health')
 * export class HealthController {
 *   constructor(private readonly health: HealthCheckService, private readonly pools: PoolsHealthIndicator) {}
 *   @Get('ready') @HealthCheck() ready() { return this.health.check([() => this.pools.isHealthy('pools')]) }
 *   @Get('live') live() { return { status: 'ok' } } // never touches the database
 * }
 * ```
 * @module
 */
import { Inject, Injectable } from '@nestjs/common'
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus'
import { POOLS_REGISTRY } from './pools.constants.js'
import type { PoolsHealthOptions } from './pools.health-report.js'
import type { PoolHealthData } from './pools.interfaces.js'
import type { PoolsRegistry } from './pools.registry.js'

export type { PoolsHealthOptions } from './pools.health-report.js'

/**
 * Terminus indicator (on `HealthIndicatorService`) for the module's pools. The result is `down` when a
 * pool is unhealthy or its ping fails, `degraded` (Terminus's degraded: HTTP 200) when one is degraded,
 * else `up`; its data holds, per pool, status, counts, saturation, p95 acquire wait, recent timeouts,
 * leak suspects and reasons. No credential ever appears in it.
 *
 * Add it to the providers of a module that imports `TerminusModule` and sees `PoolsModule`.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [TerminusModule, PoolsModule.forRoot({ pools: { primary: process.env.DATABASE_URL! } })],
 *   controllers: [HealthController],
 *   providers: [PoolsHealthIndicator],
 * })
 * export class AppModule {}
 * ```
 */
@Injectable()
export class PoolsHealthIndicator {
  constructor(
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
    @Inject(POOLS_REGISTRY) private readonly registry: PoolsRegistry,
  ) {}

  /**
   * Check the pools (all, or `options.names`) under one key.
   *
   * @example
   * ```ts
   * this.health.check([() => this.pools.isHealthy('database', { names: ['primary', 'replica'] })])
   * ```
   */
  async isHealthy(key = 'pools', options: PoolsHealthOptions = {}): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key)
    let report: Record<string, PoolHealthData>
    try {
      report = await this.registry.report(options)
    } catch (error) {
      const message = error instanceof Error ? error.message : 'the pools could not be built'
      return indicator.down({ message })
    }
    const statuses = Object.values(report).map((p) => p.status)
    const data = { pools: report }
    if (statuses.includes('down')) return indicator.down(data)
    if (statuses.includes('degraded')) return indicator.degraded(data)
    return indicator.up(data)
  }
}
