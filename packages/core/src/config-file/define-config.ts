// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} in plain strings is the interpolation syntax of config files
import type { PoolOptions as PoolConfigInput, PresetName } from '../index.js'

/** The drivers a pool's connection can name; inferred from the URL scheme when `url` is given. */
export type PoolDriverName = 'pg' | 'mysql2' | 'ioredis'

/**
 * Where one pool connects: kept apart from the pool options, since only the driver reads it.
 * Give a `url` or discrete settings; with both, the driver decides which wins (pg: the URL).
 * Keys not listed here are passed to the driver unchanged (`application_name`, `charset`, ...).
 */
export interface PoolConnectionInput {
  /** Which driver the settings are for. Default: from the URL scheme (`postgres:` = pg, `mysql:` = mysql2). */
  driver?: PoolDriverName
  /**
   * Connection URL, usually `${DATABASE_URL}`. Pool parameters in it (`connection_limit`, `max`,
   * `pool.idleTimeoutMs`, ...) become pool options and are removed before the driver sees the URL.
   */
  url?: string
  host?: string
  port?: number
  user?: string
  /** Keep it out of the file: `password: '${DB_PASSWORD}'`. */
  password?: string
  database?: string
  /** TLS settings as the driver takes them (`true`, `{ rejectUnauthorized: false }`, ...). */
  ssl?: unknown
  [driverOption: string]: unknown
}

/** One named pool in the file: a preset, where to connect, and any pool option of the one schema. */
export interface PoolEntryInput extends PoolConfigInput {
  /** Start from a built-in preset (`'web'`, `'serverless'`, ...); the other keys override it. */
  extends?: PresetName
  /** A connection URL, or driver settings. */
  connection?: string | PoolConnectionInput
}

/** What a profile (`$production`, `$env.staging`, ...) may change: any key of any pool. */
export interface PoolsProfileInput {
  pools?: Record<string, Partial<PoolEntryInput>>
}

/**
 * The shape of `pools.config.{ts,mts,js,mjs,cjs,json,yaml}` and `.poolsrc`.
 * Profiles are merged over the base when selected by `POOLS_ENV` (then `NODE_ENV`); arrays replace.
 */
export interface PoolsConfigInput extends PoolsProfileInput {
  /** JSON Schema reference for editor completion (`./node_modules/@pools/core/pools-config.schema.json`). */
  $schema?: string
  pools: Record<string, PoolEntryInput>
  /** Overrides applied when the profile is `development`. */
  $development?: PoolsProfileInput
  /** Overrides applied when the profile is `test`. */
  $test?: PoolsProfileInput
  /** Overrides applied when the profile is `production`. */
  $production?: PoolsProfileInput
  /** Overrides for any other profile name: `$env: { staging: { ... } }`. */
  $env?: Record<string, PoolsProfileInput>
}

/**
 * Type-checks a `pools.config.ts` and gives completion; returns its argument unchanged.
 *
 * @example
 * ```ts
 * // pools.config.ts
 * import { defineConfig } from '@pools/core/config-file'
 *
 * export default defineConfig({
 *   pools: {
 *     primary: { extends: 'web', connection: '${DATABASE_URL}', max: 20 },
 *     replica: { extends: 'web', connection: { url: '${REPLICA_URL}' } },
 *   },
 *   $production: { pools: { primary: { max: 40 } } },
 *   $env: { staging: { pools: { primary: { max: 10 } } } },
 * })
 * ```
 */
export function defineConfig<const T extends PoolsConfigInput>(config: T): T {
  return config
}
