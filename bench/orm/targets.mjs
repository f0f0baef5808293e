/**
 * The ORM targets of the Prisma/Drizzle benchmark: each framework on its usual pool (`own`) or through
 * @pools (`pools`). Used by worker.mjs (one measurement per process) and bench/interleave (warm
 * processes taking turns).
 */
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadUnused } from '../lib/control.mjs'
import { withClient } from '../lib/pg.mjs'
import { withMysql } from './mysql.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../..')

export const TABLE = 'pools_bench_orm_items'

/**
 * Generate the two Prisma clients (offline: the schema engine is never run) and create the table every
 * framework reads, on each server given. Throws when `prisma generate` fails.
 *
 * @param {{ pg?: object, mysql?: object }} servers connection options of the servers that answer
 */
export async function prepareOrm(servers) {
  for (const schema of ['schema.prisma', 'schema.mysql.prisma']) {
    const generated = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/prisma/build/index.js'), 'generate', '--schema', path.join(here, schema)],
      {
        cwd: root,
        encoding: 'utf8',
        env: { PRISMA_SCHEMA_ENGINE_BINARY: process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: '1', ...process.env },
      },
    )
    if (generated.status !== 0) throw new Error(`prisma generate failed:\n${generated.stdout}${generated.stderr}`)
  }
  if (servers.pg) {
    await withClient(servers.pg, async (c) => {
      await c.query(`DROP TABLE IF EXISTS ${TABLE}`)
      await c.query(`CREATE TABLE ${TABLE} (id int PRIMARY KEY, label text NOT NULL, qty int NOT NULL)`)
      await c.query(`INSERT INTO ${TABLE} VALUES (1, 'tea', 2), (2, 'cake', 1)`)
    })
  }
  if (servers.mysql) {
    await withMysql(servers.mysql, async (c) => {
      await c.query(`DROP TABLE IF EXISTS ${TABLE}`)
      await c.query(
        `CREATE TABLE ${TABLE} (id INT PRIMARY KEY, label VARCHAR(50) NOT NULL, qty INT NOT NULL) ENGINE=InnoDB`,
      )
      await c.query(`INSERT INTO ${TABLE} VALUES (1, 'tea', 2), (2, 'cake', 1)`)
    })
  }
}

export const FRAMEWORKS = ['drizzle', 'prisma', 'drizzle-mysql', 'prisma-mariadb']

/** Does `framework` run on MySQL/MariaDB (else PostgreSQL)? */
export const onMysql = (framework) => framework === 'drizzle-mysql' || framework === 'prisma-mariadb'

/** The @pools module each framework's `pools` target loads. */
const POOLS_MODULE = {
  drizzle: '@pools/drizzle/node-postgres',
  prisma: '@pools/prisma',
  'drizzle-mysql': '@pools/drizzle/mysql2',
  'prisma-mariadb': '@pools/prisma/mariadb',
}

/**
 * Libraries of about @pools' size that the framework doesn't use (Knex and the other database's driver: Knex and
 * pg take 3.5 MB of heap, @pools/drizzle/mysql2 4.6 MB).
 */
const otherModules = (framework) => ['knex', onMysql(framework) ? 'pg' : 'mysql2']

/**
 * Control targets: the framework on its own pool, exactly as `own`, in a process that has also loaded code it
 * never calls: `loaded` the module the `pools` target loads, `other` unrelated libraries of a similar size.
 * Against `own` they show what loading code alone does to the framework's speed here, apart from any work
 * the pool does per query.
 */
const CONTROLS = ['loaded', 'other']

/**
 * Open one target; resolves to `{ call, close }`: `call()` runs one scenario operation.
 *
 * @param {string} framework drizzle | prisma | drizzle-mysql | prisma-mariadb
 * @param {'own' | 'pools' | 'loaded' | 'other'} poolName `loaded` and `other` are controls (see CONTROLS)
 * @param {'select' | 'tx'} scenario
 * @param {{ max: number, conn: object, mysql: object }} opts
 * @param {string} appName PostgreSQL `application_name` of its connections
 */
