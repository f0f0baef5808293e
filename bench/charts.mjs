/**
 * Writes the benchmark charts (docs/benchmarks/*.svg) from the result files in bench/results:
 *
 * - `latest.json` (bench/run.mjs, micro scenarios): micro-a.svg and micro-b.svg (ops/s ÷ floor per pool, paired
 *   per round, median with min–max), micro-c.svg (wait p99 ÷ floor);
 * - the newest full `orm-*.json`: frameworks-orm.svg (Prisma and Drizzle, ours ÷ theirs, ops/s and p99, and Node CPU
 *   per call for runs that recorded it);
 * - the newest full `knex-typeorm-*.json`: frameworks-knex-typeorm.svg (ops/s, p99, CPU per query);
 * - `ioredis-latest.json`: frameworks-ioredis.svg (@pools ÷ generic-pool + ioredis and ÷ node-redis, per round).
 *
 * A chart whose result file is missing is not written (an existing one is left alone). The output depends only on
 * the result files, so `test/bench/svg.test.ts` can check that the committed charts are current.
 *
 *   node bench/charts.mjs                 # writes docs/benchmarks/*.svg
 *   node bench/charts.mjs --out /tmp/x    # somewhere else
 *
 * The bench runners call writeCharts() after they write their results.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { isAgain } from './lib/aa.mjs'
import { barChart } from './lib/svg.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
export const defaultResultsDir = path.join(here, 'results')
export const defaultOutDir = path.join(here, '..', 'docs', 'benchmarks')

const POOL_ORDER = ['pools', 'pools-leak', 'pools-leak-nostack', 'generic-pool', 'tarn', 'pg-pool']

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

function stat(xs) {
  const ys = xs.filter((x) => Number.isFinite(x))
  if (ys.length === 0) return null
  return { value: median(ys), min: Math.min(...ys), max: Math.max(...ys) }
}

function fromSummary(s) {
  return s && Number.isFinite(s.median) ? { value: s.median, min: s.min, max: s.max } : null
}

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'))
}

/** The newest `<prefix><ISO stamp>.json` that is not a quick run (file names sort by time). */
function newest(dir, prefix, isQuick) {
  const names = readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.json') && !f.includes('quick') && !f.includes('latest'))
    .sort()
    .reverse()
  for (const name of names) {
    const data = readJson(path.join(dir, name))
    if (!isQuick(data)) return { name, data }
  }
  return null
}

function microCharts(latest, source) {
  const charts = {}
  const s = latest.summary ?? {}
  const rounds = latest.config?.rounds
  for (const sc of ['a', 'b']) {
    if (!s[sc]?.floor) continue
    const pools = POOL_ORDER.filter((p) => s[sc][p]?.thisOverFloor)
    const isLeak = (p) => p.startsWith('pools-leak')
    charts[`micro-${sc}.svg`] = barChart({
      title: `(${sc}) ${sc === 'a' ? '1 caller, sequential acquire → release' : '1000 callers, hold one microtask'}: ops/s ÷ floor`,
      subtitle: `median of ${rounds} paired rounds, whiskers min–max; longer is faster, 1.0× = the floor`,
      note: `Source: ${source}`,
      rows: pools,
      highlight: pools.map((p) => p.startsWith('pools')),
      panels: [
        {
          heading: 'ops/s ÷ floor ops/s, same round',
          values: pools.map((p) => fromSummary(s[sc][p].thisOverFloor)),
          references: [
            { value: 1, label: 'floor (1.0×)' },
            { value: 0.5, label: 'target: ≥ 0.5×', kind: 'target' },
            ...(pools.some(isLeak)
              ? [{ value: 1 / 3, label: 'target with leak detection: ≥ 1/3', kind: 'target' }]
              : []),
          ],
          max: 1.2,
        },
      ],
      panelWidth: 420,
    })
  }
  if (s.c?.floor) {
    const pools = POOL_ORDER.filter((p) => s.c[p]?.p99OverFloor)
    charts['micro-c.svg'] = barChart({
      title: '(c) 1000 callers, hold 1 ms: wait p99 ÷ floor',
      subtitle: `median of ${rounds} paired rounds, whiskers min–max; shorter is better, 1.0× = the floor`,
      note: `Source: ${source}`,
      rows: pools,
      highlight: pools.map((p) => p.startsWith('pools')),
      panels: [
        {
          heading: 'wait p99 ÷ floor wait p99, same round',
          values: pools.map((p) => fromSummary(s.c[p].p99OverFloor)),
          references: [
            { value: 1, label: 'floor (1.0×)' },
            { value: 1.05, label: 'target: ≤ 1.05×', kind: 'target' },
          ],
        },
      ],
      panelWidth: 420,
    })
  }
  return charts
}

const ORM_LABELS = {
  drizzle: 'Drizzle, node-postgres',
  prisma: 'Prisma, adapter-pg',
  'drizzle-mysql': 'Drizzle, mysql2',
  'prisma-mariadb': 'Prisma, adapter-mariadb',
}

