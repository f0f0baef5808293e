/**
 * Dedicated-connection benchmark: @pools/ioredis vs generic-pool + ioredis vs node-redis 5's
 * createClientPool, same run, paired rounds, a fresh process per measurement.
 *
 *   node bench/ioredis/run.mjs [--rounds N] [--ms N] [--warm-ms N] [--callers N] [--max N] [--keys N]
 *                              [--ops N] [--targets pools,generic-pool,node-redis,ioredis-bare,node-redis-bare,generic-pool-again]
 *                              [--quick] [--no-write]
 *
 *   --rounds N   rounds (default 8; 2 with --quick). Each round runs every target once, in the order of
 *                bench/lib/order.mjs (rotated per pair of rounds, reversed in the second of the pair), so
 *                drift of the machine hits every target alike and each runs before and after each other
 *                equally often.
 *   --ms N       measured window per measurement (default 5000; 1000 with --quick)
 *   --warm-ms N  warm-up before it (default 2000; 300 with --quick)
 *   --callers N  concurrent callers (default 50), sharing a pool of --max connections (default 10)
 *   --keys N     keys the increments spread over (default 1000)
 *   --ops N      end each measured window after N ops instead of after --ms (a fixed amount of work:
 *                the steadiest CPU µs per op on a busy machine)
 *   --targets    which to run (default all). ioredis-bare and node-redis-bare are references, not
 *                judged: `--max` clients of the library alone, no pool, a loop driving each; they show
 *                what the client library itself costs per op, which no pool around it can go below.
 *                generic-pool-again is the A/A control, not judged either: generic-pool measured a second
 *                time in the same round; its ratio to generic-pool is what noise alone gives.
 *   --ioredis M  the ioredis module the two ioredis targets load: `ioredis` (default, 5.x here) or
 *                `ioredis6` (the devDependency alias of ioredis 6)
 *   --quick      a smoke run: proves it works, not for publishing
 *   --no-write   print only; otherwise writes bench/results/ioredis-<time>.{json,md} (and, for a full
 *                run, bench/results/ioredis-latest.{json,md})
 *
 * Needs `npm run build` first (it loads packages/ioredis/dist) and a Redis at REDIS_URL
 * (default redis://127.0.0.1:6379/0). Keys live under a per-run prefix, deleted at the end.
 * Method and how to read the numbers: docs/ioredis.md, "Benchmark".
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { writeCharts } from '../charts.mjs'
import { againOf, measuredAs } from '../lib/aa.mjs'
import { roundOrder } from '../lib/order.mjs'
import { median } from '../lib/stats.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../..')
/** The A/A control: generic-pool measured a second time per round; its ratio to the first is noise alone. */
const AA = { target: againOf('generic-pool'), baseline: 'generic-pool' }
const TARGETS = ['pools', 'generic-pool', 'node-redis', 'ioredis-bare', 'node-redis-bare', AA.target]
/** Reference rows: shown, never part of the paired "@pools ÷ best of the others" ratios. */
const REFERENCES = new Set(['ioredis-bare', 'node-redis-bare', AA.target])

