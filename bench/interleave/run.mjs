/**
 * Interleaved comparison: two or more targets, each in one warm process, take turns in short slices.
 *
 *   npm run build && node bench/interleave/run.mjs --suite knex-typeorm --dialect mysql2 --scenario burst \
 *       --targets typeorm-native,typeorm-pools,typeorm-native-again [--cycles 30] [--slice-ms 500]
 *       [--warm-ms 3000] [--callers N] [--max 10] [--no-write]
 *   node bench/interleave/run.mjs --suite orm --scenario select \
 *       --targets drizzle:own,drizzle:pools,drizzle:own-again
 *
 * Why: the fresh-process rounds of the other runners see everything the machine does between two
 * measurements seconds apart (single A/A rounds here range from 0.5× to 1.8×). Here every target is
 * warm once, and a cycle runs one slice of each, in the balanced order of bench/lib/order.mjs, so
 * drift slower than a cycle falls on every target alike. The first target is the baseline; each other
 * target gets the ratio of its ops/s and CPU per op to the baseline's over all cycles, with a 95 %
 * bootstrap interval that resamples both processes and cycles (bench/lib/paired.mjs). A target named `<baseline>-again` is a second
 * process of the baseline: the A/A control, whose interval is what noise alone gives.
 *
 * Suites: knex-typeorm (targets of bench/knex-typeorm/targets.mjs; scenarios select, tx, and burst =
 * select with 200 callers) and orm (targets `<framework>:<own|pools>` of bench/orm/targets.mjs;
 * scenarios select, tx; 64 callers). Control targets (`typeorm-native-loaded`, `typeorm-native-other`,
 * `<framework>:loaded`, `<framework>:other`) run the framework on its own pool in a process that has also
 * loaded @pools, or unrelated libraries, without using them: what loading code alone does to its speed.
 * Any target name followed by `+<module>` (repeatable) loads that module first, unused, in the same way:
 * `typeorm-native+@pools/core/mysql2` narrows a control down to one module (bench/lib/control.mjs).
 * Writes bench/results/interleave-<time>.json unless --no-write.
 *
 * Every process holds `--max` connections: targets × processes × max must fit the server's
 * max_connections (151 on a default MariaDB, 100 on PostgreSQL); raise it for a larger run, e.g.
 * `SET GLOBAL max_connections = 400`.
 *
 * `--processes K` (default 3) runs each target in K warm processes, each taking its own turn in every
 * cycle; a target's slice of a cycle is the sum over its processes. One process alone carries its own
 * luck (where the JIT and the heap happened to land): two processes of the same target differ by
 * several per cent over a whole run, more than the slices' noise.
 *
 * `--node-args "<flags>"` passes Node flags to every worker, so both sides can be profiled under the same
 * conditions: `--node-args "--cpu-prof --cpu-prof-dir=/tmp/prof"` (the report lists each process's pid,
 * which names its profile).
 */
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { isAgain, measuredAs } from '../lib/aa.mjs'
import { roundOrder } from '../lib/order.mjs'
import { pairedRatio, totals } from '../lib/paired.mjs'
import { connectionFromEnv } from '../lib/pg.mjs'
import { median } from '../lib/stats.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../..')
const argv = process.argv.slice(2)
const flag = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback)

const suite = flag('--suite', 'knex-typeorm')
const scenarioName = flag('--scenario', 'select')
const dialect = flag('--dialect', 'pg')
const targets = flag('--targets', '').split(',').filter(Boolean)
if (targets.length < 2) throw new Error('--targets: at least two, the baseline first')
const burst = scenarioName === 'burst'
if (!['select', 'tx', 'burst'].includes(scenarioName) || (burst && suite !== 'knex-typeorm')) {
  throw new Error(`--scenario ${scenarioName}: not one of ${suite === 'orm' ? 'select, tx' : 'select, tx, burst'}`)
}
const options = {
  cycles: Number(flag('--cycles', 30)),
  sliceMs: Number(flag('--slice-ms', 500)),
  warmMs: Number(flag('--warm-ms', 3000)),
  callers: Number(flag('--callers', burst ? 200 : suite === 'orm' ? 64 : 10)),
  max: Number(flag('--max', 10)),
  processes: Number(flag('--processes', 3)),
  /** Extra Node flags for every worker, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p` to profile both sides alike. */
  nodeArgs: flag('--node-args', '').split(' ').filter(Boolean),
}
const env = process.env
const url = {
  pg: env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  mysql2: env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test',
}

if (suite === 'knex-typeorm') {
  const { prepare } = await import('../knex-typeorm/targets.mjs')
  await prepare(dialect, url)
} else if (suite === 'orm') {
  const { onMysql, prepareOrm } = await import('../orm/targets.mjs')
  const { mysqlFromEnv } = await import('../orm/mysql.mjs')
  const mysql = targets.some((t) => onMysql(t.split(':')[0]))
  await prepareOrm({ pg: mysql ? undefined : connectionFromEnv(), mysql: mysql ? mysqlFromEnv() : undefined })
} else throw new Error(`--suite ${suite}: knex-typeorm or orm`)

