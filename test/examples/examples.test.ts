/**
 * Every runnable example under examples/ runs as its header says and exits 0 by itself (CI smoke test).
 * examples/ioredis, examples/knex and examples/typeorm have their own tests (test/ioredis/example.test.ts,
 * test/typeorm/examples.test.ts), examples/demo has test/demo/demo.test.ts and examples/getting-started has
 * test/docs/getting-started.test.ts; this file covers the others. Needs the build (`npm test` builds first).
 */
import { execFile } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { beforeAll, expect, it } from 'vitest'
import { describeWithServices, requireService } from '../harness/index.js'

const run = promisify(execFile)
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

interface Example {
  /** What the example's header says to run, relative to the repository root. */
  args: string[]
  /** Something its output must contain. */
  expect: RegExp
  timeoutMs: number
}

const EXAMPLES: Record<string, Example> = {
  'examples/core-quickstart.mjs': { args: ['examples/core-quickstart.mjs'], expect: /\S/, timeoutMs: 30_000 },
  'examples/drizzle/index.mjs': { args: ['examples/drizzle/index.mjs'], expect: /\S/, timeoutMs: 60_000 },
  'examples/prisma/index.mjs': { args: ['examples/prisma/index.mjs'], expect: /\S/, timeoutMs: 120_000 },
  'examples/metrics/metrics.mjs': {
    args: ['examples/metrics/metrics.mjs'],
    expect: /db_client_connection/,
    timeoutMs: 60_000,
  },
  'examples/nestjs/run.mjs --smoke': { args: ['examples/nestjs/run.mjs', '--smoke'], expect: /\S/, timeoutMs: 120_000 },
  'examples/cli/pools.config.ts (pools config validate)': {
    args: ['packages/cli/dist/bin.js', 'config', 'validate', '--config', 'examples/cli/pools.config.ts'],
    expect: /\S/,
    timeoutMs: 60_000,
  },
}

describeWithServices(['postgres'], 'examples run as documented', () => {
  let env: NodeJS.ProcessEnv
  beforeAll(() => {
    env = { ...process.env, DATABASE_URL: requireService('postgres').url, NODE_OPTIONS: '' }
  })

  it.each(Object.keys(EXAMPLES))(
    '%s exits 0',
    async (name) => {
      const example = EXAMPLES[name]!
      try {
        const { stdout } = await run(process.execPath, example.args, { cwd: root, env, timeout: example.timeoutMs })
        expect(stdout).toMatch(example.expect)
      } catch (error) {
        const { stdout, stderr, code } = error as { stdout?: string; stderr?: string; code?: unknown }
        throw new Error(`${name} failed (exit ${String(code)}):\n${stdout ?? ''}\n${stderr ?? ''}`)
      }
    },
    150_000,
  )
})
