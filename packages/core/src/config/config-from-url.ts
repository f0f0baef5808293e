import { PoolError } from '../errors/pool-error.js'
import { closestKey } from './closest-key.js'
import { mysqlUrlDialect, type OptionDialect, type OptionMapping, postgresUrlDialect } from './dialects.js'
import type { PoolOptions } from './pool-options.js'
import { isPresetName, presetNames } from './presets.js'
import { healthSchema, poolConfigSchema, retrySchema } from './schema.js'
import { OptionCollector, parseBoolean, showKey as show } from './translate.js'

export { NO_TIMEOUT_MS } from './limits.js'

const anyUrlDialect: OptionDialect = {
  ...postgresUrlDialect,
  id: 'postgres-url',
  title: 'connection URL parameters',
  // every row of both tables; a key in both (connection_limit, ...) means the same in both
  mappings: [
    ...postgresUrlDialect.mappings,
    ...mysqlUrlDialect.mappings.filter((m) => !postgresUrlDialect.mappings.some((p) => p.key === m.key)),
  ],
}

/** The table for a URL's scheme: postgres, mysql, or (any other scheme) both. */
function dialectForUrl(text: string): OptionDialect {
  const scheme = text.slice(0, Math.max(0, text.indexOf(':'))).toLowerCase()
  if (scheme === 'postgres' || scheme === 'postgresql') return postgresUrlDialect
  if (scheme === 'mysql' || scheme === 'mysqlx' || scheme === 'mariadb') return mysqlUrlDialect
  return anyUrlDialect
}

/** Prefix of our own options in a URL: `pool.max=20`, `pool.retry.maxDelayMs=5000`. */
const OWN_PREFIX = 'pool.'
const booleanKeys = new Set(['validateOnBorrow', 'validateOnRelease', 'allowExitOnIdle'])
/** Options whose value is one of a few words (or a boolean alias). */
const wordKeys: Record<string, readonly string[]> = { leakCaptureStack: ['always', 'after-first-leak', 'never'] }
const groups = { retry: retrySchema, health: healthSchema } as const
type Group = keyof typeof groups

/** The result of {@link configFromUrl}. */
export interface ConfigFromUrlResult {
  /** Pool options read from the URL (only the keys it named). */
  config: PoolOptions
  /** The URL without those parameters, for the driver. Unchanged when nothing was read. */
  url: string
}

