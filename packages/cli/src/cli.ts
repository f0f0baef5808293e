import { isPoolError } from '@pools/core'
import { CONFIG_HELP, configCommand } from './commands/config.js'
import { DOCTOR_HELP, doctorCommand } from './commands/doctor.js'
import { ProbeFailed, SIZE_HELP, sizeCommand } from './commands/size.js'
import { TOP_HELP, topCommand } from './commands/top.js'
import { type CliIo, EXIT, styleFor, UsageError } from './io.js'

const COMMANDS = {
  size: {
    run: sizeCommand,
    help: SIZE_HELP,
    summary: "How big should the pool be? (Little's Law, cores, connection budget)",
  },
  config: {
    run: configCommand,
    help: CONFIG_HELP,
    summary: 'validate | print | schema: check and show pools.config.*',
  },
  doctor: { run: doctorCommand, help: DOCTOR_HELP, summary: "What is wrong right now? Checks each pool's database" },
  top: { run: topCommand, help: TOP_HELP, summary: "A live view of a running app's pools, from its metrics endpoint" },
} as const
type CommandName = keyof typeof COMMANDS

/** The package version (a test keeps it equal to package.json's; no file read, so ESM and CommonJS builds agree). */
export const VERSION = '0.1.0'

export const MAIN_HELP = `Usage: pools <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(8)}${c.summary}`)
  .join('\n')}

Options:
  -h, --help     Show help (also: pools <command> --help)
  -v, --version  Show the version

Exit codes: 0 ok, 1 doctor warnings, 2 doctor errors or a server not reached, 3 config missing or invalid,
64 bad command line, 70 bug.
Colours only on a terminal; NO_COLOR=1 or --no-color turns them off.
`

/**
 * Run the `pools` command line with `argv` (without `node` and the script) and return the exit
 * code; nothing is written outside `io` and the process is never exited, so it can run in tests.
 *
 * @example
 * ```ts
 * import { runCli } from '@pools/cli'
 * const code = await runCli(['size', '--rate', '200', '--hold-ms', '50', '--json'])
 * ```
 */
export async function runCli(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const full: CliIo = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    env: io.env ?? process.env,
    cwd: io.cwd ?? process.cwd(),
    ...(io.stdin === undefined ? {} : { stdin: io.stdin }),
  }
  const [name, ...rest] = argv
  const err = styleFor(full.stderr, full.env, argv.includes('--no-color'))
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      const topic = rest[0]
      if (name === 'help' && topic !== undefined && Object.hasOwn(COMMANDS, topic)) {
        full.stdout.write(COMMANDS[topic as CommandName].help)
        return EXIT.ok
      }
      full.stdout.write(MAIN_HELP)
      return name === undefined ? EXIT.usage : EXIT.ok
    }
    if (name === '--version' || name === '-v') {
      full.stdout.write(`${VERSION}\n`)
      return EXIT.ok
    }
    if (!Object.hasOwn(COMMANDS, name)) {
      const hint = Object.keys(COMMANDS).find((c) => c.startsWith(name.slice(0, 2)))
      throw new UsageError(`unknown command "${name.slice(0, 40)}"${hint ? ` (did you mean "${hint}"?)` : ''}`)
    }
    return await COMMANDS[name as CommandName].run(rest, full)
  } catch (error) {
    if (error instanceof UsageError) {
      full.stderr.write(
        `${err.red('error:')} ${error.message}\nRun "pools ${name && Object.hasOwn(COMMANDS, name) ? `${name} ` : ''}--help" for usage.\n`,
      )
      return EXIT.usage
    }
    if (error instanceof ProbeFailed) {
      full.stderr.write(`${err.red('error:')} ${error.message}\n`)
      return EXIT.errors
    }
    if (isPoolError(error, 'POOL_CONFIG_INVALID')) {
      full.stderr.write(`${err.red('error:')} ${error.message}\n`)
      return EXIT.config
    }
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error)
    full.stderr.write(`${err.red('internal error:')} ${text}\nThis is a bug in @pools/cli; please report it.\n`)
    return EXIT.internal
  }
}
