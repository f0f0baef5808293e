/**
 * docs/getting-started.md includes each program of examples/getting-started/ verbatim between
 * `<!-- include: examples/getting-started/NAME.mjs -->` and `<!-- /include -->`: the page and the files
 * never drift apart, and every program runs against the real servers and exits 0. Needs the build.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { describeWithServices, requireService, type ServiceName } from '../harness/index.js'

const run = promisify(execFile)
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const dir = path.join(root, 'examples', 'getting-started')
const page = path.join(root, 'docs', 'getting-started.md')

/** The service each program talks to; the page has one section per entry point. */
const PROGRAMS: Record<string, ServiceName> = {
  pg: 'postgres',
  mysql2: 'mysql',
  mariadb: 'mysql',
  'generic-pool': 'postgres',
  prisma: 'postgres',
  drizzle: 'postgres',
  knex: 'postgres',
  typeorm: 'postgres',
  ioredis: 'redis',
}

const INCLUDE =
  /<!-- include: (examples\/getting-started\/[\w-]+\.mjs) -->\n\n```js\n([\s\S]*?)```\n\n<!-- \/include -->/g

async function included(): Promise<Map<string, string>> {
  const text = await readFile(page, 'utf8')
  return new Map([...text.matchAll(INCLUDE)].map((match) => [match[1]!, match[2]!]))
}

describe('docs/getting-started.md', () => {
  it('includes every program of examples/getting-started/ exactly once, byte for byte', async () => {
    const files = (await readdir(dir)).filter((name) => name.endsWith('.mjs')).sort()
    expect(files).toEqual(
      Object.keys(PROGRAMS)
        .map((name) => `${name}.mjs`)
        .sort(),
    )
    const blocks = await included()
    const text = await readFile(page, 'utf8')
    expect((text.match(/<!-- include: /g) ?? []).length).toBe(files.length)
    for (const file of files) {
      const relative = `examples/getting-started/${file}`
      expect(blocks.get(relative), relative).toBe(await readFile(path.join(dir, file), 'utf8'))
    }
  })

  it('keeps every program at 20 lines or fewer', async () => {
    for (const name of Object.keys(PROGRAMS)) {
      const code = await readFile(path.join(dir, `${name}.mjs`), 'utf8')
      expect(code.trimEnd().split('\n').length, name).toBeLessThanOrEqual(20)
    }
  })
})

/** Generates the Prisma client examples/prisma/schema.prisma describes, as the page's first command does. */
async function generatePrismaClient(): Promise<void> {
  if (existsSync(path.join(root, 'node_modules', '.cache', 'pools-prisma-example', 'client'))) return
  const cli = createRequire(import.meta.url).resolve('prisma/build/index.js')
  await run(process.execPath, [cli, 'generate', '--schema', 'examples/prisma/schema.prisma'], {
    cwd: root,
    env: { PRISMA_SCHEMA_ENGINE_BINARY: process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: '1', ...process.env },
    timeout: 120_000,
  })
}

for (const service of ['postgres', 'mysql', 'redis'] as const) {
  const names = Object.keys(PROGRAMS).filter((name) => PROGRAMS[name] === service)
  describeWithServices([service], `getting-started programs on ${service}`, () => {
    it.each(names)(
      '%s.mjs exits 0 and prints the answer',
      async (name) => {
        const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' }
        const url = requireService(service).url
        if (service === 'postgres') env.DATABASE_URL = url
        if (service === 'mysql') env.MYSQL_URL = url
        if (service === 'redis') env.REDIS_URL = url
        if (name === 'prisma') await generatePrismaClient()
        try {
          const file = `examples/getting-started/${name}.mjs`
          const { stdout } = await run(process.execPath, [file], { cwd: root, env, timeout: 60_000 })
          expect(stdout).toMatch(name === 'ioredis' ? /job-1/ : /^42 /m)
        } catch (error) {
          const { stdout, stderr, code } = error as { stdout?: string; stderr?: string; code?: unknown }
          throw new Error(`${name}.mjs failed (exit ${String(code)}):\n${stdout ?? ''}\n${stderr ?? ''}`)
        }
      },
      150_000,
    )
  })
}
