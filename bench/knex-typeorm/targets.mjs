/**
 * What the benchmark compares: each framework on its native pool and on ours, plus knex on a plain
 * pg.Pool (and on our pg Pool) through `connectionPool`, knex's native-pool route.
 */
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const load = (rel) => import(pathToFileURL(path.join(root, rel)).href)

export const TABLE = 'bench_kt'

async function knexApp(db) {
  return {
    select: (id) => db(TABLE).where({ id }).first('id', 'n'),
    tx: (id) =>
      db.transaction(async (trx) => {
        await trx(TABLE).where({ id }).first('id', 'n')
        await trx(TABLE)
          .where({ id: (id % 100) + 1 })
          .first('id', 'n')
      }),
    close: () => db.destroy(),
  }
}

function knexConnection(args) {
  return args.dialect === 'pg' ? args.url.pg : args.url.mysql2
}

async function knexFactory() {
  return (await import('knex')).default
}

async function typeormApp(options) {
  const { DataSource, EntitySchema } = await import('typeorm')
  const entity = new EntitySchema({
    name: 'BenchKt',
    tableName: TABLE,
    columns: { id: { type: Number, primary: true }, n: { type: Number } },
  })
  const ds = new DataSource({ ...options, entities: [entity] })
  await ds.initialize()
  const repo = ds.getRepository('BenchKt')
  return {
    select: (id) => repo.findOneBy({ id }),
    tx: (id) =>
      ds.transaction(async (manager) => {
        const r = manager.getRepository('BenchKt')
        await r.findOneBy({ id })
        await r.findOneBy({ id: (id % 100) + 1 })
      }),
    close: () => ds.destroy(),
  }
}

function typeormOptions(args) {
  const type = args.dialect === 'pg' ? 'postgres' : 'mysql'
  return { type, url: knexConnection(args), poolSize: args.max, synchronize: false, logging: false }
}

/** Create the table every target reads (bench_kt, 100 rows) if it is missing. */
export async function prepare(dialect, url) {
  const rows = Array.from({ length: 100 }, (_, i) => `(${i + 1}, 0)`).join(',')
  if (dialect === 'pg') {
    const pg = (await import('pg')).default
    const client = new pg.Client({ connectionString: url.pg })
    await client.connect()
    await client.query('CREATE TABLE IF NOT EXISTS bench_kt (id int PRIMARY KEY, n int NOT NULL DEFAULT 0)')
    await client.query(`INSERT INTO bench_kt (id, n) VALUES ${rows} ON CONFLICT DO NOTHING`)
    await client.end()
  } else {
    const mysql = (await import('mysql2/promise')).default
    const connection = await mysql.createConnection(url.mysql2)
    await connection.query('CREATE TABLE IF NOT EXISTS bench_kt (id int PRIMARY KEY, n int NOT NULL DEFAULT 0)')
    await connection.query(`INSERT IGNORE INTO bench_kt (id, n) VALUES ${rows}`)
    await connection.end()
  }
}

export const TARGETS = {
  'knex-tarn': {
    open: async (args) =>
      knexApp(
        (await knexFactory())({
          client: args.dialect,
          connection: knexConnection(args),
          pool: { min: 0, max: args.max },
        }),
      ),
  },
  'knex-pools': {
    open: async (args) => {
      const { withPools } = await load('packages/knex/dist/index.js')
      return knexApp(
        (await knexFactory())(
          withPools({ client: args.dialect, connection: knexConnection(args), pool: { min: 0, max: args.max } }),
        ),
      )
    },
  },
  'knex-pg-pool': {
    dialects: ['pg'],
    open: async (args) => {
      const pg = (await import('pg')).default
      const pool = new pg.Pool({ connectionString: args.url.pg, max: args.max })
      const app = await knexApp((await knexFactory())({ client: 'pg', connectionPool: pool }))
      return {
        ...app,
        close: async () => {
          await app.close()
          await pool.end()
        },
      }
    },
  },
  'knex-pools-pg': {
    dialects: ['pg'],
    open: async (args) => {
      const { Pool } = await load('packages/core/dist/pg/index.js')
      const pool = new Pool({ connectionString: args.url.pg, max: args.max })
      const app = await knexApp((await knexFactory())({ client: 'pg', connectionPool: pool }))
      return {
        ...app,
        close: async () => {
          await app.close()
          await pool.end()
        },
      }
    },
  },
  'typeorm-native': {
    open: (args) => typeormApp(typeormOptions(args)),
  },
  'typeorm-pools': {
    open: async (args) => {
      const { withPools } = await load('packages/typeorm/dist/index.js')
      return typeormApp(withPools(typeormOptions(args)))
    },
  },
  // Controls (bench/interleave): TypeORM on its native pool, exactly as typeorm-native, in a process that has
  // also loaded code it never calls: what typeorm-pools loads, or unrelated libraries of a similar size.
  // Against typeorm-native they show what loading code alone does to TypeORM's speed here.
  'typeorm-native-loaded': {
    open: async (args) => {
      await load('packages/typeorm/dist/index.js')
      await load(`packages/core/dist/${args.dialect === 'pg' ? 'pg' : 'mysql2'}/index.js`)
      return typeormApp(typeormOptions(args))
    },
  },
  'typeorm-native-other': {
    open: async (args) => {
      await import('knex')
      await import(args.dialect === 'pg' ? 'mysql2' : 'pg')
      return typeormApp(typeormOptions(args))
    },
  },
}
