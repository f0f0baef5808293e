// Drizzle ORM on the @pools engine (PostgreSQL). Run from the repository root after `npm run build`:
//
//   node examples/drizzle/index.mjs        # DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test
//
// Creates a scratch table, runs CRUD, a transaction with a savepoint, prints the pool's stats, drops the
// table and exits 0. The only @pools-specific line is the import of `drizzle`.

import { drizzle } from '@pools/drizzle/node-postgres' // was: import { drizzle } from 'drizzle-orm/node-postgres'
import { eq, sql } from 'drizzle-orm'
import { integer, pgTable, serial, text } from 'drizzle-orm/pg-core'

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const table = `pools_example_${process.pid}`
const orders = pgTable(table, {
  id: serial('id').primaryKey(),
  item: text('item').notNull(),
  qty: integer('qty').notNull(),
})

// A URL, pg options with `pools` (any @pools option or a preset name), or a Pool from @pools/core/pg.
const db = drizzle({ connectionString: url, max: 5, pools: { name: 'orders', leakDetectionThresholdMs: 10_000 } })

try {
  await db.execute(sql.raw(`CREATE TABLE ${table} (id serial PRIMARY KEY, item text NOT NULL, qty int NOT NULL)`))
  await db.insert(orders).values([
    { item: 'tea', qty: 2 },
    { item: 'cake', qty: 1 },
  ])

  // One connection for the whole transaction; the nested one is a savepoint on it.
  await db.transaction(async (tx) => {
    await tx.update(orders).set({ qty: 3 }).where(eq(orders.item, 'tea'))
    await tx
      .transaction(async (inner) => {
        await inner.delete(orders)
        throw new Error('changed my mind') // rolls back to the savepoint only
      })
      .catch(() => {})
  })

  console.log(await db.select().from(orders).orderBy(orders.id))
  const { name, total, idle, borrowed, counters } = db.$client.stats()
  console.log({ name, total, idle, borrowed, acquired: counters.acquired }, db.$client.health().status)
} finally {
  await db.execute(sql.raw(`DROP TABLE IF EXISTS ${table}`)).catch(() => {})
  await db.$client.end() // the pool was built here, so it is ours to end
}
