// node examples/getting-started/mysql2.mjs  (MYSQL_URL, else mysql://root@127.0.0.1:3306/test)
import { engineOf } from '@pools/core'
import mysql from '@pools/core/mysql2/promise' // was: import mysql from 'mysql2/promise'

const uri = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'
const pool = mysql.createPool({ uri, connectionLimit: 10, pools: { name: 'api', acquireTimeoutMs: 5_000 } })

const [rows] = await pool.query('SELECT ? AS answer', [42])
const conn = await pool.getConnection() // a real mysql2 PoolConnection, lent by the engine
try {
  await conn.execute('SELECT NOW()')
} finally {
  conn.release()
}
console.log(rows[0].answer, engineOf(pool).stats().total, engineOf(pool).health().status)
await pool.end()
