import type { PoolConfig } from '@pools/core'
import { poolsConfigJsonSchema, type ResolvedPool, redactConnection } from '@pools/core/config-file'
import { COMMON, CONFIG_OPTIONS, helpText, type OptionSpecs, parse } from '../args.js'
import { type CliIo, EXIT, styleFor, UsageError } from '../io.js'
import { loadFromFlags } from '../load.js'

const VALIDATE_OPTIONS: OptionSpecs = {
  ...CONFIG_OPTIONS,
  json: { type: 'boolean', help: 'Print the result as JSON.' },
  ...COMMON,
}
const PRINT_OPTIONS: OptionSpecs = {
  ...CONFIG_OPTIONS,
  pool: { type: 'string', short: 'p', value: '<name>', help: 'Only this pool.' },
  ...COMMON,
}
const SCHEMA_OPTIONS: OptionSpecs = { ...COMMON }

export const CONFIG_HELP = `Usage: pools config <validate | print | schema> [options]

Check and show the pools config file (pools.config.{ts,mts,js,mjs,cjs,json,yaml} or .poolsrc,
found from the working directory upward).

Commands:
  validate   Load the file with the selected profile and check every pool (exit 0 valid, 3 invalid).
  print      Print the resolved pools as JSON: every option with its default, connections redacted.
  schema     Print the JSON Schema of the file (for "$schema" in JSON/YAML files).

Run "pools config <command> --help" for the options of each.
`

const VALIDATE_HELP = helpText(
  'pools config validate [options]',
  'Load the config file with the selected profile and check every pool against the schema.\nExit 0 when valid, 3 when the file is missing or invalid (the message names the file, profile, pool and key).',
  VALIDATE_OPTIONS,
  'Examples:\n  pools config validate\n  POOLS_ENV=production pools config validate --env-file .env.production',
)
const PRINT_HELP = helpText(
  'pools config print [options]',
  'Print the resolved pools as JSON: the profile applied, every option with its default, and the\nconnection with passwords, secret URL parameters and TLS keys replaced by ***.\nUnbounded options (maxPending, maxIdle) are left out, as in the file.',
  PRINT_OPTIONS,
  'Examples:\n  pools config print --env production --pool primary',
)
const SCHEMA_HELP = helpText(
  'pools config schema',
  'Print the JSON Schema of pools config files (draft 2020-12).',
  SCHEMA_OPTIONS,
)

/** What `print` shows of one pool: numbers JSON can hold, the connection redacted. */
function printable(pool: ResolvedPool): Record<string, unknown> {
  const config: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(pool.config as PoolConfig)) {
    if (value !== Number.POSITIVE_INFINITY) config[key] = value
  }
  const connection = redactConnection({ ...pool.connection }) as Record<string, unknown>
  return {
    ...(pool.preset === undefined ? {} : { extends: pool.preset }),
    connection: pool.connection.driver === undefined ? connection : { driver: pool.connection.driver, ...connection },
    config,
  }
}

/** `pools config validate | print | schema`. */
export async function configCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout.write(CONFIG_HELP)
    return sub === undefined ? EXIT.usage : EXIT.ok
  }
  if (sub === 'schema') {
    const { values } = parse('pools config schema', rest, SCHEMA_OPTIONS)
    io.stdout.write(values.help ? SCHEMA_HELP : `${JSON.stringify(poolsConfigJsonSchema(), null, 2)}\n`)
    return EXIT.ok
  }
  if (sub === 'validate') {
    const { values } = parse('pools config validate', rest, VALIDATE_OPTIONS)
    if (values.help) {
      io.stdout.write(VALIDATE_HELP)
      return EXIT.ok
    }
    const loaded = await loadFromFlags(values, io)
    const pools = Object.values(loaded.pools)
    if (values.json) {
      const summary = Object.fromEntries(
        pools.map((p) => [p.name, { driver: p.connection.driver, min: p.config.min, max: p.config.max }]),
      )
      io.stdout.write(
        `${JSON.stringify({ valid: true, file: loaded.file, profile: loaded.profile, pools: summary }, null, 2)}\n`,
      )
      return EXIT.ok
    }
    const s = styleFor(io.stdout, io.env, values['no-color'] === true)
    const from = loaded.profileSource === 'option' ? '--env' : loaded.profileSource
    const profile = loaded.profile === undefined ? 'no profile' : `profile "${loaded.profile}" from ${from}`
    const list = pools
      .map(
        (p) =>
          `  ${p.name}: ${p.connection.driver ?? 'driver unknown'}, min ${p.config.min}, max ${p.config.max}${p.preset ? `, extends ${p.preset}` : ''}`,
      )
      .join('\n')
    io.stdout.write(
      `${s.green('✓')} ${loaded.file} is valid (${profile}): ${pools.length} pool${pools.length === 1 ? '' : 's'}\n${list}\n`,
    )
    return EXIT.ok
  }
  if (sub === 'print') {
    const { values } = parse('pools config print', rest, PRINT_OPTIONS)
    if (values.help) {
      io.stdout.write(PRINT_HELP)
      return EXIT.ok
    }
    const loaded = await loadFromFlags(values, io)
    const only = typeof values.pool === 'string' ? values.pool : undefined
    if (only !== undefined && !Object.hasOwn(loaded.pools, only)) {
      throw new UsageError(
        `pools config print: no pool named "${only}"; the pools are ${Object.keys(loaded.pools).join(', ')}`,
      )
    }
    const pools = Object.fromEntries(
      Object.values(loaded.pools)
        .filter((p) => only === undefined || p.name === only)
        .map((p) => [p.name, printable(p)]),
    )
    io.stdout.write(`${JSON.stringify({ file: loaded.file, profile: loaded.profile ?? null, pools }, null, 2)}\n`)
    return EXIT.ok
  }
  throw new UsageError(`pools config: unknown command "${sub}"; use validate, print or schema`)
}
