/**
 * Benchmark orchestrator: `npm run bench` (builds first) or `node bench/run.mjs [flags]`.
 *
 *   --rounds N        interleaved rounds (default 7; 3 with --quick), for the micro and the pg scenarios
 *   --scenario LIST   comma list of a,b,c,d,e and pg-query,pg-connect,pg-raw,pgbench; `pg` = all four pg
 *                     ones, `micro` = a–e (default: everything)
 *   --pg              only the real-PostgreSQL scenarios (same as --scenario pg)
 *   --no-pg           skip the real-PostgreSQL scenarios
 *   --pg-pools LIST   comma list of pools,pg,floor (default: all three) for pg-query and pg-connect
 *   --pg-ms N         measured time per pg measurement (default 5000; 1500 with --quick)
 *   --pg-warm-ms N    warm-up before it (default 2000; 500 with --quick)
 *   --pg-callers N    concurrent callers (default 200)
 *   --pg-raw-concurrency N  connections open at once in pg-raw, the connect-per-query baseline (default 10)
 *   --pgbench-sec N   duration of each pgbench run (default 5)
 *   --pools LIST      comma list of pools,pools-leak,floor,generic-pool,tarn,pg-pool (the default) and
 *                     pools-leak-nostack (opt-in: leak detection without stack capture)
 *   --quick           shorter measurements and fewer rounds (a smoke run, not for publishing)
 *   --heap-cycles N   cycles for scenario (e) (default 10000000)
 *   --no-write        print the report only, write nothing under bench/results
 *
 * Every (pool × scenario) measurement runs in a fresh child process (bench/worker.mjs). Throughput
 * scenarios run in rounds: each round runs every pool once, in an order rotated by one each round,
 * so slow drift of the machine hits every pool alike and ratios can be paired per round.
 *
 * The pg scenarios need a PostgreSQL server (PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE, default
 * postgres@127.0.0.1:5432/test). If it does not answer, they are skipped, loudly, and the rest runs.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeCharts } from './charts.mjs'
import { DEFAULT_POOLS, OURS, POOL_NAMES } from './lib/adapters.mjs'
import { roundOrder } from './lib/order.mjs'
import {
  connectionFromEnv,
  countConnections,
  describeConnection,
  probe,
  runPgbench,
  waitForNoConnections,
} from './lib/pg.mjs'
import { buildPgReport, PG_POOL_NAMES } from './lib/pg-report.mjs'
import { buildReport } from './lib/report.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..')
const workerPath = path.join(here, 'worker.mjs')
const pgWorkerPath = path.join(here, 'pg-worker.mjs')
const enginePath = path.join(root, 'packages/core/dist/index.js')
const pgAdapterPath = path.join(root, 'packages/core/dist/pg/index.js')

const MICRO = ['a', 'b', 'c', 'd', 'e']
const PG = ['pg-query', 'pg-connect', 'pg-raw', 'pgbench']
const SCENARIOS = [...MICRO, ...PG]
const ALIASES = {
  seq: 'a',
  sequential: 'a',
  burst: 'b',
  microtask: 'b',
  fair: 'c',
  wait: 'c',
  alloc: 'd',
  heap: 'e',
  query: 'pg-query',
  connect: 'pg-connect',
  raw: 'pg-raw',
  baseline: 'pg-raw',
  'client-per-query': 'pg-raw',
}
const GROUPS = { pg: PG, micro: MICRO }
const isPg = (s) => PG.includes(s)

function parseArgs(argv) {
  const args = { rounds: undefined, scenarios: SCENARIOS, pools: DEFAULT_POOLS, quick: false, heapCycles: undefined }
  args.write = true
  args.pgPools = PG_POOL_NAMES
  args.pgOnly = false
  args.noPg = false
  const int = (flag, v, least = 1) => {
    const n = Number.parseInt(v, 10)
    if (!(n >= least)) throw new Error(`${flag} must be an integer >= ${least}`)
    return n
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined]
    const value = () => {
      const v = inline ?? argv[++i]
      if (v === undefined) throw new Error(`${flag} needs a value`)
      return v
    }
    switch (flag) {
      case '--rounds':
        args.rounds = Number.parseInt(value(), 10)
        if (!(args.rounds >= 1)) throw new Error('--rounds must be >= 1')
        break
      case '--scenario':
      case '--scenarios':
        args.scenarios = [
          ...new Set(
            value()
              .split(',')
              .flatMap((s) => GROUPS[s.trim()] ?? [ALIASES[s.trim()] ?? s.trim()]),
          ),
        ]
        for (const s of args.scenarios) if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario "${s}"`)
        args.explicitPg = args.scenarios.some(isPg)
        break
      case '--pg':
        args.pgOnly = true
        break
      case '--no-pg':
        args.noPg = true
        break
      case '--pg-pools':
        args.pgPools = value()
          .split(',')
          .map((s) => s.trim())
        for (const p of args.pgPools) if (!PG_POOL_NAMES.includes(p)) throw new Error(`unknown pg pool "${p}"`)
        break
      case '--pg-ms':
        args.pgMs = int(flag, value(), 100)
        break
      case '--pg-warm-ms':
        args.pgWarmMs = int(flag, value(), 0)
        break
      case '--pg-callers':
        args.pgCallers = int(flag, value())
        break
      case '--pg-raw-concurrency':
        args.pgRawConcurrency = int(flag, value())
        break
      case '--pgbench-sec':
        args.pgbenchSec = int(flag, value())
        break
      case '--pools':
        args.pools = value()
          .split(',')
          .map((s) => s.trim())
        for (const p of args.pools) if (!POOL_NAMES.includes(p)) throw new Error(`unknown pool "${p}"`)
        break
      case '--quick':
        args.quick = true
        break
      case '--heap-cycles':
        args.heapCycles = Number.parseInt(value(), 10)
        break
      case '--no-write':
        args.write = false
        break
      case '--help':
      case '-h':
        console.log(
          'usage: node bench/run.mjs [--rounds N] [--scenario a,b,c,d,e,pg-query,pg-connect,pg-raw,pgbench|pg|micro] [--pg | --no-pg]\n' +
            '                          [--pools LIST] [--pg-pools pools,pg,floor] [--pg-ms N] [--pg-warm-ms N] [--pg-callers N]\n' +
            '                          [--pg-raw-concurrency N] [--pgbench-sec N] [--quick] [--heap-cycles N] [--no-write]',
        )
        process.exit(0)
        break
      default:
        throw new Error(`unknown flag "${a}" (try --help)`)
    }
  }
  if (args.pgOnly && args.noPg) throw new Error('--pg and --no-pg exclude each other')
  if (args.pgOnly) {
    args.scenarios = args.scenarios.filter(isPg)
    args.explicitPg = true
  }
  if (args.noPg) args.scenarios = args.scenarios.filter((s) => !isPg(s))
  if (args.scenarios.length === 0) throw new Error('no scenario left to run')
  args.rounds ??= args.quick ? 3 : 7
  args.pgMs ??= args.quick ? 1500 : 5000
  args.pgWarmMs ??= args.quick ? 500 : 2000
  args.pgCallers ??= 200
  args.pgRawConcurrency ??= 10
  args.pgbenchSec ??= 5
  return args
}

const args = parseArgs(process.argv.slice(2))

const workerOpts = args.quick
  ? {
      warmMs: 150,
      ms: 400,
      cWarmMs: 200,
      cMs: 600,
      allocCycles: 50_000,
      heapCycles: 1_000_000,
      heapWarmCycles: 200_000,
      heapBudgetSec: 15,
    }
  : {
      warmMs: 400,
      ms: 1200,
      cWarmMs: 400,
      cMs: 1500,
      allocCycles: 100_000,
      heapCycles: 10_000_000,
      heapWarmCycles: 1_000_000,
      heapBudgetSec: 60,
    }
if (args.heapCycles) workerOpts.heapCycles = args.heapCycles

const engineBuilt = existsSync(enginePath)

/** Fingerprint of the built engine (all of packages/core/dist/**.js), to catch a rebuild during the run. */
function engineFingerprint() {
  if (!existsSync(enginePath)) return null
  const dist = path.dirname(enginePath)
  const files = readdirSync(dist, { recursive: true })
    .filter((f) => String(f).endsWith('.js'))
    .map(String)
    .sort()
  const hash = createHash('sha256')
  let newest = 0
  for (const f of files) {
    hash.update(f).update(readFileSync(path.join(dist, f)))
    newest = Math.max(newest, statSync(path.join(dist, f)).mtimeMs)
  }
  return { sha256: hash.digest('hex').slice(0, 16), files: files.length, newestFile: new Date(newest).toISOString() }
}
const engineAtStart = engineFingerprint()
let pools = args.pools
if (!engineBuilt && pools.some((p) => OURS.has(p))) {
  console.error(
    `! ${path.relative(root, enginePath)} not found: skipping ${pools.filter((p) => OURS.has(p)).join(', ')} (results marked pending)`,
  )
  pools = pools.filter((p) => !OURS.has(p))
}

