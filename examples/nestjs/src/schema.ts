import { integer, pgTable, serial, text } from 'drizzle-orm/pg-core'

/** The example's table (created at start, dropped at the end of --smoke). */
export const orders = pgTable(`pools_nest_example_${process.pid}`, {
  id: serial('id').primaryKey(),
  item: text('item').notNull(),
  qty: integer('qty').notNull(),
})
