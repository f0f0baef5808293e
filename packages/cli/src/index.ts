/**
 * `@pools/cli`: the `pools` command (`pools size`, `pools config`, `pools doctor`) and, for tests and
 * scripts, {@link runCli} to run it in-process.
 *
 * @example
 * ```ts
 * import { runCli } from '@pools/cli'
 * process.exitCode = await runCli(process.argv.slice(2))
 * ```
 * @module
 */
export { MAIN_HELP, runCli, VERSION } from './cli.js'
export { type CheckContext, runChecks } from './doctor/checks.js'
export type { Finding, FindingLevel, PoolerFacts, ServerFacts } from './doctor/facts.js'
export { type CliIo, EXIT, type OutputStream } from './io.js'
