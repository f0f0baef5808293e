// node examples/getting-started/generic-pool.mjs  (DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test)
import { createPool } from '@pools/core/generic-pool' // was: import { createPool } from 'generic-pool'
import pg from 'pg'

const connectionString = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const factory = {
  create: async () => {
    const client = new pg.Client({ connectionString })
    await client.connect()
    return client
  },
  destroy: (client) => client.end(),
}
const pool = createPool(factory, { min: 1, max: 10, acquireTimeoutMillis: 5_000 })

const { rows } = await pool.use((client) => client.query('SELECT 42 AS answer'))
console.log(rows[0].answer, pool.size, pool.available)
await pool.drain()
await pool.clear()