/** Pools that take part in a scenario (the leak-detection variant is not run in c). */
const poolsFor = (s) => pools.filter((p) => !p.startsWith('pools-leak') || s !== 'c')

const NODE_FLAGS = {
  a: [],
  b: [],
  c: [],
  // A young generation large enough that N cycles never trigger a scavenge.
  d: ['--expose-gc', '--max-semi-space-size=256', '--min-semi-space-size=256'],
  e: ['--expose-gc'],
}
const TIMEOUT_MS = { a: 60_000, b: 60_000, c: 60_000, d: 180_000, e: 120_000 + workerOpts.heapBudgetSec * 4000 }

const fmt = (n) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : Number(n).toFixed(1)

function runOne(pool, scenario, round) {
  const t0 = Date.now()
  const build = OURS.has(pool) ? engineFingerprint()?.sha256 : undefined
  const child = spawnSync(
    process.execPath,
    [...NODE_FLAGS[scenario], workerPath, pool, scenario, JSON.stringify(workerOpts)],
    { cwd: root, encoding: 'utf8', timeout: TIMEOUT_MS[scenario], maxBuffer: 16 * 1024 * 1024 },
  )
  const line = (child.stdout ?? '')
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('RESULT '))
  let result
  if (line) result = JSON.parse(line.slice('RESULT '.length))
  else
    result = {
      pool,
      scenario,
      ok: false,
      error: `no result (exit ${child.status}, signal ${child.signal}${child.error ? `, ${child.error.message}` : ''}): ${(child.stderr ?? '').slice(-2000)}`,
    }
  result.round = round
  result.at = new Date(t0).toISOString()
  result.wallMs = Date.now() - t0
  if (build) result.engineBuild = build
  let note
  if (!result.ok) note = `FAILED: ${result.error.split('\n')[0]}`
  else if (scenario === 'a' || scenario === 'b') note = `${fmt(result.opsPerSec)} ops/s`
  else if (scenario === 'c')
    note = `wait p50 ${result.wait.p50.toFixed(1)} ms, p99 ${result.wait.p99.toFixed(1)} ms, jain ${result.fairness.jain.toFixed(4)}`
  else if (scenario === 'd') note = `${result.bytesPerCycle.toFixed(1)} B/cycle (N=${result.cycles})`
  else if (scenario === 'e')
    note = result.skipped ? `skipped: ${result.reason}` : `growth ${result.growth} B over ${fmt(result.cycles)} cycles`
  console.error(
    `  [${round ? `round ${round}` : 'memory'}] ${scenario} ${pool.padEnd(12)} ${note} (${result.wallMs} ms)`,
  )
  return result
}

