/**
 * One real-PostgreSQL measurement in a fresh process:
 *
 *   node bench/pg-worker.mjs <pool> <scenario> ['<json options>']
 *
 * pool:     pools (`Pool` from @pools/core/pg), pg (pg.Pool, i.e. pg-pool), floor (bench/lib/floor.mjs
 *           handing out real pg.Client connections), none (only for pg-raw).
 * scenario: pg-query   `callers` concurrent loops of `await pool.query('SELECT 1')`
 *           pg-connect `callers` concurrent loops of connect() → query('SELECT 1') → release()
 *           pg-raw     `callers` concurrent loops of new pg.Client → connect → SELECT 1 → end, at most
 *                      `rawConcurrency` of them at once (a semaphore; the wait for it counts)
 *
 * Each call is timed by its caller (performance.now() before the call, after it resolves). After
 * `warmMs`, for `ms`: ops/s = calls completed in the window ÷ window; latency percentiles over every
 * call issued in the window (including those that finish while the callers drain after the stop).
 * Then the pool is ended and pg_stat_activity is polled until this process's application_name is
 * gone. The last stdout line is `RESULT <json>`; bench/run.mjs spawns this and parses it.
 */
import pg from 'pg'
import { FloorPool } from './lib/floor.mjs'
import { APP_PREFIX, connectionFromEnv, waitForNoConnections, withClient } from './lib/pg.mjs'
import { percentileSorted } from './lib/stats.mjs'

const [poolName, scenario, rawOpts] = process.argv.slice(2)
const opts = {
  callers: 200,
  max: 10,
  warmMs: 2000,
  ms: 5000,
  rawConcurrency: 10,
  conn: connectionFromEnv(),
  ...(rawOpts ? JSON.parse(rawOpts) : {}),
}
const SQL = 'SELECT 1'
const appName = `${APP_PREFIX}-${poolName}-${scenario.replace(/^pg-/, '')}-${process.pid}`
const poolErrors = []

const emit = (result) => {
  process.stdout.write(`RESULT ${JSON.stringify({ pool: poolName, scenario, appName, ...result })}\n`)
}

/** A FIFO counting semaphore: at most `n` holders; the rest wait in order. */
class Semaphore {
  constructor(n) {
    this.free = n
    this.queue = []
  }
  acquire() {
    if (this.free > 0) {
      this.free--
      return Promise.resolve()
    }
    return new Promise((resolve) => this.queue.push(resolve))
  }
  release() {
    const next = this.queue.shift()
    if (next) next()
    else this.free++
  }
}

/**
 * The one thing each caller loops on, built once per process so the call site stays monomorphic.
 * @returns {Promise<{ call: () => Promise<unknown>, close: () => Promise<void>, describe: string }>}
 */
