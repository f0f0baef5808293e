// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} in plain strings is the interpolation syntax of config files
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { inspect } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { isPoolError } from '../index.js'
import {
  defineConfig,
  findConfigFiles,
  type LoadPoolsConfigOptions,
  loadPoolsConfig,
  mergeReplacingArrays,
  poolsConfigJsonSchema,
  redactConnection,
  redactUrl,
  resolvePool,
} from './index.js'

const root = mkdtempSync(path.join(tmpdir(), 'pools-config-file-'))
const repoNodeModules = path.resolve(import.meta.dirname, '../../../../node_modules')
afterAll(() => rmSync(root, { recursive: true, force: true }))

let counter = 0
/** A fresh folder holding the given files (paths relative to it). */
function project(files: Record<string, string>): string {
  const dir = path.join(root, `p${++counter}`)
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    writeFileSync(path.join(dir, name), text)
  }
  mkdirSync(dir, { recursive: true })
  return dir
}

const SECRET = 's3cr3t-pa55'
const URL_ENV = { DATABASE_URL: `postgres://app:${SECRET}@db.internal:5432/app?sslmode=require` }

/** The PoolError a load rejects with. */
async function failure(options: LoadPoolsConfigOptions): Promise<Error & { code: string }> {
  const error = await loadPoolsConfig(options).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(isPoolError(error, 'POOL_CONFIG_INVALID')).toBe(true)
  return error as Error & { code: string }
}

const json = (value: unknown): string => JSON.stringify(value, null, 2)

describe('formats: every file type gives the same pools', () => {
  const body = {
    pools: { primary: { extends: 'web', connection: '${DATABASE_URL}', max: 20 }, replica: { max: 3 } },
    $production: { pools: { primary: { max: 40 } } },
  }
  const esm = `export default ${json(body)}\n`
  const yaml = [
    'pools:',
    '  primary:',
    '    extends: web',
    "    connection: '${DATABASE_URL}'",
    '    max: 20',
    '  replica:',
    '    max: 3',
    '$production:',
    '  pools:',
    '    primary:',
    '      max: 40',
    '',
  ].join('\n')
  const cases: Record<string, string> = {
    'pools.config.ts': `import { defineConfig } from '@pools/core/config-file'\nconst max: number = 20\nexport default defineConfig({ pools: { primary: { extends: 'web', connection: '\${DATABASE_URL}', max }, replica: { max: 3 } }, $production: { pools: { primary: { max: 40 } } } })\n`,
    'pools.config.mts': `const config: { pools: object } = ${json(body)}\nexport default config\n`,
    'pools.config.js': esm,
    'pools.config.mjs': esm,
    'pools.config.cjs': `module.exports = ${json(body)}\n`,
    'pools.config.json': json(body),
    'pools.config.yaml': yaml,
    'pools.config.yml': yaml,
  }
  for (const [file, text] of Object.entries(cases)) {
    it(file, async () => {
      const dir = project({ [file]: text, 'package.json': '{"type":"module"}' })
      symlinkSync(repoNodeModules, path.join(dir, 'node_modules'))
      for (const profile of [undefined, 'production'] as const) {
        const loaded = await loadPoolsConfig({ cwd: dir, env: { ...URL_ENV, NODE_ENV: profile } })
        expect(loaded.file).toBe(path.join(dir, file))
        expect(loaded.profile).toBe(profile)
        expect(loaded.profiles).toEqual(['production'])
        expect(Object.keys(loaded.pools)).toEqual(['primary', 'replica'])
        expect(loaded.pools.primary?.config.max).toBe(profile ? 40 : 20)
        expect(loaded.pools.primary?.config.keepaliveIntervalMs).toBe(120_000) // from the web preset
        expect(loaded.pools.primary?.config.name).toBe('primary')
        expect(loaded.pools.replica?.config).toMatchObject({ name: 'replica', max: 3 })
        expect(loaded.pools.primary?.connection.url).toBe(URL_ENV.DATABASE_URL)
        expect(loaded.pools.primary?.connection.driver).toBe('pg')
      }
    })
  }

  it('.poolsrc (rc9 key=value lines), alone and beside pools.config.json (the main file wins)', async () => {
    const rc = 'pools.primary.max=7\npools.primary.connection.url=${DATABASE_URL}\npools.cache.max=2\n'
    const alone = project({ '.poolsrc': rc })
    const loaded = await loadPoolsConfig({ cwd: alone, env: URL_ENV })
    expect(loaded.file).toBe(path.join(alone, '.poolsrc'))
    expect(loaded.pools.primary?.config.max).toBe(7)
    expect(loaded.pools.primary?.connection.url).toBe(URL_ENV.DATABASE_URL)
    expect(loaded.pools.cache?.config.max).toBe(2)

    const both = project({ '.poolsrc': rc, 'pools.config.json': json({ pools: { primary: { max: 9 } } }) })
    const merged = await loadPoolsConfig({ cwd: both, env: URL_ENV })
    expect(merged.files).toEqual([path.join(both, 'pools.config.json'), path.join(both, '.poolsrc')])
    expect(merged.pools.primary?.config.max).toBe(9)
    expect(merged.pools.cache?.config.max).toBe(2)
  })

  it('is found from a subfolder upward; the nearest folder wins', async () => {
    const dir = project({
      'pools.config.json': json({ pools: { outer: {} } }),
      'app/pools.config.json': json({ pools: { inner: {} } }),
      'app/src/deep/.keep': '',
      'other/x/.keep': '',
    })
    expect(Object.keys((await loadPoolsConfig({ cwd: path.join(dir, 'app/src/deep'), env: {} })).pools)).toEqual([
      'inner',
    ])
    expect(Object.keys((await loadPoolsConfig({ cwd: path.join(dir, 'other/x'), env: {} })).pools)).toEqual(['outer'])
    expect(findConfigFiles(path.join(dir, 'other/x'))?.dir).toBe(dir)
  })

  it('an explicit file is read as it is, whatever its name', async () => {
    const dir = project({ 'config/db.pools.yaml': 'pools:\n  main:\n    max: 3\n' })
    const loaded = await loadPoolsConfig({ cwd: dir, file: 'config/db.pools.yaml', env: {} })
    expect(loaded.pools.main?.config.max).toBe(3)
  })

  it('a function export is called', async () => {
    const dir = project({ 'pools.config.mjs': 'export default () => ({ pools: { main: { max: 2 } } })\n' })
    expect((await loadPoolsConfig({ cwd: dir, env: {} })).pools.main?.config.max).toBe(2)
  })
})