const startedAt = new Date()
const machine = {
  node: process.version,
  v8: process.versions.v8,
  platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  availableParallelism: os.availableParallelism?.() ?? os.cpus().length,
  totalMemMB: Math.round(os.totalmem() / 2 ** 20),
  loadavgStart: os.loadavg(),
}
console.error(
  `bench: ${machine.node}, ${machine.cpuModel} x${machine.cores}, rounds=${args.rounds}, scenarios=${args.scenarios.join(',')}${args.scenarios.some((s) => !isPg(s)) ? `, pools=${pools.join(',')}` : ''}${args.scenarios.some(isPg) ? `, pg-pools=${args.pgPools.join(',')}` : ''}${args.quick ? ', QUICK' : ''}`,
)

const runs = []
const throughput = args.scenarios.filter((s) => s === 'a' || s === 'b' || s === 'c')
for (let round = 1; round <= args.rounds && throughput.length; round++) {
  for (const scenario of throughput) {
    const list = poolsFor(scenario)
    const shift = (round - 1) % list.length
    const order = [...list.slice(shift), ...list.slice(0, shift)]
    for (const pool of order) runs.push(runOne(pool, scenario, round))
  }
}
for (const scenario of args.scenarios.filter((s) => s === 'd' || s === 'e')) {
  for (const pool of poolsFor(scenario)) runs.push(runOne(pool, scenario, 0))
}

