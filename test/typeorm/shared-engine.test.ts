/**
 * Knex and TypeORM on one @pools engine: TypeORM opens it (withPools), knex borrows from it
 * (connectionPool), one set of stats accounts for both, and each side's shutdown does what it owns.
 */
import { engineOf } from '@pools/core'
import { createPool as createMysql2Pool } from '@pools/core/mysql2'
import { Pool as PgPool } from '@pools/core/pg'
import { knexEngine, withPools as knexWithPools } from '@pools/knex'
import { dataSourceEngines, withPools } from '@pools/typeorm'
import knex from 'knex'
import { DataSource } from 'typeorm'
import { expect, it } from 'vitest'
import {
  describeWithMysql,
  describeWithPostgres,
  useMysql,
  usePostgres,
  waitForMysqlConnections,
  waitForPgConnections,
} from '../harness/index.js'

for (const kind of ['postgres', 'mariadb'] as const) {
  const describeWith = kind === 'postgres' ? describeWithPostgres : describeWithMysql
  describeWith(`Knex and TypeORM on one engine (${kind})`, () => {
    it('stats() counts both; knex.destroy() leaves the engine to TypeORM, whose destroy() ends it', async () => {
      const db = kind === 'postgres' ? await usePostgres() : await useMysql()
      const c = db.config
      const ds = new DataSource(
        withPools({
          type: kind,
          host: c.host,
          port: c.port,
          username: c.user,
          password: c.password,
          database: c.database,
          poolSize: 4,
        } as Parameters<typeof withPools>[0]),
      )
      await ds.initialize()
      const engine = dataSourceEngines(ds).master
      const k = knex(knexWithPools({ client: kind === 'postgres' ? 'pg' : 'mysql2', connectionPool: engine }))
      expect(knexEngine(k)).toBe(engine)
      expect(engineOf((k.client as { pool: unknown }).pool)).toBe(engine) // the knex pool exposes ENGINE too

      const before = engine.stats().counters.acquired
      for (let i = 0; i < 5; i++) await ds.query('SELECT 1')
      for (let i = 0; i < 7; i++) await k.raw('SELECT 1')
      await Promise.all([
        ds.transaction(async (m) => m.query('SELECT 1')),
        k.transaction(async (trx) => trx.raw('SELECT 1')),
      ])
      const stats = engine.stats()
      expect(stats.counters.acquired - before).toBe(5 + 7 + 2)
      expect(stats.borrowed).toBe(0)
      expect(stats.total).toBeLessThanOrEqual(4)

      await k.destroy()
      expect(engine.state).toBe('running')
      expect(await ds.query('SELECT 1 AS x')).toEqual([{ x: 1 }])
      await ds.destroy()
      expect(engine.state).toBe('closed')
      if (kind === 'postgres') await waitForPgConnections(db.name, 0)
      else await waitForMysqlConnections(db.name, 0)
    })

    it('TypeORM and knex on an engine a drop-in pool owns: both detach, the owner closes it', async () => {
      const db = kind === 'postgres' ? await usePostgres() : await useMysql()
      const owner =
        kind === 'postgres'
          ? new PgPool({ ...db.config, max: 4 })
          : createMysql2Pool({ ...db.config, connectionLimit: 4 })
      const engine = engineOf(owner)
      const ds = new DataSource(withPools({ type: kind, engine: owner }))
      await ds.initialize()
      const k = knex(knexWithPools({ client: kind === 'postgres' ? 'pg' : 'mysql2', connectionPool: owner }))
      expect(dataSourceEngines(ds).master).toBe(engine)
      expect(knexEngine(k)).toBe(engine)

      const before = engine.stats().counters.acquired
      await Promise.all([
        ...Array.from({ length: 6 }, () => ds.query('SELECT 1')),
        ...Array.from({ length: 6 }, () => k.raw('SELECT 1')),
        ds.transaction(async (m) => m.query('SELECT 1')),
      ])
      expect(engine.stats().counters.acquired - before).toBe(13)
      expect(engine.total).toBeLessThanOrEqual(4)

      await ds.destroy()
      await k.destroy()
      expect(engine.state).toBe('running') // neither owns it
      await new Promise<void>((resolve, reject) =>
        (owner as { end(cb: (error?: unknown) => void): void }).end((error) => (error ? reject(error) : resolve())),
      )
      expect(engine.state).toBe('closed')
      if (kind === 'postgres') await waitForPgConnections(db.name, 0)
      else await waitForMysqlConnections(db.name, 0)
    })
  })
}
