import type { ResolvedPool } from '@pools/core/config-file'
import { COMMON, CONFIG_OPTIONS, helpText, numberOption, type OptionSpecs, parse } from '../args.js'
import { runChecks } from '../doctor/checks.js'
import type { Finding, FindingLevel } from '../doctor/facts.js'
import { errorText } from '../doctor/measure.js'
import { probe, secretsOf, targetOf } from '../doctor/probe.js'
import { type CliIo, EXIT, type Style, startSpinner, styleFor, table, UsageError } from '../io.js'
import { loadFromFlags } from '../load.js'

const OPTIONS: OptionSpecs = {
  ...CONFIG_OPTIONS,
  pool: { type: 'string', short: 'p', value: '<name>', help: 'Only this pool (default: every pool in the file).' },
  instances: {
    type: 'string',
    short: 'i',
    value: '<n>',
    help: "Pools with this config open at peak (processes × pools each), for this app's share (default 1).",
  },
  'timeout-ms': {
    type: 'string',
    value: '<ms>',
    help: 'Give up on a connect or query after this long (default 5000).',
  },
  json: { type: 'boolean', help: 'Print the findings as JSON.' },
  ...COMMON,
}

export const DOCTOR_HELP = helpText(
  'pools doctor [options]',
  "Connect to each pool's database and check it against the pool's config: round-trip latency, server\nversion, max_connections and this app's share, a pooler in between (PgBouncer, Supavisor, ProxySQL),\nserver timeouts against idleTimeoutMs / keepaliveIntervalMs / maxLifetimeMs, and TLS.\nEach finding has a level (ok, info, warn, error) and, when there is something to do, a fix.",
  OPTIONS,
  'Exit codes: 0 nothing worse than info, 1 warnings, 2 errors (or a pool that could not be reached),\n3 config file missing or invalid, 64 bad command line.\n\nExamples:\n  pools doctor\n  pools doctor --env production --instances 6 --pool primary\n  pools doctor --json | jq \'.pools[].findings[] | select(.level != "ok")\'',
)

const RANK: Record<FindingLevel, number> = { ok: 0, info: 1, warn: 2, error: 3 }

/** One pool's report. */
interface PoolReport {
  pool: string
  driver: string | undefined
  target: string
  findings: Finding[]
}

async function examine(pool: ResolvedPool, instances: number, timeoutMs: number): Promise<PoolReport> {
  const driver = pool.connection.driver
  const report: PoolReport = { pool: pool.name, driver, target: targetOf(pool), findings: [] }
  if (driver === 'ioredis') {
    report.findings.push({
      level: 'info',
      check: 'skipped',
      message: 'doctor checks PostgreSQL and MySQL/MariaDB pools; this is a Redis pool',
    })
    return report
  }
  if (driver === undefined) {
    report.findings.push({
      level: 'error',
      check: 'driver',
      message: 'cannot tell which database this pool uses',
      fix: "give connection.url (postgres://, mysql://) or connection.driver: 'pg' | 'mysql2'",
    })
    return report
  }
  try {
    const facts = await probe(pool, timeoutMs)
    report.findings.push(...runChecks(facts, { config: pool.config, instances }))
  } catch (error) {
    report.findings.push({
      level: 'error',
      check: 'connect',
      message: `could not connect: ${errorText(error, secretsOf(pool))}`,
      fix: 'check the URL or host/port/user, that the server runs and accepts this client, and the password',
    })
  }
  return report
}

function mark(level: FindingLevel, s: Style): string {
  if (level === 'ok') return s.green('✓')
  if (level === 'info') return s.cyan('i')
  if (level === 'warn') return s.yellow('!')
  return s.red('✗')
}

/** `pools doctor`. */
export async function doctorCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse('pools doctor', argv, OPTIONS)
  if (values.help) {
    io.stdout.write(DOCTOR_HELP)
    return EXIT.ok
  }
  const instances = numberOption('pools doctor', values, 'instances') ?? 1
  const timeoutMs = numberOption('pools doctor', values, 'timeout-ms') ?? 5_000
  if (!Number.isInteger(instances) || instances < 1)
    throw new UsageError('pools doctor: --instances must be a whole number of at least 1')
  if (!(timeoutMs >= 1)) throw new UsageError('pools doctor: --timeout-ms must be at least 1')
  const loaded = await loadFromFlags(values, io)
  const only = typeof values.pool === 'string' ? values.pool : undefined
  if (only !== undefined && !Object.hasOwn(loaded.pools, only)) {
    throw new UsageError(`pools doctor: no pool named "${only}"; the pools are ${Object.keys(loaded.pools).join(', ')}`)
  }
  const pools = Object.values(loaded.pools).filter((p) => only === undefined || p.name === only)
  const reports: PoolReport[] = []
  const spinner = startSpinner(io.stderr, io.env, 'checking')
  try {
    for (const [i, pool] of pools.entries()) {
      spinner.update(`checking ${pool.name} (${i + 1} of ${pools.length})`)
      reports.push(await examine(pool, instances, timeoutMs))
    }
  } finally {
    spinner.stop()
  }

  const all = reports.flatMap((r) => r.findings)
  const worst = all.reduce((max, f) => Math.max(max, RANK[f.level]), 0)
  const code = worst === RANK.error ? EXIT.errors : worst === RANK.warn ? EXIT.warnings : EXIT.ok
  const count = (level: FindingLevel) => all.filter((f) => f.level === level).length
  if (values.json) {
    const out = { file: loaded.file, profile: loaded.profile ?? null, instances, exitCode: code, pools: reports }
    io.stdout.write(`${JSON.stringify(out, null, 2)}\n`)
    return code
  }
  const s = styleFor(io.stdout, io.env, values['no-color'] === true)
  const lines: string[] = [
    s.dim(
      `${loaded.file} · ${loaded.profile === undefined ? 'no profile' : `profile ${loaded.profile}`} · ${instances} instance${instances === 1 ? '' : 's'}`,
    ),
  ]
  for (const report of reports) {
    lines.push('', `${s.bold(report.pool)}  ${report.driver ?? '?'}  ${report.target}`)
    const rows: string[][] = []
    for (const f of report.findings) {
      rows.push([mark(f.level, s), f.check, f.message])
      if (f.fix) rows.push(['', '', s.dim(`fix: ${f.fix}`)])
    }
    lines.push(table(rows, '  '))
  }
  const summary = `${count('error')} error${count('error') === 1 ? '' : 's'}, ${count('warn')} warning${count('warn') === 1 ? '' : 's'}`
  lines.push(
    '',
    `${worst === RANK.error ? s.red(summary) : worst === RANK.warn ? s.yellow(summary) : s.green(summary)} (exit ${code})`,
  )
  io.stdout.write(`${lines.join('\n')}\n`)
  return code
}
