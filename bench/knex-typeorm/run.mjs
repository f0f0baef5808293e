/**
 * Knex and TypeORM, each on its native pool and on @pools, same run, paired rounds:
 *
 *   npm run build && node bench/knex-typeorm/run.mjs [--quick] [--rounds N] [--dialect pg,mysql2]
 *       [--scenario select,tx,burst] [--targets LIST] [--ms N] [--warm-ms N] [--no-write]
 *
 * Scenarios: `select` (a query-builder / repository read, 10 callers on max 10), `tx` (a short
 * transaction of two reads, 10 callers), `burst` (the read with 200 callers on max 10).
 * Targets: knex-tarn (knex's default pool), knex-pools (@pools/knex), knex-pg-pool (knex on a plain
 * pg.Pool through `connectionPool`), knex-pools-pg (knex on @pools/core/pg's Pool through
 * `connectionPool`, the native-pool route), typeorm-native, typeorm-pools; and the two A/A controls
 * knex-tarn-again and typeorm-native-again: the native pool measured a second time in the same round,
 * whose ratio to the first is what noise alone gives (a ratio of ours inside that spread is no difference).
 *
 * Every measurement runs in a fresh process (worker.mjs); each round runs every target once, in an
 * order from bench/lib/order.mjs (rounds come in pairs: an order rotated by one per pair, then
 * the same order reversed), so drift hits all alike, each target runs before and after its baseline
 * equally often (with an even number of rounds), and ratios pair per round. Reported per target:
 * ops/s, p99, Node CPU µs per query (user+system of the worker), and the ratio to the framework's
 * native pool (median of the per-round ratios).
 *
 * Needs PostgreSQL (PG_URL, default postgres://postgres@127.0.0.1:5432/test) and/or MySQL/MariaDB
 * (MYSQL_URL, default mysql://root@127.0.0.1:3306/test); creates the table bench_kt (100 rows).
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeCharts } from '../charts.mjs'
import { againOf, measuredAs } from '../lib/aa.mjs'
import { roundOrder } from '../lib/order.mjs'
import { prepare } from './targets.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../..')
const env = process.env
const url = {
  pg: env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  mysql2: env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test',
}
const ALL_TARGETS = [
  'knex-tarn',
  'knex-pools',
  'knex-pg-pool',
  'knex-pools-pg',
  againOf('knex-tarn'),
  'typeorm-native',
  'typeorm-pools',
  againOf('typeorm-native'),
]
const PG_ONLY = new Set(['knex-pg-pool', 'knex-pools-pg'])
const BASELINE = {
  'knex-tarn': 'knex-tarn',
  'knex-pools': 'knex-tarn',
  'knex-pg-pool': 'knex-tarn',
  'knex-pools-pg': 'knex-tarn',
  [againOf('knex-tarn')]: 'knex-tarn',
  'typeorm-native': 'typeorm-native',
  'typeorm-pools': 'typeorm-native',
  [againOf('typeorm-native')]: 'typeorm-native',
}
const SCENARIOS = {
  select: { scenario: 'select', callers: 10 },
  tx: { scenario: 'tx', callers: 10 },
  burst: { scenario: 'select', callers: 200 },
}

function parseArgs(argv) {
  const quick = argv.includes('--quick')
  const value = (flag, fallback) => {
    const i = argv.indexOf(flag)
    return i === -1 ? fallback : argv[i + 1]
  }
  const list = (flag, fallback) =>
    String(value(flag, fallback.join(',')))
      .split(',')
      .filter(Boolean)
  const args = {
    quick,
    rounds: Number(value('--rounds', quick ? 1 : 6)),
    ms: Number(value('--ms', quick ? 800 : 4000)),
    warmMs: Number(value('--warm-ms', quick ? 300 : 1500)),
    dialects: list('--dialect', ['pg', 'mysql2']),
    scenarios: list('--scenario', Object.keys(SCENARIOS)),
    targets: list('--targets', ALL_TARGETS),
    write: !argv.includes('--no-write'),
  }
  for (const s of args.scenarios) if (!SCENARIOS[s]) throw new Error(`unknown scenario ${s}`)
  for (const t of args.targets) if (!ALL_TARGETS.includes(t)) throw new Error(`unknown target ${t}`)
  return args
}

function measure(target, dialect, scenarioName, args) {
  const s = SCENARIOS[scenarioName]
  const spec = {
    target: measuredAs(target),
    dialect,
    scenario: s.scenario,
    callers: s.callers,
    max: 10,
    ms: args.ms,
    warmMs: args.warmMs,
    url,
  }
  const child = spawnSync(process.execPath, [path.join(here, 'worker.mjs'), JSON.stringify(spec)], {
    cwd: root,
    encoding: 'utf8',
    timeout: args.ms + args.warmMs + 60_000,
  })
  if (child.status !== 0) throw new Error(`${target} ${dialect} ${scenarioName} failed:\n${child.stderr}`)
  return JSON.parse(child.stdout.trim().split('\n').pop())
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

const args = parseArgs(process.argv.slice(2))
const results = []
for (const dialect of args.dialects) {
  await prepare(dialect, url)
  const targets = args.targets.filter((t) => dialect === 'pg' || !PG_ONLY.has(t))
  for (const scenario of args.scenarios) {
    const rounds = []
    for (let r = 0; r < args.rounds; r++) {
      const order = roundOrder(targets, r)
      const round = {}
      for (const target of order) round[target] = measure(target, dialect, scenario, args)
      rounds.push(round)
      process.stderr.write(`${dialect} ${scenario} round ${r + 1}/${args.rounds} done\n`)
    }
    for (const target of targets) {
      const base = BASELINE[target]
      const runs = rounds.map((round) => round[target])
      const paired = rounds.filter((round) => round[base])
      results.push({
        dialect,
        scenario,
        target,
        ops: median(runs.map((m) => m.ops)),
        p99Ms: median(runs.map((m) => m.p99Ms)),
        cpuUsPerOp: median(runs.map((m) => m.cpuUsPerOp)),
        opsRatio: median(paired.map((round) => round[target].ops / round[base].ops)),
        p99Ratio: median(paired.map((round) => round[target].p99Ms / round[base].p99Ms)),
        cpuRatio: median(paired.map((round) => round[target].cpuUsPerOp / round[base].cpuUsPerOp)),
        rounds: runs,
      })
    }
  }
}

const fmt = (n, d = 0) => n.toFixed(d).padStart(8)
console.log(`\n${args.quick ? 'QUICK SMOKE (not for publishing) — ' : ''}${args.rounds} round(s), ${args.ms} ms each`)
console.log('dialect scenario target                 ops/s    p99 ms  CPU µs/q  ops× native  p99× native  CPU× native')
for (const r of results) {
  console.log(
    `${r.dialect.padEnd(7)} ${r.scenario.padEnd(8)} ${r.target.padEnd(20)} ${fmt(r.ops)} ${fmt(r.p99Ms, 2)} ${fmt(r.cpuUsPerOp, 1)}` +
      `     ${fmt(r.opsRatio, 3)}     ${fmt(r.p99Ratio, 3)}     ${fmt(r.cpuRatio, 3)}`,
  )
}
if (args.write) {
  const dir = path.join(root, 'bench/results')
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `knex-typeorm-${new Date().toISOString().replace(/:/g, '-')}.json`)
  writeFileSync(file, `${JSON.stringify({ args, node: process.version, results }, null, 2)}\n`)
  console.log(`\nwritten ${path.relative(root, file)}`)
  writeCharts() // docs/benchmarks/*.svg follow the new results (a --quick run's are not drawn)
}