describe('profiles', () => {
  const file = json({
    pools: {
      primary: { max: 10, connection: { host: 'a', hosts: ['a1', 'a2', 'a3'] } },
      replica: { max: 5 },
    },
    $development: { pools: { primary: { max: 2 } } },
    $test: { pools: { primary: { max: 1 } } },
    $production: {
      pools: { primary: { max: 50, connection: { hosts: ['p1'] } }, analytics: { extends: 'analytics' } },
    },
    $env: { staging: { pools: { primary: { max: 20 } } } },
  })
  const dir = project({ 'pools.config.json': file })
  const max = async (env: Record<string, string>, profile?: string | false) =>
    (await loadPoolsConfig({ cwd: dir, env, ...(profile === undefined ? {} : { profile }) })).pools.primary?.config.max

  it('no POOLS_ENV or NODE_ENV: the base alone', async () => {
    const loaded = await loadPoolsConfig({ cwd: dir, env: {} })
    expect(loaded.profile).toBeUndefined()
    expect(loaded.profiles).toEqual(['development', 'test', 'production', 'staging'])
    expect(loaded.pools.primary?.config.max).toBe(10)
    expect(Object.keys(loaded.pools)).toEqual(['primary', 'replica'])
  })

  it('$development, $test and $production by NODE_ENV', async () => {
    expect(await max({ NODE_ENV: 'development' })).toBe(2)
    expect(await max({ NODE_ENV: 'test' })).toBe(1)
    expect(await max({ NODE_ENV: 'production' })).toBe(50)
  })

  it('POOLS_ENV wins over NODE_ENV; the profile option wins over both; false applies none', async () => {
    const loaded = await loadPoolsConfig({ cwd: dir, env: { NODE_ENV: 'production', POOLS_ENV: 'staging' } })
    expect([loaded.profile, loaded.profileSource, loaded.pools.primary?.config.max]).toEqual([
      'staging',
      'POOLS_ENV',
      20,
    ])
    expect(await max({ NODE_ENV: 'production', POOLS_ENV: 'staging' }, 'test')).toBe(1)
    expect(await max({ NODE_ENV: 'production' }, false)).toBe(10)
    expect(await max({ NODE_ENV: 'production', POOLS_ENV: '' })).toBe(50) // empty = unset
  })

  it('$env.<name> profiles', async () => {
    expect(await max({ POOLS_ENV: 'staging' })).toBe(20)
    expect(await max({ NODE_ENV: 'staging' })).toBe(20)
  })

  it('a profile may add a pool, and its arrays replace the base arrays instead of concatenating', async () => {
    const loaded = await loadPoolsConfig({ cwd: dir, env: { NODE_ENV: 'production' } })
    expect(Object.keys(loaded.pools)).toEqual(['primary', 'replica', 'analytics'])
    expect(loaded.pools.analytics?.config.max).toBe(4)
    expect(loaded.pools.primary?.connection).toMatchObject({ host: 'a', hosts: ['p1'] })
    const base = await loadPoolsConfig({ cwd: dir, env: {} })
    expect(base.pools.primary?.connection.hosts).toEqual(['a1', 'a2', 'a3'])
  })

  it('a standard profile the file does not define applies nothing; so does any NODE_ENV', async () => {
    const plain = project({ 'pools.config.json': json({ pools: { primary: { max: 3 } } }) })
    for (const env of [{ POOLS_ENV: 'production' }, { NODE_ENV: 'preview' }]) {
      const loaded = await loadPoolsConfig({ cwd: plain, env })
      expect([loaded.profile, loaded.pools.primary?.config.max]).toEqual([undefined, 3])
    }
  })

  it('POOLS_ENV or the option naming an undefined profile is an error with the closest name', async () => {
    const error = await failure({ cwd: dir, env: { POOLS_ENV: 'stagin' } })
    expect(error.message).toBe(
      `Invalid pools config in ${path.join(dir, 'pools.config.json')}: profile "stagin" (from POOLS_ENV) is not defined (did you mean "staging"?); it defines development, test, production, staging.`,
    )
    expect((await failure({ cwd: dir, env: {}, profile: 'qa' })).message).toContain('profile "qa" is not defined;')
  })

  it('a misspelt or misplaced profile key is an error, not silently dropped', async () => {
    const typo = project({ 'pools.config.json': json({ pools: { a: {} }, $prodution: { pools: { a: { max: 1 } } } }) })
    expect((await failure({ cwd: typo, env: {} })).message).toContain(
      'unknown key "$prodution" (did you mean "$production"?)',
    )
    const custom = project({ 'pools.config.json': json({ pools: { a: {} }, $staging: {} }) })
    expect((await failure({ cwd: custom, env: {} })).message).toContain('under $env: { staging: { ... } }')
    const shape = project({
      'pools.config.json': json({ pools: { a: {} }, $test: { pool: {} }, $env: { qa: 3 } }),
    })
    const message = (await failure({ cwd: shape, env: {} })).message
    expect(message).toContain('unknown key "$test.pool" (did you mean "$test.pools"?)')
    expect(message).toContain('$env.qa must be an object like { pools: { ... } }')
    const twice = project({
      'pools.config.json': json({ pools: { a: {} }, $production: { pools: {} }, $env: { production: { pools: {} } } }),
    })
    expect((await failure({ cwd: twice, env: {} })).message).toContain(
      'profile "production" is defined twice, as $production and as $env.production; keep one',
    )
  })

  it('profiles in .poolsrc are refused (c12 only applies them to pools.config.*)', async () => {
    const dir = project({ '.poolsrc': 'pools.a.max=1\n$production.pools.a.max=2\n' })
    expect((await failure({ cwd: dir, env: {} })).message).toContain(
      '$production: profiles are read from pools.config.* only',
    )
  })

  it('the error names the selected profile', async () => {
    const dir = project({
      'pools.config.json': json({ pools: { a: { max: 5 } }, $production: { pools: { a: { max: 0 } } } }),
    })
    const error = await failure({ cwd: dir, env: { NODE_ENV: 'production' } })
    expect(error.message).toMatch(/pools\.config\.json \(profile "production"\): pool "a": max: /)
  })
})

