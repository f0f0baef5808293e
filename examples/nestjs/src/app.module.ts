import { Module } from '@nestjs/common'
import { TerminusModule } from '@nestjs/terminus'
import { PoolsModule } from '@pools/nestjs'
import { PoolsHealthIndicator } from '@pools/nestjs/health'
import { HealthController } from './health.controller.js'
import { OrdersController } from './orders.controller.js'

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

@Module({
  imports: [
    TerminusModule,
    PoolsModule.forRoot({
      isGlobal: true,
      pools: {
        primary: { url, pools: { max: 10 }, drizzle: true },
        replica: { url, pools: 'web' },
      },
      shutdown: { graceMs: 10_000 },
    }),
  ],
  controllers: [OrdersController, HealthController],
  providers: [PoolsHealthIndicator],
})
export class AppModule {}
