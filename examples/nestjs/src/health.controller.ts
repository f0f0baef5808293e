import { Controller, Get } from '@nestjs/common'
import { HealthCheck, HealthCheckService } from '@nestjs/terminus'
import { PoolsHealthIndicator } from '@pools/nestjs/health'

/** Kubernetes probes: readiness checks the pools, liveness only that the process answers. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly pools: PoolsHealthIndicator,
  ) {}

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.pools.isHealthy('database')])
  }

  @Get('live')
  live() {
    return { status: 'ok' }
  }
}
