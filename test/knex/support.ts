/** The scripted knex workload and small helpers shared by the @pools/knex (and TypeORM) integration tests. */
import type { Knex } from 'knex'
import mysql from 'mysql2/promise'
import pg from 'pg'
import type { SqlConnectionConfig } from '../harness/index.js'

export type Dialect = 'pg' | 'mysql2'

export { rejectionOf, sleep, until, within } from '../fault/support/timing.js'

/** The server-side id of the connection `db` (or a transaction) runs on. */
export async function backendId(db: Knex | Knex.Transaction, dialect: Dialect): Promise<number> {
  if (dialect === 'pg') {
    const result = await db.raw('SELECT pg_backend_pid() AS id')
    return Number(result.rows[0].id)
  }
  const [rows] = await db.raw('SELECT CONNECTION_ID() AS id')
  return Number(rows[0].id)
}

/** Kill one server connection from outside, as an operator or a failover would. */
export async function killBackend(config: SqlConnectionConfig, dialect: Dialect, id: number): Promise<void> {
  if (dialect === 'pg') {
    const client = new pg.Client({ ...config, application_name: 'pools-knex-test-admin' })
    await client.connect()
    try {
      await client.query('SELECT pg_terminate_backend($1)', [id])
    } finally {
      await client.end()
    }
    return
  }
  const connection = await mysql.createConnection(config)
  try {
    await connection.query(`KILL ${Number(id)}`)
  } finally {
    await connection.end()
  }
}

/**
 * The same script for every pool: DDL, inserts, a committed and a rolled-back transaction, a
 * savepoint rolled back inside a committed transaction, an error inside a transaction, an update,
 * a delete and a final ordered read. Returns what each step returned, to compare pools.
 */
export async function scriptedWorkload(db: Knex, table: string): Promise<unknown[]> {
  const out: unknown[] = []
  await db.schema.dropTableIfExists(table)
  await db.schema.createTable(table, (t) => {
    t.increments('id')
    t.string('label').notNullable().unique()
    t.integer('qty').notNullable().defaultTo(0)
  })
  await db(table).insert([
    { label: 'a', qty: 1 },
    { label: 'b', qty: 2 },
  ])
  out.push(await db(table).count({ n: '*' }))
  await db.transaction(async (trx) => {
    await trx(table).insert({ label: 'c', qty: 3 })
    await trx(table).where({ label: 'a' }).increment('qty', 10)
  })
  out.push(
    await db
      .transaction(async (trx) => {
        await trx(table).insert({ label: 'd', qty: 4 })
        throw new Error('roll me back')
      })
      .catch((error: Error) => error.message),
  )
  await db.transaction(async (trx) => {
    await trx(table).insert({ label: 'e', qty: 5 })
    await trx
      .transaction(async (inner) => {
        await inner(table).insert({ label: 'f', qty: 6 })
        throw new Error('savepoint')
      })
      .catch(() => undefined)
    await trx.transaction(async (inner) => {
      await inner(table).insert({ label: 'g', qty: 7 })
    })
  })
  out.push(
    await db
      .transaction(async (trx) => {
        await trx(table).insert({ label: 'h', qty: 8 })
        await trx(table).insert({ label: 'a', qty: 0 }) // unique violation: the server refuses it
      })
      .then(
        () => 'committed',
        () => 'failed',
      ),
  )
  out.push(await db(table).where({ label: 'b' }).update({ qty: 20 }))
  out.push(await db(table).where({ label: 'c' }).del())
  out.push(await db(table).select('id', 'label', 'qty').orderBy('id'))
  out.push(await db(table).sum({ total: 'qty' }).first())
  await db.schema.dropTable(table)
  return JSON.parse(JSON.stringify(out))
}
