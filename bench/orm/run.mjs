/**
 * ORM benchmark: each framework on its own pool vs on ours, same run, paired rounds.
 *
 *   node bench/orm/run.mjs [--rounds N] [--quick] [--ms N] [--warm-ms N] [--callers N] [--max N] [--no-write]
 *                          [--frameworks drizzle,prisma,drizzle-mysql,prisma-mariadb]
 *
 * Pairs, on PostgreSQL: drizzle (drizzle-orm/node-postgres on pg.Pool vs @pools/drizzle) and prisma (Prisma 7
 * on @prisma/adapter-pg's own pg.Pool vs @pools/prisma); on MySQL/MariaDB: drizzle-mysql (drizzle-orm/mysql2
 * on mysql2's pool vs @pools/drizzle/mysql2) and prisma-mariadb (@prisma/adapter-mariadb's own mariadb pool
 * vs @pools/prisma/mariadb). Each with two scenarios: `select` (one primary-key select through the ORM) and
 * `tx` (the same select in a transaction). A framework whose server does not answer is skipped, loudly.
 * Every measurement runs in a fresh
 * child process (bench/orm/worker.mjs); each round runs every cell once, in the order of bench/lib/order.mjs
 * (rotated per pair of rounds, reversed in the second of the pair, so ours runs before and after theirs
 * equally often), and the ratio ours/theirs is taken per round (ops/s: higher is better; p99: lower is better).
 * Each framework's own pool is also measured a second time per round (`own-again`, the A/A control): its
 * ratio to the first measurement is what noise alone gives, reported per row as `aa`.
 *
 * --quick (2 rounds, 1 s measurements) is a smoke run and writes nothing; a full run (default 6 rounds,
 * 3 s measurements) writes bench/results/orm-<timestamp>.json unless --no-write.
 * Needs a built repo (`npm run build`), PostgreSQL (PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE, default
 * postgres@127.0.0.1:5432/test) and MySQL/MariaDB (MYSQL_HOST/PORT/USER/PASSWORD/DATABASE, default
 * root@127.0.0.1:3306/test).
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeCharts } from '../charts.mjs'
import { againOf, measuredAs } from '../lib/aa.mjs'
import { roundOrder } from '../lib/order.mjs'
import { connectionFromEnv, describeConnection, probe, withClient } from '../lib/pg.mjs'
import { summary as spread } from '../lib/stats.mjs'
import { mysqlFromEnv, probeMysql, withMysql } from './mysql.mjs'
import { FRAMEWORKS as ALL, onMysql, prepareOrm, TABLE } from './targets.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../..')
const argv = process.argv.slice(2)
const flag = (name) => argv.includes(name)
const value = (name, fallback) => {
  const i = argv.indexOf(name)
  if (i < 0) return fallback
  const n = Number(argv[i + 1])
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} needs a positive whole number`)
  return n
}
const quick = flag('--quick')
const rounds = value('--rounds', quick ? 2 : 6)
const options = {
  ms: value('--ms', quick ? 1000 : 3000),
  warmMs: value('--warm-ms', quick ? 300 : 1000),
  callers: value('--callers', 64),
  max: value('--max', 10),
}
const write = !quick && !flag('--no-write')
const conn = connectionFromEnv()
const mysqlConn = mysqlFromEnv()

const listed = argv.includes('--frameworks') ? argv[argv.indexOf('--frameworks') + 1].split(',') : ALL
for (const name of listed) if (!ALL.includes(name)) throw new Error(`--frameworks: unknown ${name}`)
const pgUp = await probe(conn)
const mysqlUp = await probeMysql(mysqlConn)
if (!pgUp.ok) console.error(`SKIPPED: PostgreSQL at ${describeConnection(conn)} does not answer (${pgUp.error})`)
if (!mysqlUp.ok)
  console.error(`SKIPPED: MySQL/MariaDB at ${mysqlConn.host}:${mysqlConn.port} does not answer (${mysqlUp.error})`)
const FRAMEWORKS = listed.filter((name) => (onMysql(name) ? mysqlUp.ok : pgUp.ok))
if (FRAMEWORKS.length === 0) {
  console.error('nothing to measure')
  process.exit(1)
}
const SCENARIOS = ['select', 'tx']
// own-again: the framework's own pool measured a second time in the same round (the A/A control: its
// ratio to `own` is what noise alone gives; the worker runs it as `own`)
const POOLS = ['own', 'pools', againOf('own')]
const cells = FRAMEWORKS.flatMap((framework) =>
  SCENARIOS.flatMap((scenario) => POOLS.map((pool) => ({ framework, scenario, pool }))),
)

// the Prisma clients (generated offline: the schema engine is never run) and the table every framework reads
try {
  await prepareOrm({ pg: pgUp.ok ? conn : undefined, mysql: mysqlUp.ok ? mysqlConn : undefined })
} catch (error) {
  console.error(error.message)
  process.exit(1)
}
const runs = []
try {
  for (let round = 0; round < rounds; round++) {
    const order = roundOrder(cells, round)
    for (const cell of order) {
      const child = spawnSync(
        process.execPath,
        [
          path.join(here, 'worker.mjs'),
          cell.framework,
          measuredAs(cell.pool),
          cell.scenario,
          JSON.stringify({ ...options, conn, mysql: mysqlConn }),
        ],
        { cwd: root, encoding: 'utf8', timeout: options.ms + options.warmMs + 60_000 },
      )
      const line = child.stdout?.split('\n').find((l) => l.startsWith('RESULT '))
      if (!line) {
        console.error(`${cell.framework}/${cell.pool}/${cell.scenario} failed:\n${child.stdout}${child.stderr}`)
        process.exit(1)
      }
      const result = { round, ...JSON.parse(line.slice(7)), pool: cell.pool }
      runs.push(result)
      console.log(
        `round ${round + 1}/${rounds} ${cell.framework.padEnd(14)} ${cell.scenario.padEnd(6)} ${cell.pool.padEnd(5)} ` +
          `${result.opsPerSec.toFixed(0).padStart(7)} ops/s  p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms` +
          `${result.starved ? `  starved ${result.starved}/${options.callers} callers (finished-only p99 ${result.p99FinishedMs.toFixed(2)} ms)` : ''}` +
          `${result.errors ? `  errors ${result.errors}` : ''}${result.leftOpen ? `  LEFT OPEN ${result.leftOpen}` : ''}`,
      )
    }
  }
} finally {
  if (pgUp.ok) await withClient(conn, (c) => c.query(`DROP TABLE IF EXISTS ${TABLE}`))
  if (mysqlUp.ok) await withMysql(mysqlConn, (c) => c.query(`DROP TABLE IF EXISTS ${TABLE}`))
}

const find = (round, framework, scenario, pool) =>
  runs.find((r) => r.round === round && r.framework === framework && r.scenario === scenario && r.pool === pool)
const summary = []
console.log(
  `\nours / theirs, per round (median, min–max over ${rounds} rounds); ops/s ≥ 1, p99 and CPU/op ≤ 1 favour @pools`,
)
/** Per-round ratios of `pool` to the framework's own pool: ops/s, p99, CPU per call. */
function ratios(framework, scenario, pool) {
  const ops = []
  const p99 = []
  const cpu = []
  for (let round = 0; round < rounds; round++) {
    const theirs = find(round, framework, scenario, 'own')
    const other = find(round, framework, scenario, pool)
    ops.push(other.opsPerSec / theirs.opsPerSec)
    p99.push(other.p99Ms / theirs.p99Ms)
    if (other.cpuUsPerOp && theirs.cpuUsPerOp) cpu.push(other.cpuUsPerOp / theirs.cpuUsPerOp)
  }
  return {
    opsRatio: spread(ops),
    p99Ratio: spread(p99),
    ...(cpu.length === rounds ? { cpuRatio: spread(cpu) } : {}),
  }
}
const fmt = (s) => `${s.median.toFixed(3)}× (${s.min.toFixed(3)}–${s.max.toFixed(3)})`
for (const framework of FRAMEWORKS) {
  for (const scenario of SCENARIOS) {
    // aa: the same ratios for own-again ÷ own, the noise floor of this row
    const row = {
      framework,
      scenario,
      ...ratios(framework, scenario, 'pools'),
      aa: ratios(framework, scenario, againOf('own')),
    }
    summary.push(row)
    for (const [label, r] of [
      ['ours', row],
      ['A/A ', row.aa],
    ]) {
      const cpuText = r.cpuRatio ? `  CPU/op ${fmt(r.cpuRatio)}` : ''
      console.log(
        `${framework.padEnd(14)} ${scenario.padEnd(6)} ${label} ops ${fmt(r.opsRatio)}  p99 ${fmt(r.p99Ratio)}${cpuText}`,
      )
    }
  }
}
const errors = runs.reduce((n, r) => n + r.errors, 0)
const leftOpen = runs.reduce((n, r) => n + (r.leftOpen ?? 0), 0)
if (errors || leftOpen) console.log(`errors: ${errors}, server connections left open: ${leftOpen}`)

if (write) {
  const file = path.join(root, 'bench/results', `orm-${new Date().toISOString().replaceAll(':', '-')}.json`)
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(
    file,
    `${JSON.stringify({ kind: 'orm', date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, rounds, options: { ...options, conn: describeConnection(conn), mysql: `${mysqlConn.user}@${mysqlConn.host}:${mysqlConn.port}/${mysqlConn.database}` }, summary, runs }, null, 2)}\n`,
  )
  console.log(`\nwritten: ${path.relative(root, file)}`)
  writeCharts() // docs/benchmarks/*.svg follow the new results
}
