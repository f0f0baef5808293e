/**
 * Benchmark orchestrator: `npm run bench` (builds first) or `node bench/run.mjs [flags]`.
 *
 *   --rounds N        interleaved rounds (default 7; 3 with --quick)
 *   --scenario LIST   comma list of a,b,c,d,e (default: all)
 *   --pools LIST      comma list of pools,pools-leak,floor,generic-pool,tarn,pg-pool (the default) and
 *                     pools-leak-nostack (opt-in: leak detection without stack capture)
 *   --quick           shorter measurements and fewer rounds (a smoke run, not for publishing)
 *   --heap-cycles N   cycles for scenario (e) (default 10000000)
 *   --no-write        print the report only, write nothing under bench/results
 *
 * Every (pool × scenario) measurement runs in a fresh child process (bench/worker.mjs). Throughput
 * scenarios run in rounds: each round runs every pool once, in an order rotated by one each round,
 * so slow drift of the machine hits every pool alike and ratios can be paired per round.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFAULT_POOLS, OURS, POOL_NAMES } from './lib/adapters.mjs'
import { buildReport } from './lib/report.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..')
const workerPath = path.join(here, 'worker.mjs')
const enginePath = path.join(root, 'packages/core/dist/index.js')

const SCENARIOS = ['a', 'b', 'c', 'd', 'e']
const ALIASES = { seq: 'a', sequential: 'a', burst: 'b', microtask: 'b', fair: 'c', wait: 'c', alloc: 'd', heap: 'e' }

function parseArgs(argv) {
  const args = { rounds: undefined, scenarios: SCENARIOS, pools: DEFAULT_POOLS, quick: false, heapCycles: undefined }
  args.write = true
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
        args.scenarios = value()
          .split(',')
          .map((s) => ALIASES[s.trim()] ?? s.trim())
        for (const s of args.scenarios) if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario "${s}"`)
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
          'usage: node bench/run.mjs [--rounds N] [--scenario a,b,c,d,e] [--pools LIST] [--quick] [--heap-cycles N] [--no-write]',
        )
        process.exit(0)
        break
      default:
        throw new Error(`unknown flag "${a}" (try --help)`)
    }
  }
  args.rounds ??= args.quick ? 3 : 7
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
  `bench: ${machine.node}, ${machine.cpuModel} x${machine.cores}, rounds=${args.rounds}, scenarios=${args.scenarios.join(',')}, pools=${pools.join(',')}${args.quick ? ', QUICK' : ''}`,
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
const report = buildReport({
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
}
if (runs.some((r) => !r.ok)) process.exitCode = 1
