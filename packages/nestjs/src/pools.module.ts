import { type DynamicModule, Module, type Provider } from '@nestjs/common'
import { HttpAdapterHost } from '@nestjs/core'
import { PoolError } from '@pools/core'
import { CLIENT_KINDS, type ClientKind, getClientToken, getPoolToken, POOLS_REGISTRY } from './pools.constants.js'
import type { PoolsModuleOptions, PoolsProvideMap } from './pools.interfaces.js'
import {
  ConfigurablePoolsModule,
  type POOLS_ASYNC_OPTIONS_TYPE,
  POOLS_MODULE_OPTIONS,
  type POOLS_OPTIONS_TYPE,
} from './pools.module-definition.js'
import { declaredClients, PoolsRegistry, poolSources } from './pools.registry.js'

function provideMap(provide: PoolsProvideMap | undefined): Map<string, ClientKind[]> {
  const map = new Map<string, ClientKind[]>()
  if (provide === undefined) return map.set('default', [])
  if (Array.isArray(provide)) {
    for (const name of provide as readonly string[]) map.set(name, [])
    return map
  }
  for (const [name, kinds] of Object.entries(provide as Record<string, readonly ClientKind[]>)) {
    for (const kind of kinds) {
      if (!CLIENT_KINDS.includes(kind)) {
        throw new PoolError(
          'POOL_CONFIG_INVALID',
          `@pools/nestjs: provide.${name}: unknown client "${String(kind)}" (expected ${CLIENT_KINDS.join(', ')})`,
        )
      }
    }
    map.set(name, [...kinds])
  }
  return map
}

function withProviders(base: DynamicModule, names: Map<string, ClientKind[]>): DynamicModule {
  const providers: Provider[] = [
    {
      provide: POOLS_REGISTRY,
      useFactory: (options: PoolsModuleOptions, host?: HttpAdapterHost) =>
        new PoolsRegistry(options, () => host?.httpAdapter?.getHttpServer()),
      inject: [POOLS_MODULE_OPTIONS, { token: HttpAdapterHost, optional: true }],
    },
  ]
  const tokens: string[] = []
  for (const [name, kinds] of names) {
    const token = getPoolToken(name)
    tokens.push(token)
    providers.push({
      provide: token,
      useFactory: async (registry: PoolsRegistry) => (await registry.get(name)).pool,
      inject: [POOLS_REGISTRY],
    })
    for (const kind of kinds) {
      const clientToken = getClientToken(kind, name)
      tokens.push(clientToken)
      providers.push({
        provide: clientToken,
        useFactory: (registry: PoolsRegistry) => registry.client(kind, name),
        inject: [POOLS_REGISTRY],
      })
    }
  }
  return {
    ...base,
    providers: [...(base.providers ?? []), ...providers],
    exports: [...(base.exports ?? []), POOLS_REGISTRY, ...tokens],
  }
}

/**
 * The Nest module of @pools: named pools (pg, mysql2, ioredis), ORM clients on them (Drizzle, Knex),
 * the registry the health indicator reads, and a graceful shutdown. Register it once per app.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     PoolsModule.forRoot({
 *       isGlobal: true,
 *       pools: {
 *         primary: { url: process.env.DATABASE_URL, pools: 'web', drizzle: { schema } },
 *         replica: { url: process.env.REPLICA_URL, pools: { max: 5 } },
 *       },
 *       shutdown: { graceMs: 15_000 },
 *     }),
 *   ],
 * })
 * export class AppModule {}
 * ```
 */
@Module({})
export class PoolsModule extends ConfigurablePoolsModule {
  /**
   * Register pools from options known now.
   *
   * @example
   * ```ts
   * PoolsModule.forRoot({ pool: process.env.DATABASE_URL! }) // @InjectPool() gets it
   * ```
   */
  static override forRoot(options: typeof POOLS_OPTIONS_TYPE): DynamicModule {
    const sources = poolSources(options)
    const names = new Map<string, ClientKind[]>()
    for (const [name, source] of Object.entries(sources)) names.set(name, declaredClients(source))
    return withProviders(ConfigurablePoolsModule.forRoot(options), names)
  }

  /**
   * Register pools from options a provider makes (`useFactory` + `inject`, `useClass`, `useExisting`,
   * with `imports`). Name the pools (and their clients) in `provide`; default one pool, `'default'`.
   *
   * @example
   * ```ts
   * PoolsModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   provide: { primary: ['drizzle'], replica: [] },
   *   useFactory: (config: ConfigService) => ({
   *     pools: { primary: { url: config.get('DATABASE_URL'), drizzle: true }, replica: config.get('REPLICA_URL') },
   *   }),
   * })
   * ```
   */
  static override forRootAsync(options: typeof POOLS_ASYNC_OPTIONS_TYPE): DynamicModule {
    return withProviders(ConfigurablePoolsModule.forRootAsync(options), provideMap(options.provide))
  }
}
