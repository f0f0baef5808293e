/**
 * close() against a frozen server (as under SIGSTOP: TCP stays up, nothing answers): the engine
 * aborts the destroy's AbortSignal at destroyTimeoutMs and the drivers tear the socket down at once,
 * so end() never resolves with a socket still open. The frozen server is simulated with the fault
 * proxy's pauseUpstream(): the goodbye (pg Terminate, mysql COM_QUIT) never reaches the server,
 * and no answer comes back.
 */
import { expect, it } from 'vitest'
import { describeWithMysql, describeWithPostgres, type PostgresDatabase, usePostgres } from '../harness/index.js'
import { end, getConnection, useMysqlFaults } from './support/mysql.js'
import { usePgPools } from './support/pg.js'
import { within } from './support/timing.js'
import { createTcpProxy } from './tcp-proxy.js'

/** The client's socket (pg: `client.connection.stream`, mysql2: `connection.stream`). */
function streamOf(client: unknown): { destroyed: boolean } {
  const c = client as { connection?: { stream?: { destroyed: boolean } }; stream?: { destroyed: boolean } }
  const stream = c.connection?.stream ?? c.stream
  if (stream === undefined) throw new Error('no socket found on the client')
  return stream
}

describeWithPostgres('destroy abort: @pools/core/pg against a frozen server', () => {
  const { make, track } = usePgPools()

  it('end() resolves once destroyTimeoutMs has passed, with every client socket closed', async () => {
    const db: PostgresDatabase = await usePostgres()
    const proxy = track(await createTcpProxy({ target: { host: db.config.host, port: db.config.port } }))
    const { pool } = make({
      ...db.config,
      host: proxy.host,
      port: proxy.port,
      max: 2,
      pools: { destroyTimeoutMs: 300 },
    })
    const clients = await Promise.all([pool.connect(), pool.connect()])
    const sockets = clients.map((client) => streamOf(client))
    for (const client of clients) client.release()
    expect(sockets.map((socket) => socket.destroyed)).toEqual([false, false])
    proxy.pauseUpstream()
    const started = Date.now()
    await within(pool.end(), 5_000, 'pool.end() against a frozen server')
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    // the sockets were destroyed when the signal aborted, before end() resolved
    expect(sockets.map((socket) => socket.destroyed)).toEqual([true, true])
  })
})

describeWithMysql('destroy abort: @pools/core/mysql2 against a frozen server', () => {
  const ctx = useMysqlFaults()

  it('end() resolves with every connection socket closed', async () => {
    const proxy = ctx.track(await createTcpProxy({ target: { host: ctx.db.config.host, port: ctx.db.config.port } }))
    const pool = ctx.pool({ host: proxy.host, port: proxy.port, connectionLimit: 2, pools: { destroyTimeoutMs: 300 } })
    const conns = await Promise.all([getConnection(pool), getConnection(pool)])
    const sockets = conns.map((conn) => streamOf(conn))
    for (const conn of conns) conn.release()
    expect(sockets.map((socket) => socket.destroyed)).toEqual([false, false])
    proxy.pauseUpstream()
    // mysql2's QUIT does not wait for the server's answer, so this never needs the abort; the
    // abort is the safety net for a QUIT (or KILL QUERY) that cannot even be written
    await within(end(pool), 5_000, 'pool.end() against a frozen server')
    expect(sockets.map((socket) => socket.destroyed)).toEqual([true, true])
  })
})