describe('interpolation', () => {
  const dir = project({
    'pools.config.json': json({
      pools: {
        app: {
          connection: {
            host: '${PGHOST:-localhost}',
            port: '${PGPORT:-5432}',
            user: '${PGUSER}',
            password: '${PGPASSWORD}',
            database: 'app_${SUFFIX:-dev}',
            application_name: 'literal $${NOT_A_VAR}',
          },
          max: '${POOL_MAX:-10}',
          allowExitOnIdle: '${EXIT_ON_IDLE:-false}',
          name: 'app-${REGION:-eu}',
        },
      },
    }),
  })

  it('${NAME}, ${NAME:-default} (also for an empty variable) and $${ as a literal', async () => {
    const env = { PGUSER: 'svc', PGPASSWORD: '1234', PGHOST: '', SUFFIX: 'prod', POOL_MAX: '25', EXIT_ON_IDLE: 'true' }
    const { app } = (await loadPoolsConfig({ cwd: dir, env })).pools
    expect({ ...app?.connection }).toEqual({
      host: 'localhost',
      port: 5432,
      user: 'svc',
      password: '1234', // a password stays a string
      database: 'app_prod',
      application_name: 'literal ${NOT_A_VAR}',
    })
    expect(app?.config).toMatchObject({ max: 25, allowExitOnIdle: true, name: 'app-eu' })
  })

  it('a missing variable is an error naming it, the pool and the key; all of them at once', async () => {
    const error = await failure({ cwd: dir, env: { PGUSER: 'svc' } })
    expect(error.message).toBe(
      `Invalid pools config in ${path.join(dir, 'pools.config.json')}: pool "app", key "connection.password": environment variable PGPASSWORD is not set (write \${PGPASSWORD:-default} to give a default).`,
    )
    const none = await failure({ cwd: dir, env: {} })
    expect(none.message).toContain('key "connection.user": environment variable PGUSER is not set')
    expect(none.message).toContain('key "connection.password": environment variable PGPASSWORD is not set')
  })

  it('a malformed reference is an error that does not echo it', async () => {
    const bad = project({
      'pools.config.json': json({
        pools: { a: { connection: 'postgres://u:${:-hunter2}@h/d' }, b: { connection: '${OPEN' } },
      }),
    })
    const error = await failure({ cwd: bad, env: {} })
    expect(error.message).toContain('pool "a", key "connection": bad interpolation: a "${...}" that is not ${NAME}')
    expect(error.message).toContain('pool "b", key "connection": bad interpolation: "${" without a closing "}"')
    expect(error.message).not.toContain('hunter2')
  })

  it('an interpolated value of the wrong kind is reported by the schema', async () => {
    const error = await failure({ cwd: dir, env: { PGUSER: 'u', PGPASSWORD: 'p', POOL_MAX: 'lots' } })
    expect(error.message).toContain('pool "app": max: ')
  })

  it('resolvePool needs only the variables of that pool', async () => {
    const two = project({
      'pools.config.json': json({ pools: { a: { connection: '${A_URL}' }, b: { connection: '${B_URL}' } } }),
    })
    const a = await resolvePool('a', { cwd: two, env: { A_URL: 'mysql://root@127.0.0.1/x' } })
    expect([a.name, a.connection.driver, a.connection.url]).toEqual(['a', 'mysql2', 'mysql://root@127.0.0.1/x'])
    const error = await resolvePool('cache', { cwd: two, env: {} }).then(
      () => new Error('resolved'),
      (e: unknown) => e as Error,
    )
    expect(error.message).toContain('no pool named "cache"; the pools are a, b')
    const near = await resolvePool('bb', { cwd: two, env: {} }).then(
      () => new Error('resolved'),
      (e: unknown) => e as Error,
    )
    expect(near.message).toContain('(did you mean "b"?)')
  })
})

