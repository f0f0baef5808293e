import type { RecommendPoolSizeInput } from '@pools/core'
import { DEFAULT_BURST_FACTOR, DEFAULT_RESERVED_CONNECTIONS, isPoolError, recommendPoolSize } from '@pools/core'
import { COMMON, CONFIG_OPTIONS, helpText, numberOption, type OptionSpecs, parse } from '../args.js'
import type { ServerFacts } from '../doctor/facts.js'
import { errorText } from '../doctor/measure.js'
import { probe, secretsOf, targetOf } from '../doctor/probe.js'
import { type CliIo, EXIT, startSpinner, styleFor, table, UsageError } from '../io.js'
import { loadFromFlags } from '../load.js'

const OPTIONS: OptionSpecs = {
  rate: {
    type: 'string',
    short: 'r',
    value: '<n>',
    help: "Borrows per second one instance makes (Little's Law; with --hold-ms).",
  },
  'hold-ms': { type: 'string', value: '<ms>', help: 'How long each borrow holds a connection, acquire to release.' },
  burst: {
    type: 'string',
    value: '<factor>',
    help: `Headroom for bursts, at least 1 (default ${DEFAULT_BURST_FACTOR}).`,
  },
  cores: { type: 'string', value: '<n>', help: 'Physical cores of the DATABASE server (cores rule).' },
  spindles: { type: 'string', value: '<n>', help: 'Effective spindles of the database, 0 when cached (default 1).' },
  instances: {
    type: 'string',
    short: 'i',
    value: '<n>',
    help: 'Pools sharing the database at peak: processes × pools each (default 1).',
  },
  'max-connections': { type: 'string', short: 'm', value: '<n>', help: "The server's max_connections (budget rule)." },
  reserved: {
    type: 'string',
    value: '<n>',
    help: `Connections kept free for admins, migrations, other apps (default ${DEFAULT_RESERVED_CONNECTIONS}).`,
  },
  pool: {
    type: 'string',
    short: 'p',
    value: '<name>',
    help: "Read max_connections (and reserved) from this pool's server in the config file; show its max.",
  },
  ...CONFIG_OPTIONS,
  'timeout-ms': {
    type: 'string',
    value: '<ms>',
    help: 'With --pool: give up connecting after this long (default 5000).',
  },
  json: { type: 'boolean', help: 'Print the recommendation as JSON.' },
  ...COMMON,
}

export const SIZE_HELP = helpText(
  'pools size [options]',
  "How big should the pool be? Little's Law (rate × hold time × burst), the cores rule (cores × 2 + spindles)\nand the budget rule (instances × max ≤ max_connections − reserved), with the reasoning.",
  OPTIONS,
  'Examples:\n  pools size --rate 200 --hold-ms 50 --cores 8 --max-connections 100 --instances 4\n  pools size --max-connections 500 --instances 20 --json\n  pools size --pool primary --env production --rate 200 --hold-ms 50 --instances 4',
)

