import type { z } from 'zod'
import { PoolError } from '../errors/pool-error.js'
import {
  type DialectId,
  type OptionDialect,
  type OptionMapping,
  type OptionPath,
  optionDialects,
  type ZeroMeaning,
} from './dialects.js'
import { NO_TIMEOUT_MS } from './limits.js'
import type { PoolOptions } from './pool-options.js'
import { type PresetName, preset } from './presets.js'
import { healthSchema, poolConfigSchema, retrySchema } from './schema.js'

/** The engine value meaning "no limit", for the options that have one. */
const OFF_VALUE: Partial<Record<OptionPath, number | undefined>> = {
  acquireTimeoutMs: 0,
  idleTimeoutMs: 0,
  maxLifetimeMs: 0,
  maxUses: 0,
  keepaliveIntervalMs: 0,
  leakDetectionThresholdMs: 0,
  createTimeoutMs: NO_TIMEOUT_MS,
  destroyTimeoutMs: NO_TIMEOUT_MS,
  maxPending: undefined,
  maxIdle: undefined,
}

const INTEGER = /^\d+$/
const DECIMAL = /^\d+(\.\d+)?$/
const NAME_LIMIT = 120

type Read = { value: number | boolean | string } | { absent: true } | { problem: string }

/** Keys are user text (URL parameter names): quote them and keep them short. */
export function showKey(key: string): string {
  return JSON.stringify(key.length > 60 ? `${key.slice(0, 60)}…` : key)
}

/** `true`/`false`/`1`/`0`, any case. */
export function parseBoolean(raw: string): boolean | undefined {
  const lower = raw.toLowerCase()
  if (lower === 'true' || lower === '1') return true
  if (lower === 'false' || lower === '0') return false
  return undefined
}

function readValue(dialect: OptionDialect, mapping: OptionMapping, raw: unknown): Read {
  const { key, unit } = mapping
  const min = mapping.min ?? 0
  const name = `${dialect.label} ${showKey(key)}`
  if (raw === undefined) return { absent: true }
  switch (dialect.reading) {
    case 'url': {
      const text = String(raw)
      if (unit === 'text') return text.length > 0 ? { value: text } : { absent: true }
      if (unit === 'boolean') {
        const value = parseBoolean(text)
        return value === undefined ? { problem: `${name} must be true or false` } : { value }
      }
      if (unit === 'seconds') {
        return DECIMAL.test(text)
          ? { value: Number(text) }
          : { problem: `${name} must be a number of seconds (0 or more)` }
      }
      if (!INTEGER.test(text)) {
        return { problem: `${name} must be a whole number${unit === 'ms' ? ' of milliseconds' : ''} (0 or more)` }
      }
      return { value: Number(text) }
    }
    case 'pg': {
      if (unit === 'boolean') return { value: Boolean(raw) }
      if (unit === 'text') return typeof raw === 'string' && raw.length > 0 ? { value: raw } : { absent: true }
      if (raw === null || raw === false || raw === '') return { value: 0 }
      const n = typeof raw === 'number' ? raw : Number(raw)
      if (Number.isNaN(n)) return { problem: `${key} must be a number, got ${JSON.stringify(String(raw))}` }
      if (n < 0) return { problem: `${key} must not be negative, got ${n}` }
      return { value: unit === 'count' && Number.isFinite(n) ? Math.ceil(n) : n }
    }
    case 'mysql2': {
      if (unit === 'boolean') return { value: Boolean(raw) }
      if (unit === 'text') return typeof raw === 'string' && raw.length > 0 ? { value: raw } : { absent: true }
      const n = Number(raw)
      if (Number.isNaN(n)) return { absent: true }
      if (!Number.isInteger(n) || n < min)
        return { problem: `${key} must be a whole number ≥ ${min}, got ${String(raw)}` }
      return { value: n }
    }
    case 'generic-pool': {
      if (unit === 'boolean') return { value: raw === true }
      if (unit === 'text') return typeof raw === 'string' && raw.length > 0 ? { value: raw } : { absent: true }
      if (!raw) return { absent: true }
      const n = typeof raw === 'number' ? Math.trunc(raw) : Number.parseInt(String(raw), 10)
      if (Number.isNaN(n)) return { absent: true }
      if (unit === 'count') return { value: Math.max(n, min) }
      if (n < 0) return { problem: `${key} must be a whole number ≥ 0, got ${String(raw)}` }
      return { value: n }
    }
    case 'strict': {
      if (unit === 'boolean') {
        return typeof raw === 'boolean' ? { value: raw } : { problem: `${key} must be true or false` }
      }
      if (unit === 'text') {
        if (typeof raw !== 'string') return { problem: `${key} must be a string` }
        return raw.length > 0 ? { value: raw } : { absent: true }
      }
      if (typeof raw !== 'number' || Number.isNaN(raw) || raw < min) {
        return { problem: `${key} must be a number ≥ ${min}, got ${typeof raw === 'number' ? raw : typeof raw}` }
      }
      return { value: raw }
    }
  }
}

