// Prisma 7 on the @pools engine (PostgreSQL). Run from the repository root after `npm run build`:
//
//   node examples/prisma/index.mjs        # DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test
//
// Generates the Prisma client for schema.prisma if needed (offline: the schema engine is never run, so
// PRISMA_SCHEMA_ENGINE_BINARY may name any existing file), creates its table with SQL, runs CRUD and a
// transaction, prints the pool's stats (Prisma 7 has no $metrics), drops the table and exits 0.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { prismaAdapter } from '@pools/prisma'

const schema = fileURLToPath(new URL('schema.prisma', import.meta.url))
const client = fileURLToPath(new URL('../../node_modules/.cache/pools-prisma-example/client', import.meta.url))
if (!existsSync(client)) {
  const generated = spawnSync(
    process.execPath,
    [createRequire(import.meta.url).resolve('prisma/build/index.js'), 'generate', '--schema', schema],
    {
      stdio: 'inherit',
      env: { PRISMA_SCHEMA_ENGINE_BINARY: process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: '1', ...process.env },
    },
  )
  if (generated.status !== 0) process.exit(generated.status ?? 1)
}
const { PrismaClient } = createRequire(import.meta.url)(client)

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
// The switch: `new PrismaPg({ connectionString })` becomes `prismaAdapter(...)`; a URL, pg options with
// `pools` (any @pools option or a preset name), or a Pool from @pools/core/pg.
const adapter = prismaAdapter({
  connectionString: url,
  max: 5,
  pools: { name: 'orders', leakDetectionThresholdMs: 4_000 },
})
const prisma = new PrismaClient({ adapter })

try {
  await prisma.$executeRawUnsafe(
    'CREATE TABLE IF NOT EXISTS pools_example_orders (id serial PRIMARY KEY, item text NOT NULL, qty int NOT NULL)',
  )
  await prisma.order.createMany({
    data: [
      { item: 'tea', qty: 2 },
      { item: 'cake', qty: 1 },
    ],
  })
  await prisma.$transaction(async (tx) => {
    await tx.order.updateMany({ where: { item: 'tea' }, data: { qty: 3 } })
    await tx.order.create({ data: { item: 'scone', qty: 4 } })
  })
  console.log(await prisma.order.findMany({ orderBy: { id: 'asc' }, select: { item: true, qty: true } }))

  // In place of Prisma 6's $metrics: the pool's own stats and health.
  const { name, total, idle, borrowed, counters, acquireWaitMs } = adapter.pool.stats()
  console.log({ name, total, idle, borrowed, acquired: counters.acquired, acquireWaitP99Ms: acquireWaitMs.p99 })
  console.log(adapter.pool.health().status)
} finally {
  await prisma.$executeRawUnsafe('DROP TABLE IF EXISTS pools_example_orders').catch(() => {})
  await prisma.$disconnect() // ends the pool: the adapter built it
}
