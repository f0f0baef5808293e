import { readFileSync } from 'node:fs'
import { Module } from 'node:module'
import path from 'node:path'

/**
 * One loaded copy of `pg`: where it is and which version.
 *
 * @example
 * ```ts
 * const copy: PgCopy = { path: '/app/node_modules/pg', version: '8.23.1', ownsPool: true }
 * ```
 */
export interface PgCopy {
  /** The folder of the `pg` package. */
  path: string
  version: string
  /** Whether the pool given is an instance of this copy's `Pool`. */
  ownsPool: boolean
}

const PG_ENTRY = /[\\/]pg[\\/]lib[\\/]index\.js$/

/**
 * Every copy of `pg` loaded in this process (both ES-module imports and `require` of `pg` go through
 * Node's CommonJS cache, since `pg` is a CommonJS package), and whether `pool` belongs to each.
 *
 * @example
 * ```ts
 * for (const copy of loadedPgCopies(pool)) console.log(copy.version, copy.path, copy.ownsPool)
 * ```
 */
export function loadedPgCopies(pool: object): PgCopy[] {
  const cache = (Module as unknown as { _cache?: Record<string, { exports?: { Pool?: unknown } } | undefined> })._cache
  if (cache === undefined) return []
  const copies: PgCopy[] = []
  for (const [file, entry] of Object.entries(cache)) {
    if (!PG_ENTRY.test(file)) continue
    const folder = path.dirname(path.dirname(file))
    const PoolClass = entry?.exports?.Pool
    copies.push({
      path: folder,
      version: versionAt(folder),
      ownsPool: typeof PoolClass === 'function' && pool instanceof PoolClass,
    })
  }
  return copies
}

function versionAt(folder: string): string {
  try {
    const { version } = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')) as { version?: unknown }
    return typeof version === 'string' ? version : 'unknown version'
  } catch {
    return 'unknown version'
  }
}
