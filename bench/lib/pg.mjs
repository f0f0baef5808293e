/**
 * Real-PostgreSQL helpers shared by bench/run.mjs and bench/pg-worker.mjs: where the server is,
 * whether it answers, how many benchmark connections it still has, and the pgbench reference run.
 *
 * The server comes from the usual libpq variables (PGHOST, PGPORT, PGUSER, PGDATABASE; PGPASSWORD
 * is read by pg and pgbench themselves and never passed on a command line), defaulting to
 * postgres@127.0.0.1:5432/test.
 */
import { spawnSync } from 'node:child_process'
import pg from 'pg'

/** Every connection the benchmark pools open has an application_name starting with this. */
export const APP_PREFIX = 'pools-bench'
/** The orchestrator's and workers' own check connections (must not match `${APP_PREFIX}%`). */
export const CHECK_APP = 'bench-check'

/** Connection options (no password: pg and pgbench read PGPASSWORD from the environment). */
export function connectionFromEnv(env = process.env) {
  return {
    host: env.PGHOST || '127.0.0.1',
    port: Number.parseInt(env.PGPORT || '5432', 10),
    user: env.PGUSER || 'postgres',
    database: env.PGDATABASE || 'test',
  }
}

export const describeConnection = (c) => `${c.user}@${c.host}:${c.port}/${c.database}`

/** Run `fn(client)` on a short-lived check connection. */
export async function withClient(conn, fn, database = conn.database) {
  const client = new pg.Client({ ...conn, database, application_name: CHECK_APP, connectionTimeoutMillis: 5000 })
  client.on('error', () => {})
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end().catch(() => {})
  }
}

/** `{ ok: true, version, maxConnections }` or `{ ok: false, error }`; never throws. */
export async function probe(conn) {
  try {
    return await withClient(conn, async (c) => {
      const { rows } = await c.query(
        "SELECT version() AS version, current_setting('max_connections')::int AS max_connections, current_setting('server_version') AS server_version",
      )
      return {
        ok: true,
        version: rows[0].version,
        serverVersion: rows[0].server_version,
        maxConnections: rows[0].max_connections,
      }
    })
  } catch (error) {
    return { ok: false, error: String(error?.message ?? error) }
  }
}

/** Backends whose application_name is LIKE `pattern` (default: every benchmark pool's). */
export async function countConnections(conn, pattern = `${APP_PREFIX}%`) {
  return withClient(conn, async (c) => {
    const { rows } = await c.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE $1', [
      pattern,
    ])
    return rows[0].n
  })
}

/**
 * Poll until no backend matches `pattern` (a closed socket leaves its backend in pg_stat_activity
 * for a moment while it exits). Returns `{ first, last, waitedMs }`: `last` > 0 means a leak.
 */
export async function waitForNoConnections(conn, pattern = `${APP_PREFIX}%`, timeoutMs = 5000) {
  const t0 = Date.now()
  const first = await countConnections(conn, pattern)
  let last = first
  while (last > 0 && Date.now() - t0 < timeoutMs) {
    await new Promise((r) => setTimeout(r, 50))
    last = await countConnections(conn, pattern)
  }
  return { first, last, waitedMs: Date.now() - t0 }
}

const quoteIdent = (s) => `"${String(s).replace(/"/g, '""')}"`
const SCRATCH_PREFIX = 'pools_bench_pgbench_'

function alive(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return error?.code === 'EPERM'
  }
}