async function target() {
  const clientConfig = { ...opts.conn, application_name: appName }
  const poolConfig = { ...clientConfig, max: opts.max }
  if (scenario === 'pg-raw') {
    if (poolName !== 'none') throw new Error('pg-raw runs without a pool: use pool "none"')
    const sem = new Semaphore(opts.rawConcurrency)
    const once = async () => {
      const client = new pg.Client(clientConfig)
      client.on('error', (e) => poolErrors.push(String(e?.message ?? e)))
      try {
        await client.connect()
        return await client.query(SQL)
      } finally {
        await client.end().catch(() => {})
      }
    }
    return {
      call: async () => {
        await sem.acquire()
        try {
          return await once()
        } finally {
          sem.release()
        }
      },
      close: async () => {},
      describe: `no pool: new pg.Client per call, at most ${opts.rawConcurrency} at once`,
    }
  }
  let pool
  let close
  let describe
  switch (poolName) {
    case 'pools': {
      const { Pool } = await import('@pools/core/pg')
      // The drop-in as a pg user would construct it: pg-pool options only, engine defaults otherwise.
      pool = new Pool(poolConfig)
      close = () => pool.end()
      describe = `new (await import('@pools/core/pg')).Pool({ max: ${opts.max} })`
      break
    }
    case 'pg': {
      pool = new pg.Pool(poolConfig)
      close = () => pool.end()
      describe = `new pg.Pool({ max: ${opts.max} })`
      break
    }
    case 'floor': {
      const floor = new FloorPool(
        async () => {
          const client = new pg.Client(clientConfig)
          client.on('error', (e) => poolErrors.push(String(e?.message ?? e)))
          await client.connect()
          return client
        },
        (client) => client.end(),
        opts.max,
      )
      // The least a pool can do around pg.Client: no error handling, no reset, no events.
      pool = {
        query: async (text) => {
          const client = await floor.acquire()
          try {
            return await client.query(text)
          } finally {
            floor.release(client)
          }
        },
        connect: async () => {
          const client = await floor.acquire()
          client.release = () => floor.release(client)
          return client
        },
        on() {},
      }
      close = () => floor.close()
      describe = `FloorPool over pg.Client, max ${opts.max}`
      break
    }
    default:
      throw new Error(`unknown pool "${poolName}" (pools, pg, floor; none for pg-raw)`)
  }
  pool.on('error', (e) => poolErrors.push(String(e?.message ?? e)))
  if (scenario === 'pg-query') return { call: () => pool.query(SQL), close, describe, pool }
  if (scenario === 'pg-connect') {
    return {
      call: async () => {
        const client = await pool.connect()
        try {
          return await client.query(SQL)
        } finally {
          client.release()
        }
      },
      close,
      describe,
      pool,
    }
  }
  throw new Error(`unknown scenario "${scenario}" (pg-query, pg-connect, pg-raw)`)
}

function record(st, v) {
  if (st.n === st.lat.length) {
    const next = new Float64Array(st.lat.length * 2)
    next.set(st.lat)
    st.lat = next
  }
  st.lat[st.n++] = v
}

async function caller(call, st) {
  while (!st.stop) {
    const t0 = performance.now()
    try {
      await call()
    } catch (error) {
      if (st.errors++ === 0) st.firstError = String(error?.stack ?? error)
      if (st.errors >= 100) st.stop = true
    }
    const t1 = performance.now()
    if (t0 >= st.measureFrom) record(st, t1 - t0)
    if (t1 >= st.measureFrom && !st.stop) st.completed++
  }
}

async function measure(call) {
  const start = performance.now()
  const st = {
    stop: false,
    measureFrom: start + opts.warmMs,
    stoppedAt: 0,
    lat: new Float64Array(1 << 18),
    n: 0,
    completed: 0,
    errors: 0,
    firstError: undefined,
    cpuFrom: undefined,
    cpuTo: undefined,
  }
  // This process's CPU time (user + system) over the measured window: CPU per call is far less
  // sensitive to a noisy machine than ops/s, and tells whether the Node side is saturated.
  const warm = setTimeout(() => {
    st.cpuFrom = process.cpuUsage()
  }, opts.warmMs)
  const timer = setTimeout(() => {
    st.stop = true
    st.stoppedAt = performance.now()
    st.cpuTo = process.cpuUsage(st.cpuFrom)
  }, opts.warmMs + opts.ms)
  const all = new Array(opts.callers)
  for (let i = 0; i < opts.callers; i++) all[i] = caller(call, st)
  await Promise.all(all)
  clearTimeout(timer)
  clearTimeout(warm)
  if (!st.stoppedAt) st.stoppedAt = performance.now() // stopped early by errors
  const drainMs = performance.now() - st.stoppedAt
  const lat = st.lat.subarray(0, st.n).sort()
  let sum = 0
  for (let i = 0; i < lat.length; i++) sum += lat[i]
  const windowMs = st.stoppedAt - st.measureFrom
  const cpuUs = st.cpuTo ? st.cpuTo.user + st.cpuTo.system : Number.NaN
  return {
    completed: st.completed,
    windowMs,
    opsPerSec: (st.completed / windowMs) * 1000,
    drainMs,
    calls: lat.length,
    latency: {
      p50: percentileSorted(lat, 50),
      p90: percentileSorted(lat, 90),
      p99: percentileSorted(lat, 99),
      p999: percentileSorted(lat, 99.9),
      max: lat.length ? lat[lat.length - 1] : Number.NaN,
      mean: lat.length ? sum / lat.length : Number.NaN,
    },
    cpu: {
      userUs: st.cpuTo?.user,
      systemUs: st.cpuTo?.system,
      usPerCall: cpuUs / st.completed,
      // 1 = one core busy all the time: the Node side is the bottleneck
      coresBusy: cpuUs / 1000 / windowMs,
    },
    errors: st.errors,
    firstError: st.firstError,
  }
}