function ormChart(orm, source) {
  // runs since the A/A control (bench/orm/run.mjs `own-again`): each row is followed by its own pool ÷ itself, in grey
  const lines = orm.summary.flatMap((r) => {
    const label = `${ORM_LABELS[r.framework] ?? r.framework}: ${r.scenario === 'tx' ? 'transaction' : r.scenario}`
    return [
      { label, ratios: r, ours: true },
      ...(r.aa ? [{ label: `${label}, A/A (own ÷ own)`, ratios: r.aa, ours: false }] : []),
    ]
  })
  const withAa = lines.some((l) => !l.ours)
  return barChart({
    title: 'Prisma and Drizzle on @pools ÷ on their own pool',
    subtitle: `median of ${orm.rounds} per-round ratios, whiskers min–max${withAa ? '; grey: the own pool ÷ itself, the noise floor' : ''}. Source: ${source}`,
    rows: lines.map((l) => l.label),
    highlight: lines.map((l) => l.ours),
    panels: [
      {
        heading: 'ops/s ours ÷ theirs (longer favours @pools)',
        values: lines.map((l) => fromSummary(l.ratios.opsRatio)),
        references: [{ value: 1, label: 'parity (1.0×)' }],
        max: 2.5,
      },
      {
        heading: 'p99 ours ÷ theirs (shorter favours @pools)',
        values: lines.map((l) => fromSummary(l.ratios.p99Ratio)),
        references: [{ value: 1, label: 'parity (1.0×)' }],
        max: 5,
      },
      // runs since CPU per call was recorded (bench/orm/worker.mjs cpuUsPerOp)
      ...(lines.every((l) => l.ratios.cpuRatio)
        ? [
            {
              heading: 'Node CPU per call ours ÷ theirs (shorter favours @pools)',
              values: lines.map((l) => fromSummary(l.ratios.cpuRatio)),
              references: [{ value: 1, label: 'parity (1.0×)' }],
              max: 2,
            },
          ]
        : []),
    ],
    note: 'Bars or whiskers beyond the axis end are cut at it (▸); the exact figures are in the table and the JSON.',
  })
}

function knexTypeormChart(kt, source) {
  const pairs = [
    ['knex-pools', 'knex-tarn', 'Knex on @pools ÷ on tarn'],
    ['knex-tarn-again', 'knex-tarn', 'Knex A/A: tarn ÷ tarn'],
    ['typeorm-pools', 'typeorm-native', 'TypeORM on @pools ÷ native'],
    ['typeorm-native-again', 'typeorm-native', 'TypeORM A/A: native ÷ native'],
  ]
  const highlight = []
  const rows = []
  const ops = []
  const p99 = []
  const cpu = []
  const key = (r) => `${r.dialect}|${r.scenario}|${r.target}`
  const byKey = new Map(kt.results.map((r) => [key(r), r]))
  const seen = []
  for (const r of kt.results) {
    const k = `${r.dialect}|${r.scenario}`
    if (!seen.includes(k)) seen.push(k)
  }
  for (const [ours, theirs, label] of pairs) {
    for (const k of seen) {
      const [dialect, scenario] = k.split('|')
      const a = byKey.get(`${k}|${ours}`)
      const b = byKey.get(`${k}|${theirs}`)
      if (!a || !b) continue
      const aa = label.includes('A/A')
      rows.push(`${label.split(' ')[0]} ${dialect} ${scenario === 'tx' ? 'transaction' : scenario}${aa ? ', A/A' : ''}`)
      highlight.push(!aa)
      const per = (f) => {
        const n = Math.min(a.rounds?.length ?? 0, b.rounds?.length ?? 0)
        const xs = []
        for (let i = 0; i < n; i++) xs.push(f(a.rounds[i]) / f(b.rounds[i]))
        return xs
      }
      const withRange = (value, xs) => {
        const s = stat(xs)
        return Number.isFinite(value) ? { value, ...(s ? { min: s.min, max: s.max } : {}) } : null
      }
      ops.push(
        withRange(
          a.opsRatio,
          per((x) => x.ops),
        ),
      )
      p99.push(
        withRange(
          a.p99Ratio,
          per((x) => x.p99Ms),
        ),
      )
      cpu.push(
        withRange(
          a.cpuRatio,
          per((x) => x.cpuUsPerOp),
        ),
      )
    }
  }
  const rounds = kt.args?.rounds
  return barChart({
    title: 'Knex and TypeORM on @pools ÷ on their usual pool',
    subtitle: `median of ${rounds} per-round ratios (as the runner reports it), whiskers min–max${highlight.includes(false) ? '; grey: the native pool ÷ itself (A/A), the noise floor' : ''}. Source: ${source}`,
    rows,
    highlight,
    panels: [
      {
        heading: 'ops/s (longer favours @pools)',
        values: ops,
        references: [{ value: 1, label: 'parity (1.0×)' }],
        max: 2,
      },
      {
        heading: 'p99 (shorter favours @pools)',
        values: p99,
        references: [{ value: 1, label: 'parity (1.0×)' }],
        max: 3,
      },
      {
        heading: 'CPU per query (shorter: @pools)',
        values: cpu,
        references: [{ value: 1, label: 'parity (1.0×)' }],
        max: 2,
      },
    ],
    panelWidth: 230,
    note: 'Bars or whiskers beyond the axis end are cut at it (▸); the exact figures are in the table and the JSON.',
  })
}

