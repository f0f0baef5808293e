/**
 * Child process of the redaction tests: `node scenario-runner.mjs <json>` runs every scenario of one entry
 * point against the real servers and prints everything an app could ever print about it to stdout:
 * every error (util.inspect with depth Infinity and showHidden, JSON.stringify, String, message, stack and
 * each own property of every link of the cause chain), every engine event payload, stats(), health(),
 * leaks() and the name of every pool the diagnostics channel announced, the console output of the pools
 * (their logger is the console), a Prometheus scrape and an OpenTelemetry collection. The parent greps
 * all of it (and stderr) for the password.
 *
 * Plain ESM JavaScript over the built packages, as an app runs them.
 */
import diagnosticsChannel from 'node:diagnostics_channel'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { inspect } from 'node:util'
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics'
import { logTo, POOL_CREATED_CHANNEL } from '@pools/core'
import { registerOtelMetrics } from '@pools/core/otel'
import { registerPrometheusMetrics } from '@pools/core/prometheus'
import promClient from 'prom-client'

const spec = JSON.parse(process.argv[2])
// console.error and the drivers' own warnings land in order with the rest (the parent names the scenario
// a leak was printed in by what came before it); fatal errors from Node itself still go to the real stderr.
process.stderr.write = process.stdout.write.bind(process.stdout)
const EVENTS = [
  'enqueue',
  'acquire',
  'release',
  'timeout',
  'abort',
  'create',
  'createError',
  'destroy',
  'validationFailed',
  'leak',
  'leakReturned',
  'error',
  'suspend',
  'resume',
  'resize',
  'close',
  'closed',
]
const deep = { depth: Number.POSITIVE_INFINITY, showHidden: true, maxArrayLength: null, maxStringLength: null }
const out = (...parts) =>
  process.stdout.write(`${parts.map((p) => (typeof p === 'string' ? p : inspect(p, deep))).join(' ')}\n`)

/** A driver's own connection object (pg.Client, mysql2 Connection, ioredis) holds its settings as the driver does: not ours to print. */
const RESOURCE = '[resource]'
function withoutResource(value) {
  if (value === null || typeof value !== 'object' || !('resource' in value)) return value
  return { ...value, resource: RESOURCE }
}

function json(value) {
  try {
    return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? String(v) : v))
  } catch (error) {
    return `JSON.stringify threw: ${String(error?.message)}`
  }
}

function dumpError(label, error) {
  out(`--- error ${label}`)
  out(inspect(error, deep))
  out(json(error))
  const seen = new Set()
  const queue = [error]
  while (queue.length > 0) {
    const e = queue.shift()
    if (e === null || e === undefined || seen.has(e)) continue
    seen.add(e)
    out(String(e))
    if (typeof e === 'object') {
      out(String(e.message), String(e.stack))
      for (const key of Reflect.ownKeys(e)) {
        let value
        try {
          value = e[key]
        } catch {
          continue
        }
        out(String(key), inspect(value, deep), json(value))
      }
      if ('cause' in e) queue.push(e.cause)
      if (Array.isArray(e.errors)) queue.push(...e.errors)
    }
  }
}

// Every pool the engine announces: its events and, at the end of each scenario, its numbers.
const engines = new Set()
diagnosticsChannel.subscribe(POOL_CREATED_CHANNEL, (message) => {
  const engine = message.pool
  engines.add(engine)
  out(`pool created: ${engine.name}`)
  for (const name of EVENTS) {
    engine.on(name, (payload) => {
      const shown =
        name === 'leak' || name === 'leakReturned' ? { ...payload, resource: RESOURCE } : withoutResource(payload)
      out(`event ${engine.name} ${name}`, inspect(shown, deep), json(shown))
      if (payload?.error !== undefined) dumpError(`event ${name}`, payload.error)
    })
  }
})

