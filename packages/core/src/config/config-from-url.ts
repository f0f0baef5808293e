import type { z } from 'zod'
import { PoolError } from '../errors/pool-error.js'
import { closestKey } from './closest-key.js'
import { healthSchema, type PoolConfigInput, poolConfigSchema, retrySchema } from './schema.js'

/**
 * What a driver's "no connect timeout" `0` (Prisma's `connect_timeout`, mysql2's `connectTimeout`)
 * maps to, since `createTimeoutMs` has no "off" value (minimum 1): the largest delay `setTimeout`
 * honours (2^31 - 1 ms, about 24.8 days). Anything larger would overflow Node's timer and fire after 1 ms.
 * (A "no acquire timeout" `0` needs no translation: `acquireTimeoutMs: 0` already means exactly that.)
 */
export const NO_TIMEOUT_MS = 2_147_483_647

type TopKey = keyof typeof poolConfigSchema.shape
type Unit = 'count' | 'ms' | 'seconds' | 'boolean'

/** How a driver spells its own "0": a real zero, no timeout, not set, or "expire at once". */
type Zero = 'zero' | 'no-timeout' | 'unset' | 'immediately'

interface DriverParam {
  readonly target: TopKey
  readonly unit: Unit
  readonly zero: Zero
}

const param = (target: TopKey, unit: Unit, zero: Zero = 'zero'): DriverParam => ({ target, unit, zero })

/**
 * Pool parameters that Prisma, node-postgres and mysql2 users already put in connection URLs.
 * Names are matched exactly (case-sensitive), as the drivers do.
 */
const driverParams: ReadonlyMap<string, DriverParam> = new Map([
  // Prisma (v6 query engine): times in seconds; 0 disables each limit, as acquireTimeoutMs: 0 does here.
  ['connection_limit', param('max', 'count')],
  ['pool_timeout', param('acquireTimeoutMs', 'seconds')],
  ['connect_timeout', param('createTimeoutMs', 'seconds', 'no-timeout')],
  ['max_idle_connection_lifetime', param('idleTimeoutMs', 'seconds')],
  ['max_connection_lifetime', param('maxLifetimeMs', 'seconds')],
  // node-postgres (pg.Pool): its connectionTimeoutMillis also bounds the wait in its queue, hence acquireTimeoutMs.
  ['max', param('max', 'count')],
  ['min', param('min', 'count')],
  ['idleTimeoutMillis', param('idleTimeoutMs', 'ms')],
  ['connectionTimeoutMillis', param('acquireTimeoutMs', 'ms')],
  ['maxUses', param('maxUses', 'count')],
  ['maxLifetimeSeconds', param('maxLifetimeMs', 'seconds')],
  ['allowExitOnIdle', param('allowExitOnIdle', 'boolean')],
  // mysql2 (and mysql's acquireTimeout). mysql2's idle sweep treats idleTimeout=0 as already expired.
  ['connectionLimit', param('max', 'count')],
  ['queueLimit', param('maxWaiting', 'count', 'unset')],
  ['idleTimeout', param('idleTimeoutMs', 'ms', 'immediately')],
  ['maxIdle', param('maxIdle', 'count')],
  ['acquireTimeout', param('acquireTimeoutMs', 'ms')],
  ['connectTimeout', param('createTimeoutMs', 'ms', 'no-timeout')],
])

/** Prefix of our own options in a URL: `pool.max=20`, `pool.retry.maxDelayMs=5000`. */
const OWN_PREFIX = 'pool.'
const booleanKeys = new Set(['validateOnBorrow', 'validateOnReturn', 'allowExitOnIdle'])
/** Options whose value is one of a few words (or a boolean alias). */
const wordKeys: Record<string, readonly string[]> = { leakCaptureStack: ['always', 'after-first-leak', 'never'] }
const groups = { retry: retrySchema, health: healthSchema } as const
type Group = keyof typeof groups

/** The result of {@link configFromUrl}. */
export interface ConfigFromUrlResult {
  /** Pool options read from the URL (only the keys it named). */
  config: PoolConfigInput
  /** The URL without those parameters, for the driver. Unchanged when nothing was read. */
  url: string
}

interface Found {
  /** Where the value goes: `max` or `retry.maxDelayMs`. */
  readonly path: string
  readonly param: string
  readonly value: unknown
}

function invalid(problems: readonly string[]): PoolError {
  return new PoolError('POOL_CONFIG_INVALID', `Invalid pool configuration in connection URL: ${problems.join('; ')}.`)
}

