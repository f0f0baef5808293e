/**
 * One ORM measurement in a fresh process:
 *
 *   node bench/orm/worker.mjs <framework> <pool> <scenario> ['<json options>']
 *
 * framework: drizzle (drizzle-orm/node-postgres) | prisma (Prisma 7 + @prisma/adapter-pg), on PostgreSQL;
 *            drizzle-mysql (drizzle-orm/mysql2) | prisma-mariadb (Prisma 7 + @prisma/adapter-mariadb), on MySQL/MariaDB
 * pool:      own   the framework on its usual pool: drizzle({ client: new pg.Pool(...) / mysql2.createPool(...) }),
 *                  new PrismaPg(...), new PrismaMariaDb(...)
 *            pools the framework through @pools/drizzle / @pools/prisma (a @pools/core/pg, /mysql2 or /mariadb pool)
 * scenario:  select  `callers` concurrent loops of one primary-key select through the ORM
 *            tx      the same select inside a transaction (BEGIN, SELECT, COMMIT on one connection)
 *
 * Both pools get the same options (max, connectionTimeoutMillis). After `warmMs`, for `ms`: ops/s = calls
 * completed in the window ÷ window; latency percentiles over the calls issued in the window, plus, for each
 * call still running when the window closes, its age then (a lower bound: without it a caller the pool never
 * serves would leave no sample at all). `starved`: callers that completed no call in the window;
 * `p99FinishedMs`: the p99 of finished calls only (the old measure). `cpuUsPerOp`: this process's CPU (user +
 * system, `process.cpuUsage()`) over the window ÷ calls completed in it. The last stdout line is `RESULT <json>`.
 */
import { APP_PREFIX, connectionFromEnv, waitForNoConnections } from '../lib/pg.mjs'
import { percentileSorted } from '../lib/stats.mjs'
import { mysqlFromEnv, waitForNoMysqlConnections } from './mysql.mjs'
import { openOrm, onMysql as runsOnMysql } from './targets.mjs'

const [framework, poolName, scenario, rawOpts] = process.argv.slice(2)
const opts = {
  callers: 64,
  max: 10,
  warmMs: 1000,
  ms: 3000,
  conn: connectionFromEnv(),
  mysql: mysqlFromEnv(),
  ...(rawOpts ? JSON.parse(rawOpts) : {}),
}
const onMysql = runsOnMysql(framework)
const appName = `${APP_PREFIX}-orm-${framework}-${poolName}-${scenario}-${process.pid}`

const { call, close } = await openOrm(framework, poolName, scenario, opts, appName)
for (let i = 0; i < 20; i++) await call() // first-use costs (prepared plans, Prisma's connect) out of the window

let phase = 'warm'
let completed = 0
const latencies = []
let errors = 0
// per caller: calls completed in the window, and when its current call started (undefined: none running)
const done = new Array(opts.callers).fill(0)
const startedAt = new Array(opts.callers).fill(undefined)
async function loop(k) {
  while (phase !== 'stop') {
    const counted = phase === 'measure'
    const t0 = performance.now()
    startedAt[k] = t0
    try {
      await call()
      if (counted) {
        latencies.push(performance.now() - t0)
        if (phase === 'measure') {
          completed++
          done[k]++
        }
      }
    } catch {
      errors++
    }
    startedAt[k] = undefined
  }
}
const loops = Array.from({ length: opts.callers }, (_, k) => loop(k))
await new Promise((r) => setTimeout(r, opts.warmMs))
phase = 'measure'
const start = performance.now()
const cpuStart = process.cpuUsage()
await new Promise((r) => setTimeout(r, opts.ms))
const cpu = process.cpuUsage(cpuStart)
const end = performance.now()
const windowMs = end - start
const inWindow = completed
// A call still running when the window closes has waited at least this long: counting only the calls
// that finished would leave out exactly the slowest ones (a caller a pool never serves finishes none).
const inFlight = startedAt.filter((t) => t !== undefined).map((t) => end - t)
const starved = done.filter((n) => n === 0).length
phase = 'stop'
await Promise.all(loops)
await close()
const { last: leftOpen } = onMysql
  ? await waitForNoMysqlConnections(opts.mysql)
  : await waitForNoConnections(opts.conn, appName)
const finished = [...latencies].sort((a, b) => a - b)
latencies.push(...inFlight)
latencies.sort((a, b) => a - b)
process.stdout.write(
  `RESULT ${JSON.stringify({
    framework,
    pool: poolName,
    scenario,
    opsPerSec: (inWindow / windowMs) * 1000,
    cpuUsPerOp: inWindow > 0 ? (cpu.user + cpu.system) / inWindow : null,
    p50Ms: percentileSorted(latencies, 50),
    p99Ms: percentileSorted(latencies, 99),
    p99FinishedMs: percentileSorted(finished, 99),
    calls: finished.length,
    inFlight: inFlight.length,
    starved,
    callerCallsMin: Math.min(...done),
    errors,
    leftOpen,
  })}\n`,
)
