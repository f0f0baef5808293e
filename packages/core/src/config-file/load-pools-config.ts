// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} in plain strings is the interpolation syntax of config files
import { existsSync } from 'node:fs'
import path from 'node:path'
import { PoolError, poolConfigJsonSchema } from '../index.js'
import { findConfigFiles, RC_FILE } from './find-config-file.js'
import { type EnvRecord, interpolateTree } from './interpolate.js'
import { isPlainObject, mergeReplacingArrays } from './merge.js'
import { EntryProblems, type ResolvedPool, resolvePoolEntry } from './resolve-pool-entry.js'
import { didYouMean } from './suggest.js'

/** Options of {@link loadPoolsConfig}. */
export interface LoadPoolsConfigOptions {
  /** Where the upward search for `pools.config.*` / `.poolsrc` starts. Default `process.cwd()`. */
  cwd?: string
  /** Read this file (relative to `cwd`) instead of searching. */
  file?: string
  /** Variables for profile selection and `${NAME}` interpolation. Default `process.env`. */
  env?: EnvRecord
  /**
   * The profile to apply, instead of `POOLS_ENV` / `NODE_ENV`; `false` applies none.
   * A name that the file does not define is an error, except `development`, `test` and `production`.
   */
  profile?: string | false
}

/** Where the selected profile's name came from. */
export type ProfileSource = 'option' | 'POOLS_ENV' | 'NODE_ENV'

/** The result of {@link loadPoolsConfig}. */
export interface LoadedPoolsConfig {
  /** Absolute path of the file read (`pools.config.*`, or `.poolsrc` when it is alone). */
  readonly file: string
  /** Every file that contributed: `pools.config.*` and/or `.poolsrc` of the same folder. */
  readonly files: readonly string[]
  /** The applied profile, or `undefined` when none was selected. */
  readonly profile: string | undefined
  /** Where {@link profile}'s name came from. */
  readonly profileSource: ProfileSource | undefined
  /** The profiles the file defines (`development`, `test`, `production`, then those under `$env`). */
  readonly profiles: readonly string[]
  /** Each pool by its key in the file. */
  readonly pools: Readonly<Record<string, ResolvedPool>>
}

const STANDARD_PROFILES = ['development', 'test', 'production'] as const
const TOP_KEYS = ['pools', '$schema', '$development', '$test', '$production', '$env'] as const

let optionKeysCache: readonly string[] | undefined
function optionKeys(): readonly string[] {
  optionKeysCache ??= Object.keys(poolConfigJsonSchema().properties ?? {}).filter((key) => key !== '$schema')
  return optionKeysCache
}

/** Paths in messages: relative to the working directory when inside it, else absolute. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file)
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file
}

interface Place {
  file: string
  profile: string | undefined
}

function fail(place: Place | string, problems: readonly string[]): PoolError {
  const where =
    typeof place === 'string'
      ? place
      : `${shown(place.file)}${place.profile === undefined ? '' : ` (profile "${place.profile}")`}`
  return new PoolError('POOL_CONFIG_INVALID', `Invalid pools config in ${where}: ${problems.join('; ')}.`)
}

function selectProfile(
  option: string | false | undefined,
  env: EnvRecord,
): { name: string; source: ProfileSource } | undefined {
  if (option === false) return undefined
  if (option !== undefined && option !== '') return { name: option, source: 'option' }
  if (env.POOLS_ENV) return { name: env.POOLS_ENV, source: 'POOLS_ENV' }
  if (env.NODE_ENV) return { name: env.NODE_ENV, source: 'NODE_ENV' }
  return undefined
}

/** Only the first line of a loader error: a code frame could quote a secret written in the file. */
function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  const line = text.split('\n')[0] ?? ''
  return line.length > 300 ? `${line.slice(0, 300)}…` : line
}

interface Located {
  dir: string
  configFile: string | undefined
  rcFile: string | undefined
}

function locate(cwd: string, file: string | undefined): Located {
  if (file !== undefined) {
    const absolute = path.resolve(cwd, file)
    if (!existsSync(absolute)) throw fail(shown(absolute), ['the file does not exist'])
    const isRc = path.basename(absolute).startsWith('.') && path.extname(absolute) === ''
    return isRc
      ? { dir: path.dirname(absolute), configFile: undefined, rcFile: absolute }
      : { dir: path.dirname(absolute), configFile: absolute, rcFile: undefined }
  }
  const found = findConfigFiles(cwd)
  if (!found) {
    throw new PoolError(
      'POOL_CONFIG_INVALID',
      `No pools config found: looked for pools.config.{ts,mts,js,mjs,cjs,json,yaml} and ${RC_FILE} in ${cwd} and every folder above it.`,
    )
  }
  if (found.candidates.length > 1) {
    throw fail(shown(found.dir), [
      `found ${found.candidates.map((f) => path.basename(f)).join(' and ')}; keep one pools.config file per folder`,
    ])
  }
  return found
}

