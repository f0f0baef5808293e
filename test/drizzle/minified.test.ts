/**
 * Drizzle recognises a pool by `instanceof` its copy of `pg.Pool` or by a class name containing "Pool".
 * A @pools pg Pool bundled with its own copy of pg and minified fails both checks, and drizzle then runs a
 * transaction's statements on separate pooled connections. @pools/drizzle must still get one connection.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Pool as PoolsPool } from '@pools/core/pg'
import { drizzle as ours } from '@pools/drizzle/node-postgres'
import { sql } from 'drizzle-orm'
import { drizzle as orm } from 'drizzle-orm/node-postgres'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeWithPostgres, type PostgresDatabase, usePostgres } from '../harness/index.js'
import { rowsOf } from './support.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../..')

/** What drizzle-orm's node-postgres session checks before giving a transaction its own client. */
const drizzleSeesAPool = (client: object) =>
  client instanceof pg.Pool || Object.getPrototypeOf(client).constructor.name.includes('Pool')

describeWithPostgres('@pools/drizzle with a minified @pools/core/pg bundle', () => {
  let db: PostgresDatabase
  let dir: string
  let MinifiedPool: new (options: pg.PoolConfig & { pools?: unknown }) => PoolsPool

  beforeAll(async () => {
    db = await usePostgres()
    dir = mkdtempSync(path.join(tmpdir(), 'pools-drizzle-min-'))
    const out = path.join(dir, 'pg-min.cjs')
    const rolldown = path.join(root, 'node_modules/rolldown/bin/cli.mjs')
    const built = spawnSync(
      process.execPath,
      [
        rolldown,
        path.join(here, 'fixtures/minified-pg-entry.mjs'),
        '--minify',
        '--format',
        'cjs',
        '--platform',
        'node',
        '-e',
        'pg-native,pg-cloudflare',
        '-o',
        out,
      ],
      { cwd: root, encoding: 'utf8' },
    )
    expect(built.status, built.stderr).toBe(0)
    // Node's own require: loaded as an app would load its bundle, not through vitest's transform.
    MinifiedPool = (createRequire(import.meta.url)(out) as { Pool: typeof MinifiedPool }).Pool
  }, 60_000)

  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  /** Two statements in one drizzle transaction, while another client holds a connection: same backend, same xid? */
  async function oneTransaction(database: ReturnType<typeof orm>): Promise<boolean> {
    const row = async (tx: { execute: typeof database.execute }) =>
      rowsOf<{ at: string }>(await tx.execute(sql`SELECT pg_backend_pid() || '/' || txid_current() AS at`))[0]!.at
    return database.transaction(async (tx) => {
      const first = await row(tx)
      // a second transaction running meanwhile takes another connection, so pool.query() cannot reuse the first
      const [, second] = await Promise.all([database.transaction(async (other) => row(other)), row(tx)])
      return first === second
    })
  }

  it('the bundle really hides the class: another copy of pg, a minified name', () => {
    const pool = new MinifiedPool({ ...db.config })
    expect(pool instanceof pg.Pool).toBe(false)
    expect(Object.getPrototypeOf(pool).constructor.name).not.toContain('Pool')
    expect(drizzleSeesAPool(pool)).toBe(false)
    return pool.end()
  })

  it('plain drizzle-orm on it splits a transaction across connections (the hazard)', async () => {
    const pool = new MinifiedPool({ ...db.config, max: 4 })
    try {
      expect(await oneTransaction(orm({ client: pool as unknown as pg.Pool }))).toBe(false)
    } finally {
      await pool.end()
    }
  })

  it('@pools/drizzle on it keeps every transaction on one connection', async () => {
    const pool = new MinifiedPool({ ...db.config, max: 4 })
    try {
      const database = ours(pool)
      expect(drizzleSeesAPool(pool)).toBe(true)
      expect(await oneTransaction(database as unknown as ReturnType<typeof orm>)).toBe(true)
      expect(pool.stats().borrowed).toBe(0)
    } finally {
      await pool.end()
    }
  })
})
