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
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { APP_PREFIX, connectionFromEnv, waitForNoConnections } from '../lib/pg.mjs'
import { percentileSorted } from '../lib/stats.mjs'
import { mysqlFromEnv, waitForNoMysqlConnections } from './mysql.mjs'

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
const onMysql = framework === 'drizzle-mysql' || framework === 'prisma-mariadb'
const appName = `${APP_PREFIX}-orm-${framework}-${poolName}-${scenario}-${process.pid}`
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const poolConfig = { ...opts.conn, application_name: appName, max: opts.max, connectionTimeoutMillis: 30_000 }

async function drizzleTarget() {
  const { eq } = await import('drizzle-orm')
  const { integer, pgTable, text } = await import('drizzle-orm/pg-core')
  const items = pgTable('pools_bench_orm_items', {
    id: integer('id').primaryKey(),
    label: text('label'),
    qty: integer('qty'),
  })
  let db
  if (poolName === 'own') {
    const pg = (await import('pg')).default
    const { drizzle } = await import('drizzle-orm/node-postgres')
    db = drizzle({ client: new pg.Pool(poolConfig) })
  } else {
    const { drizzle } = await import('@pools/drizzle/node-postgres')
    db = drizzle(poolConfig)
  }
  const select = (q) => q.select().from(items).where(eq(items.id, 1))
  return {
    call: scenario === 'tx' ? () => db.transaction((tx) => select(tx)) : () => select(db),
    close: () => db.$client.end(),
  }
}

async function drizzleMysqlTarget() {
  const { eq } = await import('drizzle-orm')
  const { int, mysqlTable, varchar } = await import('drizzle-orm/mysql-core')
  const items = mysqlTable('pools_bench_orm_items', {
    id: int('id').primaryKey(),
    label: varchar('label', { length: 50 }),
    qty: int('qty'),
  })
  const config = { ...opts.mysql, connectionLimit: opts.max }
  let db
  let close
  if (poolName === 'own') {
    const mysql = (await import('mysql2')).default
    const { drizzle } = await import('drizzle-orm/mysql2')
    const pool = mysql.createPool(config)
    db = drizzle({ client: pool })
    close = () => pool.promise().end()
  } else {
    const { drizzle } = await import('@pools/drizzle/mysql2')
    db = drizzle(config)
    close = () => db.$client.promise().end()
  }
  const select = (q) => q.select().from(items).where(eq(items.id, 1))
  return { call: scenario === 'tx' ? () => db.transaction((tx) => select(tx)) : () => select(db), close }
}

async function prismaMariadbTarget() {
  const { PrismaClient } = createRequire(import.meta.url)(
    path.join(root, 'node_modules/.cache/pools-prisma-bench-mysql/client'),
  )
  const config = { ...opts.mysql, connectionLimit: opts.max, acquireTimeout: 30_000 }
  let adapter
  if (poolName === 'own') {
    const { PrismaMariaDb } = await import('@prisma/adapter-mariadb')
    adapter = new PrismaMariaDb(config)
  } else {
    const { prismaAdapter } = await import('@pools/prisma/mariadb')
    adapter = prismaAdapter(config)
  }
  const prisma = new PrismaClient({ adapter, transactionOptions: { maxWait: 30_000, timeout: 30_000 } })
  await prisma.$connect()
  const select = (q) => q.item.findUnique({ where: { id: 1 } })
  return {
    call: scenario === 'tx' ? () => prisma.$transaction((tx) => select(tx)) : () => select(prisma),
    close: () => prisma.$disconnect(),
  }
}

async function prismaTarget() {
  const { PrismaClient } = createRequire(import.meta.url)(
    path.join(root, 'node_modules/.cache/pools-prisma-bench/client'),
  )
  let adapter
  if (poolName === 'own') {
    const { PrismaPg } = await import('@prisma/adapter-pg')
    adapter = new PrismaPg(poolConfig)
  } else {
    const { prismaAdapter } = await import('@pools/prisma')
    adapter = prismaAdapter(poolConfig)
  }
  const prisma = new PrismaClient({ adapter, transactionOptions: { maxWait: 30_000, timeout: 30_000 } })
  await prisma.$connect()
  const select = (q) => q.item.findUnique({ where: { id: 1 } })
  return {
    call: scenario === 'tx' ? () => prisma.$transaction((tx) => select(tx)) : () => select(prisma),
    close: () => prisma.$disconnect(),
  }
}

const targets = {
  drizzle: drizzleTarget,
  prisma: prismaTarget,
  'drizzle-mysql': drizzleMysqlTarget,
  'prisma-mariadb': prismaMariadbTarget,
}
if (!targets[framework]) throw new Error(`unknown framework ${framework}`)
const { call, close } = await targets[framework]()
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
