#!/usr/bin/env node
import { runCli } from './cli.js'

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
    // Normally the process ends here on its own; a server that stalls a socket must not keep it alive.
    setTimeout(() => process.exit(code), 1_000).unref()
  },
  (error: unknown) => {
    console.error(error)
    process.exitCode = 70
  },
)
