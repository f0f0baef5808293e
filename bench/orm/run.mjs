/**
 * ORM benchmark: each framework on its own pool vs on ours, same run, paired rounds.
 *
 *   node bench/orm/run.mjs [--rounds N] [--quick] [--ms N] [--warm-ms N] [--callers N] [--max N] [--no-write]
 *
 * Pairs: drizzle (drizzle-orm/node-postgres on pg.Pool vs @pools/drizzle) and prisma (Prisma 7 on
 * @prisma/adapter-pg's own pg.Pool vs @pools/prisma), each with two scenarios: `select` (one primary-key
 * select through the ORM) and `tx` (the same select in a transaction). Every measurement runs in a fresh
 * child process (bench/orm/worker.mjs); each round runs all eight once, in an order rotated by one each
 * round, and the ratio ours/theirs is taken per round (ops/s: higher is better; p99: lower is better).
 *
 * --quick (2 rounds, 1 s measurements) is a smoke run and writes nothing; a full run (default 7 rounds,
 * 3 s measurements) writes bench/results/orm-<timestamp>.json unless --no-write.
 * Needs a built repo (`npm run build`) and PostgreSQL (PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE, default
 * postgres@127.0.0.1:5432/test).
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { connectionFromEnv, describeConnection, probe, withClient } from '../lib/pg.mjs'
import { median } from '../lib/stats.mjs'

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
const rounds = value('--rounds', quick ? 2 : 7)
const options = {
  ms: value('--ms', quick ? 1000 : 3000),
  warmMs: value('--warm-ms', quick ? 300 : 1000),
  callers: value('--callers', 64),
  max: value('--max', 10),
}
const write = !quick && !flag('--no-write')
const conn = connectionFromEnv()

const FRAMEWORKS = ['drizzle', 'prisma']
const SCENARIOS = ['select', 'tx']
const POOLS = ['own', 'pools']
const cells = FRAMEWORKS.flatMap((framework) =>
  SCENARIOS.flatMap((scenario) => POOLS.map((pool) => ({ framework, scenario, pool }))),
)

const reachable = await probe(conn)
if (!reachable.ok) {
  console.error(`PostgreSQL at ${describeConnection(conn)} does not answer (${reachable.error}): nothing to measure.`)
  process.exit(1)
}

// the Prisma client and the table both frameworks read
const generated = spawnSync(
  process.execPath,
  [path.join(root, 'node_modules/prisma/build/index.js'), 'generate', '--schema', path.join(here, 'schema.prisma')],
  {
    cwd: root,
    encoding: 'utf8',
    env: { PRISMA_SCHEMA_ENGINE_BINARY: process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: '1', ...process.env },
  },
)
if (generated.status !== 0) {
  console.error(`prisma generate failed:\n${generated.stdout}${generated.stderr}`)
  process.exit(1)
}
await withClient(conn, async (c) => {
  await c.query('DROP TABLE IF EXISTS pools_bench_orm_items')
  await c.query('CREATE TABLE pools_bench_orm_items (id int PRIMARY KEY, label text NOT NULL, qty int NOT NULL)')
  await c.query("INSERT INTO pools_bench_orm_items VALUES (1, 'tea', 2), (2, 'cake', 1)")
})

const runs = []
try {
  for (let round = 0; round < rounds; round++) {
    const order = cells.map((_, i) => cells[(i + round) % cells.length])
    for (const cell of order) {
      const child = spawnSync(
        process.execPath,
        [path.join(here, 'worker.mjs'), cell.framework, cell.pool, cell.scenario, JSON.stringify({ ...options, conn })],
        { cwd: root, encoding: 'utf8', timeout: options.ms + options.warmMs + 60_000 },
      )
      const line = child.stdout?.split('\n').find((l) => l.startsWith('RESULT '))
      if (!line) {
        console.error(`${cell.framework}/${cell.pool}/${cell.scenario} failed:\n${child.stdout}${child.stderr}`)
        process.exit(1)
      }
      const result = { round, ...JSON.parse(line.slice(7)) }
      runs.push(result)
      console.log(
        `round ${round + 1}/${rounds} ${cell.framework.padEnd(7)} ${cell.scenario.padEnd(6)} ${cell.pool.padEnd(5)} ` +
          `${result.opsPerSec.toFixed(0).padStart(7)} ops/s  p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms` +
          `${result.errors ? `  errors ${result.errors}` : ''}${result.leftOpen ? `  LEFT OPEN ${result.leftOpen}` : ''}`,
      )
    }
  }
} finally {
  await withClient(conn, (c) => c.query('DROP TABLE IF EXISTS pools_bench_orm_items'))
}

const find = (round, framework, scenario, pool) =>
  runs.find((r) => r.round === round && r.framework === framework && r.scenario === scenario && r.pool === pool)
const summary = []
console.log(`\nours / theirs, per round (median, min–max over ${rounds} rounds); ops/s ≥ 1 and p99 ≤ 1 favour @pools`)
for (const framework of FRAMEWORKS) {
  for (const scenario of SCENARIOS) {
    const ops = []
    const p99 = []
    for (let round = 0; round < rounds; round++) {
      const theirs = find(round, framework, scenario, 'own')
      const ours = find(round, framework, scenario, 'pools')
      ops.push(ours.opsPerSec / theirs.opsPerSec)
      p99.push(ours.p99Ms / theirs.p99Ms)
    }
    const row = {
      framework,
      scenario,
      opsRatio: { median: median(ops), min: Math.min(...ops), max: Math.max(...ops) },
      p99Ratio: { median: median(p99), min: Math.min(...p99), max: Math.max(...p99) },
    }
    summary.push(row)
    const fmt = (s) => `${s.median.toFixed(3)}× (${s.min.toFixed(3)}–${s.max.toFixed(3)})`
    console.log(`${framework.padEnd(7)} ${scenario.padEnd(6)} ops ${fmt(row.opsRatio)}  p99 ${fmt(row.p99Ratio)}`)
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
    `${JSON.stringify({ kind: 'orm', date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, rounds, options: { ...options, conn: describeConnection(conn) }, summary, runs }, null, 2)}\n`,
  )
  console.log(`\nwritten: ${path.relative(root, file)}`)
}