// ---- real PostgreSQL
const pgScenarios = args.scenarios.filter(isPg)
const pgInfo = pgScenarios.length ? await runPgScenarios(pgScenarios) : undefined

/**
 * The pg scenarios: rounds of pg-query and pg-connect (every pool in `args.pgPools` once each, the
 * order alternating between rounds) followed by one pg-raw measurement, then pgbench once, then the
 * check that no benchmark connection is left on the server.
 */
async function runPgScenarios(scenarios) {
  const conn = connectionFromEnv()
  const info = {
    connection: describeConnection(conn),
    scenarios,
    pools: args.pgPools,
    opts: {
      callers: args.pgCallers,
      max: 10,
      warmMs: args.pgWarmMs,
      ms: args.pgMs,
      rawConcurrency: args.pgRawConcurrency,
      pgbenchSec: args.pgbenchSec,
    },
  }
  const server = await probe(conn)
  info.server = server
  if (!server.ok) {
    info.skipped = `PostgreSQL not reachable at ${info.connection}: ${server.error}`
    console.error(`\n${'!'.repeat(100)}\n! SKIPPING the real-PostgreSQL scenarios (${scenarios.join(', ')}):`)
    console.error(
      `! ${info.skipped}\n! Set PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE, or pass --no-pg.\n${'!'.repeat(100)}\n`,
    )
    return info
  }
  console.error(`pg: ${server.serverVersion} at ${info.connection} (max_connections ${server.maxConnections})`)
  let pgPools = args.pgPools
  if (!existsSync(pgAdapterPath) && pgPools.includes('pools')) {
    console.error(`! ${path.relative(root, pgAdapterPath)} not found: skipping pools in the pg scenarios (pending)`)
    pgPools = pgPools.filter((p) => p !== 'pools')
    info.oursPending = true
  }
  info.pools = pgPools
  info.before = await countConnections(conn)
  if (info.before > 0)
    console.error(`! ${info.before} pools-bench% connections were already open before the run (another run?)`)

  const pgWorkerOpts = { ...info.opts, conn }
  const timeout = args.pgWarmMs + args.pgMs + 60_000
  const runPg = async (pool, scenario, round) => {
    // A closed socket leaves its backend in pg_stat_activity for a moment: start each measurement clean.
    const settle = await waitForNoConnections(conn, undefined, 10_000)
    const t0 = Date.now()
    const build = pool === 'pools' ? engineFingerprint()?.sha256 : undefined
    const child = spawnSync(process.execPath, [pgWorkerPath, pool, scenario, JSON.stringify(pgWorkerOpts)], {
      cwd: root,
      encoding: 'utf8',
      timeout,
      maxBuffer: 16 * 1024 * 1024,
    })
    const line = (child.stdout ?? '')
      .split('\n')
      .reverse()
      .find((l) => l.startsWith('RESULT '))
    const result = line
      ? JSON.parse(line.slice('RESULT '.length))
      : { pool, scenario, ok: false, error: `no result (exit ${child.status}, signal ${child.signal})` }
    if (child.status !== 0 && result.ok) {
      result.ok = false
      result.error = `exit ${child.status}${child.signal ? `, signal ${child.signal}` : ''}: ${(child.stderr ?? '').trim().slice(-500)}`
    } else if (!result.ok && !line) result.error += `: ${(child.stderr ?? '').slice(-2000)}`
    result.exitStatus = child.status
    result.round = round
    result.at = new Date(t0).toISOString()
    result.wallMs = Date.now() - t0
    result.settleBefore = settle
    if (build) result.engineBuild = build
    const note = result.ok
      ? `${fmt(result.opsPerSec)} ops/s, p50 ${result.latency.p50.toFixed(1)} ms, p99 ${result.latency.p99.toFixed(1)} ms`
      : `FAILED: ${String(result.error).split('\n')[0]}`
    console.error(`  [round ${round}] ${scenario.padEnd(10)} ${pool.padEnd(6)} ${note} (${result.wallMs} ms)`)
    return result
  }

  const pooled = scenarios.filter((s) => s === 'pg-query' || s === 'pg-connect')
  for (let round = 1; round <= args.rounds && (pooled.length || scenarios.includes('pg-raw')); round++) {
    // Rotated by one every two rounds, reversed in the second of each pair (bench/lib/order.mjs): with three
    // pools, over six rounds each takes each position twice and each pair runs in each order three times.
    const order = roundOrder(pgPools, round - 1)
    for (const scenario of pooled) for (const pool of order) runs.push(await runPg(pool, scenario, round))
    if (scenarios.includes('pg-raw')) runs.push(await runPg('none', 'pg-raw', round))
  }

  if (scenarios.includes('pgbench')) {
    await waitForNoConnections(conn, undefined, 10_000)
    info.pgbench = await runPgbench(conn, {
      clients: 10,
      threads: 2,
      seconds: args.pgbenchSec,
      log: (m) => console.error(`  pgbench: ${m}`),
    })
    if (info.pgbench.ok)
      console.error(
        `  pgbench: ${info.pgbench.pooled.tps.toFixed(0)} tps persistent, ${info.pgbench.reconnect.tps.toFixed(0)} tps reconnecting (-C)`,
      )
    else console.error(`  ! pgbench: ${info.pgbench.error}`)
  }

  // Every worker ended its pools; nothing may be left on the server.
  info.after = await waitForNoConnections(conn, undefined, 10_000)
  info.after.query = "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'pools-bench%'"
  console.error(
    info.after.last === 0
      ? `pg: 0 pools-bench% connections left on the server (checked ${info.after.waitedMs} ms)`
      : `! pg: ${info.after.last} pools-bench% connections still open on the server after 10 s`,
  )
  return info
}