async function dropDatabase(conn, name) {
  await withClient(conn, async (c) => {
    try {
      await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)
    } catch {
      await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`) // PostgreSQL < 13
    }
  })
}

/** Parse the summary pgbench prints on stdout. */
export function parsePgbench(out) {
  const num = (re) => {
    const m = out.match(re)
    return m ? Number.parseFloat(m[1]) : null
  }
  const tps = out.match(/^tps = ([\d.]+) \(([^)]*)\)/m)
  return {
    tps: tps ? Number.parseFloat(tps[1]) : null,
    tpsNote: tps ? tps[2] : null,
    transactions: num(/^number of transactions actually processed: (\d+)/m),
    failed: num(/^number of failed transactions: (\d+)/m),
    latencyAvgMs: num(/^latency average = ([\d.]+) ms/m),
    initialConnectionMs: num(/^initial connection time = ([\d.]+) ms/m),
    averageConnectionMs: num(/^average connection time = ([\d.]+) ms/m),
  }
}

/**
 * The pgbench reference: `pgbench -i` into a scratch database created for it, then the select-only
 * script (`-S`) with `clients` clients and `threads` threads for `seconds` s, once over persistent
 * connections and once reconnecting for every transaction (`-C`). The scratch database is dropped
 * in any case (and stale ones left by a killed run are dropped first).
 */
export async function runPgbench(conn, { clients = 10, threads = 2, seconds = 5, log = () => {} } = {}) {
  const which = spawnSync('pgbench', ['--version'], { encoding: 'utf8' })
  if (which.error || which.status !== 0) {
    return { ok: false, skipped: true, error: `pgbench not available: ${which.error?.message ?? which.stderr}` }
  }
  const version = which.stdout.trim()
  const db = `${SCRATCH_PREFIX}${process.pid}`
  const base = ['-h', conn.host, '-p', String(conn.port), '-U', conn.user]
  const run = (extra) => {
    const t0 = Date.now()
    const r = spawnSync('pgbench', [...base, ...extra, db], {
      encoding: 'utf8',
      timeout: (seconds + 60) * 1000,
      maxBuffer: 16 * 1024 * 1024,
    })
    const wallMs = Date.now() - t0
    if (r.error || r.status !== 0) {
      throw new Error(
        `pgbench ${extra.join(' ')} failed (exit ${r.status}, ${r.signal ?? ''} ${r.error?.message ?? ''}): ${(r.stderr ?? '').slice(-1000)}`,
      )
    }
    return { stdout: r.stdout, wallMs }
  }
  const result = { ok: false, version, database: db, clients, threads, seconds }
  try {
    // Stale scratch databases from a run that was killed before it could clean up.
    const stale = await withClient(conn, async (c) => {
      const { rows } = await c.query('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${SCRATCH_PREFIX}%`])
      return rows.map((r) => r.datname).filter((n) => !alive(Number(n.slice(SCRATCH_PREFIX.length))))
    })
    for (const name of stale) {
      log(`dropping stale scratch database ${name}`)
      await dropDatabase(conn, name)
    }
    await withClient(conn, (c) => c.query(`CREATE DATABASE ${quoteIdent(db)}`))
    log(`pgbench -i ${db}`)
    run(['-i', '-q'])
    const common = ['-n', '-S', '-c', String(clients), '-j', String(threads), '-T', String(seconds)]
    log(`pgbench ${common.join(' ')} (persistent connections)`)
    const pooled = run(common)
    result.pooled = { args: common.join(' '), ...parsePgbench(pooled.stdout), wallMs: pooled.wallMs }
    log(`pgbench ${common.join(' ')} -C (a new connection per transaction)`)
    const reconnect = run([...common, '-C'])
    result.reconnect = { args: `${common.join(' ')} -C`, ...parsePgbench(reconnect.stdout), wallMs: reconnect.wallMs }
    result.ok = Number.isFinite(result.pooled.tps) && Number.isFinite(result.reconnect.tps)
    if (!result.ok) result.error = 'could not parse the tps line of pgbench'
  } catch (error) {
    result.error = String(error?.message ?? error)
  } finally {
    try {
      await dropDatabase(conn, db)
      result.scratchDropped = await withClient(conn, async (c) => {
        const { rows } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [db])
        return rows.length === 0
      })
    } catch (error) {
      result.scratchDropped = false
      result.dropError = String(error?.message ?? error)
    }
  }
  return result
}