function ioredisChart(io, source) {
  const rounds = io.rounds ?? []
  const others = (io.targets ?? []).filter((t) => t !== 'pools' && !t.endsWith('-bare') && !isAgain(t))
  const describe = io.summary?.byTarget ?? {}
  // [numerator, denominator, label]; runs since the A/A control add generic-pool ÷ itself, in grey
  const pairs = others.map((t) => [
    'pools',
    t,
    `@pools ÷ ${t === 'generic-pool' ? 'generic-pool + ioredis' : t === 'node-redis' ? 'node-redis pool' : t}`,
  ])
  if ((io.targets ?? []).includes('generic-pool-again'))
    pairs.push(['generic-pool-again', 'generic-pool', 'A/A: generic-pool ÷ generic-pool'])
  const ratio = (a, b, f) => stat(rounds.filter((r) => r[a] && r[b]).map((r) => f(r[a]) / f(r[b])))
  return barChart({
    title: 'ioredis: @pools/ioredis ÷ other Redis pools',
    subtitle: `median of ${rounds.length} per-round ratios, whiskers min–max; ${io.options?.callers} callers on ${io.options?.max} connections. Source: ${source}`,
    rows: pairs.map(([, , label]) => label),
    highlight: pairs.map(([a]) => a === 'pools'),
    panels: [
      {
        heading: 'ops/s (longer favours @pools)',
        values: pairs.map(([a, b]) => ratio(a, b, (x) => x.opsPerSec)),
        references: [{ value: 1, label: 'parity (1.0×)' }],
      },
      {
        heading: 'p99 (shorter favours @pools)',
        values: pairs.map(([a, b]) => ratio(a, b, (x) => x.p99Ms)),
        references: [{ value: 1, label: 'parity (1.0×)' }],
      },
    ],
    note: others.map((t) => `${t}: ${describe[t]?.describe ?? t}`).join('; '),
  })
}

/**
 * Builds every chart whose result file exists. Returns `{ 'micro-a.svg': '<svg…', … }`.
 *
 * @example
 * const charts = buildCharts('bench/results')
 */
export function buildCharts(resultsDir = defaultResultsDir) {
  const charts = {}
  const latest = path.join(resultsDir, 'latest.json')
  if (existsSync(latest)) {
    const data = readJson(latest)
    // A --quick run is a smoke test: its numbers are not published, so it draws no chart.
    if (data.config?.quick !== true)
      Object.assign(charts, microCharts(data, `bench/results/latest.json (${data.startedAt})`))
  }
  const orm = newest(resultsDir, 'orm-', (d) => d.options?.quick === true || d.quick === true)
  if (orm?.data.summary?.length) charts['frameworks-orm.svg'] = ormChart(orm.data, `bench/results/${orm.name}`)
  const kt = newest(resultsDir, 'knex-typeorm-', (d) => d.args?.quick === true)
  if (kt?.data.results?.length)
    charts['frameworks-knex-typeorm.svg'] = knexTypeormChart(kt.data, `bench/results/${kt.name}`)
  const io = path.join(resultsDir, 'ioredis-latest.json')
  if (existsSync(io)) {
    const data = readJson(io)
    if (Array.isArray(data.rounds) && data.rounds.length)
      charts['frameworks-ioredis.svg'] = ioredisChart(data, `bench/results/ioredis-latest.json (${data.startedAt})`)
  }
  return charts
}

/**
 * Writes the charts to `outDir` and returns the file names written. Never throws for a bad result file: a
 * benchmark run must not fail because a chart could not be drawn; the reason goes to stderr.
 *
 * @example
 * await writeCharts() // docs/benchmarks/*.svg from bench/results
 */
export function writeCharts({ resultsDir = defaultResultsDir, outDir = defaultOutDir, quiet = false } = {}) {
  try {
    const charts = buildCharts(resultsDir)
    mkdirSync(outDir, { recursive: true })
    for (const [name, svg] of Object.entries(charts)) writeFileSync(path.join(outDir, name), svg)
    if (!quiet)
      console.error(
        `charts: wrote ${Object.keys(charts).length} SVG files to ${path.relative(process.cwd(), outDir) || '.'}`,
      )
    return Object.keys(charts)
  } catch (err) {
    console.error(`charts: not written (${err instanceof Error ? err.message : String(err)})`)
    return []
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out')
  const outDir = i > 0 ? path.resolve(process.argv[i + 1]) : defaultOutDir
  const written = writeCharts({ outDir })
  if (written.length === 0) process.exitCode = 1
}