const finishedAt = new Date()
machine.loadavgEnd = os.loadavg()
const engineAtEnd = engineFingerprint()
// Which engine build(s) the measurements of ours actually ran against (fingerprinted before each one).
const buildsMeasured = [...new Set(runs.filter((r) => r.engineBuild).map((r) => r.engineBuild))]
const engine = {
  atStart: engineAtStart,
  atEnd: engineAtEnd,
  buildsMeasured,
  changedDuringRun: engineAtStart?.sha256 !== engineAtEnd?.sha256,
  mixed: buildsMeasured.length > 1,
}
if (engine.mixed) console.error(`! measurements of pools ran against ${buildsMeasured.length} engine builds: re-run`)
else if (engine.changedDuringRun) console.error('! packages/core/dist was rebuilt after the last measurement of pools')
const pgReport = pgInfo ? buildPgReport({ runs, info: pgInfo, args }) : undefined
const report = buildReport({
  extra: pgReport,
  runs,
  machine,
  args: { ...args, pools },
  workerOpts,
  engineBuilt,
  engine,
  startedAt,
  finishedAt,
})

console.log(report.markdown)
if (args.write) {
  const dir = path.join(here, 'results')
  mkdirSync(dir, { recursive: true })
  const json = JSON.stringify(report.json, null, 2)
  const stamp = startedAt.toISOString().replace(/:/g, '-')
  writeFileSync(path.join(dir, `${stamp}.json`), json)
  writeFileSync(path.join(dir, 'latest.json'), json)
  writeFileSync(path.join(dir, 'latest.md'), report.markdown)
  console.error(`wrote bench/results/${stamp}.json, bench/results/latest.json, bench/results/latest.md`)
  writeCharts() // docs/benchmarks/*.svg follow the new results (a --quick run's are not drawn)
}
if (runs.some((r) => !r.ok)) process.exitCode = 1
// Asked for the pg scenarios explicitly and could not run them: that is a failure, not a skip.
if (pgInfo?.skipped && args.explicitPg) process.exitCode = 2
if (pgInfo && !pgInfo.skipped && pgInfo.after?.last > 0) process.exitCode = 1
