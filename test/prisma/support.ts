/** Shared by the @pools/prisma integration tests: generate a Prisma client offline, create the table with SQL. */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export { gate, mysqlAdmin, pgAdmin, rejectionOf, rowsOf, sleep, uniqueName, until, within } from '../drizzle/support.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../..')

/** The slice of the generated client the tests use (the real types exist only after `prisma generate`). */
export interface Item {
  id: number
  label: string
  qty: number
}
export interface ItemDelegate {
  create(args: { data: Partial<Item> & { label: string } }): Promise<Item>
  createMany(args: { data: (Partial<Item> & { label: string })[] }): Promise<{ count: number }>
  findMany(args?: { orderBy?: { id: 'asc' | 'desc' }; where?: Partial<Item> }): Promise<Item[]>
  update(args: { where: { id: number }; data: Partial<Item> }): Promise<Item>
  updateMany(args: { where?: Partial<Item>; data: Partial<Item> }): Promise<{ count: number }>
  delete(args: { where: { id: number } }): Promise<Item>
  deleteMany(args?: { where?: Partial<Item> }): Promise<{ count: number }>
  count(): Promise<number>
}
export interface TxClient {
  item: ItemDelegate
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>
}
export interface Client extends TxClient {
  $connect(): Promise<void>
  $disconnect(): Promise<void>
  $transaction<R>(fn: (tx: TxClient) => Promise<R>, options?: { maxWait?: number; timeout?: number }): Promise<R>
  $transaction<R extends readonly unknown[]>(queries: [...{ [K in keyof R]: Promise<R[K]> }]): Promise<R>
}
export type ClientClass = new (options: { adapter: unknown }) => Client

/**
 * Generate the test schema's client into node_modules/.cache/pools-prisma/<name> and load it. Offline here,
 * `prisma generate` only needs PRISMA_SCHEMA_ENGINE_BINARY to name an existing file (it is never run).
 */
export function generatePrismaClient(name: string, provider: 'postgresql' | 'mysql' = 'postgresql'): ClientClass {
  const out = path.join(root, 'node_modules/.cache/pools-prisma', name)
  mkdirSync(out, { recursive: true })
  const schema = path.join(out, 'schema.prisma')
  const text = readFileSync(path.join(here, 'fixtures/schema.prisma'), 'utf8')
    .replace('OUTPUT', path.join(out, 'client').replaceAll('\\', '/'))
    .replace('provider = "postgresql"', `provider = "${provider}"`)
  writeFileSync(schema, text)
  const prisma = path.join(root, 'node_modules/prisma/build/index.js')
  const result = spawnSync(process.execPath, [prisma, 'generate', '--schema', schema], {
    cwd: root,
    encoding: 'utf8',
    env: {
      PRISMA_SCHEMA_ENGINE_BINARY: process.execPath, // unless the environment names one
      ...process.env,
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
      CHECKPOINT_DISABLE: '1',
    },
  })
  if (result.status !== 0) throw new Error(`prisma generate failed:\n${result.stdout}\n${result.stderr}`)
  // Node's own require: the generated client is CommonJS, loaded as an app would load it.
  return (createRequire(import.meta.url)(path.join(out, 'client')) as { PrismaClient: ClientClass }).PrismaClient
}

/** The tests' table on MySQL/MariaDB (Prisma's String is VARCHAR(191) there). */
export const MYSQL_ITEMS_DDL =
  'CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, label VARCHAR(191) NOT NULL, qty INT NOT NULL DEFAULT 0) ENGINE=InnoDB'

/** The tests' table, created with SQL (no migration engine offline). */
export const ITEMS_DDL = 'CREATE TABLE items (id serial PRIMARY KEY, label text NOT NULL, qty int NOT NULL DEFAULT 0)'
