// node examples/getting-started/drizzle.mjs  (DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test)
import { drizzle } from '@pools/drizzle/node-postgres' // was: from 'drizzle-orm/node-postgres'
import { sql } from 'drizzle-orm'

const connectionString = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const db = drizzle({ connectionString, max: 10, pools: { name: 'api' } })

const { rows } = await db.execute(sql`SELECT ${42}::int AS answer`)
console.log(rows[0].answer, db.$client.stats().total, db.$client.health().status)
await db.$client.end()
