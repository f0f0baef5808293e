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

function unsupported(kind: ClientKind, managed: ManagedPool): PoolError {
  return new PoolError(
    'POOL_CONFIG_INVALID',
    `@pools/nestjs: pool "${managed.name}": ${kind} runs on pg or mysql2 pools, not ${managed.driver}`,
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
