/** MySQL/MariaDB settings and checks for the ORM benchmark (MYSQL_HOST/PORT/USER/PASSWORD/DATABASE). */
import mysql from 'mysql2/promise'

/** Connection settings from the environment; default root@127.0.0.1:3306/test. */
export function mysqlFromEnv(env = process.env) {
  return {
    host: env.MYSQL_HOST ?? '127.0.0.1',
    port: Number(env.MYSQL_PORT ?? 3306),
    user: env.MYSQL_USER ?? 'root',
    password: env.MYSQL_PASSWORD ?? '',
    database: env.MYSQL_DATABASE ?? 'test',
  }
}

/** Run `fn` on a short-lived connection. */
export async function withMysql(conn, fn) {
  const connection = await mysql.createConnection({ ...conn, connectTimeout: 5000 })
  try {
    return await fn(connection)
  } finally {
    await connection.end().catch(() => {})
  }
}

/** Whether the server answers. */
export async function probeMysql(conn) {
  try {
    await withMysql(conn, (c) => c.query('SELECT 1'))
    return { ok: true }
  } catch (error) {
    return { ok: false, error: String(error?.message ?? error) }
  }
}

/**
 * Poll until no other connection is on the benchmark database (the worker's pool has ended). Returns
 * `{ last }`: above 0 means connections were left open.
 */
export async function waitForNoMysqlConnections(conn, timeoutMs = 5000) {
  const t0 = Date.now()
  const count = () =>
    withMysql(conn, async (c) => {
      const [rows] = await c.query(
        "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID() AND COMMAND NOT IN ('Killed', 'Daemon')",
        [conn.database],
      )
      return Number(rows[0].n)
    })
  let last = await count()
  while (last > 0 && Date.now() - t0 < timeoutMs) {
    await new Promise((r) => setTimeout(r, 50))
    last = await count()
  }
  return { last }
}