/** The engine value for one target, or `undefined` to leave the option unset. */
function engineValue(
  value: number | boolean | string,
  unit: OptionMapping['unit'],
  option: OptionPath,
  zero: ZeroMeaning,
) {
  if (typeof value !== 'number')
    return option === 'name' && typeof value === 'string' ? value.slice(0, NAME_LIMIT) : value
  if (value === Number.POSITIVE_INFINITY) {
    if (zero === 'off' && option in OFF_VALUE) return OFF_VALUE[option]
    if (zero === 'unset' && unit !== 'count') return undefined
    return value
  }
  // A tiny but non-zero value must not round to 0, which would flip it to "no limit".
  const n =
    unit === 'seconds'
      ? value === 0
        ? 0
        : Math.max(1, Math.round(value * 1000))
      : unit === 'ms' && value > 0
        ? Math.max(1, Math.ceil(value))
        : value
  if (n !== 0) return n
  if (zero === 'unset') return undefined
  if (zero === 'one') return 1
  if (zero === 'off') return OFF_VALUE[option]
  return 0
}

function fieldSchema(path: OptionPath): z.ZodType | undefined {
  const [head = '', leaf] = path.split('.')
  if (leaf === undefined) return (poolConfigSchema.shape as Record<string, z.ZodType>)[head]
  const group = head === 'retry' ? retrySchema : healthSchema
  return (group.shape as Record<string, z.ZodType>)[leaf]
}

interface Found {
  readonly path: OptionPath
  readonly key: string
  readonly value: unknown
  readonly fallback: boolean
}

/**
 * Collects what one source's keys set, in engine terms, and checks it: each value against its
 * option's range (blaming the source key), and keys that set one option to different values.
 * @internal shared by {@link translateOptions} and `configFromUrl`.
 */
export class OptionCollector {
  readonly #dialect: OptionDialect
  readonly #found: Found[] = []
  readonly #problems: string[] = []

  constructor(dialect: OptionDialect) {
    this.#dialect = dialect
  }

