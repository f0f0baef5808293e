import { PoolError } from '@pools/core'
import type { ClientKind } from './pools.constants.js'
import type { ManagedPool } from './pools.factory.js'

/** An ORM client the module built on one of its pools; closed before that pool. */
export interface ManagedClient {
  readonly name: string
  readonly kind: ClientKind
  readonly client: unknown
  close(): Promise<void>
}

function missing(kind: ClientKind, pkg: string, cause: unknown): PoolError {
  return new PoolError(
    'POOL_CONFIG_INVALID',
    `@pools/nestjs: a ${kind} client needs ${pkg} installed (npm install ${pkg})`,
    { cause },
  )
}

function unsupported(kind: ClientKind, managed: ManagedPool, on = 'pg or mysql2'): PoolError {
  return new PoolError(
    'POOL_CONFIG_INVALID',
    `@pools/nestjs: pool "${managed.name}": ${kind} runs on ${on} pools, not ${managed.driver}`,
    { poolName: managed.name },
  )
}

async function load<T>(kind: ClientKind, pkg: string, loader: () => Promise<T>): Promise<T> {
  try {
    return await loader()
  } catch (error) {
    throw missing(kind, pkg, error)
  }
}

function options(value: boolean | Record<string, unknown> | undefined): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? value : {}
}

/** Build a Drizzle database on a pg or mysql2 pool (`@pools/drizzle`, loaded only now). */
export async function buildDrizzle(
  managed: ManagedPool,
  config: boolean | Record<string, unknown> | undefined,
): Promise<ManagedClient> {
  const driver = managed.driver
  if (driver !== 'pg' && driver !== 'mysql2') throw unsupported('drizzle', managed)
  const drizzle =
    driver === 'pg'
      ? (await load('drizzle', '@pools/drizzle drizzle-orm', () => import('@pools/drizzle/node-postgres'))).drizzle
      : (await load('drizzle', '@pools/drizzle drizzle-orm', () => import('@pools/drizzle/mysql2'))).drizzle
  const db = (drizzle as (source: unknown, config?: unknown) => unknown)(managed.pool, options(config))
  // A Drizzle database holds nothing of its own: the pool is the module's.
  return { name: managed.name, kind: 'drizzle', client: db, close: async () => {} }
}

/** Build a Knex instance on a pg or mysql2 pool (`@pools/knex`, loaded only now). */
export async function buildKnex(
  managed: ManagedPool,
  config: boolean | Record<string, unknown> | undefined,
): Promise<ManagedClient> {
  const driver = managed.driver
  if (driver !== 'pg' && driver !== 'mysql2') throw unsupported('knex', managed)
  const [{ withPools }, knexModule] = await Promise.all([
    load('knex', '@pools/knex knex', () => import('@pools/knex')),
    load('knex', '@pools/knex knex', () => import('knex')),
  ])
  const knexFactory = ((knexModule as { default?: unknown }).default ?? knexModule) as (config: unknown) => {
    destroy(): Promise<void>
  }
  const instance = knexFactory(withPools({ ...options(config), client: driver, connectionPool: managed.pool } as never))
  // knex.destroy() detaches from a pool it did not create: the module closes the pool after it.
  return { name: managed.name, kind: 'knex', client: instance, close: () => instance.destroy() }
}

/** Build a Prisma client on a pg pool (`@pools/prisma`, loaded only now). `$disconnect()` on close. */
export async function buildPrisma(managed: ManagedPool, config: unknown): Promise<ManagedClient> {
  if (managed.driver !== 'pg') throw unsupported('prisma', managed, 'pg')
  const { client: PrismaClient, options: prismaOptions } = (config ?? {}) as {
    client?: new (options: { adapter: unknown }) => { $connect(): Promise<void>; $disconnect(): Promise<void> }
    options?: Record<string, unknown>
  }
  if (typeof PrismaClient !== 'function') {
    throw new PoolError(
      'POOL_CONFIG_INVALID',
      `@pools/nestjs: pool "${managed.name}": prisma.client must be your generated PrismaClient class`,
      { poolName: managed.name },
    )
  }
  const { prismaAdapter } = await load('prisma', '@pools/prisma @prisma/adapter-pg', () => import('@pools/prisma'))
  const client = new PrismaClient({ ...prismaOptions, adapter: prismaAdapter(managed.pool as never) })
  // $disconnect() leaves a pool it was given open: the module closes the pool after it.
  return { name: managed.name, kind: 'prisma', client, close: () => client.$disconnect() }
}

/** Build and initialize a TypeORM DataSource on a pg or mysql2 pool (`@pools/typeorm`, loaded only now). */
export async function buildTypeorm(
  managed: ManagedPool,
  config: boolean | Record<string, unknown> | undefined,
): Promise<ManagedClient> {
  const driver = managed.driver
  if (driver !== 'pg' && driver !== 'mysql2') throw unsupported('typeorm', managed)
  const [{ withPools }, { DataSource }] = await Promise.all([
    load('typeorm', '@pools/typeorm typeorm', () => import('@pools/typeorm')),
    load('typeorm', '@pools/typeorm typeorm', () => import('typeorm')),
  ])
  const type = driver === 'pg' ? 'postgres' : 'mysql'
  const dataSource = new DataSource(withPools({ type, ...options(config), engine: managed.pool } as never))
  await dataSource.initialize()
  // destroy() only detaches from an engine it was given: the module closes the pool after it.
  return { name: managed.name, kind: 'typeorm', client: dataSource, close: () => dataSource.destroy() }
}

/** Build the client of a kind on a pool. */
export function buildClient(kind: ClientKind, managed: ManagedPool, config: unknown): Promise<ManagedClient> {
  switch (kind) {
    case 'drizzle':
      return buildDrizzle(managed, config as boolean | Record<string, unknown> | undefined)
    case 'knex':
      return buildKnex(managed, config as boolean | Record<string, unknown> | undefined)
    case 'prisma':
      return buildPrisma(managed, config)
    case 'typeorm':
      return buildTypeorm(managed, config as boolean | Record<string, unknown> | undefined)
  }
}
