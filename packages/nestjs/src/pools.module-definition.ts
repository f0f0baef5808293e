import { ConfigurableModuleBuilder } from '@nestjs/common'
import type { PoolsModuleExtras, PoolsModuleOptions } from './pools.interfaces.js'

/**
 * The module definition, from Nest's `ConfigurableModuleBuilder`: `forRoot` / `forRootAsync`, the
 * options token, and the extras `isGlobal` and `provide`.
 */
export const {
  ConfigurableModuleClass: ConfigurablePoolsModule,
  MODULE_OPTIONS_TOKEN: POOLS_MODULE_OPTIONS,
  OPTIONS_TYPE: POOLS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: POOLS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<PoolsModuleOptions>({ moduleName: 'Pools' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createPoolsOptions')
  .setExtras<PoolsModuleExtras>({ isGlobal: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal === true,
  }))
  .build()