const register = new promClient.Registry()
const prometheus = registerPrometheusMetrics({ register })
class Reader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}
const reader = new Reader()
const provider = new MeterProvider({ readers: [reader] })
const otel = registerOtelMetrics({ meterProvider: provider })

async function snapshot(label) {
  out(`--- snapshot ${label}`)
  for (const engine of engines) {
    out(`pool ${engine.name} state ${engine.state}`)
    for (const [what, read] of [
      ['stats', () => engine.stats()],
      ['health', () => engine.health()],
      ['leaks', () => engine.leaks().map((leak) => ({ ...leak, resource: RESOURCE }))],
    ]) {
      try {
        const value = read()
        out(what, inspect(value, deep), json(value))
      } catch (error) {
        dumpError(`${what}()`, error)
      }
    }
  }
  out(await register.metrics())
  const { resourceMetrics } = await reader.collect()
  out(json(resourceMetrics))
}

/** A scenario's step, bounded in time: a hang is reported, never waited out. */
function bounded(promise, ms, what) {
  let timer
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`redaction runner: ${what} did not settle in ${ms} ms`)), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}

/** `pools.config.json` with pool `main` on `connection`, or, for `{ $file, body }`, that file as it is (a broken one). */
function writeConfig(dir, connection, options) {
  if (connection !== null && typeof connection === 'object' && '$file' in connection) {
    writeFileSync(path.join(dir, connection.$file), connection.body)
  } else {
    writeFileSync(path.join(dir, 'pools.config.json'), JSON.stringify({ pools: { main: { connection, ...options } } }))
  }
}

/** A pino-shaped logger through logTo(): every field and message it gets is printed. */
const structuredLogger = logTo(
  Object.fromEntries(
    ['error', 'warn', 'info'].map((level) => [level, (fields, message) => out(`log ${level}`, json(fields), message)]),
  ),
)

const POOLS = { acquireTimeoutMs: 1_500, createTimeoutMs: 1_500 }

