/**
 * Attribution for the mysql2 drop-in under TypeORM / Drizzle (not a published benchmark):
 *
 *   node bench/mysql2-attribution.mjs <target> <select|tx> [ops] [callers]
 *
 * targets: typeorm-native, typeorm-pools (bench/knex-typeorm/targets.mjs), drizzle-own, drizzle-pools,
 * drizzle-loaded (drizzle-own with @pools/drizzle/mysql2 loaded, unused),
 * plain-native, plain-pools (getConnection → query → release). Counts every mysql2 command per operation
 * (client side: Query/Execute/Ping/ResetConnection, by SQL prefix) and Node CPU per operation. For a
 * deterministic cost, run it under `valgrind --tool=callgrind` with two op counts (e.g. 500 and 2500)
 * and divide the difference of the instruction totals by the difference of the counts.
 * Needs bench_kt (100 rows; node bench/knex-typeorm/run.mjs creates it) and `npm run build`.
 */
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const mysql = require('mysql2')
const Base = Object.getPrototypeOf(mysql.PoolConnection.prototype) // Connection.prototype
const counts = new Map()
let counting = false
const orig = Base.addCommand
Base.addCommand = function (cmd) {
  if (counting) {
    const k = cmd.constructor.name + (typeof cmd.sql === 'string' ? ' ' + cmd.sql.slice(0, 40) : '')
    counts.set(k, (counts.get(k) ?? 0) + 1)
  }
  return orig.call(this, cmd)
}
const [target, scenario, nArg, cArg] = process.argv.slice(2)
const N = Number(nArg ?? 20000),
  callers = Number(cArg ?? 10)
const url = 'mysql://root@127.0.0.1:3306/test'
let app
if (target.startsWith('typeorm')) {
  const { TARGETS } = await import('./knex-typeorm/targets.mjs')
  app = await TARGETS[target].open({ dialect: 'mysql2', url: { mysql2: url }, max: 10 })
} else if (target.startsWith('drizzle')) {
  const { eq } = await import('drizzle-orm')
  const { int, mysqlTable } = await import('drizzle-orm/mysql-core')
  const items = mysqlTable('bench_kt', { id: int('id').primaryKey(), n: int('n') })
  let db, close
  const config = { uri: url, connectionLimit: 10 }
  if (target === 'drizzle-own' || target === 'drizzle-loaded') {
    if (target === 'drizzle-loaded') await import('../packages/drizzle/dist/mysql2.js')
    const { drizzle } = await import('drizzle-orm/mysql2')
    const pool = mysql.createPool(config)
    db = drizzle({ client: pool })
    close = () => pool.promise().end()
  } else {
    const { drizzle } = await import('../packages/drizzle/dist/mysql2.js')
    db = drizzle(config)
    close = () => db.$client.promise().end()
  }
  const sel = (q, id) => q.select().from(items).where(eq(items.id, id))
  app = { select: (id) => sel(db, id), tx: (id) => db.transaction((tx) => sel(tx, id)), close }
} else if (target.startsWith('plain')) {
  let pool
  if (target === 'plain-native') pool = mysql.createPool({ uri: url, connectionLimit: 10 })
  else pool = (await import('../packages/core/dist/mysql2/index.js')).createPool({ uri: url, connectionLimit: 10 })
  const q = (id) =>
    new Promise((res, rej) =>
      pool.getConnection((e, c) => {
        if (e) return rej(e)
        c.query('SELECT id, n FROM bench_kt WHERE id = ?', [id], (e2, r) => {
          c.release()
          e2 ? rej(e2) : res(r)
        })
      }),
    )
  app = { select: q, tx: q, close: () => new Promise((r) => pool.end(r)) }
}
let i = 0
const work = (id) => app[scenario](id)
async function run(n) {
  let left = n
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (left-- > 0) await work((i++ % 100) + 1)
    }),
  )
}
await run(2000)
counting = true
const c0 = process.cpuUsage()
const t0 = performance.now()
await run(N)
const cpu = process.cpuUsage(c0)
const ms = performance.now() - t0
counting = false
await app.close()
const out = {
  target,
  scenario,
  cpuUsPerOp: +((cpu.user + cpu.system) / N).toFixed(1),
  userUs: +(cpu.user / N).toFixed(1),
  sysUs: +(cpu.system / N).toFixed(1),
  opsPerS: Math.round((N / ms) * 1000),
  cmdsPerOp: {},
}
for (const [k, v] of [...counts].sort((a, b) => b[1] - a[1])) out.cmdsPerOp[k] = +(v / N).toFixed(3)
console.log(JSON.stringify(out))
