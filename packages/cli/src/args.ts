import { parseArgs } from 'node:util'
import { UsageError } from './io.js'

/** One option of a command, as `parseArgs` takes it, plus its help line. */
export interface OptionSpec {
  type: 'string' | 'boolean'
  short?: string
  /** Shown in `--help`: `<value>` name and meaning. */
  value?: string
  help: string
}

export type OptionSpecs = Record<string, OptionSpec>

/** Options every command takes. */
export const COMMON: OptionSpecs = {
  help: { type: 'boolean', short: 'h', help: 'Show this help.' },
  'no-color': { type: 'boolean', help: 'No colours (also: NO_COLOR=1, or output that is not a terminal).' },
}

/** Options of the commands that read the config file. */
export const CONFIG_OPTIONS: OptionSpecs = {
  config: {
    type: 'string',
    short: 'c',
    value: '<file>',
    help: 'Read this file instead of searching for pools.config.* / .poolsrc.',
  },
  env: {
    type: 'string',
    short: 'e',
    value: '<profile>',
    help: 'Apply this profile (default: POOLS_ENV, then NODE_ENV).',
  },
  'env-file': {
    type: 'string',
    value: '<file>',
    help: 'Read variables from this .env file first (set variables win).',
  },
}

function closest(name: string, names: readonly string[]): string | undefined {
  return names.find((n) => n.startsWith(name) || name.startsWith(n)) ?? names.find((n) => n.includes(name))
}

/** Parse `argv` against `specs`; any mistake is a {@link UsageError} naming the option. */
export function parse(
  command: string,
  argv: readonly string[],
  specs: OptionSpecs,
  positionals = 0,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  const options = Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [
      name,
      spec.short ? { type: spec.type, short: spec.short } : { type: spec.type },
    ]),
  )
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true })
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const unknown = /Unknown option '(-{1,2})([^']+)'/.exec(message)
    if (unknown) {
      const hint = closest(unknown[2] ?? '', Object.keys(specs))
      throw new UsageError(
        `${command}: unknown option ${unknown[1]}${unknown[2]}${hint ? ` (did you mean --${hint}?)` : ''}`,
      )
    }
    throw new UsageError(`${command}: ${message.replace(/\. To specify a positional argument.*$/s, '')}`)
  }
  if (parsed.positionals.length > positionals) {
    throw new UsageError(`${command}: unexpected argument "${parsed.positionals[positionals]}"`)
  }
  return { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals }
}

/** A number option: `undefined` when absent; a {@link UsageError} when not a finite number. */
export function numberOption(command: string, values: Record<string, unknown>, name: string): number | undefined {
  const raw = values[name]
  if (raw === undefined) return undefined
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN
  if (!Number.isFinite(value))
    throw new UsageError(`${command}: --${name} must be a number, got "${String(raw).slice(0, 40)}"`)
  return value
}

/** The help text of one command. */
export function helpText(usage: string, summary: string, specs: OptionSpecs, extra = ''): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.value ? ` ${spec.value}` : ''}`
    return [flag, spec.help]
  })
  const width = Math.max(...rows.map(([flag]) => (flag as string).length))
  const lines = rows.map(([flag, help]) => `  ${(flag as string).padEnd(width)}  ${help}`)
  return `Usage: ${usage}\n\n${summary}\n\nOptions:\n${lines.join('\n')}\n${extra ? `\n${extra.trimEnd()}\n` : ''}`
}
