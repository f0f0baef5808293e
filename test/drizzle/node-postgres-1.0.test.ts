/**
 * @pools/drizzle/node-postgres on drizzle-orm 1.0 (installed as `drizzle-orm-1`): the adapter's own import of
 * `drizzle-orm/node-postgres` is pointed at 1.0, and the suite in pg-suite.ts runs unchanged.
 */
import { drizzle as ours } from '@pools/drizzle/node-postgres'
import type * as root045 from 'drizzle-orm'
import type { drizzle as orm045 } from 'drizzle-orm/node-postgres'
import type * as core045 from 'drizzle-orm/pg-core'
import * as root from 'drizzle-orm-1'
import { drizzle as orm } from 'drizzle-orm-1/node-postgres'
import * as core from 'drizzle-orm-1/pg-core'
import { expect, it, vi } from 'vitest'
import { pgSuite } from './pg-suite.js'

vi.mock('drizzle-orm/node-postgres', () => import('drizzle-orm-1/node-postgres'))

it('the adapter runs on drizzle-orm 1.0 here', async () => {
  const adapterSees = await import('drizzle-orm/node-postgres')
  expect(adapterSees.drizzle).toBe(orm)
  const url = 'postgres://nobody@127.0.0.1:1/none' // never connected to: both pools are lazy
  const mine = ours(url)
  const theirs = orm(url)
  expect(mine.constructor).toBe(theirs.constructor) // 1.0's NodePgDatabase, not 0.45's
  await Promise.all([mine.$client.end(), theirs.$client.end()])
})

pgSuite({
  version: '1.0',
  ours,
  orm: orm as unknown as typeof orm045,
  core: core as unknown as typeof core045,
  root: root as unknown as typeof root045,
})
