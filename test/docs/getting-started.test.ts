/**
 * docs/getting-started.md includes each program of examples/getting-started/ verbatim between
 * `<!-- include: examples/getting-started/NAME.mjs -->` and `<!-- /include -->`: the page and the files
 * never drift apart, and every program runs against the real servers and exits 0. Needs the build.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
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

/**
 * Generates the Prisma client of examples/prisma/schema.prisma (the page's first Prisma command) if it is
 * not there yet. test/examples runs examples/prisma, which generates the same client, maybe at the same
 * time: so this generates into a directory of its own beside it (same depth, so the client resolves the
 * same runtime) and renames it into place, keeping the other one if it won.
 */
async function generatePrismaClient(): Promise<void> {
  const cache = path.join(root, 'node_modules', '.cache', 'pools-prisma-example')
  const target = path.join(cache, 'client')
  if (existsSync(target)) return
  const own = `client-${process.pid}-${Date.now()}`
  const schema = path.join(cache, `${own}.prisma`)
  await mkdir(cache, { recursive: true })
  const source = await readFile(path.join(root, 'examples', 'prisma', 'schema.prisma'), 'utf8')
  await writeFile(schema, source.replace(/output\s*=\s*"[^"]*"/, `output = "./${own}"`))
  try {
    const cli = createRequire(import.meta.url).resolve('prisma/build/index.js')
    await run(process.execPath, [cli, 'generate', '--schema', schema], {
      cwd: root,
      env: { PRISMA_SCHEMA_ENGINE_BINARY: process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: '1', ...process.env },
      timeout: 120_000,
    })
    await rename(path.join(cache, own), target).catch(() => {}) // another run got there first: keep its client
  } finally {
    await rm(schema, { force: true })
    await rm(path.join(cache, own), { recursive: true, force: true })
  }
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