function parseArgs(argv) {
  const args = { quick: false, write: true, targets: TARGETS }
  const int = (flag, value) => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a whole number ≥ 1, got ${value}`)
    return n
  }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    const next = () => argv[++i]
    switch (flag) {
      case '--quick':
        args.quick = true
        break
      case '--no-write':
        args.write = false
        break
      case '--rounds':
        args.rounds = int(flag, next())
        break
      case '--ms':
        args.ms = int(flag, next())
        break
      case '--warm-ms':
        args.warmMs = int(flag, next())
        break
      case '--callers':
        args.callers = int(flag, next())
        break
      case '--max':
        args.max = int(flag, next())
        break
      case '--keys':
        args.keys = int(flag, next())
        break
      case '--ops':
        args.ops = int(flag, next())
        break
      case '--ioredis': {
        const name = String(next())
        if (name !== 'ioredis' && name !== 'ioredis6')
          throw new Error(`--ioredis takes ioredis or ioredis6, got ${name}`)
        args.ioredis = name
        break
      }
      case '--targets': {
        const list = String(next()).split(',')
        for (const t of list) if (!TARGETS.includes(t)) throw new Error(`unknown target ${t} (${TARGETS.join(', ')})`)
        args.targets = list
        break
      }
      default:
        throw new Error(`unknown flag ${flag}`)
    }
  }
  args.rounds ??= args.quick ? 2 : 8
  args.ms ??= args.quick ? 1000 : 5000
  args.warmMs ??= args.quick ? 300 : 2000
  args.callers ??= 50
  args.max ??= 10
  args.keys ??= 1000
  args.ops ??= 0
  args.ioredis ??= 'ioredis'
  return args
}

function redact(url) {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.href
  } catch {
    return '(unparsable REDIS_URL)'
  }
}

function measure(target, options) {
  const child = spawnSync(
    process.execPath,
    [path.join(here, 'worker.mjs'), measuredAs(target), JSON.stringify(options)],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: options.warmMs + (options.ops > 0 ? 600_000 : options.ms) + 60_000,
    },
  )
  const line = child.stdout?.split('\n').findLast((l) => l.startsWith('RESULT '))
  if (child.status !== 0 || line === undefined) {
    throw new Error(`${target} failed (exit ${child.status}, ${child.signal ?? 'no signal'}):\n${child.stderr}`)
  }
  return JSON.parse(line.slice('RESULT '.length))
}

const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '–')

function report(run) {
  const others = run.targets.filter((t) => t !== 'pools' && !REFERENCES.has(t))
  const byTarget = Object.fromEntries(
    run.targets.map((t) => {
      const rs = run.rounds.map((r) => r[t]).filter(Boolean)
      return [
        t,
        {
          describe: rs[0]?.describe,
          opsPerSec: median(rs.map((r) => r.opsPerSec)),
          p50Ms: median(rs.map((r) => r.p50Ms)),
          p99Ms: median(rs.map((r) => r.p99Ms)),
          cpuUsPerOp: median(rs.map((r) => r.cpuUsPerOp)),
          cpuUsPerOpMin: Math.min(...rs.map((r) => r.cpuUsPerOp)),
          cpuUsPerOpMax: Math.max(...rs.map((r) => r.cpuUsPerOp)),
          commandsPerOp: median(rs.map((r) => r.commandsPerOp)),
          conflicts: median(rs.map((r) => r.conflicts)),
        },
      ]
    }),
  )
  // Paired per round: ours ÷ the best of the others in the same round (ops), and ours ÷ the best p99.
  const paired =
    run.targets.includes('pools') && others.length > 0
      ? run.rounds.map((r) => {
          const bestOps = Math.max(...others.map((t) => r[t]?.opsPerSec ?? 0))
          const bestP99 = Math.min(...others.map((t) => r[t]?.p99Ms ?? Number.POSITIVE_INFINITY))
          return { opsRatio: r.pools.opsPerSec / bestOps, p99Ratio: r.pools.p99Ms / bestP99 }
        })
      : []
  // the A/A control, paired per round as above: generic-pool-again ÷ generic-pool
  const aaRounds = run.rounds.filter((r) => r[AA.target] && r[AA.baseline])
  const aa = aaRounds.length
    ? aaRounds.map((r) => ({
        opsRatio: r[AA.target].opsPerSec / r[AA.baseline].opsPerSec,
        p99Ratio: r[AA.target].p99Ms / r[AA.baseline].p99Ms,
      }))
    : undefined
  const summary = {
    byTarget,
    aa: aa && {
      opsRatioMedian: median(aa.map((p) => p.opsRatio)),
      opsRatioMin: Math.min(...aa.map((p) => p.opsRatio)),
      opsRatioMax: Math.max(...aa.map((p) => p.opsRatio)),
      p99RatioMedian: median(aa.map((p) => p.p99Ratio)),
      p99RatioMin: Math.min(...aa.map((p) => p.p99Ratio)),
      p99RatioMax: Math.max(...aa.map((p) => p.p99Ratio)),
      perRound: aa,
    },
    paired: paired.length
      ? {
          opsRatioMedian: median(paired.map((p) => p.opsRatio)),
          opsRatioMin: Math.min(...paired.map((p) => p.opsRatio)),
          p99RatioMedian: median(paired.map((p) => p.p99Ratio)),
          p99RatioMax: Math.max(...paired.map((p) => p.p99Ratio)),
          perRound: paired,
        }
      : undefined,
  }
  const lines = [
    `# ioredis benchmark: dedicated connections (WATCH/MULTI/EXEC increment)${run.quick ? ' — QUICK SMOKE RUN, not for publishing' : ''}`,
    '',
    `${run.startedAt} · ${run.machine.cpus} × ${run.machine.cpuModel} · Node ${run.machine.node} · Redis ${run.redis.version} at ${run.redis.url}`,
    '',
    `${run.rounds.length} paired rounds, a fresh process per measurement, order rotated per pair of rounds and reversed in the second; ${run.options.callers} callers on a pool of ${run.options.max}, ${run.options.keys} keys, ${run.options.warmMs} ms warm-up + ${run.options.ops > 0 ? `${run.options.ops} ops` : `${run.options.ms} ms`} measured.`,
    '',
    '| target | ops/s (median) | p50 ms | p99 ms | CPU µs/op (min–max) | commands/op | conflicts retried |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...run.targets.map((t) => {
      const s = byTarget[t]
      const name =
        t === AA.target
          ? `*A/A control:* ${s.describe ?? t}, again`
          : REFERENCES.has(t)
            ? `*reference:* ${s.describe ?? t}`
            : (s.describe ?? t)
      return `| ${name} | ${fmt(s.opsPerSec)} | ${fmt(s.p50Ms, 2)} | ${fmt(s.p99Ms, 2)} | ${fmt(s.cpuUsPerOp, 1)} (${fmt(s.cpuUsPerOpMin, 1)}–${fmt(s.cpuUsPerOpMax, 1)}) | ${fmt(s.commandsPerOp, 2)} | ${fmt(s.conflicts)} |`
    }),
    '',
  ]
  if (run.targets.some((t) => REFERENCES.has(t))) {
    lines.push(
      'Reference rows (not judged): the client library alone, no pool, one loop per connection on the same number of connections; their latency has no wait for a connection in it. Their CPU µs/op is what the library costs per op before any pool: a pool around it adds to that. Commands/op are `INFO commandstats` deltas over the window (5 per attempt: WATCH, GET, MULTI, SET, EXEC).',
      '',
    )
  }
  if (summary.aa) {
    const a = summary.aa
    lines.push(
      `A/A control, generic-pool ÷ itself in the same round (what noise alone gives): ops/s median ${fmt(a.opsRatioMedian, 3)}× (${fmt(a.opsRatioMin, 3)}–${fmt(a.opsRatioMax, 3)}); p99 median ${fmt(a.p99RatioMedian, 3)}× (${fmt(a.p99RatioMin, 3)}–${fmt(a.p99RatioMax, 3)}).`,
      '',
    )
  }
  if (summary.paired) {
    const p = summary.paired
    const judged = run.targets.filter((t) => !REFERENCES.has(t))
    lines.push(
      `Paired per round, @pools ÷ best of the others: ops/s median ${fmt(p.opsRatioMedian, 3)}× (lowest round ${fmt(p.opsRatioMin, 3)}×); p99 median ${fmt(p.p99RatioMedian, 3)}× (highest round ${fmt(p.p99RatioMax, 3)}×; below 1 is better).`,
      '',
      '| round | order | ' + judged.map((t) => `${t} ops/s`).join(' | ') + ' | ops ratio | p99 ratio |',
      '| ---: | --- | ' + judged.map(() => '---:').join(' | ') + ' | ---: | ---: |',
      ...run.rounds.map(
        (r, i) =>
          `| ${i + 1} | ${r.order.join(' → ')} | ${judged.map((t) => fmt(r[t]?.opsPerSec)).join(' | ')} | ${fmt(p.perRound[i].opsRatio, 3)} | ${fmt(p.perRound[i].p99Ratio, 3)} |`,
      ),
      '',
    )
  }
  return { summary, markdown: lines.join('\n') }
}

