import {
  configFromUrl,
  FILE_POOL,
  isPresetName,
  type PoolConfig,
  type PoolConfigInput,
  parsePoolConfig,
  preset,
  presetNames,
} from '../index.js'
import type { PoolDriverName } from './define-config.js'
import { isPlainObject } from './merge.js'
import { redactConnection } from './redact.js'
import { didYouMean } from './suggest.js'

/** Driver settings of one pool, as the driver takes them (`url` already without pool parameters). */
export interface PoolConnection {
  /** From `connection.driver`, or from the URL scheme; `undefined` when neither tells. Not enumerable: `{ ...connection }` leaves it out. */
  readonly driver: PoolDriverName | undefined
  readonly url?: string
  readonly host?: string
  readonly port?: number
  readonly user?: string
  readonly password?: string
  readonly database?: string
  readonly ssl?: unknown
  readonly [driverOption: string]: unknown
}

/** One pool of a config file, ready to use: the resolved options and, apart, the driver settings. */
export interface ResolvedPool {
  /** The pool's key in the file (also `config.name` unless the file sets `name`). */
  readonly name: string
  /** The preset named by `extends`, if any. */
  readonly preset: string | undefined
  /** Every option resolved by `parsePoolConfig` (frozen). */
  readonly config: PoolConfig
  /** Where to connect. Printing or JSON-serialising it shows `***` for secrets; spreading it does not. */
  readonly connection: PoolConnection
}

/** A problem in one pool: the key it is about (dotted path inside the pool) and what is wrong. */
export interface EntryProblem {
  key: string | undefined
  message: string
}

/** Thrown inside the resolver, turned into one PoolError naming the file, profile and pool by the loader. */
export class EntryProblems extends Error {
  constructor(readonly problems: EntryProblem[]) {
    super(problems.map((p) => p.message).join('; '))
  }
}

export const DRIVERS: readonly PoolDriverName[] = ['pg', 'mysql2', 'ioredis']
const SCHEMES: Readonly<Record<string, PoolDriverName>> = {
  'postgres:': 'pg',
  'postgresql:': 'pg',
  'mysql:': 'mysql2',
  'mariadb:': 'mysql2',
  'redis:': 'ioredis',
  'rediss:': 'ioredis',
}
const ENTRY_KEYS = ['extends', 'connection'] as const
const STRING_SETTINGS = ['url', 'host', 'user', 'password', 'database'] as const
const INSPECT = Symbol.for('nodejs.util.inspect.custom')

/** The parsePoolConfig message without its own prefix, so the loader can put the file and pool first. */
function problemsOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.replace(/^Invalid pool configuration(?: for "[^"]*")?(?: in connection URL)?: /, '').replace(/\.$/, '')
}

function driverOfUrl(url: string): PoolDriverName | undefined {
  const colon = url.indexOf(':')
  return colon === -1 ? undefined : SCHEMES[url.slice(0, colon + 1).toLowerCase()]
}

function readConnection(raw: unknown, problems: EntryProblem[]): Record<string, unknown> {
  if (raw === undefined) return {}
  if (typeof raw === 'string') return { url: raw }
  if (!isPlainObject(raw)) {
    problems.push({ key: 'connection', message: 'must be a connection URL or an object of driver settings' })
    return {}
  }
  const out: Record<string, unknown> = { ...raw }
  for (const key of STRING_SETTINGS) {
    if (out[key] !== undefined && typeof out[key] !== 'string') {
      problems.push({ key: `connection.${key}`, message: `must be a string, got ${typeof out[key]}` })
    }
  }
  const port = out.port
  if (port !== undefined && (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535)) {
    problems.push({ key: 'connection.port', message: 'must be a whole number from 1 to 65535' })
  }
  const driver = out.driver
  if (driver !== undefined && !DRIVERS.includes(driver as PoolDriverName)) {
    const shown = typeof driver === 'string' ? `"${driver.slice(0, 40)}"` : typeof driver
    problems.push({
      key: 'connection.driver',
      message: `unknown driver ${shown}${typeof driver === 'string' ? didYouMean(driver, DRIVERS) : ''}; one of ${DRIVERS.join(', ')}`,
    })
  }
  return out
}

