// TypeORM on the @pools engine (PostgreSQL, or MySQL/MariaDB). Run from the repository root after `npm run build`:
//
//   node examples/typeorm/index.mjs        # DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test
//   DATABASE_URL=mysql://root@127.0.0.1:3306/test node examples/typeorm/index.mjs
//
// Creates a scratch table, saves and reads through a repository, runs a transaction, prints the
// pool's stats and health, drops the table and exits 0. The only @pools-specific line is
// `withPools(...)` around the data source options.

import { dataSourceEngines, withPools } from '@pools/typeorm'
import { DataSource, EntitySchema } from 'typeorm'

const env = process.env
const url = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const type = url.startsWith('mysql') ? 'mysql' : 'postgres'

// EntitySchema keeps this file plain JavaScript; decorated entity classes work the same way.
const Order = new EntitySchema({
  name: 'Order',
  tableName: `pools_example_${process.pid}`,
  columns: {
    id: { type: Number, primary: true, generated: 'increment' },
    item: { type: String },
    qty: { type: Number },
  },
})

// The data source options you already have; `poolSize`, `extra`, `connectTimeoutMS` keep their
// meaning, and `pools` takes any @pools option or a preset name.
const dataSource = new DataSource(
  withPools({
    type,
    url,
    entities: [Order],
    synchronize: true,
    poolSize: 5,
    pools: { name: 'orders', leakDetectionThresholdMs: 10_000 },
  }),
)
await dataSource.initialize()

try {
  const orders = dataSource.getRepository(Order)
  await orders.save([
    { item: 'tea', qty: 2 },
    { item: 'cake', qty: 1 },
  ])
  await dataSource.transaction(async (manager) => {
    await manager.getRepository(Order).increment({ item: 'tea' }, 'qty', 1)
  })
  console.log(await orders.find({ select: { item: true, qty: true }, order: { id: 'ASC' } }))
  // [ { item: 'tea', qty: 3 }, { item: 'cake', qty: 1 } ]

  const { master } = dataSourceEngines(dataSource)
  const { total, borrowed, counters } = master.stats()
  console.log({ total, borrowed, acquired: counters.acquired }, master.health().status)
} finally {
  await dataSource.query(`DROP TABLE IF EXISTS ${Order.options.tableName}`)
  await dataSource.destroy() // ends the pools the data source opened
}
