/**
 * @pools/nestjs as a user installs it: @pools/core and @pools/nestjs are packed (`npm pack`) and
 * installed with Nest 12 and Terminus into a throwaway project; one TypeScript Nest app is compiled
 * with `tsc` under the tsconfig `nest new` ships (CommonJS output, `module: nodenext`, decorators and
 * their metadata, no "type" in package.json), under the same settings as an ES module
 * ("type": "module"), and under the classic CommonJS/node10 settings of older Nest projects; each
 * boots, answers a query through `@InjectPool()` and its readiness check over HTTP, then closes.
 * Needs the build and the npm registry or its cache.
 */
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeWithPostgres, type TestDatabase, usePostgres, waitForPgConnections } from '../harness/index.js'

const run = promisify(execFile)
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const tsc = path.join(root, 'node_modules/typescript/bin/tsc')

const APP_TS = `import 'reflect-metadata'
import { Controller, Get, Injectable, Module } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus'
import type { Pool } from '@pools/core/pg'
import { InjectPool, PoolsModule } from '@pools/nestjs'
import { PoolsHealthIndicator } from '@pools/nestjs/health'

@Injectable()
class NumbersService {
  constructor(@InjectPool('primary') private readonly pool: Pool) {}
  async answer(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>('SELECT 40 + 2 AS n')
    return rows[0].n
  }
}

@Controller()
class AppController {
  constructor(
    private readonly numbers: NumbersService,
    private readonly health: HealthCheckService,
    private readonly pools: PoolsHealthIndicator,
  ) {}
  @Get('answer')
  async answer() {
    return { n: await this.numbers.answer() }
  }
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.pools.isHealthy('pools')])
  }
}

@Module({
  imports: [TerminusModule, PoolsModule.forRoot({ pools: { primary: process.env.DATABASE_URL as string } })],
  controllers: [AppController],
  providers: [NumbersService, PoolsHealthIndicator],
})
class AppModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(AppModule, { logger: false })
  await app.listen(0, '127.0.0.1')
  const port = (app.getHttpServer().address() as { port: number }).port
  const answer = await (await fetch('http://127.0.0.1:' + port + '/answer')).json()
  const ready = await fetch('http://127.0.0.1:' + port + '/ready')
  const body = (await ready.json()) as { details: { pools: { status: string } } }
  await app.close()
  console.log(JSON.stringify({ answer, ready: ready.status, pools: body.details.pools.status }))
}
main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
`

/** The tsconfig \`nest new\` writes (typescript-starter), and the same for an ES-module app. */
const NEST_NEW_TSCONFIG = {
  module: 'nodenext',
  moduleResolution: 'nodenext',
  resolvePackageJsonExports: true,
  esModuleInterop: true,
  isolatedModules: true,
  declaration: true,
  removeComments: true,
  emitDecoratorMetadata: true,
  experimentalDecorators: true,
  allowSyntheticDefaultImports: true,
  target: 'ES2023',
  sourceMap: true,
  outDir: './dist',
  baseUrl: './',
  incremental: true,
  skipLibCheck: true,
  strictNullChecks: true,
  forceConsistentCasingInFileNames: true,
  noImplicitAny: false,
  strictBindCallApply: false,
  noFallthroughCasesInSwitch: false,
}

const SETUPS: Record<string, { type?: 'module'; compilerOptions: Record<string, unknown> }> = {
  'nest new (CommonJS)': { compilerOptions: NEST_NEW_TSCONFIG },
  'ES module': { type: 'module', compilerOptions: NEST_NEW_TSCONFIG },
  'classic CommonJS (node10)': {
    compilerOptions: {
      ...NEST_NEW_TSCONFIG,
      module: 'commonjs',
      moduleResolution: 'node10',
      resolvePackageJsonExports: undefined,
      target: 'ES2021',
    },
  },
}

let work = ''

async function versionOf(name: string): Promise<string> {
  const manifest = JSON.parse(await readFile(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
    version: string
  }
  return manifest.version
}

describeWithPostgres('a Nest app compiled from the packed tarballs', () => {
  let db: TestDatabase

  beforeAll(async () => {
    db = await usePostgres()
    work = await mkdtemp(path.join(tmpdir(), 'pools-nest-consumer-'))
    const tarballs = path.join(work, 'tarballs')
    await mkdir(tarballs)
    const dependencies: Record<string, string> = {}
    for (const pkg of ['core', 'nestjs']) {
      const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', tarballs], {
        cwd: path.join(root, 'packages', pkg),
        timeout: 120_000,
      })
      const [info] = JSON.parse(stdout) as [{ filename: string; name: string }]
      dependencies[info.name] = `file:${path.join(tarballs, info.filename)}`
    }
    for (const name of [
      '@nestjs/common',
      '@nestjs/core',
      '@nestjs/platform-express',
      '@nestjs/terminus',
      'reflect-metadata',
      'rxjs',
      'pg',
      '@types/pg',
      '@types/node',
    ]) {
      dependencies[name] = await versionOf(name)
    }
    await writeFile(
      path.join(work, 'package.json'),
      JSON.stringify({ name: 'nest-consumer', private: true, version: '1.0.0', dependencies }, null, 2),
    )
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts'], {
      cwd: work,
      timeout: 240_000,
    })
  }, 300_000)

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true })
    await waitForPgConnections(db.name, 0)
  })

  it.each(Object.keys(SETUPS))(
    '%s: compiles with tsc, boots, queries, reports ready',
    async (setup) => {
      const { type, compilerOptions } = SETUPS[setup]!
      const dir = path.join(work, `app-${setup.replace(/[^a-z0-9]+/gi, '-')}`)
      await mkdir(path.join(dir, 'src'), { recursive: true })
      await writeFile(path.join(dir, 'package.json'), JSON.stringify(type === undefined ? {} : { type }))
      await writeFile(path.join(dir, 'src', 'main.ts'), APP_TS)
      await writeFile(
        path.join(dir, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { ...compilerOptions, types: ['node'] }, include: ['src'] }, null, 2),
      )
      try {
        await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir, timeout: 120_000 })
      } catch (error) {
        const { stdout, stderr } = error as { stdout?: string; stderr?: string }
        throw new Error(`tsc failed for ${setup}:\n${stdout ?? ''}${stderr ?? ''}`)
      }
      const compiled = await readFile(path.join(dir, 'dist', 'main.js'), 'utf8')
      expect(compiled.includes('require(')).toBe(type === undefined)
      const { stdout } = await run(process.execPath, [path.join('dist', 'main.js')], {
        cwd: dir,
        env: { ...process.env, DATABASE_URL: db.url, NODE_OPTIONS: '' },
        timeout: 60_000,
      })
      expect(JSON.parse(stdout)).toEqual({ answer: { n: 42 }, ready: 200, pools: 'up' })
    },
    120_000,
  )
})