/** For each target: connect with `connection` (a URL or an options object), run one query, give back a closer. */
const targets = {
  async pg(connection) {
    const { Pool } = await import('@pools/core/pg')
    const options = typeof connection === 'string' ? { connectionString: connection } : connection
    const pool = new Pool({ ...options, max: 2, logger: console, pools: POOLS })
    pool.on('error', (error) => dumpError('pg pool error event', error))
    return { facade: pool, query: () => pool.query('SELECT 1 AS one'), close: () => pool.end() }
  },
  async mysql2(connection) {
    const mysql = (await import('@pools/core/mysql2')).default
    const pool = mysql.createPool(
      typeof connection === 'string'
        ? { uri: connection, connectionLimit: 2, pools: POOLS }
        : { ...connection, connectionLimit: 2, pools: POOLS },
    )
    pool.on('error', (error) => dumpError('mysql2 pool error event', error))
    return {
      facade: pool,
      query: () =>
        new Promise((resolve, reject) =>
          pool.query('SELECT 1 AS one', (error, rows) => (error ? reject(error) : resolve(rows))),
        ),
      close: () => new Promise((resolve) => pool.end(() => resolve())),
    }
  },
  async 'mysql2/promise'(connection) {
    const mysql = (await import('@pools/core/mysql2/promise')).default
    const pool = mysql.createPool(
      typeof connection === 'string'
        ? { uri: connection, connectionLimit: 2, pools: POOLS }
        : { ...connection, connectionLimit: 2, pools: POOLS },
    )
    return { facade: pool, query: () => pool.query('SELECT 1 AS one'), close: () => pool.end() }
  },
  async mariadb(connection) {
    const mariadb = (await import('@pools/core/mariadb')).default
    const pool =
      typeof connection === 'string'
        ? mariadb.createPool(connection)
        : mariadb.createPool({ ...connection, connectionLimit: 2, pools: POOLS })
    return { facade: pool, query: () => pool.query('SELECT 1 AS one'), close: () => pool.end() }
  },
  async 'config-file'(connection) {
    const { loadPoolsConfig } = await import('@pools/core/config-file')
    const dir = mkdtempSync(path.join(tmpdir(), 'pools-redaction-'))
    writeConfig(dir, connection, { ...POOLS })
    try {
      const loaded = await loadPoolsConfig({ cwd: dir, env: {} })
      out('loaded', inspect(loaded, deep), json(loaded))
      const main = loaded.pools.main
      out('connection', String(main.connection), inspect(main.connection, deep), json(main.connection))
      const { Pool } = await import('@pools/core/pg')
      const { url, ...settings } = { ...main.connection }
      const pool = new Pool({
        ...settings,
        ...(url === undefined ? {} : { connectionString: url }),
        max: 2,
        logger: structuredLogger,
        pools: { ...POOLS, name: main.name },
      })
      return { facade: pool, query: () => pool.query('SELECT 1 AS one'), close: () => pool.end() }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
  async 'prisma-pg'(connection) {
    const { prismaAdapter } = await import('@pools/prisma')
    const factory = prismaAdapter(typeof connection === 'string' ? connection : { ...connection, max: 2, pools: POOLS })
    let adapter
    return {
      facade: factory,
      query: async () => {
        adapter = await factory.connect()
        return await adapter.queryRaw({ sql: 'SELECT 1 AS one', args: [], argTypes: [] })
      },
      close: async () => {
        await adapter?.dispose()
        await factory.pool?.end?.()
      },
    }
  },
  async 'prisma-mariadb'(connection) {
    const { prismaAdapter } = await import('@pools/prisma/mariadb')
    const factory = prismaAdapter(
      typeof connection === 'string' ? connection : { ...connection, connectionLimit: 2, pools: POOLS },
    )
    let adapter
    return {
      facade: factory,
      query: async () => {
        adapter = await factory.connect()
        return await adapter.queryRaw({ sql: 'SELECT 1 AS one', args: [], argTypes: [] })
      },
      close: async () => {
        await adapter?.dispose()
        await factory.pool?.end?.()
      },
    }
  },
  async 'drizzle-pg'(connection) {
    const { drizzle } = await import('@pools/drizzle/node-postgres')
    const { sql } = await import('drizzle-orm')
    const db = drizzle(
      typeof connection === 'string' ? connection : { connection: { ...connection, max: 2, pools: POOLS } },
    )
    return { facade: db.$client, query: () => db.execute(sql`SELECT 1 AS one`), close: () => db.$client.end() }
  },
  async 'drizzle-mysql2'(connection) {
    const { drizzle } = await import('@pools/drizzle/mysql2')
    const { sql } = await import('drizzle-orm')
    const db = drizzle(
      typeof connection === 'string' ? connection : { connection: { ...connection, connectionLimit: 2, pools: POOLS } },
    )
    return { facade: db.$client, query: () => db.execute(sql`SELECT 1 AS one`), close: () => db.$client.end() }
  },
  async 'knex-pg'(connection) {
    const knex = (await import('knex')).default
    const { withPools } = await import('@pools/knex')
    const db = knex(withPools({ client: 'pg', connection, pool: { min: 0, max: 2 }, pools: POOLS }))
    return { query: () => db.raw('SELECT 1 AS one'), close: () => db.destroy() }
  },
  async 'knex-mysql2'(connection) {
    const knex = (await import('knex')).default
    const { withPools } = await import('@pools/knex')
    const db = knex(withPools({ client: 'mysql2', connection, pool: { min: 0, max: 2 }, pools: POOLS }))
    return { query: () => db.raw('SELECT 1 AS one'), close: () => db.destroy() }
  },
  async 'typeorm-pg'(connection) {
    const { DataSource } = await import('typeorm')
    const { withPools } = await import('@pools/typeorm')
    const source = new DataSource(
      withPools({
        type: 'postgres',
        ...(typeof connection === 'string' ? { url: connection } : { ...connection, username: connection.user }),
        poolSize: 2,
        pools: POOLS,
      }),
    )
    return {
      query: async () => {
        await source.initialize()
        return await source.query('SELECT 1 AS one')
      },
      close: async () => {
        if (source.isInitialized) await source.destroy()
      },
    }
  },
  async 'typeorm-mysql'(connection) {
    const { DataSource } = await import('typeorm')
    const { withPools } = await import('@pools/typeorm')
    const source = new DataSource(
      withPools({
        type: 'mysql',
        ...(typeof connection === 'string' ? { url: connection } : { ...connection, username: connection.user }),
        poolSize: 2,
        pools: POOLS,
      }),
    )
    return {
      query: async () => {
        await source.initialize()
        return await source.query('SELECT 1 AS one')
      },
      close: async () => {
        if (source.isInitialized) await source.destroy()
      },
    }
  },
  async ioredis(connection) {
    const { createRedisPool } = await import('@pools/ioredis')
    const pool = createRedisPool(
      typeof connection === 'string'
        ? { url: connection, pools: { max: 2, ...POOLS } }
        : { redis: { ...connection, connectTimeout: 2_000 }, pools: { max: 2, ...POOLS } },
    )
    return { facade: pool, query: () => pool.use((redis) => redis.ping()), close: () => pool.close() }
  },
  /** The control: a leak as deep as any real one (a hidden property of a cause), which the search must find. */
  async control(connection) {
    return {
      query: async () => {
        const cause = new TypeError('Invalid URL')
        Object.defineProperty(cause, 'input', { value: connection, enumerable: false })
        throw new Error('could not connect', { cause })
      },
      close: async () => {},
    }
  },
  async doctor(connection) {
    const { runCli } = await import('@pools/cli')
    const dir = mkdtempSync(path.join(tmpdir(), 'pools-redaction-doctor-'))
    writeConfig(dir, connection, {})
    const io = { write: (text) => process.stdout.write(text) }
    return {
      query: async () => {
        // what `pools config print`, `config validate` and `doctor --json` show of the same file comes first
        for (const args of [
          ['config', 'print'],
          ['config', 'validate'],
          ['doctor', '--json'],
        ]) {
          const shown = await runCli(args, { cwd: dir, env: {}, stdout: io, stderr: io })
          out(`pools ${args.join(' ')} exit code ${shown}`)
        }
        const code = await runCli(['doctor'], { cwd: dir, env: {}, stdout: io, stderr: io })
        out(`doctor exit code ${code}`)
        if (code >= 2) throw new Error(`doctor exit code ${code}`)
      },
      close: async () => rmSync(dir, { recursive: true, force: true }),
    }
  },
}

for (const scenario of spec.scenarios) {
  out(`=== scenario ${scenario.label}`)
  let handle
  try {
    handle = await bounded(targets[spec.target](scenario.connection), 10_000, 'setup')
    const rows = await bounded(handle.query(), 10_000, 'query')
    out(`result ${scenario.label} ok`, json(rows?.rows ?? rows))
  } catch (error) {
    out(`result ${scenario.label} failed`)
    dumpError(scenario.label, error)
  }
  if (handle?.facade !== undefined) {
    // what console.log(pool) prints (no showHidden: what the drivers hide, like pg-pool's password, stays hidden)
    out('facade', inspect(handle.facade, { depth: 6 }))
  }
  try {
    await snapshot(scenario.label)
  } catch (error) {
    dumpError(`${scenario.label} snapshot`, error)
  }
  try {
    await bounded(handle?.close() ?? Promise.resolve(), 10_000, 'close')
  } catch (error) {
    dumpError(`${scenario.label} close`, error)
  }
  engines.clear()
}
prometheus.stop()
otel.stop()
await provider.shutdown()
out('=== done')
process.exit(0)
