/**
 * `@pools/prisma`: Prisma 7 on the @pools engine. A driver adapter for PostgreSQL that lets
 * `@prisma/adapter-pg` do the SQL and type mapping on a `@pools/core/pg` pool.
 *
 * @example
 * ```ts
 * import { PrismaClient } from './generated/prisma/client.js'
 * import { prismaAdapter } from '@pools/prisma'
 *
 * const prisma = new PrismaClient({ adapter: prismaAdapter(process.env.DATABASE_URL!) })
 * ```
 * @module
 */
export { loadedPgCopies, type PgCopy } from './pg-copies.js'
export { PRISMA_MAX_WAIT_MS, type PrismaPgSource, pgPoolOf } from './pg-source.js'
export {
  PoolsPrismaPg,
  type PrismaAdapterOptions,
  type PrismaPgDriverAdapter,
  prismaAdapter,
} from './prisma-adapter.js'