const countMine = (conn) =>
  withClient(conn, async (c) => {
    const { rows } = await c.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [
      appName,
    ])
    return rows[0].n
  })

async function main() {
  const t = await target()
  // Correctness first (not timed): the query answers what it should.
  const smoke = await t.call()
  if (smoke?.rows?.[0]?.['?column?'] !== 1) throw new Error(`SELECT 1 returned ${JSON.stringify(smoke?.rows)}`)
  const r = await measure(t.call)
  // While the pool is still open: how many server connections it holds (must be ≤ max).
  const backendsBeforeEnd = await countMine(opts.conn)
  await t.close()
  const after = await waitForNoConnections(opts.conn, appName, 5000)
  const stats = poolName === 'pools' && t.pool?.stats ? summariseStats(t.pool.stats()) : undefined
  // Give closed sockets a turn to release their handles, then see what is still open.
  await new Promise((resolve) => setTimeout(resolve, 20))
  const handles = process.getActiveResourcesInfo().filter((h) => h !== 'TTYWrap' && h !== 'PipeWrap')
  const limit = scenario === 'pg-raw' ? opts.rawConcurrency : opts.max
  const problems = []
  if (r.errors) problems.push(`${r.errors} failed calls, first: ${r.firstError}`)
  if (poolErrors.length) problems.push(`${poolErrors.length} pool/client 'error' events, first: ${poolErrors[0]}`)
  if (backendsBeforeEnd > limit) problems.push(`${backendsBeforeEnd} server connections open, limit ${limit}`)
  if (after.last > 0) problems.push(`${after.last} server connections left 5 s after the pool was ended`)
  emit({
    ok: problems.length === 0,
    error: problems.length ? problems.join('; ') : undefined,
    describe: t.describe,
    callers: opts.callers,
    max: opts.max,
    rawConcurrency: scenario === 'pg-raw' ? opts.rawConcurrency : undefined,
    warmMs: opts.warmMs,
    ms: opts.ms,
    ...r,
    poolErrors: poolErrors.length,
    backendsBeforeEnd,
    backendsAfterEnd: after,
    activeHandlesAfterEnd: handles,
    engineStats: stats,
  })
}

/** A few of the engine's own counters (sanity: every call was a checkout; nothing was destroyed). */
function summariseStats(s) {
  const c = s.counters ?? {}
  return {
    created: c.created,
    destroyed: c.destroyed,
    acquired: c.acquired,
    released: c.released,
    validations: c.validations,
    timeouts: c.timeouts,
    acquireWaitMs: s.acquireWaitMs,
  }
}

main().then(
  () => {
    // Every pool was ended and every socket closed: the process should now exit on its own. If
    // something still holds the event loop, say what, and exit with a distinct code.
    setTimeout(() => {
      process.stderr.write(`still alive 5 s after the pool was ended: ${process.getActiveResourcesInfo().join(', ')}\n`)
      process.exit(3)
    }, 5000).unref()
  },
  (err) => {
    emit({ ok: false, error: String(err?.stack ?? err) })
    process.exit(1)
  },
)
