/**
 * The packages as a user gets them: every workspace package is packed (`npm pack`), the tarballs are
 * installed into a throwaway project in a temp folder, and then
 *  - every entry point is loaded with `import` and with `require()` (same export names both ways);
 *  - an ES-module app, a CommonJS app, and TypeScript apps compiled under each module setting people use
 *    (nodenext ESM/CJS, node16 ESM/CJS, bundler, a `nest new` CommonJS project, classic node10) run a query
 *    through `@pools/core/pg` against the real PostgreSQL;
 *  - each tarball holds what a user needs (README, LICENSE, types for every export) and no test files.
 * Needs the build (`npm test` builds first) and network access to the npm registry or its cache for the
 * third-party packages (pg, @types/*).
 */
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeWithPostgres, requireService } from '../harness/index.js'

const run = promisify(execFile)
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const tsc = path.join(root, 'node_modules/typescript/bin/tsc')

interface Manifest {
  name: string
  version: string
  private?: boolean
  exports?: Record<string, unknown>
  pools?: { entryPoints?: Record<string, string> }
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  devDependencies?: Record<string, string>
}

function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest
}

const packageDirs = readdirSync(path.join(root, 'packages'))
  .map((name) => path.join(root, 'packages', name))
  .filter((dir) => existsSync(path.join(dir, 'package.json')) && !readManifest(dir).private)
const packages = packageDirs.map((dir) => ({ dir, manifest: readManifest(dir) }))
const rootManifest = readManifest(root)

/** `name/subpath` for every entry point of every package. */
const specifiers = packages.flatMap(({ manifest }) =>
  Object.keys(manifest.pools?.entryPoints ?? { '.': 'index' }).map((subpath) =>
    subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`,
  ),
)

let work = ''
const packed = new Map<string, { tarball: string; files: string[] }>()

async function node(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const { stdout } = await run(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env, NODE_OPTIONS: '' },
    timeout: 60_000,
  })
  return stdout
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'pools-consumers-'))
  const tarballs = path.join(work, 'tarballs')
  await mkdir(tarballs)
  for (const { dir, manifest } of packages) {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', tarballs], {
      cwd: dir,
      timeout: 120_000,
    })
    const [info] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }]
    packed.set(manifest.name, { tarball: path.join(tarballs, info.filename), files: info.files.map((f) => f.path) })
  }
  // Third-party packages at the versions the workspace uses; peers of every package so each entry loads.
  const versionOf = (name: string): string =>
    rootManifest.devDependencies?.[name] ??
    packages.map((p) => p.manifest.devDependencies?.[name] ?? p.manifest.peerDependencies?.[name]).find(Boolean) ??
    'latest'
  const dependencies: Record<string, string> = {}
  for (const [name, { tarball }] of packed) dependencies[name] = `file:${tarball}`
  for (const { manifest } of packages) {
    for (const peer of Object.keys(manifest.peerDependencies ?? {})) dependencies[peer] ??= versionOf(peer)
  }
  for (const extra of ['pg', '@types/pg', '@types/node']) dependencies[extra] ??= versionOf(extra)
  await writeFile(
    path.join(work, 'package.json'),
    JSON.stringify({ name: 'pools-consumer', private: true, version: '1.0.0', dependencies }, null, 2),
  )
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts'], {
    cwd: work,
    timeout: 240_000,
  })
}, 300_000)

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true })
})

describe('the packed tarballs', () => {
  it.each(packages.map((p) => p.manifest.name))(
    '%s holds README, LICENSE, types for every export, no tests',
    (name) => {
      const { files } = packed.get(name)!
      expect(files).toContain('README.md')
      expect(files).toContain('LICENSE')
      expect(files).toContain('package.json')
      expect(files.filter((f) => /\.test\.[cm]?[jt]s$|__fixtures__|(^|\/)test\//.test(f))).toEqual([])
      const manifest = packages.find((p) => p.manifest.name === name)!.manifest
      for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
        if (typeof target === 'string') {
          expect(files, `${name} ${subpath}`).toContain(target.replace(/^\.\//, ''))
          continue
        }
        for (const condition of ['import', 'require'] as const) {
          const entry = (target as Record<string, { types: string; default: string }>)[condition]
          expect(entry, `${name} ${subpath} has a ${condition} condition`).toBeDefined()
          expect(files, `${name} ${subpath} ${condition} types`).toContain(entry!.types.replace(/^\.\//, ''))
          expect(files, `${name} ${subpath} ${condition} code`).toContain(entry!.default.replace(/^\.\//, ''))
        }
      }
    },
  )
})

describe('every entry point loads from ESM and from CommonJS', () => {
  it.each(specifiers)('%s', async (specifier) => {
    const esm = await node(
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.keys(m).sort()))`,
      ],
      work,
    )
    const cjs = await node(
      [
        '-e',
        `const m = require(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.keys(m).filter((k) => k !== '__esModule').sort()))`,
      ],
      work,
    )
    const esmKeys = JSON.parse(esm) as string[]
    expect(esmKeys.length).toBeGreaterThan(0)
    expect(JSON.parse(cjs)).toEqual(esmKeys)
  })
})

