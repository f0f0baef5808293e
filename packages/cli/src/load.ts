import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parseEnv } from 'node:util'
import { type LoadedPoolsConfig, loadPoolsConfig } from '@pools/core/config-file'
import type { CliIo } from './io.js'
import { UsageError } from './io.js'

/** The variables the config sees: the environment, over the `--env-file` ones (as `node --env-file` does). */
export function envWith(io: CliIo, envFile: string | undefined): CliIo['env'] {
  if (envFile === undefined) return io.env
  let text: string
  try {
    text = readFileSync(path.resolve(io.cwd, envFile), 'utf8')
  } catch {
    throw new UsageError(`--env-file: cannot read ${envFile}`)
  }
  return { ...parseEnv(text), ...io.env }
}

/** Load the config file the way every config-reading command does (--config, --env, --env-file). */
export function loadFromFlags(values: Record<string, unknown>, io: CliIo): Promise<LoadedPoolsConfig> {
  const file = typeof values.config === 'string' ? values.config : undefined
  const profile = typeof values.env === 'string' ? values.env : undefined
  const envFile = typeof values['env-file'] === 'string' ? values['env-file'] : undefined
  return loadPoolsConfig({
    cwd: io.cwd,
    env: envWith(io, envFile),
    ...(file === undefined ? {} : { file }),
    ...(profile === undefined ? {} : { profile }),
  })
}