/** The options set both by a URL parameter and by the file, with different values. */
function conflicts(fromUrl: Record<string, unknown>, fromFile: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = []
  for (const [key, value] of Object.entries(fromUrl)) {
    const other = fromFile[key]
    if (other === undefined) continue
    if (isPlainObject(value) && isPlainObject(other)) out.push(...conflicts(value, other, `${prefix}${key}.`))
    else if (other !== value) out.push(`${prefix}${key}`)
  }
  return out
}

function mergeOneLevel(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(over)) {
    const existing = out[key]
    out[key] = isPlainObject(existing) && isPlainObject(value) ? { ...existing, ...value } : value
  }
  return out
}

function freezeConnection(settings: Record<string, unknown>, driver: PoolDriverName | undefined): PoolConnection {
  const connection: Record<string, unknown> = { ...settings }
  const shown = (): unknown => redactConnection(driver === undefined ? { ...connection } : { driver, ...connection })
  // Not enumerable: spreading gives exactly the driver's settings (mysql2 warns about keys it does not know).
  Object.defineProperty(connection, 'driver', { value: driver, enumerable: false })
  // Printing or serialising shows no secret; spreading still copies every setting for the driver.
  Object.defineProperty(connection, 'toJSON', { value: shown, enumerable: false })
  Object.defineProperty(connection, INSPECT, { value: shown, enumerable: false })
  return Object.freeze(connection) as PoolConnection
}

/**
 * Turn one pool entry of a config file into resolved options and driver settings.
 * Order, lowest first: the preset of `extends`, pool parameters in `connection.url`, the entry's own
 * options. A URL parameter and an option of the entry that disagree are reported, never silently
 * resolved. Throws {@link EntryProblems}.
 */
export function resolvePoolEntry(name: string, entry: unknown, optionKeys: readonly string[]): ResolvedPool {
  const problems: EntryProblem[] = []
  if (!isPlainObject(entry)) {
    throw new EntryProblems([{ key: undefined, message: 'must be an object of pool options' }])
  }
  const { extends: extendsName, connection: rawConnection, ...options } = entry
  const valid = [...ENTRY_KEYS, ...optionKeys]
  for (const key of Object.keys(options)) {
    if (!optionKeys.includes(key)) {
      problems.push({ key, message: `unknown option "${key}"${didYouMean(key, valid)}` })
    }
  }
  if (extendsName !== undefined && !isPresetName(extendsName)) {
    const shown = typeof extendsName === 'string' ? `"${extendsName.slice(0, 40)}"` : typeof extendsName
    let message = `unknown preset ${shown}`
    if (typeof extendsName === 'string') message += didYouMean(extendsName, presetNames)
    problems.push({ key: 'extends', message })
  }
  const settings = readConnection(rawConnection, problems)
  let urlOptions: Record<string, unknown> = {}
  if (typeof settings.url === 'string') {
    try {
      const read = configFromUrl(settings.url)
      urlOptions = read.config as Record<string, unknown>
      settings.url = read.url
    } catch (error) {
      problems.push({ key: 'connection.url', message: problemsOf(error) })
    }
  }
  for (const key of conflicts(urlOptions, options)) {
    problems.push({
      key,
      message: `set both by a parameter of connection.url and by the "${key}" option, with different values; keep one`,
    })
  }
  if (problems.length > 0) throw new EntryProblems(problems)

  let input = mergeOneLevel(urlOptions, options) as PoolConfigInput
  if (input.name === undefined) input = { ...input, name }
  if (extendsName !== undefined) input = preset(extendsName as Parameters<typeof preset>[0], input)
  let config: PoolConfig
  try {
    config = parsePoolConfig(input)
  } catch (error) {
    throw new EntryProblems([{ key: undefined, message: problemsOf(error) }])
  }
  const urlDriver = typeof settings.url === 'string' ? driverOfUrl(settings.url) : undefined
  const driver = (settings.driver as PoolDriverName | undefined) ?? urlDriver
  if (settings.driver !== undefined && urlDriver !== undefined && settings.driver !== urlDriver) {
    throw new EntryProblems([
      { key: 'connection.driver', message: `is "${settings.driver}" but the URL's scheme is for ${urlDriver}` },
    ])
  }
  delete settings.driver
  const resolved = {
    name,
    preset: extendsName as string | undefined,
    config,
    connection: freezeConnection(settings, driver),
  }
  // The mark drop-ins recognise (`new Pool({ pools: await resolvePool('primary') })`); not enumerable.
  Object.defineProperty(resolved, FILE_POOL, { value: true })
  return Object.freeze(resolved)
}
