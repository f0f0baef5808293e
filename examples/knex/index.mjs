// Knex on the @pools engine (PostgreSQL, or MySQL/MariaDB). Run from the repository root after `npm run build`:
//
//   node examples/knex/index.mjs           # DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test
//   DATABASE_URL=mysql://root@127.0.0.1:3306/test node examples/knex/index.mjs
//
// Creates a scratch table, runs CRUD, a transaction with a savepoint, prints the pool's stats and
// health, drops the table and exits 0. The only @pools-specific line is `withPools(...)` around the
// knex configuration.

import { knexEngine, withPools } from '@pools/knex'
import knex from 'knex'

const env = process.env
const url = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const client = url.startsWith('mysql') ? 'mysql2' : 'pg'
const table = `pools_example_${process.pid}`

// The knex configuration you already have; knex's pool options are mapped onto the engine, and
// `pools` takes any @pools option or a preset name.
const db = knex(
  withPools({
    client,
    connection: url,
    pool: { min: 0, max: 5, acquireTimeoutMillis: 5_000 },
    pools: { name: 'orders', leakDetectionThresholdMs: 10_000 },
  }),
)

try {
  await db.schema.createTable(table, (t) => {
    t.increments('id')
    t.string('item').notNullable()
    t.integer('qty').notNullable()
  })
  await db(table).insert([
    { item: 'tea', qty: 2 },
    { item: 'cake', qty: 1 },
  ])

  // One connection for the whole transaction; the nested one is a savepoint on it.
  await db.transaction(async (trx) => {
    await trx(table).where({ item: 'tea' }).increment('qty', 1)
    await trx
      .transaction(async (savepoint) => {
        await savepoint(table).insert({ item: 'scone', qty: 9 })
        throw new Error('changed my mind') // rolls back to the savepoint only
      })
      .catch(() => {})
  })

  const rows = await db(table).select('item', 'qty').orderBy('id')
  console.log(rows) // [ { item: 'tea', qty: 3 }, { item: 'cake', qty: 1 } ]

  const engine = knexEngine(db)
  const { total, borrowed, counters } = engine.stats()
  console.log({ total, borrowed, acquired: counters.acquired }, engine.health().status)
} finally {
  await db.schema.dropTableIfExists(table)
  await db.destroy() // closes the pool withPools() created
}
