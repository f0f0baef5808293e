/**
 * @pools/typeorm on real PostgreSQL and MariaDB: TypeORM's repositories, query runners and
 * transactions on the @pools engine, under load, with leaks and killed backends, and the same
 * scripted workload on TypeORM's native pools and on ours.
 */
import { isPoolError } from '@pools/core'
import { dataSourceEngines, withPools } from '@pools/typeorm'
import { DataSource, type DataSourceOptions, EntitySchema, type QueryRunner } from 'typeorm'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import {
  countMysqlConnections,
  countPgConnections,
  describeWithMysql,
  describeWithPostgres,
  type TestDatabase,
  useMysql,
  usePostgres,
  waitForMysqlConnections,
  waitForPgConnections,
} from '../harness/index.js'
import { type Dialect, killBackend, rejectionOf, sleep, until, within } from '../knex/support.js'

interface Item {
  id: number
  label: string
  qty: number
}

const ItemSchema = new EntitySchema<Item>({
  name: 'Item',
  tableName: 'items',
  columns: {
    id: { type: Number, primary: true, generated: 'increment' },
    label: { type: String, unique: true },
    qty: { type: Number, default: 0 },
  },
})

type Kind = 'postgres' | 'mariadb'

async function backendOf(runner: QueryRunner | DataSource, kind: Kind): Promise<number> {
  const rows = await runner.query(
    kind === 'postgres' ? 'SELECT pg_backend_pid() AS id' : 'SELECT CONNECTION_ID() AS id',
  )
  return Number(rows[0].id)
}

/** The same script for every pool; returns what each step returned. */
async function scripted(ds: DataSource, kind: Kind): Promise<unknown[]> {
  const out: unknown[] = []
  const repo = ds.getRepository(ItemSchema)
  // the same ids on every run: restart the sequence (MariaDB's TRUNCATE resets AUTO_INCREMENT itself)
  if (kind === 'postgres') await ds.query('TRUNCATE items RESTART IDENTITY')
  else await repo.clear()
  await repo.save([
    { label: 'a', qty: 1 },
    { label: 'b', qty: 2 },
  ])
  out.push(await repo.count())
  await ds.transaction(async (m) => {
    await m.getRepository(ItemSchema).save({ label: 'c', qty: 3 })
    await m.getRepository(ItemSchema).increment({ label: 'a' }, 'qty', 10)
  })
  out.push(
    await ds
      .transaction(async (m) => {
        await m.getRepository(ItemSchema).save({ label: 'd', qty: 4 })
        throw new Error('roll me back')
      })
      .catch((e: Error) => e.message),
  )
  const runner = ds.createQueryRunner()
  await runner.connect()
  await runner.startTransaction()
  await runner.manager.getRepository(ItemSchema).save({ label: 'e', qty: 5 })
  await runner.startTransaction() // a savepoint
  await runner.manager.getRepository(ItemSchema).save({ label: 'f', qty: 6 })
  await runner.rollbackTransaction()
  await runner.commitTransaction()
  await runner.release()
  out.push(
    await ds
      .transaction(async (m) => {
        await m.getRepository(ItemSchema).insert({ label: 'h', qty: 8 })
        await m.getRepository(ItemSchema).insert({ label: 'a', qty: 0 })
      })
      .then(
        () => 'committed',
        () => 'failed',
      ),
  )
  out.push((await repo.update({ label: 'b' }, { qty: 20 })).affected)
  out.push((await repo.delete({ label: 'c' })).affected)
  out.push(await repo.find({ order: { id: 'ASC' } }))
  return JSON.parse(JSON.stringify(out))
}