describe('pools, presets and connections', () => {
  it('URL pool parameters become options and leave the URL; the file names the driver or the scheme does', async () => {
    const dir = project({
      'pools.config.json': json({
        pools: {
          pg: { connection: 'postgresql://u@h/d?connection_limit=5&pool_timeout=2&application_name=x' },
          maria: { connection: { url: 'mariadb://u@h/d?connectionLimit=3' } },
          hosts: { connection: { driver: 'mysql2', host: 'h', user: 'u' }, extends: 'serverless' },
          none: {},
        },
      }),
    })
    const { pools } = await loadPoolsConfig({ cwd: dir, env: {} })
    expect(pools.pg?.config).toMatchObject({ max: 5, acquireTimeoutMs: 2_000 })
    expect(pools.pg?.connection.url).toBe('postgresql://u@h/d?application_name=x')
    expect(pools.maria?.connection.driver).toBe('mysql2')
    expect(pools.maria?.config.max).toBe(3)
    expect(pools.hosts?.connection.driver).toBe('mysql2')
    expect(pools.hosts?.preset).toBe('serverless')
    expect(pools.hosts?.config).toMatchObject({ max: 1, allowExitOnIdle: true })
    expect(pools.none?.connection.driver).toBeUndefined()
    expect(pools.none?.config.max).toBe(10)
  })

  it('the file overrides its preset; a URL parameter and an option that disagree are an error', async () => {
    const dir = project({
      'pools.config.json': json({
        pools: { a: { extends: 'api', maxPending: 5, connection: 'postgres://h/d?max=4' } },
      }),
    })
    expect((await loadPoolsConfig({ cwd: dir, env: {} })).pools.a?.config).toMatchObject({ maxPending: 5, max: 4 })
    const clash = project({
      'pools.config.json': json({ pools: { a: { max: 8, connection: 'postgres://h/d?max=4' } } }),
    })
    expect((await failure({ cwd: clash, env: {} })).message).toContain(
      'pool "a", key "max": set both by a parameter of connection.url and by the "max" option, with different values; keep one',
    )
  })
})