/** `pools size`: recommendPoolSize from flags, as a table with the reasoning, or JSON. */
export async function sizeCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse('pools size', argv, OPTIONS)
  if (values.help) {
    io.stdout.write(SIZE_HELP)
    return EXIT.ok
  }
  const n = (name: string) => numberOption('pools size', values, name)
  const input: RecommendPoolSizeInput = {}
  const set = <K extends keyof RecommendPoolSizeInput>(key: K, value: number | undefined) => {
    if (value !== undefined) input[key] = value
  }
  set('arrivalRatePerSecond', n('rate'))
  set('holdTimeMs', n('hold-ms'))
  set('burstFactor', n('burst'))
  set('dbCores', n('cores'))
  set('effectiveSpindles', n('spindles'))
  set('instances', n('instances'))
  set('serverMaxConnections', n('max-connections'))
  set('reservedConnections', n('reserved'))
  const server = typeof values.pool === 'string' ? await fromPool(values.pool, values, io) : undefined
  if (server?.facts && !server.facts.pooler) {
    // Flags win: the server's numbers only fill what was not given.
    if (input.serverMaxConnections === undefined) input.serverMaxConnections = server.facts.maxConnections
    if (input.reservedConnections === undefined && server.facts.reservedConnections > 0) {
      input.reservedConnections = server.facts.reservedConnections
    }
  }
  let result: ReturnType<typeof recommendPoolSize>
  try {
    result = recommendPoolSize(input)
  } catch (error) {
    if (!isPoolError(error)) throw error
    throw new UsageError(`pools size: ${flagNames(error.message.replace(/^Invalid recommendPoolSize input: /, ''))}`)
  }
  if (values.json) {
    const from = server && {
      pool: server.name,
      target: server.target,
      configuredMax: server.configuredMax,
      configuredMin: server.configuredMin,
      ...(server.facts && {
        server: server.facts.version,
        maxConnections: server.facts.maxConnections,
        reservedConnections: server.facts.reservedConnections,
        otherConnections: server.facts.otherConnections,
        pooler: server.facts.pooler?.name ?? null,
      }),
    }
    io.stdout.write(`${JSON.stringify({ input, ...(from ? { from } : {}), ...result }, null, 2)}\n`)
    return EXIT.ok
  }
  const s = styleFor(io.stdout, io.env, values['no-color'] === true)
  const { littlesLaw, cores, budget } = result.rules
  const instances = input.instances ?? 1
  const rows: string[][] = [[s.dim('rule'), s.dim('from'), s.dim('per pool')]]
  if (littlesLaw) {
    rows.push([
      "Little's Law",
      `${input.arrivalRatePerSecond}/s × ${input.holdTimeMs} ms = ${round(littlesLaw.meanInUse)} in use, × ${littlesLaw.burstFactor} burst`,
      String(littlesLaw.connections),
    ])
  }
  if (cores) {
    rows.push([
      'cores',
      `${input.dbCores} cores × 2 + ${input.effectiveSpindles ?? 1} spindles = ${cores.serverConnections}, ÷ ${instances} instances`,
      String(cores.connections),
    ])
  }
  if (budget) {
    rows.push([
      'budget',
      `(${input.serverMaxConnections} max_connections − ${input.reservedConnections ?? DEFAULT_RESERVED_CONNECTIONS} reserved) ÷ ${instances} instances`,
      String(budget.connections),
    ])
  }
  const lines: string[] = []
  if (server) {
    const facts = server.facts
    const read = !facts
      ? ''
      : facts.pooler
        ? `: behind ${facts.pooler.name}, so the server's max_connections (${facts.maxConnections}) is not this app's budget; give --max-connections for the pooler's limit`
        : `: ${facts.version}, max_connections ${facts.maxConnections}${facts.reservedConnections ? `, ${facts.reservedConnections} reserved for superusers` : ''}, ${facts.otherConnections} open by others now`
    lines.push(
      `${s.bold(server.name)} ${s.dim(server.target)}${read}`,
      `The config has max ${server.configuredMax}, min ${server.configuredMin}.`,
      '',
    )
  }
  lines.push(
    `${s.bold('Recommended:')} max ${s.green(String(result.max))}, min ${s.green(String(result.min))} per pool${instances > 1 ? ` (${instances} pools: ${instances * result.max} connections at most)` : ''}`,
    '',
    table(rows),
    '',
    s.bold('Why'),
    ...result.reasoning.map((line, i) => `  ${i + 1}. ${line}`),
  )
  if (result.warnings.length > 0) {
    lines.push('', s.bold('Warnings'), ...result.warnings.map((w) => `  ${s.yellow('!')} ${w}`))
  }
  io.stdout.write(`${lines.join('\n')}\n`)
  return EXIT.ok
}

function round(value: number): string {
  return String(Number(value.toFixed(3)))
}

const FLAG_NAMES: Record<string, string> = {
  arrivalRatePerSecond: '--rate',
  holdTimeMs: '--hold-ms',
  burstFactor: '--burst',
  dbCores: '--cores',
  effectiveSpindles: '--spindles',
  instances: '--instances',
  serverMaxConnections: '--max-connections',
  reservedConnections: '--reserved',
}

/** recommendPoolSize names its fields; on the command line they are flags. */
function flagNames(message: string): string {
  return message.replace(
    /\b(arrivalRatePerSecond|holdTimeMs|burstFactor|dbCores|effectiveSpindles|instances|serverMaxConnections|reservedConnections)\b/g,
    (key) => FLAG_NAMES[key] ?? key,
  )
}

interface FromPool {
  name: string
  target: string
  configuredMax: number
  configuredMin: number
  facts: ServerFacts | undefined
}

/** `--pool`: the pool's config, and its server's connection limits (a connect failure is an error). */
async function fromPool(name: string, values: Record<string, unknown>, io: CliIo): Promise<FromPool> {
  const loaded = await loadFromFlags(values, io)
  const pool = loaded.pools[name]
  if (pool === undefined) {
    throw new UsageError(`pools size: no pool named "${name}"; the pools are ${Object.keys(loaded.pools).join(', ')}`)
  }
  const timeoutMs = numberOption('pools size', values, 'timeout-ms') ?? 5_000
  let facts: ServerFacts
  const spinner = startSpinner(io.stderr, io.env, `reading ${name}'s server`)
  try {
    facts = await probe(pool, timeoutMs)
  } catch (error) {
    throw new ProbeFailed(
      `pools size: could not read ${name}'s server (${targetOf(pool)}): ${errorText(error, secretsOf(pool))}`,
    )
  } finally {
    spinner.stop()
  }
  return { name, target: targetOf(pool), configuredMax: pool.config.max, configuredMin: pool.config.min, facts }
}

/** The server of `--pool` could not be reached: exit code 2, as for a doctor error. */
export class ProbeFailed extends Error {
  override readonly name = 'ProbeFailed'
}