/** A warm target process: `slice(ms)` runs one slice and resolves with what it measured. */
function startWorker(target) {
  const spec = {
    suite,
    target: measuredAs(target),
    dialect,
    scenario: burst ? 'select' : scenarioName,
    callers: options.callers,
    max: options.max,
    url,
  }
  const child = spawn(process.execPath, [...options.nodeArgs, path.join(here, 'worker.mjs'), JSON.stringify(spec)], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  // the worker answers `ready` or one JSON line; anything else on its stdout (a library's log line) is passed on
  const next = async () => {
    for (;;) {
      const { value, done } = await lines.next()
      if (done) throw new Error(`${target}: the worker exited`)
      if (value === 'ready' || value.startsWith('{')) return value
      process.stderr.write(`${target} (pid ${child.pid}): ${value}\n`)
    }
  }
  return {
    target,
    pid: child.pid,
    ready: next(),
    async slice(ms) {
      child.stdin.write(`run ${ms}\n`)
      return JSON.parse(await next())
    },
    async close() {
      child.stdin.end('close\n')
      await new Promise((resolve) => child.once('exit', resolve))
    },
  }
}

// started round-robin (a, b, c, a, b, c, …) and warmed in that order: a process started or warmed early is
// not always the same target's (the first processes started here ran a few per cent slower than the last)
const workers = Array.from({ length: options.processes }, () => targets.map((target) => startWorker(target))).flat()
/** Per target, per process: its slices in cycle order. */
const perProcess = new Map(workers.map((w) => [w, []]))
const startedAt = new Date()
try {
  for (const w of workers) {
    await w.ready
    await w.slice(options.warmMs)
  }
  for (let cycle = 0; cycle < options.cycles; cycle++) {
    for (const w of roundOrder(workers, cycle)) perProcess.get(w).push(await w.slice(options.sliceMs))
    if ((cycle + 1) % 10 === 0) process.stderr.write(`cycle ${cycle + 1}/${options.cycles}\n`)
  }
} finally {
  await Promise.all(workers.map((w) => w.close()))
}

/** Per target: its processes' slices (`[process][cycle]`), and per cycle the sum over its processes. */
const byProcess = Object.fromEntries(
  targets.map((target) => [target, workers.filter((w) => w.target === target).map((w) => perProcess.get(w))]),
)
const slices = Object.fromEntries(
  targets.map((target) => {
    const own = byProcess[target]
    return [
      target,
      own[0].map((_, cycle) => ({
        count: own.reduce((sum, s) => sum + s[cycle].count, 0),
        elapsedMs: own.reduce((sum, s) => sum + s[cycle].elapsedMs, 0),
        cpuUs: own.reduce((sum, s) => sum + s[cycle].cpuUs, 0),
        systemUs: own.reduce((sum, s) => sum + s[cycle].systemUs, 0),
        p99Ms: Math.max(...own.map((s) => s[cycle].p99Ms)),
      })),
    ]
  }),
)
const baseline = targets[0]
const fmt = (x) => `${x.ratio.toFixed(3)}× [${x.low.toFixed(3)}–${x.high.toFixed(3)}]`
const rows = targets.map((target) => {
  const t = totals(slices[target])
  const row = {
    target,
    aa: isAgain(target),
    ops: t.ops,
    cpuUsPerOp: t.cpuUsPerOp,
    systemUsPerOp: slices[target].reduce((sum, s) => sum + s.systemUs, 0) / t.count,
    p99Ms: median(slices[target].map((s) => s.p99Ms)),
  }
  if (target !== baseline) row.vsBaseline = pairedRatio(byProcess[baseline], byProcess[target])
  // each process on its own, against the baseline's processes together: how far one process's luck goes
  const own = workers.filter((w) => w.target === target)
  row.processes = own.map((w) => pairedRatio(byProcess[baseline], [perProcess.get(w)], { resamples: 0 }).ops.ratio)
  row.pids = own.map((w) => w.pid)
  return row
})

console.log(
  `\n${suite}${suite === 'orm' ? '' : ` ${dialect}`} ${scenarioName}: ${options.callers} callers on max ${options.max}, ${options.processes} processes each, ${options.cycles} cycles of ${options.sliceMs} ms slices; ratios to ${baseline} [95 % interval]\n`,
)
for (const r of rows) {
  const tail = r.vsBaseline ? `  ops/s ${fmt(r.vsBaseline.ops)}  CPU/op ${fmt(r.vsBaseline.cpu)}` : '  (baseline)'
  console.log(
    `${r.target.padEnd(28)} ${r.ops.toFixed(0).padStart(7)} ops/s  ${r.cpuUsPerOp.toFixed(1).padStart(7)} µs CPU/op (${r.systemUsPerOp.toFixed(1)} in the kernel)  p99 ${r.p99Ms.toFixed(2)} ms${tail}`,
  )
  console.log(
    `${''.padEnd(28)} each process (pid): ops/s ÷ the baseline's per process ${r.processes.map((x, i) => `${x.toFixed(3)} (${r.pids[i]})`).join(', ')}`,
  )
}

if (!argv.includes('--no-write')) {
  const dir = path.join(root, 'bench/results')
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `interleave-${startedAt.toISOString().replaceAll(':', '-')}.json`)
  const machine = { node: process.version, cpus: os.cpus().length, loadavg: os.loadavg() }
  writeFileSync(
    file,
    `${JSON.stringify({ suite, dialect, scenario: scenarioName, targets, options, machine, startedAt, rows, slices }, null, 2)}\n`,
  )
  console.log(`\n${path.relative(root, file)}`)
}
