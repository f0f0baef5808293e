/**
 * `@pools/core/config-file`: named pools in `pools.config.{ts,mts,js,mjs,cjs,json,yaml}` or
 * `.poolsrc`, with presets, driver settings, environment profiles and `${ENV}` interpolation.
 * A separate entry point so `@pools/core` itself never loads the file loader (c12, jiti).
 *
 * @example
 * ```ts
 * import { resolvePool } from '@pools/core/config-file'
 * const { config, connection } = await resolvePool('primary')
 * ```
 * @module
 */
export {
  defineConfig,
  type PoolConnectionInput,
  type PoolDriverName,
  type PoolEntryInput,
  type PoolsConfigInput,
  type PoolsProfileInput,
} from './define-config.js'
export { CONFIG_FILE_EXTENSIONS, type FoundConfigFiles, findConfigFiles, RC_FILE } from './find-config-file.js'
export type { EnvRecord } from './interpolate.js'
export { poolsConfigJsonSchema } from './json-schema.js'
export {
  type LoadedPoolsConfig,
  type LoadPoolsConfigOptions,
  loadPoolsConfig,
  type ProfileSource,
  resolvePool,
} from './load-pools-config.js'
export { mergeReplacingArrays } from './merge.js'
export { isSecretKey, REDACTED, redactConnection, redactUrl } from './redact.js'
export type { PoolConnection, ResolvedPool } from './resolve-pool-entry.js'
