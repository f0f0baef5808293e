/**
 * `@pools/drizzle`: Drizzle ORM on the @pools engine. Import the entry point for your driver:
 *
 * - `@pools/drizzle/node-postgres` (in place of `drizzle-orm/node-postgres`), on `@pools/core/pg`;
 * - `@pools/drizzle/mysql2` (in place of `drizzle-orm/mysql2`), on `@pools/core/mysql2`.
 *
 * This root entry point only holds what both share, so importing it loads neither driver.
 *
 * @example
 * ```ts
 * import { drizzle } from '@pools/drizzle/node-postgres'
 * const db = drizzle(process.env.DATABASE_URL!)
 * console.log(db.$client.health().status)
 * ```
 * @module
 */
export { ENGINE, isPoolsMysql2Pool, isPoolsPgPool } from '@pools/core'