function suite(kind: Kind): void {
  const dialect: Dialect = kind === 'postgres' ? 'pg' : 'mysql2'
  let db: TestDatabase
  const open: DataSource[] = []

  const serverConnections = (): Promise<number> =>
    kind === 'postgres' ? countPgConnections(db.name) : countMysqlConnections(db.name)
  const waitForServerConnections = (expected: number): Promise<number> =>
    kind === 'postgres' ? waitForPgConnections(db.name, expected) : waitForMysqlConnections(db.name, expected)

  function baseOptions(extra: Record<string, unknown> = {}): DataSourceOptions {
    const c = db.config
    return {
      type: kind,
      host: c.host,
      port: c.port,
      username: c.user,
      password: c.password,
      database: c.database,
      entities: [ItemSchema],
      synchronize: true,
      logging: false,
      ...extra,
    } as DataSourceOptions
  }

  async function make(extra: Record<string, unknown> = {}): Promise<DataSource> {
    const ds = new DataSource(
      withPools({
        ...(baseOptions(extra) as Parameters<typeof withPools>[0]),
        pools: { housekeepingIntervalMs: 20, ...(extra.pools as object | undefined) },
      }),
    )
    await ds.initialize()
    open.push(ds)
    return ds
  }

  beforeAll(async () => {
    db = kind === 'postgres' ? await usePostgres() : await useMysql()
  })

  afterEach(async () => {
    await Promise.all(open.splice(0).map((ds) => (ds.isInitialized ? ds.destroy() : undefined)))
  })

  afterAll(async () => {
    await waitForServerConnections(0)
  })

  it('CRUD through a repository', async () => {
    const ds = await make({ poolSize: 4 })
    const repo = ds.getRepository(ItemSchema)
    await repo.clear()
    const saved = await repo.save({ label: 'crud', qty: 1 })
    expect(await repo.findOneBy({ id: saved.id })).toMatchObject({ label: 'crud', qty: 1 })
    await repo.update({ id: saved.id }, { qty: 2 })
    expect((await repo.findOneByOrFail({ id: saved.id })).qty).toBe(2)
    await repo.delete({ id: saved.id })
    expect(await repo.count()).toBe(0)
    const { master, replicas } = dataSourceEngines(ds)
    expect(replicas).toEqual([])
    expect(master.max).toBe(4) // poolSize
    expect(master.borrowed).toBe(0)
    expect(master.stats().counters.acquired).toBeGreaterThan(4)
  })

  it('commit, rollback, a savepoint and an error thrown inside a transaction', async () => {
    const ds = await make({ poolSize: 3 })
    const repo = ds.getRepository(ItemSchema)
    await repo.clear()
    await ds.transaction(async (m) => {
      await m.getRepository(ItemSchema).save({ label: 'kept' })
    })
    const thrown = await rejectionOf(
      ds.transaction(async (m) => {
        await m.getRepository(ItemSchema).save({ label: 'thrown' })
        throw new Error('boom')
      }),
    )
    expect(thrown.message).toBe('boom')
    const runner = ds.createQueryRunner()
    await runner.connect()
    await runner.startTransaction()
    await runner.manager.save(ItemSchema, { label: 'outer' })
    await runner.startTransaction()
    await runner.manager.save(ItemSchema, { label: 'savepoint' })
    await runner.rollbackTransaction()
    await runner.startTransaction()
    await runner.manager.save(ItemSchema, { label: 'inner' })
    await runner.commitTransaction()
    await runner.commitTransaction()
    await runner.startTransaction()
    await runner.manager.save(ItemSchema, { label: 'rolled-back' })
    await runner.rollbackTransaction()
    await runner.release()
    const labels = (await repo.find({ order: { id: 'ASC' } })).map((i) => i.label)
    expect(labels).toEqual(['kept', 'outer', 'inner'])
    expect(dataSourceEngines(ds).master.borrowed).toBe(0)
  })

  it('200 concurrent transactions on a pool of 10: all commit, at most 10 server connections, none left', async () => {
    const ds = await make({ poolSize: 10 })
    const repo = ds.getRepository(ItemSchema)
    await repo.clear()
    const engine = dataSourceEngines(ds).master
    let peak = 0
    let done = false
    const sampler = (async () => {
      while (!done) {
        peak = Math.max(peak, await serverConnections())
        await sleep(5)
      }
    })()
    await within(
      Promise.all(
        Array.from({ length: 200 }, (_, n) =>
          ds.transaction(async (m) => {
            await m.getRepository(ItemSchema).insert({ label: `t${n}`, qty: n })
            await m.getRepository(ItemSchema).findOneBy({ label: `t${n}` })
          }),
        ),
      ),
      15_000,
      '200 transactions',
    )
    done = true
    await sampler
    expect(await repo.count()).toBe(200)
    expect(peak).toBeLessThanOrEqual(10)
    expect(engine.borrowed).toBe(0)
    expect(engine.pending).toBe(0)
    expect(engine.total).toBeLessThanOrEqual(10)
    await ds.destroy()
    await waitForServerConnections(0)
  })

  it('a query runner left holding its connection is reported as a leak', async () => {
    const ds = await make({ poolSize: 2, pools: { leakDetectionThresholdMs: 50, leakCaptureStack: 'always' } })
    const engine = dataSourceEngines(ds).master
    const leaks: unknown[] = []
    engine.on('leak', (report) => leaks.push(report))
    const runner = ds.createQueryRunner()
    await runner.connect()
    await runner.startTransaction()
    await until(() => leaks.length > 0, 'a leak report')
    expect(engine.leaks()[0]?.heldMs).toBeGreaterThanOrEqual(50)
    await runner.rollbackTransaction()
    await runner.release()
    expect(engine.leaks()).toEqual([])
  })

  it('a query runner released inside a transaction: the transaction is rolled back before the connection is reused', async () => {
    const ds = await make({ poolSize: 1 })
    const repo = ds.getRepository(ItemSchema)
    await repo.clear()
    const runner = ds.createQueryRunner()
    await runner.connect()
    await runner.startTransaction()
    await runner.manager.save(ItemSchema, { label: 'never committed' })
    await runner.release() // a bug: no commit, no rollback
    expect(await repo.count()).toBe(0)
    await repo.save({ label: 'after' })
    expect((await repo.find()).map((i) => i.label)).toEqual(['after'])
  })

  it('a backend killed mid-transaction surfaces as an error; the next transaction succeeds', async () => {
    const ds = await make({ poolSize: 1 })
    const runner = ds.createQueryRunner()
    await runner.connect()
    await runner.startTransaction()
    const id = await backendOf(runner, kind)
    await killBackend(db.config, dialect, id)
    const error = await rejectionOf(runner.query('SELECT 1'))
    expect(error).toBeInstanceOf(Error)
    await runner.rollbackTransaction().catch(() => undefined)
    await runner.release()
    const engine = dataSourceEngines(ds).master
    await until(() => engine.borrowed === 0, 'the killed connection is given back')
    const next = await within(
      ds.transaction(async (m) => backendOf(m.queryRunner!, kind)),
      5_000,
      'the next transaction',
    )
    expect(next).not.toBe(id)
  })

  // TypeORM streams on postgres need pg-query-stream (not a dependency here); mysql2 streams natively
  if (kind === 'mariadb')
    it('a streamed query (query().stream()) reads every row and gives the connection back', async () => {
      const ds = await make({ poolSize: 2 })
      const repo = ds.getRepository(ItemSchema)
      await repo.clear()
      await repo.save(Array.from({ length: 50 }, (_, n) => ({ label: `s${n}`, qty: n })))
      const stream = await repo.createQueryBuilder('i').orderBy('i.id').stream()
      const rows: unknown[] = []
      for await (const row of stream) rows.push(row)
      expect(rows).toHaveLength(50)
      await until(() => dataSourceEngines(ds).master.borrowed === 0, 'the streaming connection is released')
    })

  it('parity: the scripted workload gives identical results on TypeORM’s native pool and on ours', async () => {
    const native = new DataSource(baseOptions({ poolSize: 4 }))
    await native.initialize()
    let expected: unknown[]
    try {
      expected = await scripted(native, kind)
    } finally {
      await native.destroy()
    }
    const ours = await make({ poolSize: 4 })
    expect(await scripted(ours, kind)).toEqual(expected)
    expect(dataSourceEngines(ours).master.borrowed).toBe(0)
  })

  it('destroy() ends the pools the data source opened, and every server connection', async () => {
    const ds = new DataSource(
      withPools(
        baseOptions({ poolSize: 3, extra: kind === 'postgres' ? { min: 2 } : {} }) as Parameters<typeof withPools>[0],
      ),
    )
    await ds.initialize()
    const engine = dataSourceEngines(ds).master
    await Promise.all([ds.query('SELECT 1'), ds.query('SELECT 1'), ds.query('SELECT 1')])
    expect(await serverConnections()).toBeGreaterThan(0)
    await ds.destroy()
    expect(engine.state).toBe('closed')
    await waitForServerConnections(0)
  })

  it('maps TypeORM options: poolSize, extra and pools (extra wins over poolSize, pools over both)', async () => {
    const a = await make({ poolSize: 7 })
    expect(dataSourceEngines(a).master.max).toBe(7)
    const extra = kind === 'postgres' ? { max: 5 } : { connectionLimit: 5 }
    const b = await make({ poolSize: 7, extra })
    expect(dataSourceEngines(b).master.max).toBe(5)
    const c = await make({ poolSize: 7, extra, pools: { max: 3 } })
    expect(dataSourceEngines(c).master.max).toBe(3)
    if (kind === 'postgres') {
      const d = await make({ applicationName: 'orders-api', connectTimeoutMS: 1_234 })
      const engine = dataSourceEngines(d).master
      expect(engine.name).toBe('orders-api')
      expect(engine.config.acquireTimeoutMs).toBe(1_234)
      expect(engine.config.createTimeoutMs).toBe(1_234)
      const [row] = await d.query('SHOW application_name')
      expect(row.application_name).toBe('orders-api')
    } else {
      const d = await make({ name: 'orders', connectTimeout: 1_234 })
      expect(dataSourceEngines(d).master.name).toBe('orders')
      expect(dataSourceEngines(d).master.config.createTimeoutMs).toBe(1_234)
    }
  })

  it('a wrong password fails initialize() with the driver error, without the password in it', async () => {
    const secret = 'not-the-password-4711'
    const ds = new DataSource(
      withPools(baseOptions({ username: 'pools_no_such_user', password: secret }) as Parameters<typeof withPools>[0]),
    )
    const error = await rejectionOf(ds.initialize())
    const shown = `${error.message} ${JSON.stringify(error)} ${String(error.stack)}`
    expect(shown).not.toContain(secret)
  })

  it('refuses bad options with POOL_CONFIG_INVALID', () => {
    const bad = (options: unknown) => () => withPools(options as Parameters<typeof withPools>[0])
    for (const [thrower, pattern] of [
      [bad({ type: 'sqlite', database: ':memory:' }), /type must be one of/],
      [bad({ ...baseOptions(), driver: {} }), /'driver' option/],
      [bad({ ...baseOptions(), pools: 42 }), /"pools" must be/],
      [bad({ ...baseOptions(), pools: {}, extra: { pools: {} } }), /once/],
    ] as const) {
      expect(thrower).toThrow(pattern)
      try {
        thrower()
      } catch (error) {
        expect(isPoolError(error, 'POOL_CONFIG_INVALID')).toBe(true)
      }
    }
  })
}

describeWithPostgres('@pools/typeorm on PostgreSQL', () => {
  suite('postgres')
})

describeWithMysql('@pools/typeorm on MariaDB/MySQL', () => {
  suite('mariadb')
})