  /** Read one raw value of `mapping` (the source's key may be spelled differently, e.g. a URL name). */
  add(mapping: OptionMapping, raw: unknown): void {
    if (mapping.custom || mapping.targets.length === 0) return
    const read = readValue(this.#dialect, mapping, raw)
    if ('problem' in read) {
      this.#problems.push(read.problem)
      return
    }
    if ('absent' in read) return
    for (const target of mapping.targets) {
      const value = engineValue(read.value, mapping.unit, target.option, target.zero ?? 'zero')
      if (value !== undefined) this.set(target.option, mapping.key, value, mapping.fallback === true)
    }
  }

  /** Set an option directly (for a facade's custom rows and `pool.<option>` URL parameters). */
  set(path: OptionPath | string, key: string, value: unknown, fallback = false): void {
    this.#found.push({ path: path as OptionPath, key, value, fallback })
  }

  /** Record a problem found outside the table (an unknown `pool.` parameter). */
  problem(message: string): void {
    this.#problems.push(message)
  }

  /** The options read, nested (`retry`), and every problem. */
  result(): { options: PoolOptions; problems: string[] } {
    const problems = [...this.#problems]
    const byPath = new Map<string, Found>()
    const label = this.#dialect.label
    const ordered = [...this.#found.filter((f) => !f.fallback), ...this.#found.filter((f) => f.fallback)]
    for (const item of ordered) {
      const schema = fieldSchema(item.path)
      const checked = schema?.safeParse(item.value)
      if (checked && !checked.success) {
        const message = checked.error.issues[0]?.message ?? 'invalid value'
        // Only numbers and booleans are shown: a text value may come from a URL and is never echoed.
        const shown = typeof item.value === 'string' ? '' : `=${String(item.value)}`
        problems.push(`${label} ${showKey(item.key)}${shown} sets ${item.path}: ${message}`)
        continue
      }
      const earlier = byPath.get(item.path)
      if (earlier === undefined) {
        byPath.set(item.path, item)
      } else if (!item.fallback && earlier.value !== item.value) {
        if (this.#dialect.onConflict === 'smallest' && typeof item.value === 'number') {
          if (item.value < (earlier.value as number)) byPath.set(item.path, item)
        } else {
          problems.push(
            `${label}s ${showKey(earlier.key)} and ${showKey(item.key)} both set ${item.path} to different values`,
          )
        }
      }
    }
    const options: Record<string, unknown> = {}
    for (const { path, value } of byPath.values()) {
      const [head = '', leaf] = path.split('.')
      if (leaf === undefined) options[head] = value
      else options[head] = { ...(options[head] as Record<string, unknown> | undefined), [leaf]: value }
    }
    return { options: options as PoolOptions, problems }
  }
}

function pathValue(input: object, key: string): unknown {
  let value: unknown = input
  for (const part of key.split('.')) {
    if (value === null || typeof value !== 'object') return undefined
    value = (value as Record<string, unknown>)[part]
  }
  return value
}

function dialectOf(dialect: OptionDialect | DialectId): OptionDialect {
  const found = typeof dialect === 'string' ? optionDialects[dialect] : dialect
  if (found === undefined || typeof found !== 'object') {
    throw new PoolError('POOL_CONFIG_INVALID', `Unknown option dialect ${showKey(String(dialect))}.`)
  }
  return found
}

/**
 * Translate a driver's or framework's own options into @pools options with one of the
 * {@link optionDialects} tables: units converted, each source's `0` translated, values read as
 * that source reads them. Only the keys the input has are returned; defaults and presets are
 * applied by {@link mergeOptionLayers}. Rows marked `custom` are left to the caller.
 *
 * Throws a `PoolError` with code `POOL_CONFIG_INVALID` naming each bad key, and for two keys that
 * set one option to different values (knex: the smaller acquire timeout wins instead).
 *
 * @example
 * ```ts
 * translateOptions('knex', { pool: { min: 0, max: 7, idleTimeoutMillis: 5_000 }, acquireConnectionTimeout: 10_000 })
 * // { min: 0, max: 7, idleTimeoutMs: 5000, acquireTimeoutMs: 10000 }
 * translateOptions('pg', { max: 20, connectionTimeoutMillis: 2_000 })
 * // { max: 20, acquireTimeoutMs: 2000, createTimeoutMs: 2000 }
 * ```
 */
export function translateOptions(dialect: OptionDialect | DialectId, input: object | undefined): PoolOptions {
  const d = dialectOf(dialect)
  const { options, problems } = collectOptions(d, input ?? {})
  if (problems.length > 0) {
    throw new PoolError('POOL_CONFIG_INVALID', `Invalid ${d.title}: ${problems.join('; ')}.`)
  }
  return options
}

/** {@link translateOptions} without throwing: the options and the problems found. @internal */
export function collectOptions(dialect: OptionDialect, input: object): { options: PoolOptions; problems: string[] } {
  const collector = new OptionCollector(dialect)
  for (const mapping of dialect.mappings) collector.add(mapping, pathValue(input, mapping.key))
  return collector.result()
}

/**
 * The layers a facade merges, lowest first: see {@link mergeOptionLayers}.
 *
 * @example
 * ```ts
 * const layers: OptionLayers = { defaults: pgDialect.defaults, driver: { max: 3 }, pools: 'web' }
 * ```
 */
export interface OptionLayers {
  /** The driver's own defaults in engine terms (a dialect's `defaults`). Dropped when a preset is named. */
  defaults?: PoolOptions | undefined
  /** Facade behaviour and the facade's pool name (a dialect's `behaviour`). Kept under a preset. */
  behaviour?: PoolOptions | undefined
  /** The driver's options the caller wrote, translated ({@link translateOptions}). */
  driver?: PoolOptions | undefined
  /** The facade's `pools` option: @pools options (may name a `preset`), or a preset name. Wins over everything. */
  pools?: PoolOptions | PresetName | undefined
}

function mergeTwo(base: PoolOptions, over: PoolOptions | undefined): PoolOptions {
  if (over === undefined) return base
  const merged: PoolOptions = { ...base, ...over }
  for (const key of ['retry', 'health'] as const) {
    const a = base[key]
    const b = over[key]
    if (a !== undefined && b !== null && typeof b === 'object' && !Array.isArray(b)) {
      merged[key] = { ...a, ...b } as never
    }
  }
  return merged
}

/**
 * Merge a facade's option layers with the one documented precedence:
 * **facade defaults < preset < the driver's own options < the `pools` object**.
 *
 * A preset (`pools: 'web'` or `pools: { preset: 'web', ... }`) replaces the driver's defaults
 * entirely, so one preset means the same pool in every drop-in: anything the preset leaves out
 * takes the @pools default, not the driver's. Facade behaviour (`behaviour`: pg's
 * `failWaiterOnCreateError`, the pool name) stays unless the preset says otherwise. `retry` and
 * `health` merge key by key. The result is not validated: `parsePoolConfig` does that.
 *
 * Throws `POOL_CONFIG_INVALID` for a `pools` that is neither a preset name nor an object, and for
 * an unknown preset name (with a "did you mean").
 *
 * @example
 * ```ts
 * mergeOptionLayers({ defaults: { max: 10, idleTimeoutMs: 10_000 }, driver: { max: 3 }, pools: 'web' })
 * // { min: 2, max: 3, acquireTimeoutMs: 10000, idleTimeoutMs: 300000, ... }: the preset, then max: 3
 * ```
 */
export function mergeOptionLayers(layers: OptionLayers): PoolOptions {
  const pools: unknown = layers.pools
  let presetName: unknown
  let poolsObject: PoolOptions | undefined
  if (pools === undefined || pools === null) {
    poolsObject = undefined
  } else if (typeof pools === 'string') {
    presetName = pools
  } else if (typeof pools === 'object' && !Array.isArray(pools)) {
    const { preset: named, ...rest } = pools as PoolOptions
    presetName = named
    poolsObject = rest
  } else {
    throw new PoolError(
      'POOL_CONFIG_INVALID',
      `"pools" must be a preset name or an object of @pools options, got ${Array.isArray(pools) ? 'an array' : typeof pools}.`,
    )
  }
  let merged: PoolOptions
  if (presetName === undefined) {
    merged = mergeTwo({ ...layers.defaults }, layers.behaviour)
  } else {
    // preset() validates the name (type and spelling) and throws with a hint.
    merged = mergeTwo({ ...layers.behaviour }, preset(presetName as PresetName))
  }
  merged = mergeTwo(merged, layers.driver)
  merged = mergeTwo(merged, poolsObject)
  return merged
}
