import {
  configFromUrl,
  type Pool as EnginePool,
  engineOf,
  type PoolConfigInput,
  PoolError,
  type PresetName,
  preset,
} from '@pools/core'
import type { PoolDefinition, PoolSource, PoolsDriverName } from './pools.interfaces.js'

/** A pool the module manages: what it injects, its engine, and whether the module must close it. */
export interface ManagedPool {
  readonly name: string
  readonly driver: PoolsDriverName | 'existing'
  /** What `@InjectPool(name)` injects. */
  readonly pool: object
  readonly engine: EnginePool<unknown>
  /** `true` when the module created the pool (it closes it on shutdown); `false` for `existing`. */
  readonly owned: boolean
  /** Close the pool (only called when `owned`). */
  close(graceMs: number): Promise<void>
}

const SCHEMES: Readonly<Record<string, PoolsDriverName>> = {
  'postgres:': 'pg',
  'postgresql:': 'pg',
  'mysql:': 'mysql2',
  'mariadb:': 'mysql2',
  'redis:': 'ioredis',
  'rediss:': 'ioredis',
}

function invalid(name: string, message: string, cause?: unknown): PoolError {
  return new PoolError(
    'POOL_CONFIG_INVALID',
    `@pools/nestjs: pool "${name}": ${message}`,
    cause === undefined ? { poolName: name } : { poolName: name, cause },
  )
}

function driverOfUrl(name: string, url: string): PoolsDriverName | undefined {
  let protocol: string
  try {
    protocol = new URL(url).protocol
  } catch {
    // Never echo the URL: it may carry a password.
    throw invalid(name, 'the url is not a valid URL')
  }
  return SCHEMES[protocol]
}

/** The engine options: a preset or an object, over the URL's pool parameters, named after the pool. */
function engineConfig(name: string, pools: PoolConfigInput | PresetName | undefined, fromUrl: PoolConfigInput) {
  if (typeof pools === 'string') return preset(pools, { name, ...fromUrl })
  return { name, ...fromUrl, ...(pools ?? {}) } as PoolConfigInput
}

interface Normalized {
  driver: PoolsDriverName
  url: string | undefined
  connection: Record<string, unknown>
  config: PoolConfigInput | PresetName | undefined
  /** The config came resolved from a file: use it as it is. */
  resolved: boolean
}

async function normalize(name: string, def: PoolDefinition): Promise<Normalized> {
  if (def.configFile !== undefined) {
    const source = typeof def.configFile === 'string' ? { pool: def.configFile } : def.configFile
    const { resolvePool } = await import('@pools/core/config-file')
    const resolved = await resolvePool(source.pool ?? name, {
      ...(source.cwd === undefined ? {} : { cwd: source.cwd }),
      ...(source.file === undefined ? {} : { file: source.file }),
      ...(source.profile === undefined ? {} : { profile: source.profile }),
      ...(source.env === undefined ? {} : { env: source.env }),
    })
    const { url, ...connection } = { ...resolved.connection } as Record<string, unknown>
    const driver = def.driver ?? resolved.connection.driver ?? 'pg'
    return {
      driver,
      url: typeof url === 'string' ? url : undefined,
      connection: { ...connection, ...def.connection },
      config: resolved.config as PoolConfigInput,
      resolved: true,
    }
  }
  const driver = def.driver ?? (def.url === undefined ? undefined : driverOfUrl(name, def.url)) ?? 'pg'
  return { driver, url: def.url, connection: { ...def.connection }, config: def.pools, resolved: false }
}

function poolsOptions(name: string, n: Normalized): { url: string | undefined; config: PoolConfigInput } {
  if (n.resolved) return { url: n.url, config: n.config as PoolConfigInput }
  if (n.url === undefined) return { url: undefined, config: engineConfig(name, n.config, {}) }
  driverOfUrl(name, n.url) // validates without echoing
  const split = configFromUrl(n.url)
  return { url: split.url, config: engineConfig(name, n.config, split.config) }
}

/**
 * Build the pool of one definition. Drivers load here, by dynamic import, so an app installs only
 * what it uses (`pg`, `mysql2`, `@pools/ioredis` + `ioredis`).
 */
export async function buildPool(name: string, source: PoolSource): Promise<ManagedPool> {
  const def: PoolDefinition = typeof source === 'string' ? { url: source } : source
  if (typeof def !== 'object' || def === null) throw invalid(name, 'expected a URL or a pool definition')
  if (def.existing !== undefined) {
    const engine = engineOf(def.existing) as EnginePool<unknown>
    return { name, driver: 'existing', pool: def.existing, engine, owned: false, close: async () => {} }
  }
  const n = await normalize(name, def)
  if (n.driver === 'pg') {
    const [{ createPool }, { createPgDriver, Pool }] = await Promise.all([
      import('@pools/core'),
      import('@pools/core/pg'),
    ])
    const { url, config } = poolsOptions(name, n)
    const driverOptions = { ...(url === undefined ? {} : { connectionString: url }), ...n.connection }
    const engine = createPool(createPgDriver(driverOptions), config) as EnginePool<unknown>
    const pool = new Pool({ engine })
    return {
      name,
      driver: 'pg',
      pool,
      engine,
      owned: true,
      close: async (graceMs) => {
        await pool.end()
        await engine.close({ graceMs, serveWaiting: true })
      },
    }
  }
  if (n.driver === 'mysql2') {
    const [{ createPool }, { createMysql2Driver }, promise] = await Promise.all([
      import('@pools/core'),
      import('@pools/core/mysql2'),
      import('@pools/core/mysql2/promise'),
    ])
    const { url, config } = poolsOptions(name, n)
    const driverOptions = { ...(url === undefined ? {} : { uri: url }), ...n.connection }
    const engine = createPool(createMysql2Driver(driverOptions), config)
    const pool = promise.createPool({ engine })
    return {
      name,
      driver: 'mysql2',
      pool,
      engine: engine as EnginePool<unknown>,
      owned: true,
      close: async (graceMs) => {
        await pool.end()
        await engine.close({ graceMs, serveWaiting: true })
      },
    }
  }
  if (n.driver === 'ioredis') {
    const { createRedisPool } = await import('@pools/ioredis')
    const config: PoolConfigInput | PresetName =
      n.resolved || typeof n.config === 'string'
        ? (n.config as PoolConfigInput | PresetName)
        : { name, ...(n.config ?? {}) }
    const pool = createRedisPool({
      ...(n.url === undefined ? {} : { url: n.url }),
      redis: n.connection,
      pools: config,
    })
    return {
      name,
      driver: 'ioredis',
      pool,
      engine: pool.engine as EnginePool<unknown>,
      owned: true,
      close: (graceMs) => pool.close({ graceMs, serveWaiting: true }),
    }
  }
  throw invalid(name, `unknown driver "${String(n.driver)}" (expected pg, mysql2 or ioredis)`)
}