describe('errors name the file, the pool and the key, with the closest valid key', () => {
  it('unknown keys at every level', async () => {
    const dir = project({
      'pools.config.json': json({
        pool: {},
        pools: { a: { maxx: 3, conection: 'x', extends: 'serverles', retry: { maxDelay: 5 } } },
      }),
    })
    const { message } = await failure({ cwd: dir, env: {} })
    expect(message).toContain('unknown key "pool" (did you mean "pools"?)')
    const inner = await failure({
      cwd: project({ 'pools.config.json': json({ pools: { a: { maxx: 3, conection: 'x', extends: 'serverles' } } }) }),
      env: {},
    })
    expect(inner.message).toContain('pool "a", key "maxx": unknown option "maxx" (did you mean "max"?)')
    expect(inner.message).toContain(
      'pool "a", key "conection": unknown option "conection" (did you mean "connection"?)',
    )
    expect(inner.message).toContain('pool "a", key "extends": unknown preset "serverles" (did you mean "serverless"?)')
    const nested = await failure({
      cwd: project({ 'pools.config.json': json({ pools: { a: { retry: { maxDelay: 5 } } } }) }),
      env: {},
    })
    expect(nested.message).toContain('pool "a": unknown option "retry.maxDelay" (did you mean "retry.maxDelayMs"?)')
  })

  it('schema rules, bad connections and bad shapes', async () => {
    const dir = project({
      'pools.config.json': json({
        pools: {
          range: { min: 5, max: 2 },
          port: { connection: { host: 'h', port: 70_000, user: 3 } },
          driver: { connection: { driver: 'postgres' } },
          scheme: { connection: { driver: 'mysql2', url: 'postgres://h/d' } },
          url: { connection: 'postgres://h/d?connection_limit=many' },
          shape: 'big',
        },
      }),
    })
    const { message } = await failure({ cwd: dir, env: {} })
    expect(message).toContain('pool "range": min (5) must not exceed max (2)')
    expect(message).toContain('pool "port", key "connection.port": must be a whole number from 1 to 65535')
    expect(message).toContain('pool "port", key "connection.user": must be a string, got number')
    expect(message).toContain('pool "driver", key "connection.driver": unknown driver "postgres"')
    expect(message).toContain('pool "scheme", key "connection.driver": is "mysql2" but the URL\'s scheme is for pg')
    expect(message).toContain(
      'pool "url", key "connection.url": URL parameter "connection_limit" must be a whole number',
    )
    expect(message).toContain('pool "shape": must be an object of pool options')
  })

  it('no file, two files, a missing explicit file, unreadable files, no pools', async () => {
    const empty = project({ '.keep': '' })
    const outside = await failure({ cwd: empty, env: {} }).catch(() => undefined)
    // A pools.config.* above the temp folder would be found; the message is checked only when there is none.
    if (outside && !findConfigFiles(empty)) expect(outside.message).toContain('No pools config found')
    const two = project({ 'pools.config.json': '{}', 'pools.config.yaml': '' })
    expect((await failure({ cwd: two, env: {} })).message).toContain(
      'found pools.config.json and pools.config.yaml; keep one pools.config file per folder',
    )
    expect((await failure({ cwd: empty, file: 'nope.json', env: {} })).message).toContain(
      'nope.json: the file does not exist',
    )
    const broken = project({ 'pools.config.json': `{ "pools": { "a": { "connection": "postgres://u:${SECRET}@h/d" } ` })
    const unreadable = await failure({ cwd: broken, env: {} })
    expect(unreadable.message).toContain('the file could not be read')
    expect(unreadable.message).not.toContain(SECRET)
    const array = project({ 'pools.config.json': '[1]' })
    expect((await failure({ cwd: array, env: {} })).message).toContain('must export an object')
    const noPools = project({ 'pools.config.json': '{ "pools": {} }' })
    expect((await failure({ cwd: noPools, env: {} })).message).toContain('no pools: add pools:')
  })

  it('credentials never reach an error, its cause or its inspection', async () => {
    const dir = project({
      'pools.config.json': json({ pools: { a: { connection: '${DATABASE_URL}', max: 3 } } }),
    })
    const env = { DATABASE_URL: `postgres://app:${SECRET}@h/d?max=4&password=${SECRET}` }
    const error = await failure({ cwd: dir, env })
    expect(error.message).toContain('key "max"')
    for (const text of [error.message, inspect(error, { depth: 10 }), JSON.stringify(error), String(error.cause)]) {
      expect(text).not.toContain(SECRET)
    }
  })
})