const args = parseArgs(process.argv.slice(2))
if (!existsSync(path.join(root, 'packages/ioredis/dist/index.js'))) {
  console.error('packages/ioredis/dist is missing: run `npm run build` first.')
  process.exit(1)
}
const env = process.env
const url = env.REDIS_URL ?? 'redis://127.0.0.1:6379/0'
const prefix = `pools-bench:${randomBytes(4).toString('hex')}:`
const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null })
try {
  await admin.connect()
} catch (error) {
  console.error(`No Redis at ${redact(url)}: ${error.message}`)
  process.exit(1)
}
const version = /redis_version:([^\r\n]+)/.exec(await admin.info('server'))?.[1] ?? '?'
const options = {
  url,
  prefix,
  callers: args.callers,
  max: args.max,
  keys: args.keys,
  warmMs: args.warmMs,
  ms: args.ms,
  ioredis: args.ioredis,
  ops: args.ops,
}
const run = {
  kind: 'ioredis-dedicated-connections',
  quick: args.quick,
  startedAt: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '?', node: process.version, load: os.loadavg() },
  redis: { version, url: redact(url) },
  options: { ...options, url: undefined, prefix: undefined },
  targets: args.targets,
  rounds: [],
}
try {
  for (let round = 0; round < args.rounds; round++) {
    const order = roundOrder(args.targets, round)
    const results = { order }
    for (const target of order) {
      const r = measure(target, options)
      results[target] = r
      console.log(
        `round ${round + 1}/${args.rounds} ${target.padEnd(15)} ${fmt(r.opsPerSec).padStart(7)} ops/s  p50 ${fmt(r.p50Ms, 2)} ms  p99 ${fmt(r.p99Ms, 2)} ms  cpu ${fmt(r.cpuUsPerOp, 1)} µs/op  ${fmt(r.commandsPerOp, 2)} cmds/op`,
      )
    }
    run.rounds.push(results)
  }
} finally {
  let cursor = '0'
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    if (keys.length > 0) await admin.unlink(...keys)
    cursor = next
  } while (cursor !== '0')
  admin.disconnect()
}
const { summary, markdown } = report(run)
run.summary = summary
console.log(`\n${markdown}`)
if (args.write) {
  const dir = path.join(root, 'bench/results')
  mkdirSync(dir, { recursive: true })
  const stamp = run.startedAt.replaceAll(':', '-')
  const base = `ioredis-${stamp}${args.quick ? '-quick' : ''}`
  writeFileSync(path.join(dir, `${base}.json`), `${JSON.stringify(run, null, 2)}\n`)
  writeFileSync(path.join(dir, `${base}.md`), `${markdown}\n`)
  if (!args.quick) {
    writeFileSync(path.join(dir, 'ioredis-latest.json'), `${JSON.stringify(run, null, 2)}\n`)
    writeFileSync(path.join(dir, 'ioredis-latest.md'), `${markdown}\n`)
  }
  console.log(`wrote bench/results/${base}.{json,md}`)
  writeCharts() // docs/benchmarks/*.svg follow the new results (a --quick run's are not drawn)
}