function definedProfiles(raw: Record<string, unknown>): string[] {
  const names: string[] = STANDARD_PROFILES.filter((name) => raw[`$${name}`] !== undefined)
  if (isPlainObject(raw.$env)) names.push(...Object.keys(raw.$env).filter((name) => !names.includes(name)))
  return names
}

/** Every profile must look like the top level: `{ pools: { name: { ...options } } }`. */
function checkProfileShapes(raw: Record<string, unknown>): string[] {
  const problems: string[] = []
  const check = (label: string, body: unknown): void => {
    if (!isPlainObject(body)) {
      problems.push(`${label} must be an object like { pools: { ... } }`)
      return
    }
    for (const key of Object.keys(body)) {
      if (key !== 'pools') problems.push(`unknown key "${label}.${key}"${didYouMean(key, ['pools'], `${label}.`)}`)
    }
    if (body.pools !== undefined && !isPlainObject(body.pools)) {
      problems.push(`${label}.pools must be an object of pools`)
    }
  }
  for (const name of STANDARD_PROFILES) if (raw[`$${name}`] !== undefined) check(`$${name}`, raw[`$${name}`])
  // c12 spreads $<name> and $env.<name> together shallowly, so one would silently replace the other's pools.
  for (const name of STANDARD_PROFILES) {
    if (raw[`$${name}`] !== undefined && isPlainObject(raw.$env) && raw.$env[name] !== undefined) {
      problems.push(`profile "${name}" is defined twice, as $${name} and as $env.${name}; keep one`)
    }
  }
  if (raw.$env !== undefined) {
    if (!isPlainObject(raw.$env))
      problems.push('$env must be an object of profiles, e.g. { staging: { pools: { ... } } }')
    else for (const [name, body] of Object.entries(raw.$env)) check(`$env.${name}`, body)
  }
  return problems
}

function checkTopKeys(raw: Record<string, unknown>): string[] {
  const problems: string[] = []
  for (const key of Object.keys(raw)) {
    if ((TOP_KEYS as readonly string[]).includes(key)) continue
    if (key.startsWith('$')) {
      const hint = didYouMean(
        key,
        TOP_KEYS.filter((k) => k.startsWith('$')),
      )
      problems.push(
        `unknown key "${key}"${hint}; profiles are $development, $test, $production, and any other name under $env: { ${key.slice(1) || 'name'}: { ... } }`,
      )
    } else {
      problems.push(`unknown key "${key}"${didYouMean(key, TOP_KEYS)}; pools go under pools: { name: { ... } }`)
    }
  }
  return problems
}

/** Interpolated strings of pool options become numbers or booleans when they read as one. */
function coerceAt(at: readonly string[], value: string): unknown {
  const [, , key, sub] = at
  const isOption = key !== 'connection' && key !== 'extends'
  if (!isOption && !(key === 'connection' && sub === 'port' && at.length === 4)) return value
  if (/^[+-]?\d+(\.\d+)?$/.test(value)) return Number(value)
  if (isOption && (value === 'true' || value === 'false')) return value === 'true'
  return value
}

interface ReadFile {
  raw: Record<string, unknown>
  files: string[]
}

async function readWithC12(located: Located, profile: string | undefined): Promise<ReadFile> {
  const { loadConfig } = await import('c12')
  const main = located.configFile
  const where = shown(main ?? located.rcFile ?? located.dir)
  let result: Awaited<ReturnType<typeof loadConfig>>
  try {
    result = await loadConfig({
      cwd: located.dir,
      name: 'pools',
      // A name that does not exist when only .poolsrc is there, so c12 finds no main file.
      configFile: main ? path.basename(main) : 'pools.config.none',
      rcFile: located.rcFile ? path.basename(located.rcFile) : false,
      globalRc: false,
      packageJson: false,
      dotenv: false,
      // Top-level `extends` in c12 fetches layers (even from git hosts); ours is a per-pool preset.
      extend: false,
      giget: false,
      envName: profile ?? false,
      merger: mergeReplacingArrays,
      // $ keys are removed below, after checking them: c12's omit$Keys would silently drop a misspelt "$prodution".
      omit$Keys: false,
    })
  } catch (error) {
    throw fail(where, [`the file could not be read: ${firstLine(error)}`])
  }
  const raw: unknown = result.config
  if (!isPlainObject(raw)) throw fail(where, ['the file must export an object like { pools: { ... } }'])
  if (located.rcFile) {
    const rcLayer = result.layers?.find((layer) => layer.configFile === path.basename(located.rcFile as string))
    const rcKeys = isPlainObject(rcLayer?.config) ? Object.keys(rcLayer.config) : []
    const profileKeys = rcKeys.filter((key) => key.startsWith('$'))
    if (profileKeys.length > 0) {
      throw fail(shown(located.rcFile), [
        `${profileKeys.join(', ')}: profiles are read from pools.config.* only; ${RC_FILE} holds one set of keys`,
      ])
    }
  }
  const files = [main, located.rcFile].filter((f): f is string => f !== undefined)
  return { raw, files }
}