export async function openOrm(framework, poolName, scenario, opts, appName) {
  if (CONTROLS.includes(poolName)) {
    // a control: the framework on its own pool, in a process that has also loaded code it never runs
    await loadUnused(poolName === 'loaded' ? [POOLS_MODULE[framework]] : otherModules(framework))
    poolName = 'own'
  }
  const poolConfig = { ...opts.conn, application_name: appName, max: opts.max, connectionTimeoutMillis: 30_000 }

  async function drizzleTarget() {
    const { eq } = await import('drizzle-orm')
    const { integer, pgTable, text } = await import('drizzle-orm/pg-core')
    const items = pgTable('pools_bench_orm_items', {
      id: integer('id').primaryKey(),
      label: text('label'),
      qty: integer('qty'),
    })
    let db
    if (poolName === 'own') {
      const pg = (await import('pg')).default
      const { drizzle } = await import('drizzle-orm/node-postgres')
      db = drizzle({ client: new pg.Pool(poolConfig) })
    } else {
      const { drizzle } = await import('@pools/drizzle/node-postgres')
      db = drizzle(poolConfig)
    }
    const select = (q) => q.select().from(items).where(eq(items.id, 1))
    return {
      call: scenario === 'tx' ? () => db.transaction((tx) => select(tx)) : () => select(db),
      close: () => db.$client.end(),
    }
  }

  async function drizzleMysqlTarget() {
    const { eq } = await import('drizzle-orm')
    const { int, mysqlTable, varchar } = await import('drizzle-orm/mysql-core')
    const items = mysqlTable('pools_bench_orm_items', {
      id: int('id').primaryKey(),
      label: varchar('label', { length: 50 }),
      qty: int('qty'),
    })
    const config = { ...opts.mysql, connectionLimit: opts.max }
    let db
    let close
    if (poolName === 'own') {
      const mysql = (await import('mysql2')).default
      const { drizzle } = await import('drizzle-orm/mysql2')
      const pool = mysql.createPool(config)
      db = drizzle({ client: pool })
      close = () => pool.promise().end()
    } else {
      const { drizzle } = await import('@pools/drizzle/mysql2')
      db = drizzle(config)
      close = () => db.$client.promise().end()
    }
    const select = (q) => q.select().from(items).where(eq(items.id, 1))
    return { call: scenario === 'tx' ? () => db.transaction((tx) => select(tx)) : () => select(db), close }
  }

  /** A Prisma client generated into node_modules/.cache/<clientDir> (see prepareOrm), on `adapter`. */
  async function prismaApp(clientDir, adapter) {
    const { PrismaClient } = createRequire(import.meta.url)(path.join(root, 'node_modules/.cache', clientDir, 'client'))
    const prisma = new PrismaClient({ adapter, transactionOptions: { maxWait: 30_000, timeout: 30_000 } })
    await prisma.$connect()
    const select = (q) => q.item.findUnique({ where: { id: 1 } })
    return {
      call: scenario === 'tx' ? () => prisma.$transaction((tx) => select(tx)) : () => select(prisma),
      close: () => prisma.$disconnect(),
    }
  }

  async function prismaMariadbTarget() {
    const config = { ...opts.mysql, connectionLimit: opts.max, acquireTimeout: 30_000 }
    let adapter
    if (poolName === 'own') {
      const { PrismaMariaDb } = await import('@prisma/adapter-mariadb')
      adapter = new PrismaMariaDb(config)
    } else {
      const { prismaAdapter } = await import('@pools/prisma/mariadb')
      adapter = prismaAdapter(config)
    }
    return prismaApp('pools-prisma-bench-mysql', adapter)
  }

  async function prismaTarget() {
    let adapter
    if (poolName === 'own') {
      const { PrismaPg } = await import('@prisma/adapter-pg')
      adapter = new PrismaPg(poolConfig)
    } else {
      const { prismaAdapter } = await import('@pools/prisma')
      adapter = prismaAdapter(poolConfig)
    }
    return prismaApp('pools-prisma-bench', adapter)
  }

  const targets = {
    drizzle: drizzleTarget,
    prisma: prismaTarget,
    'drizzle-mysql': drizzleMysqlTarget,
    'prisma-mariadb': prismaMariadbTarget,
  }
  if (!targets[framework]) throw new Error(`unknown framework ${framework}`)
  return targets[framework]()
}