describe('redaction', () => {
  it('a resolved connection prints and serialises with *** but spreads with every setting', async () => {
    const dir = project({
      'pools.config.json': json({
        pools: { a: { connection: { url: '${DATABASE_URL}', password: '${PW}', ssl: { key: '${PW}', ca: 'CA' } } } },
      }),
    })
    const { pools } = await loadPoolsConfig({ cwd: dir, env: { ...URL_ENV, PW: SECRET } })
    const pool = pools.a
    expect(inspect(pools, { depth: 10 })).not.toContain(SECRET)
    expect(JSON.stringify(pools)).not.toContain(SECRET)
    expect(JSON.parse(JSON.stringify(pool?.connection))).toEqual({
      driver: 'pg',
      url: 'postgres://app:***@db.internal:5432/app?sslmode=require',
      password: '***',
      ssl: { key: '***', ca: 'CA' },
    })
    expect({ ...pool?.connection }).toEqual({
      url: URL_ENV.DATABASE_URL,
      password: SECRET,
      ssl: { key: SECRET, ca: 'CA' },
    })
    expect(Object.isFrozen(pool?.connection)).toBe(true)
  })

  it('redactUrl and redactConnection', () => {
    expect(redactUrl('mysql://root:pw@127.0.0.1:3306/db?password=x&sslpassword=y&charset=utf8')).toBe(
      'mysql://root:***@127.0.0.1:3306/db?password=***&sslpassword=***&charset=utf8',
    )
    expect(redactUrl('postgres://u@h/d')).toBe('postgres://u@h/d')
    expect(redactUrl('not a url: pw')).not.toContain('pw')
    expect(redactConnection({ host: 'h', password: 'p', ssl: { passphrase: 'q', cert: 'c' }, token: '' })).toEqual({
      host: 'h',
      password: '***',
      ssl: { passphrase: '***', cert: 'c' },
      token: '',
    })
  })
})

describe('helpers', () => {
  it('mergeReplacingArrays: the first source wins, objects merge, arrays replace', () => {
    expect(
      mergeReplacingArrays<Record<string, unknown>>({ a: [1], o: { x: 1 } }, { a: [2, 3], o: { y: 2 }, b: 1 }),
    ).toEqual({
      a: [1],
      o: { x: 1, y: 2 },
      b: 1,
    })
    expect(mergeReplacingArrays<Record<string, unknown>>({ a: undefined }, { a: 1 })).toEqual({ a: 1 })
    expect(Object.getPrototypeOf(mergeReplacingArrays(JSON.parse('{"__proto__":{"x":1}}') as object, {}))).toBe(
      Object.prototype,
    )
  })

  it('defineConfig returns its argument', () => {
    const config = { pools: { a: { max: 1 } } }
    expect(defineConfig(config)).toBe(config)
  })

  it('the JSON Schema covers pools, presets and profiles, and the shipped file is current', () => {
    const schema = poolsConfigJsonSchema()
    expect(schema.required).toEqual(['pools'])
    const pool = (schema.$defs as Record<string, { properties: Record<string, { enum?: unknown[] }> }>).pool
    expect(pool?.properties.extends?.enum).toContain('serverless')
    expect(Object.keys(pool?.properties ?? {})).toEqual(expect.arrayContaining(['connection', 'max', 'retry']))
    expect(Object.keys(schema.properties ?? {})).toEqual([
      '$schema',
      'pools',
      '$development',
      '$test',
      '$production',
      '$env',
    ])
    const file = path.resolve(import.meta.dirname, '../../pools-config.schema.json')
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(schema)
  })
})
