/**
 * TypeORM replication on @pools: a master and two replicas (the local server, reached through the
 * same database, stands in for each node), one engine per node, reads spread over the replicas,
 * writes and transactions on the master, destroy() ends every node's pool.
 */
import { dataSourceEngines, withPools } from '@pools/typeorm'
import { DataSource, EntitySchema } from 'typeorm'
import { expect, it } from 'vitest'
import {
  describeWithMysql,
  describeWithPostgres,
  useMysql,
  usePostgres,
  waitForMysqlConnections,
  waitForPgConnections,
} from '../harness/index.js'

interface Note {
  id: number
  body: string
}

const NoteSchema = new EntitySchema<Note>({
  name: 'Note',
  tableName: 'notes',
  columns: { id: { type: Number, primary: true, generated: 'increment' }, body: { type: String } },
})

for (const kind of ['postgres', 'mariadb'] as const) {
  const describeWith = kind === 'postgres' ? describeWithPostgres : describeWithMysql
  describeWith(`TypeORM replication on @pools (${kind})`, () => {
    it('one engine per node; reads spread over the replicas, writes go to the master; destroy() ends them all', async () => {
      const db = kind === 'postgres' ? await usePostgres() : await useMysql()
      const c = db.config
      const node = { host: c.host, port: c.port, username: c.user, password: c.password, database: c.database }
      // the schema is made on the master only, before the replicated data source starts
      const setup = new DataSource(withPools({ type: kind, ...node, entities: [NoteSchema], synchronize: true }))
      await setup.initialize()
      await setup.destroy()

      const ds = new DataSource(
        withPools({
          type: kind,
          replication: { master: node, slaves: [node, node] },
          entities: [NoteSchema],
          poolSize: 3,
          pools: { leakDetectionThresholdMs: 10_000 },
        }),
      )
      await ds.initialize()
      const { master, replicas } = dataSourceEngines(ds)
      expect(replicas).toHaveLength(2)
      expect(new Set([master, ...replicas]).size).toBe(3)
      for (const engine of [master, ...replicas]) {
        expect(engine.max).toBe(3)
        expect(engine.config.leakDetectionThresholdMs).toBe(10_000)
      }

      const acquired = () => [master, ...replicas].map((engine) => engine.stats().counters.acquired)
      const repo = ds.getRepository(NoteSchema)

      const beforeWrites = acquired()
      for (let i = 0; i < 10; i++) await repo.save({ body: `note ${i}` })
      await ds.transaction(async (m) => {
        await m.getRepository(NoteSchema).save({ body: 'in a transaction' })
        await m.getRepository(NoteSchema).find()
      })
      const afterWrites = acquired()
      expect(afterWrites[0]! - beforeWrites[0]!).toBeGreaterThanOrEqual(11)
      expect(afterWrites.slice(1)).toEqual(beforeWrites.slice(1)) // nothing written through a replica

      for (let i = 0; i < 40; i++) expect((await repo.find()).length).toBe(11)
      const afterReads = acquired()
      expect(afterReads[0]).toBe(afterWrites[0]) // reads never touched the master
      const replicaReads = afterReads.slice(1).map((n, i) => n - afterWrites[i + 1]!)
      expect(replicaReads.reduce((a, b) => a + b, 0)).toBe(40)
      for (const reads of replicaReads) expect(reads).toBeGreaterThan(0) // spread over both

      await ds.destroy()
      for (const engine of [master, ...replicas]) expect(engine.state).toBe('closed')
      if (kind === 'postgres') await waitForPgConnections(db.name, 0)
      else await waitForMysqlConnections(db.name, 0)
    })
  })
}