describe('both builds in one process (the dual-package hazard)', () => {
  it('PoolError, engineOf and livePools() agree across the ES-module and CommonJS copies', async () => {
    const script = `
import { createRequire } from 'node:module'
import * as esm from '@pools/core'
const cjs = createRequire(process.cwd() + '/')('@pools/core')
const driver = { create: async () => ({}), destroy: () => {} }
const a = esm.createPool(driver, { name: 'esm-pool' })
const b = cjs.createPool(driver, { name: 'cjs-pool' })
const fromCjs = new cjs.PoolError('POOL_CLOSED', 'x')
const fromEsm = new esm.PoolError('POOL_CLOSED', 'y')
const names = (list) => list.map((p) => p.name).sort().join(',')
const out = {
  distinctCopies: esm.createPool !== cjs.createPool,
  instanceofAcross: fromCjs instanceof esm.PoolError && fromEsm instanceof cjs.PoolError,
  plainErrorIsNot: new Error('z') instanceof esm.PoolError,
  guardAcross: esm.isPoolError(fromCjs, 'POOL_CLOSED') && cjs.isPoolError(fromEsm),
  engineAcross: esm.engineOf(b) === b && cjs.engineOf(a) === a,
  liveFromEsm: names(esm.livePools()),
  liveFromCjs: names(cjs.livePools()),
}
await a.close()
await b.close()
out.liveAfterClose = esm.livePools().length + cjs.livePools().length
console.log(JSON.stringify(out))
`
    const out = await node(['--input-type=module', '-e', script], work)
    expect(JSON.parse(out)).toEqual({
      distinctCopies: true,
      instanceofAcross: true,
      plainErrorIsNot: false,
      guardAcross: true,
      engineAcross: true,
      liveFromEsm: 'cjs-pool,esm-pool',
      liveFromCjs: 'cjs-pool,esm-pool',
      liveAfterClose: 0,
    })
  })
})

const APP_JS = {
  esm: `import pg from '@pools/core/pg'
import { Pool } from '@pools/core/pg'
import { createPool, isPoolError } from '@pools/core'
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 })
const { rows } = await pool.query('SELECT 40 + 2 AS n')
const stats = pool.stats()
await pool.end()
console.log(JSON.stringify({ n: rows[0].n, isPg: pool instanceof pg.Pool, engine: typeof createPool, guard: typeof isPoolError, acquired: stats.counters.acquired }))
`,
  cjs: `const pg = require('@pools/core/pg')
const { Pool } = require('@pools/core/pg')
const { createPool, isPoolError } = require('@pools/core')
async function main() {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 })
  const { rows } = await pool.query('SELECT 40 + 2 AS n')
  const stats = pool.stats()
  await pool.end()
  console.log(JSON.stringify({ n: rows[0].n, isPg: pool instanceof pg.Pool, engine: typeof createPool, guard: typeof isPoolError, acquired: stats.counters.acquired }))
}
main().catch((error) => { console.error(error); process.exit(1) })
`,
}

