// node examples/getting-started/pg.mjs  (DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test)
import { engineOf } from '@pools/core'
import pg from '@pools/core/pg' // was: import pg from 'pg'

const connectionString = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const pool = new pg.Pool({ connectionString, max: 10, pools: { name: 'api', acquireTimeoutMs: 5_000 } })

const { rows } = await pool.query('SELECT $1::int AS answer', [42])
const client = await pool.connect() // a real pg.Client, lent by the engine
try {
  await client.query('SELECT now()')
} finally {
  client.release()
}
console.log(rows[0].answer, engineOf(pool).stats().total, engineOf(pool).health().status)
await pool.end()
