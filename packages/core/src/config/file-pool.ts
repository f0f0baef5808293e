import type { PoolConfig, PoolOptions } from './pool-options.js'

/**
 * Marks a pool resolved from a config file (`resolvePool('primary')` of `@pools/core/config-file`),
 * so drop-ins and framework helpers recognise one without loading the file loader.
 */
export const FILE_POOL: unique symbol = Symbol.for('@pools/core.filePool') as never

/**
 * The slice of a config file's pool (`ResolvedPool` of `@pools/core/config-file`) that drop-ins read:
 * its resolved options and where to connect.
 */
export interface FilePool {
  readonly name: string
  readonly config: PoolConfig
  readonly connection: {
    readonly driver: 'pg' | 'mysql2' | 'ioredis' | undefined
    readonly url?: string
    readonly [setting: string]: unknown
  }
}

/**
 * Whether `value` is a pool from a config file, as `resolvePool(name)` of `@pools/core/config-file`
 * returns it (recognised by its mark, so it works across two copies of the package).
 *
 * @example
 * ```ts
 * import { isFilePool } from '@pools/core'
 * import { resolvePool } from '@pools/core/config-file'
 * isFilePool(await resolvePool('primary')) // true
 * ```
 */
export function isFilePool(value: unknown): value is FilePool {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[FILE_POOL] === true
}

/**
 * The driver settings of a config file's pool as plain, enumerable options: `url` renamed to
 * `urlKey` (`connectionString` for pg, `uri` for mysql2), every other setting as written.
 *
 * @example
 * ```ts
 * const settings = filePoolSettings(pool, 'connectionString') // { connectionString: 'postgres://…' }
 * ```
 */
export function filePoolSettings(pool: FilePool, urlKey: string): Record<string, unknown> {
  const settings: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(pool.connection)) {
    if (value === undefined) continue
    settings[key === 'url' ? urlKey : key] = value
  }
  return settings
}

function withoutUnbounded(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUnbounded)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'number' && !Number.isFinite(item)) continue
    out[key] = withoutUnbounded(item)
  }
  return out
}

/**
 * A config file's resolved options as engine options again (what `pools: { ... }` takes): unbounded
 * values (`maxPending`, `maxIdle` as `Infinity`) are left out, as in the file, so they stay unbounded.
 *
 * @example
 * ```ts
 * const engine = createPool(driver, filePoolOptions(await resolvePool('primary')))
 * ```
 */
export function filePoolOptions(pool: FilePool): PoolOptions {
  return withoutUnbounded(pool.config) as PoolOptions
}
