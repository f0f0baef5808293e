// npx prisma generate --schema examples/prisma/schema.prisma
// node examples/getting-started/prisma.mjs  (DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test)
import { createRequire } from 'node:module'
import { prismaAdapter } from '@pools/prisma'

// The client that schema.prisma generates (its `output`); usually `import { PrismaClient } from '@prisma/client'`.
const { PrismaClient } = createRequire(import.meta.url)('../../node_modules/.cache/pools-prisma-example/client')

const connectionString = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const adapter = prismaAdapter({ connectionString, max: 10, pools: { name: 'api' } }) // was: new PrismaPg(...)
const prisma = new PrismaClient({ adapter })

const [row] = await prisma.$queryRaw`SELECT ${42}::int AS answer`
console.log(row.answer, adapter.pool.stats().total, adapter.pool.health().status)
await prisma.$disconnect() // ends the pool: the adapter built it
