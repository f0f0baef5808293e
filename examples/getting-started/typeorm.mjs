// node examples/getting-started/typeorm.mjs  (DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test)
import { dataSourceEngines, withPools } from '@pools/typeorm'
import { DataSource } from 'typeorm'

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const dataSource = new DataSource(withPools({ type: 'postgres', url, poolSize: 10, pools: { name: 'api' } }))
await dataSource.initialize()

const [row] = await dataSource.query('SELECT $1::int AS answer', [42])
const { master } = dataSourceEngines(dataSource)
console.log(row.answer, master.stats().total, master.health().status)
await dataSource.destroy()
