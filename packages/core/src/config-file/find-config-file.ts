import { existsSync, statSync } from 'node:fs'
import path from 'node:path'

/** Extensions of `pools.config.*`, in the order c12 tries them. */
export const CONFIG_FILE_EXTENSIONS = [
  '.js',
  '.ts',
  '.mjs',
  '.cjs',
  '.mts',
  '.cts',
  '.json',
  '.jsonc',
  '.json5',
  '.yaml',
  '.yml',
  '.toml',
] as const

/** The rc file: `key=value` lines with dotted keys (`pools.primary.max=20`), read by rc9. */
export const RC_FILE = '.poolsrc'

/** What {@link findConfigFiles} found in the nearest folder that has any. */
export interface FoundConfigFiles {
  /** The folder that holds them. */
  dir: string
  /** `pools.config.*` in that folder, when there is one. */
  configFile: string | undefined
  /** `.poolsrc` in that folder, when there is one. */
  rcFile: string | undefined
  /** Every `pools.config.*` in that folder (more than one is an error the loader reports). */
  candidates: string[]
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile()
  } catch {
    return false
  }
}

/**
 * Look for `pools.config.*` or `.poolsrc` in `cwd`, then in each parent folder up to the root;
 * the first folder that has either wins. Returns `undefined` when no folder has one.
 */
export function findConfigFiles(cwd: string): FoundConfigFiles | undefined {
  let dir = path.resolve(cwd)
  for (;;) {
    if (existsSync(dir)) {
      const candidates = CONFIG_FILE_EXTENSIONS.map((ext) => path.join(dir, `pools.config${ext}`)).filter(isFile)
      const rc = path.join(dir, RC_FILE)
      const rcFile = isFile(rc) ? rc : undefined
      if (candidates.length > 0 || rcFile) return { dir, configFile: candidates[0], rcFile, candidates }
    }
    const parent = path.dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}
