/**
 * What mysql2's own `connection.promise()` costs, depending on what was loaded first (not a published
 * benchmark; docs/benchmarks.md cites it):
 *
 *   node bench/mysql2-promise-require.cjs none      # mysql2 alone
 *   node bench/mysql2-promise-require.cjs promise   # require('mysql2/promise') first
 *   node bench/mysql2-promise-require.cjs pools     # import('@pools/core/mysql2') first (it loads mysql2/promise)
 *
 * mysql2's `PoolConnection.prototype.promise()` calls `require('./promise/pool_connection.js')` on every call.
 * Node's CommonJS loader remembers a relative require per calling module only when that call is the one that
 * loads the file; when `mysql2/promise` has loaded it first, it is never remembered for that call site, and
 * every call resolves the path again. TypeORM calls `promise()` once per statement. `@pools/core/mysql2`'s
 * connections build the same wrapper without the require (PooledConnection.promise). Needs MariaDB/MySQL at
 * MYSQL_URL (default mysql://root@127.0.0.1:3306/test).
 */
const first = process.argv[2] ?? 'none'
if (first === 'promise') require('mysql2/promise')

async function main() {
  if (first === 'pools') await import('@pools/core/mysql2')
  const mysql = require('mysql2')
  const pool = mysql.createPool({
    uri: process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test',
    connectionLimit: 1,
  })
  const connection = await new Promise((resolve, reject) =>
    pool.getConnection((error, c) => (error ? reject(error) : resolve(c))),
  )
  for (let i = 0; i < 20_000; i++) connection.promise()
  const calls = 100_000
  const t0 = performance.now()
  for (let i = 0; i < calls; i++) connection.promise()
  const us = ((performance.now() - t0) * 1000) / calls
  console.log(`${first}: ${us.toFixed(2)} µs per connection.promise()`)
  connection.release()
  pool.end()
}
main()