const APP_TS = `import pg, { Pool, type PoolClient } from '@pools/core/pg'
import { createPool, isPoolError, type PoolStats } from '@pools/core'

async function main(): Promise<void> {
  const pool: Pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2, pools: { name: 'consumer' } })
  const client: PoolClient = await pool.connect()
  let n: number
  try {
    n = (await client.query<{ n: number }>('SELECT 40 + 2 AS n')).rows[0]!.n
  } finally {
    client.release()
  }
  const stats: PoolStats = pool.stats()
  await pool.end()
  console.log(JSON.stringify({ n, isPg: pool instanceof pg.Pool, engine: typeof createPool, guard: typeof isPoolError, acquired: stats.counters.acquired }))
}
main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
`

/** TypeScript set-ups people have: the compiler options and the app folder's package.json type. */
const TS_SETUPS: Record<string, { type: 'module' | 'commonjs'; compilerOptions: Record<string, unknown> }> = {
  'nodenext (ESM)': { type: 'module', compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' } },
  'nodenext (CommonJS)': { type: 'commonjs', compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' } },
  'node16 (ESM)': { type: 'module', compilerOptions: { module: 'node16', moduleResolution: 'node16' } },
  'node16 (CommonJS)': { type: 'commonjs', compilerOptions: { module: 'node16', moduleResolution: 'node16' } },
  bundler: { type: 'module', compilerOptions: { module: 'esnext', moduleResolution: 'bundler' } },
  // What `nest new` generated for years: CommonJS, classic resolution, no esModuleInterop.
  'nest new (CommonJS, node10)': {
    type: 'commonjs',
    compilerOptions: {
      module: 'commonjs',
      declaration: true,
      removeComments: true,
      emitDecoratorMetadata: true,
      experimentalDecorators: true,
      allowSyntheticDefaultImports: true,
      target: 'ES2021',
      sourceMap: true,
      incremental: false,
      skipLibCheck: true,
      strictNullChecks: false,
      noImplicitAny: false,
    },
  },
  'commonjs + node10 + esModuleInterop': {
    type: 'commonjs',
    compilerOptions: { module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true },
  },
}

describeWithPostgres('apps run a query through @pools/core/pg', () => {
  const expected = { n: 42, isPg: true, engine: 'function', guard: 'function', acquired: 1 }
  let url = ''
  beforeAll(() => {
    url = requireService('postgres').url
  })

  it.each(Object.keys(APP_JS) as (keyof typeof APP_JS)[])('a plain %s app', async (kind) => {
    const dir = path.join(work, `app-${kind}`)
    await mkdir(dir, { recursive: true })
    const file = kind === 'esm' ? 'app.mjs' : 'app.cjs'
    await writeFile(path.join(dir, file), APP_JS[kind])
    const out = await node([file], dir, { DATABASE_URL: url })
    expect(JSON.parse(out)).toEqual(expected)
  })

  it.each(Object.keys(TS_SETUPS))('a TypeScript app: %s', async (setup) => {
    const { type, compilerOptions } = TS_SETUPS[setup]!
    const dir = path.join(work, `ts-${setup.replace(/[^a-z0-9]+/gi, '-')}`)
    await mkdir(dir, { recursive: true })
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ type }))
    await writeFile(path.join(dir, 'app.ts'), APP_TS)
    const tsconfig = {
      compilerOptions: {
        target: 'ES2022',
        strict: true,
        skipLibCheck: false,
        outDir: 'out',
        types: ['node'],
        ...compilerOptions,
      },
      files: ['app.ts'],
    }
    await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2))
    try {
      await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir, timeout: 120_000 })
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string }
      throw new Error(`tsc failed for ${setup}:\n${stdout ?? ''}${stderr ?? ''}`)
    }
    await writeFile(path.join(dir, 'out', 'package.json'), JSON.stringify({ type }))
    const out = await node([path.join('out', 'app.js')], dir, { DATABASE_URL: url })
    expect(JSON.parse(out)).toEqual(expected)
  })
})