async function load(options: LoadPoolsConfigOptions, only: string | undefined): Promise<LoadedPoolsConfig> {
  const cwd = path.resolve(options.cwd ?? process.cwd())
  const env = options.env ?? process.env
  const located = locate(cwd, options.file)
  const selected = selectProfile(options.profile, env)
  const { raw, files } = await readWithC12(located, selected?.name)
  const file = files[0] as string
  const base: Place = { file, profile: undefined }

  const shapeProblems = [...checkTopKeys(raw), ...checkProfileShapes(raw)]
  if (shapeProblems.length > 0) throw fail(base, shapeProblems)
  const profiles = definedProfiles(raw)
  if (selected && !profiles.includes(selected.name)) {
    const standard = (STANDARD_PROFILES as readonly string[]).includes(selected.name)
    if (!standard && selected.source !== 'NODE_ENV') {
      const from = selected.source === 'option' ? '' : ` (from ${selected.source})`
      const list = profiles.length > 0 ? `; it defines ${profiles.join(', ')}` : '; it defines no profiles'
      throw fail(base, [
        `profile "${selected.name}"${from} is not defined${didYouMean(selected.name, profiles)}${list}`,
      ])
    }
  }
  const profile = selected && profiles.includes(selected.name) ? selected.name : undefined
  const place: Place = { file, profile }

  if (!isPlainObject(raw.pools) || Object.keys(raw.pools).length === 0) {
    throw fail(place, ['no pools: add pools: { primary: { connection: "${DATABASE_URL}" } }'])
  }
  const names = Object.keys(raw.pools)
  if (only !== undefined && !names.includes(only)) {
    throw fail(place, [`no pool named "${only}"${didYouMean(only, names)}; the pools are ${names.join(', ')}`])
  }

  const pools: Record<string, ResolvedPool> = {}
  const problems: string[] = []
  for (const name of names) {
    if (only !== undefined && name !== only) continue
    const entry = raw.pools[name]
    const { value, problems: missing } = interpolateTree(entry, env, ['pools', name], coerceAt)
    if (missing.length > 0) {
      for (const p of missing) problems.push(`pool "${name}", key "${p.path.slice(2).join('.')}": ${p.message}`)
      continue
    }
    try {
      pools[name] = resolvePoolEntry(name, value, optionKeys())
    } catch (error) {
      if (!(error instanceof EntryProblems)) throw error
      for (const p of error.problems) {
        problems.push(
          p.key === undefined ? `pool "${name}": ${p.message}` : `pool "${name}", key "${p.key}": ${p.message}`,
        )
      }
    }
  }
  if (problems.length > 0) throw fail(place, problems)
  return Object.freeze({
    file,
    files: Object.freeze(files),
    profile,
    profileSource: profile === undefined ? undefined : selected?.source,
    profiles: Object.freeze(profiles),
    pools: Object.freeze(pools),
  })
}

/**
 * Find and read the pools config file (`pools.config.{ts,mts,js,mjs,cjs,json,yaml}` or `.poolsrc`,
 * from `cwd` upward), apply the profile chosen by `POOLS_ENV`, then `NODE_ENV` (`$development`,
 * `$test`, `$production`, `$env.<name>`; arrays replace), interpolate `${NAME}` / `${NAME:-default}`,
 * and resolve every pool through the one schema. Throws a `PoolError` with code
 * `POOL_CONFIG_INVALID` naming the file, the profile, the pool and the key, with the closest valid
 * key; messages never contain a value from the file or the environment.
 *
 * @example
 * ```ts
 * import { loadPoolsConfig } from '@pools/core/config-file'
 * import { Pool } from '@pools/core/pg'
 *
 * const { pools } = await loadPoolsConfig()
 * const { config, connection } = pools.primary!
 * const pool = new Pool({ connectionString: connection.url, pools: config })
 * ```
 */
export function loadPoolsConfig(options: LoadPoolsConfigOptions = {}): Promise<LoadedPoolsConfig> {
  return load(options, undefined)
}

/**
 * Load the config file and resolve one pool by name. Only that pool's variables must be set.
 * An unknown name is a `POOL_CONFIG_INVALID` error listing the pools (with "did you mean").
 *
 * @example
 * ```ts
 * const replica = await resolvePool('replica', { env: { ...process.env, POOLS_ENV: 'staging' } })
 * replica.config.max
 * ```
 */
export async function resolvePool(name: string, options: LoadPoolsConfigOptions = {}): Promise<ResolvedPool> {
  const loaded = await load(options, name)
  return loaded.pools[name] as ResolvedPool
}