function invalid(problems: readonly string[]): PoolError {
  return new PoolError('POOL_CONFIG_INVALID', `Invalid pool configuration in connection URL: ${problems.join('; ')}.`)
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/

function readOwnParam(name: string, raw: string): { path?: string; value?: unknown; problem?: string } {
  const parts = name.slice(OWN_PREFIX.length).split('.')
  const [first = '', second, ...rest] = parts
  const topKeys = Object.keys(poolConfigSchema.shape)
  if (!topKeys.includes(first)) {
    const hint = first ? closestKey(first, topKeys) : undefined
    return {
      problem: `unknown URL parameter ${show(name)}${hint ? ` (did you mean "${OWN_PREFIX}${hint}"?)` : ''}`,
    }
  }
  if (first === 'retry' || first === 'health') {
    const groupKeys = Object.keys(groups[first as Group].shape)
    if (second === undefined) return { problem: `URL parameter ${show(name)} is a group; use ${name}.<option>` }
    if (rest.length > 0 || !groupKeys.includes(second)) {
      const hint = second ? closestKey(second, groupKeys) : undefined
      return {
        problem: `unknown URL parameter ${show(name)}${hint ? ` (did you mean "${OWN_PREFIX}${first}.${hint}"?)` : ''}`,
      }
    }
    return readOwnValue(name, `${first}.${second}`, raw, second)
  }
  if (second !== undefined) return { problem: `unknown URL parameter ${show(name)}` }
  return readOwnValue(name, first, raw, first)
}

function readOwnValue(
  name: string,
  path: string,
  raw: string,
  key: string,
): { path?: string; value?: unknown; problem?: string } {
  if (key === 'name') return { path, value: raw }
  if (key === 'preset') {
    if (isPresetName(raw)) return { path, value: raw }
    const hint = closestKey(raw, presetNames)
    return {
      problem: `URL parameter ${show(name)} must be a preset name (${presetNames.join(', ')})${hint ? `; did you mean "${hint}"?` : ''}`,
    }
  }
  const words = wordKeys[key]
  if (words !== undefined) {
    if (words.includes(raw)) return { path, value: raw }
    const value = parseBoolean(raw)
    return value === undefined
      ? { problem: `URL parameter ${show(name)} must be one of ${words.join(', ')}, true or false` }
      : { path, value }
  }
  if (booleanKeys.has(key)) {
    const value = parseBoolean(raw)
    return value === undefined ? { problem: `URL parameter ${show(name)} must be true or false` } : { path, value }
  }
  if (!NUMBER.test(raw)) return { problem: `URL parameter ${show(name)} must be a number` }
  return { path, value: Number(raw) }
}

function decodePair(piece: string): [string, string] {
  // URLSearchParams decodes exactly as the drivers do ('+' is a space, bad escapes left as they are).
  const first = new URLSearchParams(piece).entries().next()
  return first.done ? ['', ''] : first.value
}

function assertParsable(url: string): void {
  try {
    new URL(url)
    return
  } catch {
    // libpq-style "postgresql://user@/db?host=/socket" has an empty host; pg accepts it the same way.
  }
  try {
    new URL(url.replace('@/', '@localhost/'))
  } catch {
    // Never pass the TypeError on: Node puts the whole input, password included, in its `input` property.
    throw invalid(['the connection URL could not be parsed (it is not repeated here because it may hold credentials)'])
  }
}

/**
 * Read the pool parameters a connection URL already carries (Prisma's `connection_limit`,
 * `pool_timeout`, ...; pg's `max`, `idleTimeoutMillis`, ...; mysql2's `connectionLimit`,
 * `queueLimit`, ...; and our own `pool.<option>` / `pool.retry.<option>` / `pool.health.<option>`)
 * into the @pools schema, and return the URL without them so the driver never sees options that
 * are not its own. Every other parameter is kept, in order and byte for byte; so is the rest of the URL.
 *
 * Units are converted (Prisma seconds → ms) and each driver's `0` is translated where its meaning
 * differs from ours: a "no connect timeout" becomes {@link NO_TIMEOUT_MS}, mysql2's `queueLimit=0`
 * (unbounded) leaves `maxPending` unset, mysql2's `idleTimeout=0` (expire at once) becomes 1 ms.
 * Throws a `PoolError` with code `POOL_CONFIG_INVALID` naming each bad parameter, for parameters
 * that disagree (`connection_limit=5&max=10`), or for a URL that cannot be parsed. Messages never
 * contain the URL or its credentials. Cross-option checks (`min` ≤ `max`) are left to `parsePoolConfig`,
 * since the URL is usually merged with other options first.
 *
 * @example
 * ```ts
 * const { config, url } = configFromUrl(process.env.DATABASE_URL!)
 * // DATABASE_URL = postgres://app:secret@db/app?connection_limit=5&pool_timeout=10&sslmode=require
 * // config = { max: 5, acquireTimeoutMs: 10000 }, url = postgres://app:secret@db/app?sslmode=require
 * const pool = createPool(driver(url), parsePoolConfig(preset('web', config)))
 * ```
 */
export function configFromUrl(url: string | URL): ConfigFromUrlResult {
  let text: string
  if (url instanceof URL) text = url.href
  else if (typeof url === 'string') text = url
  else throw invalid([`expected a connection URL string or URL, got ${url === null ? 'null' : typeof url}`])
  assertParsable(text)

  // Work on the raw text so nothing outside the removed parameters is re-encoded. As in the WHATWG
  // parser, the query starts at the first "?" before the first "#".
  const hashAt = text.indexOf('#')
  const beforeHash = hashAt === -1 ? text : text.slice(0, hashAt)
  const fragment = hashAt === -1 ? '' : text.slice(hashAt)
  const queryAt = beforeHash.indexOf('?')
  if (queryAt === -1) return { config: {}, url: text }
  const base = beforeHash.slice(0, queryAt)
  const pieces = beforeHash.slice(queryAt + 1).split('&')

  const dialect = dialectForUrl(text)
  const rows = new Map<string, OptionMapping>(dialect.mappings.map((m) => [m.key, m]))
  const collector = new OptionCollector(dialect)
  const kept: string[] = []
  for (const piece of pieces) {
    const [name, raw] = decodePair(piece)
    const row = rows.get(name)
    if (row) {
      collector.add(row, raw)
      if (row.keep === true) kept.push(piece)
    } else if (name.startsWith(OWN_PREFIX)) {
      const read = readOwnParam(name, raw)
      if (read.problem) collector.problem(read.problem)
      else if (read.path !== undefined) collector.set(read.path, name, read.value)
    } else {
      kept.push(piece)
    }
  }
  const { options, problems } = collector.result()
  if (problems.length > 0) throw invalid(problems)
  const stripped =
    kept.length === pieces.length ? text : `${base}${kept.length > 0 ? `?${kept.join('&')}` : ''}${fragment}`
  return { config: options, url: stripped }
}