/** Parameter names are user text: quote them and keep them short. Raw values are never echoed. */
function show(key: string): string {
  return JSON.stringify(key.length > 60 ? `${key.slice(0, 60)}…` : key)
}

const INTEGER = /^\d+$/
const DECIMAL = /^\d+(\.\d+)?$/
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/

function readDriverParam(name: string, raw: string, spec: DriverParam): { value?: unknown; problem?: string } {
  let n: number
  if (spec.unit === 'boolean') {
    const value = parseBoolean(raw)
    return value === undefined ? { problem: `URL parameter ${show(name)} must be true or false` } : { value }
  }
  if (spec.unit === 'seconds') {
    if (!DECIMAL.test(raw)) return { problem: `URL parameter ${show(name)} must be a number of seconds (0 or more)` }
    const seconds = Number(raw)
    // A tiny but non-zero value must not round to 0, which would flip it to the driver's "no limit".
    n = seconds === 0 ? 0 : Math.max(1, Math.round(seconds * 1000))
  } else {
    if (!INTEGER.test(raw)) {
      const what = spec.unit === 'ms' ? 'a whole number of milliseconds' : 'a whole number'
      return { problem: `URL parameter ${show(name)} must be ${what} (0 or more)` }
    }
    n = Number(raw)
  }
  if (n === 0) {
    if (spec.zero === 'unset') return {}
    if (spec.zero === 'no-timeout') return { value: NO_TIMEOUT_MS }
    if (spec.zero === 'immediately') return { value: 1 }
  }
  return { value: n }
}

function parseBoolean(raw: string): boolean | undefined {
  const lower = raw.toLowerCase()
  if (lower === 'true' || lower === '1') return true
  if (lower === 'false' || lower === '0') return false
  return undefined
}

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

/** Check one value against its own field schema, so a bad value is blamed on the URL parameter that set it. */
function checkValue(found: Found): string | undefined {
  const [head = '', leaf] = found.path.split('.')
  const shape: Record<string, z.ZodType> = leaf === undefined ? poolConfigSchema.shape : groups[head as Group].shape
  const result = shape[leaf ?? head]?.safeParse(found.value)
  if (!result || result.success) return undefined
  const message = result.error.issues[0]?.message ?? 'invalid value'
  // Only numbers and booleans can get here besides `name`, so showing the parsed value reveals nothing from the URL.
  const shown = typeof found.value === 'string' ? '' : `=${String(found.value)}`
  return `URL parameter ${show(found.param)}${shown} sets ${found.path}: ${message}`
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
 * (unbounded) leaves `maxWaiting` unset, mysql2's `idleTimeout=0` (expire at once) becomes 1 ms.
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

  const kept: string[] = []
  const found: Found[] = []
  const problems: string[] = []
  for (const piece of pieces) {
    const [name, raw] = decodePair(piece)
    const driver = driverParams.get(name)
    if (driver) {
      const read = readDriverParam(name, raw, driver)
      if (read.problem) problems.push(read.problem)
      else if (read.value !== undefined) found.push({ path: driver.target, param: name, value: read.value })
    } else if (name.startsWith(OWN_PREFIX)) {
      const read = readOwnParam(name, raw)
      if (read.problem) problems.push(read.problem)
      else if (read.path !== undefined) found.push({ path: read.path, param: name, value: read.value })
    } else {
      kept.push(piece)
    }
  }

  const byPath = new Map<string, Found>()
  for (const item of found) {
    const problem = checkValue(item)
    if (problem) {
      problems.push(problem)
      continue
    }
    const earlier = byPath.get(item.path)
    if (earlier && earlier.value !== item.value) {
      problems.push(
        `URL parameters ${show(earlier.param)} and ${show(item.param)} both set ${item.path} to different values`,
      )
    }
    byPath.set(item.path, item)
  }
  if (problems.length > 0) throw invalid(problems)

  const config: Record<string, unknown> = {}
  for (const { path, value } of byPath.values()) {
    const [head = '', leaf] = path.split('.')
    if (leaf === undefined) config[head] = value
    else config[head] = { ...(config[head] as Record<string, unknown> | undefined), [leaf]: value }
  }
  const stripped =
    kept.length === pieces.length ? text : `${base}${kept.length > 0 ? `?${kept.join('&')}` : ''}${fragment}`
  return { config: config as PoolConfigInput, url: stripped }
}
