// node examples/getting-started/mariadb.mjs  (MYSQL_URL, else mysql://root@127.0.0.1:3306/test)
import mariadb from '@pools/core/mariadb' // was: import mariadb from 'mariadb'

const url = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'
const pool = mariadb.createPool(url)

const rows = await pool.query('SELECT ? AS answer', [42])
const conn = await pool.getConnection() // mariadb's own Connection, lent by the engine
try {
  await conn.query('SELECT NOW()')
} finally {
  await conn.release()
}
console.log(rows[0].answer, pool.stats().total, pool.health().status)
await pool.end()
