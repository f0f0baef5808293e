/**
 * createPoolCluster (callback and promise): the same scripts against mysql2's cluster and ours give the same
 * transcript (patterns, selectors, canRetry, removeNodeErrorCount, restoreNodeTimeout, events, end), one engine
 * per node, and TypeORM's MySQL replication shape (MASTER / SLAVE* nodes). Nodes are databases on the local
 * server; a dead node is a TCP fault proxy that refuses connections. Real MariaDB only.
 */
import { inspect } from 'node:util'
import pooled, { createPoolCluster, isPoolError, PoolCluster } from '@pools/core/mysql2'
import pooledPromise from '@pools/core/mysql2/promise'
import mysql2, { type PoolCluster as Mysql2PoolCluster, type PoolConnection } from 'mysql2'
import mysql2Promise from 'mysql2/promise'
import { beforeAll, describe, expect, it } from 'vitest'
import { createTcpProxy, type TcpProxy } from '../fault/tcp-proxy.js'
import { describeWithMysql, type MysqlDatabase, useMysql, waitForMysqlConnections } from '../harness/index.js'
import { end, query, TEST_POOLS, useMysql2Context } from './support.js'

type Callback<T> = (error: (Error & { code?: string }) | null, value: T) => void

function clusterConnection(cluster: object, ...args: string[]): Promise<PoolConnection & { _clusterId?: string }> {
  return new Promise((resolve, reject) => {
    const done: Callback<PoolConnection> = (error, connection) => (error ? reject(error) : resolve(connection))
    ;(cluster as { getConnection(...a: unknown[]): void }).getConnection(...args, done)
  })
}

function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => 'resolved',
    (error: { code?: string }) => error.code,
  )
}

/** The node a connection came from, and the database it is on. */
async function where(connection: PoolConnection & { _clusterId?: string }): Promise<string> {
  const rows = await query<{ db: string }[]>(connection, 'SELECT DATABASE() AS db')
  connection.release()
  return `${connection._clusterId}@${rows[0]!.db}`
}

