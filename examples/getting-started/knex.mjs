// node examples/getting-started/knex.mjs  (DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test)
import { knexEngine, withPools } from '@pools/knex'
import knex from 'knex'

const connection = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const db = knex(withPools({ client: 'pg', connection, pool: { min: 0, max: 10 }, pools: { name: 'api' } }))

const { rows } = await db.raw('SELECT ?::int AS answer', [42])
const engine = knexEngine(db)
console.log(rows[0].answer, engine.stats().total, engine.health().status)
await db.destroy()
