/**
 * The one @pools configuration: schema, parsing, presets, URL parameters and JSON Schema.
 *
 * @example
 * ```ts
 * import { configFromUrl, parsePoolConfig, preset } from '@pools/core'
 * const { config, url } = configFromUrl(process.env.DATABASE_URL!)
 * const options = parsePoolConfig(preset('web', config))
 * ```
 */
export { type ConfigFromUrlResult, configFromUrl, NO_TIMEOUT_MS } from './config-from-url.js'
export { JSON_SCHEMA_DIALECT, type JsonSchema, poolConfigJsonSchema } from './json-schema.js'
export { parsePoolConfig } from './parse-pool-config.js'
export { isPresetName, type Preset, type PresetName, type Presets, preset, presetNames, presets } from './presets.js'
export {
  type HealthConfig,
  healthSchema,
  type PoolConfig,
  type PoolConfigInput,
  poolConfigSchema,
  type RetryConfig,
  retrySchema,
} from './schema.js'