describeWithMysql('@pools/core/mysql2 createPoolCluster', () => {
  const ctx = useMysql2Context()
  let replica: MysqlDatabase
  const nodeConfig = (db: MysqlDatabase, extra: Record<string, unknown> = {}) => ({
    ...db.config,
    connectionLimit: 2,
    ...extra,
  })

  beforeAll(async () => {
    replica = await useMysql()
  })

  /** Everything both clusters must do the same way; names the databases by role so transcripts compare. */
  async function script(cluster: Mysql2PoolCluster): Promise<unknown[]> {
    const out: unknown[] = []
    const events: string[] = []
    for (const event of ['warn', 'remove', 'offline', 'online']) {
      cluster.on(event, (arg: unknown) => events.push(`${event}:${arg instanceof Error ? 'error' : String(arg)}`))
    }
    const role = (text: string) => text.replace(ctx.db.name, 'primary-db').replace(replica.name, 'replica-db')
    cluster.add('MASTER', nodeConfig(ctx.db))
    cluster.add('SLAVE1', nodeConfig(replica))
    cluster.add('SLAVE2', nodeConfig(replica))
    cluster.add('SLAVE1', nodeConfig(ctx.db)) // an id already present is ignored
    cluster.add(nodeConfig(replica)) // CLUSTER::1
    out.push(role(await where(await clusterConnection(cluster, 'MASTER'))))
    // default selector RR over the matching nodes
    for (let i = 0; i < 4; i++) out.push(role(await where(await clusterConnection(cluster, 'SLAVE*'))))
    for (let i = 0; i < 2; i++) out.push(role(await where(await clusterConnection(cluster, 'SLAVE*', 'ORDER'))))
    out.push(role(await where(await clusterConnection(cluster, 'CLUSTER::*'))))
    const random = new Set<string>()
    for (let i = 0; i < 6; i++) random.add(role(await where(await clusterConnection(cluster, 'SLAVE*', 'RANDOM'))))
    out.push([...random].every((node) => /^SLAVE[12]@replica-db$/.test(node)))
    // of(): query, execute, getConnection; RR state is per namespace (pattern + selector)
    const slaves = cluster.of('SLAVE*', 'RR')
    expect(cluster.of('SLAVE*', 'rr')).toBe(slaves)
    out.push(
      await new Promise((resolve, reject) => {
        slaves.query('SELECT ? AS n', [1], (error, rows) => (error ? reject(error) : resolve(rows)))
      }),
    )
    out.push(
      await new Promise((resolve, reject) => {
        slaves.execute('SELECT ? AS n', [2], (error, rows) => (error ? reject(error) : resolve(rows)))
      }),
    )
    out.push(role(await where(await clusterConnection(slaves))))
    // a pattern nothing matches
    out.push(await codeOf(clusterConnection(cluster, 'NOPE')))
    // remove(pattern) ends the node's pool; the rest keep working
    cluster.remove('SLAVE2')
    for (let i = 0; i < 2; i++) out.push(role(await where(await clusterConnection(cluster, 'SLAVE*'))))
    out.push(await codeOf(clusterConnection(cluster, 'SLAVE2')))
    await end(cluster)
    out.push(events)
    return out
  }

  it('runs the same script as mysql2.createPoolCluster and gives the same transcript', async () => {
    const theirs = await script(mysql2.createPoolCluster())
    const ours = await script(createPoolCluster(undefined, { logger: false }))
    expect(ours).toEqual(theirs)
    expect(ours.slice(0, 5)).toEqual([
      'MASTER@primary-db',
      'SLAVE1@replica-db',
      'SLAVE2@replica-db',
      'SLAVE1@replica-db',
      'SLAVE2@replica-db',
    ])
    await waitForMysqlConnections(replica.name, 0, { timeoutMs: 5_000 })
  })

  it('is mysql2 PoolCluster: instanceof, default export, one engine per node, each closed by end()', async () => {
    const cluster = pooled.createPoolCluster()
    expect(cluster).toBeInstanceOf(PoolCluster)
    expect(cluster).toBeInstanceOf((mysql2 as unknown as { PoolCluster: typeof PoolCluster }).PoolCluster)
    expect(pooled.PoolCluster).toBe(PoolCluster)
    expect(pooled.createPoolClusterPromise).toBe(pooledPromise.createPoolCluster)
    cluster.add('MASTER', { ...nodeConfig(ctx.db), pools: { ...TEST_POOLS, name: 'primary' } })
    cluster.add('SLAVE1', `${replica.url}?connectionLimit=3`)
    const engines = cluster.engines
    expect([...engines.keys()]).toEqual(['MASTER', 'SLAVE1'])
    expect(engines.get('MASTER')).not.toBe(engines.get('SLAVE1'))
    expect(engines.get('MASTER')!.name).toBe('primary')
    expect(engines.get('SLAVE1')!.max).toBe(3)
    const conn = await clusterConnection(cluster, 'SLAVE1')
    expect(engines.get('SLAVE1')!.borrowed).toBe(1)
    conn.release()
    await end(cluster)
    expect(engines.get('MASTER')!.state).toBe('closed')
    expect(engines.get('SLAVE1')!.state).toBe('closed')
    // end() twice calls back, as in mysql2
    await end(cluster)
    // getConnection after end: refused (mysql2 itself throws an uncaught "Can't add new command when connection
    // is in closed state" here, from ending a node's pool a second time)
    const warned: unknown[] = []
    cluster.on('warn', (error) => warned.push(error))
    expect(await codeOf(clusterConnection(cluster, 'MASTER'))).toBe('POOL_CLOSED')
    expect(warned.length).toBe(4) // canRetry: counted against the node until removeNodeErrorCount (5) removes it
  })

  describe('a node that cannot connect', () => {
    let dead: TcpProxy
    beforeAll(async () => {
      dead = await createTcpProxy({ target: { host: ctx.db.config.host, port: ctx.db.config.port } })
      await dead.refuse()
      return () => dead.close()
    })
    const deadNode = () => ({ ...ctx.db.config, host: dead.host, port: dead.port, connectionLimit: 2 })

    async function failover(cluster: Mysql2PoolCluster): Promise<unknown[]> {
      const events: string[] = []
      const warnings: unknown[] = []
      cluster.on('warn', (error: { code?: string; cause?: { code?: string } }) =>
        warnings.push(error.cause?.code ?? error.code),
      )
      for (const event of ['remove', 'offline', 'online'])
        cluster.on(event, (id: string) => events.push(`${event}:${id}`))
      cluster.add('SLAVE1', deadNode())
      cluster.add('SLAVE2', nodeConfig(replica))
      const out: unknown[] = []
      // RR starts on SLAVE1 (dead): counted against it, retried on the next node
      for (let i = 0; i < 3; i++) {
        const conn = await clusterConnection(cluster, 'SLAVE*')
        out.push(conn._clusterId)
        conn.release()
      }
      out.push(events.slice(), warnings.slice())
      return out
    }

    it('canRetry with removeNodeErrorCount 1: the dead node is removed and the caller served by another, as mysql2', async () => {
      const theirs = mysql2.createPoolCluster({ removeNodeErrorCount: 1 })
      const ours = createPoolCluster({ removeNodeErrorCount: 1 }, { logger: false })
      try {
        const expected = await failover(theirs)
        const started = Date.now()
        expect(await failover(ours)).toEqual(expected)
        // fails over at once, not after acquireTimeoutMs
        expect(Date.now() - started).toBeLessThan(4_000)
        expect(expected).toEqual(['SLAVE2', 'SLAVE2', 'SLAVE2', ['remove:SLAVE1'], ['ECONNREFUSED']])
      } finally {
        await end(theirs)
        await end(ours)
      }
    })

    it('the error count takes the node down only after removeNodeErrorCount errors; canRetry: false hands each error over', async () => {
      const run = async (cluster: Mysql2PoolCluster) => {
        const removed: string[] = []
        cluster.on('remove', (id: string) => removed.push(id))
        cluster.add('SLAVE1', deadNode())
        cluster.add('SLAVE2', nodeConfig(replica))
        const out: unknown[] = []
        for (let i = 0; i < 6; i++) {
          out.push(
            await clusterConnection(cluster, 'SLAVE*').then(
              (conn) => {
                conn.release()
                return conn._clusterId
              },
              (error: { code?: string; cause?: { code?: string } }) => `error:${error.cause?.code ?? error.code}`,
            ),
          )
        }
        out.push(removed)
        await end(cluster)
        return out
      }
      const options = { canRetry: false, removeNodeErrorCount: 2 }
      const theirs = await run(mysql2.createPoolCluster(options))
      const ours = await run(createPoolCluster(options, { logger: false }))
      expect(ours).toEqual(theirs)
      expect(theirs).toEqual([
        'error:ECONNREFUSED',
        'SLAVE2',
        'error:ECONNREFUSED',
        'SLAVE2',
        'SLAVE2',
        'SLAVE2',
        ['SLAVE1'],
      ])
    })

    it('restoreNodeTimeout: offline, then online again once it answers (offline/online events as mysql2)', async () => {
      const proxy = await createTcpProxy({ target: { host: ctx.db.config.host, port: ctx.db.config.port } })
      try {
        await proxy.refuse()
        const run = async (cluster: Mysql2PoolCluster) => {
          const events: string[] = []
          for (const event of ['remove', 'offline', 'online']) {
            cluster.on(event, (id: string) => events.push(`${event}:${id}`))
          }
          cluster.add('SLAVE1', { ...ctx.db.config, host: proxy.host, port: proxy.port })
          cluster.add('SLAVE2', nodeConfig(replica))
          const out: unknown[] = []
          for (let i = 0; i < 2; i++) {
            // SLAVE1 fails and goes offline; then it is skipped while offline
            const conn = await clusterConnection(cluster, 'SLAVE*', 'ORDER')
            out.push(conn._clusterId)
            conn.release()
          }
          out.push(await codeOf(clusterConnection(cluster, 'SLAVE1'))) // no online node for this pattern
          await proxy.reopen()
          await new Promise((resolve) => setTimeout(resolve, 300))
          const back = await clusterConnection(cluster, 'SLAVE*', 'ORDER')
          out.push(back._clusterId)
          back.release()
          out.push(events)
          await end(cluster)
          await proxy.refuse()
          return out
        }
        const options = { removeNodeErrorCount: 1, restoreNodeTimeout: 200 }
        const theirs = await run(mysql2.createPoolCluster(options))
        const ours = await run(createPoolCluster(options, { logger: false }))
        expect(ours).toEqual(theirs)
        expect(theirs).toEqual(['SLAVE2', 'SLAVE2', 'POOL_NONEONLINE', 'SLAVE1', ['offline:SLAVE1', 'online:SLAVE1']])
      } finally {
        await proxy.close()
      }
    })
  })

  it('the promise cluster (mysql2/promise createPoolCluster) behaves as mysql2 promise cluster', async () => {
    const run = async (cluster: mysql2Promise.PoolCluster) => {
      const out: unknown[] = []
      const removed: string[] = []
      cluster.on('remove', (id: string) => removed.push(id))
      cluster.add('MASTER', nodeConfig(ctx.db))
      cluster.add('SLAVE1', nodeConfig(replica))
      const conn = await cluster.getConnection('MASTER')
      const [rows] = await conn.query('SELECT DATABASE() AS db')
      out.push((rows as { db: string }[])[0]!.db === ctx.db.name)
      conn.release()
      const slaves = cluster.of('SLAVE*')
      out.push((await slaves.query('SELECT ? AS n', [1]))[0])
      out.push((await slaves.execute('SELECT ? AS n', [2]))[0])
      const slaveConn = await slaves.getConnection()
      out.push((slaveConn as unknown as { connection: { _clusterId: string } }).connection._clusterId)
      slaveConn.release()
      out.push(await codeOf(cluster.getConnection('NOPE')))
      ;(cluster as unknown as { remove(pattern: string): void }).remove('SLAVE1')
      out.push(await codeOf(cluster.getConnection('SLAVE1')))
      await cluster.end()
      return out
    }
    const theirs = await run(mysql2Promise.createPoolCluster())
    const cluster = pooledPromise.createPoolCluster()
    const ours = await run(cluster)
    expect(ours).toEqual(theirs)
    expect(ours[0]).toBe(true)
    expect(cluster.engines.size).toBe(1)
    await waitForMysqlConnections(replica.name, 0, { timeoutMs: 5_000 })
  })

  it("TypeORM's MySQL replication shape: MASTER for writes, SLAVE* for reads, end() at disconnect", async () => {
    // What TypeORM's MysqlDriver does with `replication` (typeorm/src/driver/mysql/MysqlDriver.ts):
    // createPoolCluster(options.replication), add('SLAVE' + i, …), add('MASTER', …), getConnection('MASTER' | 'SLAVE*').
    const replication = {
      master: { database: ctx.db.name },
      slaves: [{ database: replica.name }, { database: replica.name }],
      canRetry: true,
      removeNodeErrorCount: 5,
      restoreNodeTimeout: 0,
      selector: 'RR',
    }
    const createConnectionOptions = (credentials: { database: string }) => ({
      charset: undefined,
      timezone: undefined,
      connectTimeout: undefined,
      insecureAuth: undefined,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: undefined,
      debug: undefined,
      trace: undefined,
      multipleStatements: undefined,
      flags: undefined,
      host: ctx.db.config.host,
      user: ctx.db.config.user,
      password: ctx.db.config.password,
      database: credentials.database,
      port: ctx.db.config.port,
      ssl: undefined,
      // TypeORM spreads `extra` last: the place for @pools options
      ...{ connectionLimit: 3, pools: { ...TEST_POOLS, leakDetectionThresholdMs: 5_000 } },
    })
    const typeormMysql = pooled // `driver: mysql` in the DataSource options
    const poolCluster = typeormMysql.createPoolCluster(replication)
    replication.slaves.forEach((slave, index) => {
      poolCluster.add(`SLAVE${index}`, createConnectionOptions(slave))
    })
    poolCluster.add('MASTER', createConnectionOptions(replication.master))
    const warnings: string[] = []
    const prepareDbConnection = (connection: PoolConnection) => {
      if (!connection.listeners('error').some((listener) => listener.name === 'poolErrorHandler')) {
        connection.on('error', function poolErrorHandler(error: Error) {
          warnings.push(String(error))
        })
      }
      return connection
    }
    const obtain = (pattern: 'MASTER' | 'SLAVE*') =>
      new Promise<PoolConnection>((resolve, reject) => {
        poolCluster.getConnection(pattern, (error, connection) =>
          error ? reject(error) : resolve(prepareDbConnection(connection)),
        )
      })

    const master = await obtain('MASTER')
    await query(master, 'CREATE TABLE IF NOT EXISTS posts (id INT PRIMARY KEY, title VARCHAR(20))')
    await query(master, 'START TRANSACTION')
    await query(master, 'INSERT INTO posts VALUES (1, ?)', ['written'])
    await query(master, 'COMMIT')
    master.release()
    const writer = await obtain('MASTER')
    expect(await query(writer, 'SELECT title FROM posts')).toEqual([{ title: 'written' }])
    writer.release()
    // reads go to the replicas (here: another database, where the table does not exist)
    const readers = new Set<string>()
    for (let i = 0; i < 4; i++) {
      const slave = await obtain('SLAVE*')
      readers.add((slave as { _clusterId?: string })._clusterId!)
      expect(await query(slave, 'SELECT DATABASE() AS db')).toEqual([{ db: replica.name }])
      slave.release()
    }
    expect([...readers].sort()).toEqual(['SLAVE0', 'SLAVE1'])
    const engines = (poolCluster as PoolCluster).engines
    expect(engines.get('MASTER')!.stats().counters.acquired).toBe(2)
    expect(engines.get('SLAVE0')!.config.leakDetectionThresholdMs).toBe(5_000)
    await new Promise<void>((resolve, reject) => poolCluster.end((error) => (error ? reject(error) : resolve())))
    expect([...engines.values()].every((engine) => engine.state === 'closed')).toBe(true)
    expect(warnings).toEqual([])
  })

  it('bad input: a PoolError, never a TypeError, and never the URL', async () => {
    const cluster = createPoolCluster(undefined, { logger: false })
    try {
      const secret = 'Cl7ster-Secret'
      const bad = (() => {
        try {
          cluster.add('X', `mysql://root:${secret}@[::1`)
        } catch (error) {
          return error
        }
        return undefined
      })()
      expect(isPoolError(bad, 'POOL_CONFIG_INVALID')).toBe(true)
      expect(inspect(bad, { depth: Infinity })).not.toContain(secret)
      expect(JSON.stringify(bad)).not.toContain(secret)
      expect(cluster.engines.size).toBe(0)
      expect(() => cluster.of('*', 'FASTEST')).toThrow(expect.objectContaining({ code: 'POOL_CONFIG_INVALID' }))
      expect(() => createPoolCluster({ defaultSelector: 'nope' })).toThrow(
        expect.objectContaining({ code: 'POOL_CONFIG_INVALID' }),
      )
      expect(await codeOf(clusterConnection(cluster))).toBe('POOL_NOEXIST')
    } finally {
      await end(cluster)
    }
  })
})
