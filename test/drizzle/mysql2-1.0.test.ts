/**
 * @pools/drizzle/mysql2 on drizzle-orm 1.0 (installed as `drizzle-orm-1`): the adapter's own import of
 * `drizzle-orm/mysql2` is pointed at 1.0, and the suite in mysql2-suite.ts runs unchanged.
 */
import { drizzle as ours } from '@pools/drizzle/mysql2'
import type * as root045 from 'drizzle-orm'
import type * as core045 from 'drizzle-orm/mysql-core'
import type { drizzle as orm045 } from 'drizzle-orm/mysql2'
import * as root from 'drizzle-orm-1'
import * as core from 'drizzle-orm-1/mysql-core'
import { drizzle as orm } from 'drizzle-orm-1/mysql2'
import { expect, it, vi } from 'vitest'
import { mysql2Suite } from './mysql2-suite.js'

vi.mock('drizzle-orm/mysql2', () => import('drizzle-orm-1/mysql2'))

it('the adapter runs on drizzle-orm 1.0 here', async () => {
  const url = 'mysql://nobody@127.0.0.1:1/none' // never connected to: both pools are lazy
  const mine = ours(url)
  const theirs = orm(url)
  expect(mine.constructor).toBe(theirs.constructor) // 1.0's MySql2Database, not 0.45's
  await Promise.all([mine.$client.promise().end(), theirs.$client.end()])
})

mysql2Suite({
  version: '1.0',
  ours,
  orm: orm as unknown as typeof orm045,
  core: core as unknown as typeof core045,
  root: root as unknown as typeof root045,
})
