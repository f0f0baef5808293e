/**
 * The one @pools configuration: options, parsing, presets, option tables per dialect, URL
 * parameters and JSON Schema.
 *
 * @example
 * ```ts
 * import { configFromUrl, parsePoolConfig } from '@pools/core'
 * const { config, url } = configFromUrl(process.env.DATABASE_URL!)
 * const options = parsePoolConfig({ preset: 'web', ...config })
 * ```
 */
export { type ConfigFromUrlResult, configFromUrl } from './config-from-url.js'
export {
  type DialectId,
  genericPoolDialect,
  knexDialect,
  mysql2Dialect,
  mysqlUrlDialect,
  type OptionDialect,
  type OptionMapping,
  type OptionPath,
  type OptionTarget,
  optionDialects,
  pgDialect,
  postgresUrlDialect,
  type SourceUnit,
  typeormDialect,
  type ValueReading,
  type ZeroMeaning,
} from './dialects.js'
export { FILE_POOL, type FilePool, filePoolOptions, filePoolSettings, isFilePool } from './file-pool.js'
export { JSON_SCHEMA_DIALECT, type JsonSchema, poolConfigJsonSchema } from './json-schema.js'
export { MAX_PENDING_LIMIT, MAX_POOL_SIZE, MAX_TIMER_MS, NO_TIMEOUT_MS } from './limits.js'
export { parsePoolConfig } from './parse-pool-config.js'
export type {
  HealthConfig,
  HealthOptions,
  LeakCaptureStack,
  PoolConfig,
  PoolConfigInput,
  PoolOptions,
  RetryConfig,
  RetryOptions,
} from './pool-options.js'
export { isPresetName, type Preset, type PresetName, type Presets, preset, presetNames, presets } from './presets.js'
export { mergeOptionLayers, type OptionLayers, translateOptions } from './translate.js'
