import net from 'node:net'
import { performance } from 'node:perf_hooks'
import { Redis } from 'ioredis'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { createTcpProxy, type TcpProxy, type TcpProxyOptions } from './tcp-proxy.js'

const PG = { host: '127.0.0.1', port: 5432 }
const MYSQL = { host: '127.0.0.1', port: 3306 }
const REDIS = { host: '127.0.0.1', port: 6379 }

// ---- leak-proof helpers ---------------------------------------------------

/** Cleanups run LIFO after every test (clients first, then the proxy they use). Each is time-bounded. */
const cleanups: Array<() => Promise<unknown>> = []

afterEach(async () => {
  for (let fn = cleanups.pop(); fn !== undefined; fn = cleanups.pop()) {
    await bounded(fn(), 2000)
  }
})

/** Settle `p` (ignoring its outcome) or give up after `ms`; never leaves a timer behind. */
async function bounded(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    p.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms)
    }),
  ])
  clearTimeout(timer)
}

async function proxyTo(
  target: TcpProxyOptions['target'],
  listenHost?: TcpProxyOptions['listenHost'],
): Promise<TcpProxy> {
  const proxy = await createTcpProxy(listenHost === undefined ? { target } : { target, listenHost })
  cleanups.push(() => proxy.close())
  return proxy
}

interface PgClientHandle {
  client: pg.Client
  /** Errors emitted on the client's 'error' event. */
  errors: Error[]
}

function pgClient(proxy: TcpProxy, extra: pg.ClientConfig = {}): PgClientHandle {
  const client = new pg.Client({ host: proxy.host, port: proxy.port, user: 'postgres', database: 'test', ...extra })
  const errors: Error[] = []
  client.on('error', (err) => errors.push(err))
  cleanups.push(() => client.end())
  return { client, errors }
}

async function mysqlConnect(proxy: TcpProxy, extra: mysql.ConnectionOptions = {}): Promise<mysql.Connection> {
  const conn = await mysql.createConnection({
    host: proxy.host,
    port: proxy.port,
    user: 'root',
    database: 'test',
    connectTimeout: 2000,
    ...extra,
  })
  conn.on('error', () => {})
  cleanups.push(() => conn.end())
  return conn
}

function redisClient(proxy: TcpProxy): { redis: Redis; errors: Error[] } {
  const redis = new Redis({
    host: proxy.host,
    port: proxy.port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2000,
    // ioredis arms a force-destroy timer on disconnect() that lingers when the socket is already dead.
    disconnectTimeout: 100,
  })
  const errors: Error[] = []
  redis.on('error', (err: Error) => errors.push(err))
  cleanups.push(async () => redis.disconnect())
  return { redis, errors }
}

async function rejection(p: Promise<unknown>): Promise<NodeJS.ErrnoException> {
  try {
    await p
  } catch (err) {
    if (err instanceof Error) return err
    throw new Error(`non-Error rejection: ${String(err)}`)
  }
  throw new Error('expected a rejection')
}

function describeError(err: NodeJS.ErrnoException): string {
  return `${err.code ?? '-'} | ${err.message}`
}

/**
 * What a reset that races with unread data can surface as: usually ECONNRESET, but on Linux an RST that
 * arrives while the client still has unread bytes may instead read as EOF ("Connection terminated unexpectedly").
 */
const RESET_ISH = /ECONNRESET|EPIPE|terminated unexpectedly|Connection terminated|Connection lost/i

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

// ---- pass ------------------------------------------------------------------

describe('tcp-proxy: pass', () => {
  it('pg.Client runs SELECT 1 through the proxy and the connection is tracked', async () => {
    const proxy = await proxyTo(PG)
    const { client } = pgClient(proxy)
    await client.connect()
    const res = await client.query<{ one: number }>('SELECT 1 AS one')
    expect(res.rows[0]?.one).toBe(1)
    expect(proxy.connections).toBe(1)
    expect(proxy.upstreamConnections).toBe(1)
    expect(proxy.totalAccepted).toBe(1)
    await client.end()
    await proxy.waitFor(() => proxy.connections === 0 && proxy.upstreamConnections === 0)
    expect(proxy.events.map((e) => e.type)).toEqual(expect.arrayContaining(['accept', 'upstream-connect', 'close']))
  })

  it('mysql2 runs SELECT 1 through the proxy', async () => {
    const proxy = await proxyTo(MYSQL)
    const conn = await mysqlConnect(proxy)
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT 1 AS one')
    expect(rows[0]?.one).toBe(1)
    await conn.end()
    await proxy.waitFor(() => proxy.connections === 0 && proxy.upstreamConnections === 0)
  })

  it('ioredis runs PING / SET / GET through the proxy', async () => {
    const proxy = await proxyTo(REDIS)
    const { redis } = redisClient(proxy)
    await redis.connect()
    expect(await redis.ping()).toBe('PONG')
    const key = `tcp-proxy-test:${process.pid}:${Date.now()}`
    await redis.set(key, 'v', 'EX', 10)
    expect(await redis.get(key)).toBe('v')
    await redis.del(key)
    await redis.quit()
    await proxy.waitFor(() => proxy.connections === 0 && proxy.upstreamConnections === 0)
  })

  it('listens on ::1 when asked', async () => {
    const proxy = await proxyTo(PG, '::1')
    expect(proxy.host).toBe('::1')
    const { client } = pgClient(proxy)
    await client.connect()
    expect((await client.query('SELECT 1 AS one')).rows[0]).toEqual({ one: 1 })
  })

  it('rejects non-loopback targets', async () => {
    await expect(createTcpProxy({ target: { host: '10.0.0.1', port: 5432 } })).rejects.toThrow(/loopback/)
    await expect(createTcpProxy({ target: { host: 'example.com', port: 5432 } })).rejects.toThrow(/loopback/)
  })
})

// ---- delay -----------------------------------------------------------------

describe('tcp-proxy: delay', () => {
  async function timeQuery(client: pg.Client): Promise<number> {
    const t0 = performance.now()
    await client.query('SELECT 1')
    return performance.now() - t0
  }

  it('adds latency in both directions', async () => {
    const proxy = await proxyTo(PG)
    const { client } = pgClient(proxy)
    await client.connect()
    await timeQuery(client) // warm up
    const direct = Math.min(await timeQuery(client), await timeQuery(client))
    proxy.delay(100)
    const delayed = await timeQuery(client)
    // One round trip crosses the proxy twice (request + response), so ~200 ms are added.
    expect(delayed - direct).toBeGreaterThanOrEqual(90)
    expect(delayed).toBeGreaterThanOrEqual(190)
    proxy.pass()
    expect(await timeQuery(client)).toBeLessThan(delayed)
  })

  it('preserves byte order while switching between delay and pass on a live connection', async () => {
    const proxy = await proxyTo(REDIS)
    const { redis } = redisClient(proxy)
    await redis.connect()
    const key = `tcp-proxy-order:${process.pid}:${Date.now()}`
    const pending: Array<Promise<number>> = []
    for (let i = 0; i < 60; i++) {
      if (i % 10 === 0) proxy.delay(i % 20 === 0 ? 40 : 0)
      if (i % 10 === 5) proxy.pass()
      pending.push(redis.incr(key))
      if (i % 7 === 0) await sleep(5)
    }
    const results = await Promise.all(pending)
    expect(results).toEqual(Array.from({ length: 60 }, (_, i) => i + 1))
    proxy.pass()
    await redis.del(key)
  })
})

// ---- blackhole -------------------------------------------------------------

describe('tcp-proxy: blackhole', () => {
  it('pg connect times out; proxy saw the connection and it is closed afterwards', async () => {
    const proxy = await proxyTo(PG)
    proxy.blackhole()
    const { client } = pgClient(proxy, { connectionTimeoutMillis: 300 })
    const t0 = performance.now()
    const err = await rejection(client.connect())
    expect(err.message).toMatch(/timeout/i)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(250)
    expect(proxy.totalAccepted).toBe(1)
    expect(proxy.upstreamConnections).toBe(0)
    await proxy.waitFor(() => proxy.connections === 0)
    expect(proxy.events.filter((e) => e.type === 'close')).toHaveLength(1)
    expect(proxy.events.some((e) => e.type === 'upstream-connect')).toBe(false)
  })

  it('only affects new connections', async () => {
    const proxy = await proxyTo(PG)
    const { client } = pgClient(proxy)
    await client.connect()
    proxy.blackhole()
    expect((await client.query('SELECT 2 AS two')).rows[0]).toEqual({ two: 2 })
  })
})

// ---- resets ----------------------------------------------------------------

describe('tcp-proxy: resetAll', () => {
  it('pg: connected client errors and next query fails', async () => {
    const proxy = await proxyTo(PG)
    const { client, errors } = pgClient(proxy)
    await client.connect()
    await client.query('SELECT 1')
    expect(proxy.resetAll()).toBe(1)
    await proxy.waitFor(() => proxy.connections === 0 && proxy.upstreamConnections === 0)
    await expect.poll(() => errors.length, { timeout: 2000 }).toBeGreaterThan(0)
    const first = errors[0] as NodeJS.ErrnoException
    expect(first.code).toBe('ECONNRESET')
    const err = await rejection(client.query('SELECT 1'))
    expect(err.message).toMatch(/not queryable/)
  })

  it('pg: an in-flight query rejects', async () => {
    const proxy = await proxyTo(PG)
    const { client } = pgClient(proxy)
    await client.connect()
    const inflight = client.query('SELECT pg_sleep(2)')
    await sleep(100)
    proxy.resetAll()
    const err = await rejection(inflight)
    expect(err.code).toBe('ECONNRESET')
  })

  it('mysql2: in-flight query rejects', async () => {
    const proxy = await proxyTo(MYSQL)
    const conn = await mysqlConnect(proxy)
    const inflight = conn.query('SELECT SLEEP(2)')
    await sleep(100)
    proxy.resetAll()
    const err = await rejection(inflight)
    expect(err.code).toBe('ECONNRESET')
  })

  it('ioredis: client emits ECONNRESET and commands fail', async () => {
    const proxy = await proxyTo(REDIS)
    const { redis, errors } = redisClient(proxy)
    await redis.connect()
    await redis.ping()
    const inflight = redis.blpop(`tcp-proxy-never:${process.pid}`, 2)
    await sleep(50)
    proxy.resetAll()
    const err = await rejection(inflight)
    // ioredis: the 'error' event carries ECONNRESET, the pending command rejects with "Connection is closed."
    await expect.poll(() => errors.length, { timeout: 2000 }).toBeGreaterThan(0)
    expect((errors[0] as NodeJS.ErrnoException).code).toBe('ECONNRESET')
    expect(err.message).toMatch(/Connection is closed/)
  })
})

describe('tcp-proxy: resetNew', () => {
  it('pg connect fails; existing connections keep working', async () => {
    const proxy = await proxyTo(PG)
    const existing = pgClient(proxy)
    await existing.client.connect()
    proxy.resetNew()
    const { client } = pgClient(proxy)
    const err = await rejection(client.connect())
    expect(err.code).toBe('ECONNRESET')
    expect(proxy.totalAccepted).toBe(2)
    expect((await existing.client.query('SELECT 3 AS three')).rows[0]).toEqual({ three: 3 })
    proxy.pass()
    const again = pgClient(proxy)
    await again.client.connect()
    await again.client.query('SELECT 1')
  })

  it('mysql2 and ioredis connects fail', async () => {
    const my = await proxyTo(MYSQL)
    my.resetNew()
    const myErr = await rejection(mysqlConnect(my))
    expect(myErr.code).toBe('ECONNRESET')

    const rd = await proxyTo(REDIS)
    rd.resetNew()
    const { redis } = redisClient(rd)
    const rdErr = await rejection(redis.connect())
    expect(rdErr.message).toMatch(/Connection is closed/)
  })
})

describe('tcp-proxy: resetAfterBytes', () => {
  it('pg connect fails during the startup handshake', async () => {
    const proxy = await proxyTo(PG)
    // AuthenticationOk alone is 9 bytes; 5 bytes cut the very first server message.
    proxy.resetAfterBytes(5)
    const { client } = pgClient(proxy)
    const err = await rejection(client.connect())
    expect(describeError(err)).toMatch(RESET_ISH)
    expect(proxy.events.some((e) => e.type === 'reset' && e.detail === 'resetAfterBytes')).toBe(true)
    await proxy.waitFor(() => proxy.connections === 0 && proxy.upstreamConnections === 0)
  })

  it('mysql2 connect fails during the server greeting', async () => {
    const proxy = await proxyTo(MYSQL)
    proxy.resetAfterBytes(20)
    const err = await rejection(mysqlConnect(proxy))
    expect(describeError(err)).toMatch(RESET_ISH)
  })

  it('applies to an existing connection, counting from the switch (reset mid-result)', async () => {
    const proxy = await proxyTo(PG)
    const { client } = pgClient(proxy)
    await client.connect()
    proxy.resetAfterBytes(200)
    const err = await rejection(client.query('SELECT g, repeat($1, 50) FROM generate_series(1, 1000) g', ['x']))
    expect(describeError(err)).toMatch(RESET_ISH)
  })
})

// ---- refuse ----------------------------------------------------------------

describe('tcp-proxy: refuse', () => {
  it('new connects get ECONNREFUSED, existing ones keep working, reopen restores the same port', async () => {
    const proxy = await proxyTo(PG)
    const port = proxy.port
    const existing = pgClient(proxy)
    await existing.client.connect()
    await proxy.refuse()
    expect(proxy.refusing).toBe(true)
    const { client } = pgClient(proxy)
    const err = await rejection(client.connect())
    expect(err.code).toBe('ECONNREFUSED')
    expect((await existing.client.query('SELECT 4 AS four')).rows[0]).toEqual({ four: 4 })

    await proxy.reopen()
    expect(proxy.port).toBe(port)
    expect(proxy.refusing).toBe(false)
    const again = pgClient(proxy)
    await again.client.connect()
    await again.client.query('SELECT 1')
  })
})

// ---- upstream down --------------------------------------------------------

describe('tcp-proxy: upstream unreachable', () => {
  it('client connection is reset when the target refuses', async () => {
    const free = net.createServer()
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve))
    const address = free.address()
    await new Promise<void>((resolve) => free.close(() => resolve()))
    if (address === null || typeof address === 'string') throw new Error('no port')
    const proxy = await proxyTo({ host: '127.0.0.1', port: address.port })
    const { client } = pgClient(proxy)
    const err = await rejection(client.connect())
    expect(describeError(err)).toMatch(RESET_ISH)
    expect(proxy.events.some((e) => e.type === 'upstream-error' && e.detail?.startsWith('ECONNREFUSED'))).toBe(true)
    await proxy.waitFor(() => proxy.connections === 0 && proxy.upstreamConnections === 0)
  })
})

// ---- pauseUpstream ---------------------------------------------------------

describe('tcp-proxy: pauseUpstream', () => {
  it('holds client bytes until resumed', async () => {
    const proxy = await proxyTo(PG)
    const { client } = pgClient(proxy)
    await client.connect()
    proxy.pauseUpstream()
    let settled = false
    const q = client.query('SELECT 5 AS five').finally(() => {
      settled = true
    })
    await sleep(150)
    expect(settled).toBe(false)
    proxy.resumeUpstream()
    expect((await q).rows[0]).toEqual({ five: 5 })
  })
})

// ---- close -----------------------------------------------------------------

describe('tcp-proxy: close', () => {
  it('is idempotent and leaves no open sockets or timers', async () => {
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
    const proxy = await createTcpProxy({ target: PG })
    const { client, errors } = pgClient(proxy)
    await client.connect()
    // A delayed chunk is pending when close() runs: its timer must be cleared.
    proxy.delay(5000)
    const pending = client.query('SELECT 1').catch((e: unknown) => e)
    await sleep(20)
    // Settle-to-value right away so the rejection is never unhandled.
    const waiting = proxy
      .waitFor(() => false, 10_000)
      .then(
        () => 'resolved',
        (e: unknown) => (e instanceof Error ? e.message : String(e)),
      )
    const [a, b] = [proxy.close(), proxy.close()]
    expect(a).toBe(b)
    await Promise.all([a, b])
    await proxy.close()
    expect(await waiting).toMatch(/closed/)
    expect(proxy.closed).toBe(true)
    expect(proxy.connections).toBe(0)
    expect(proxy.upstreamConnections).toBe(0)
    expect(() => proxy.pass()).toThrow(/closed/)
    await expect(proxy.refuse()).rejects.toThrow(/closed/)
    expect(await pending).toBeInstanceOf(Error)
    expect(errors.map((e) => e.message).join()).toMatch(/terminated|ECONNRESET|^$/)
    const timersAfter = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
    expect(timersAfter).toBeLessThanOrEqual(timersBefore)

    // Port is no longer listening.
    const refused = await new Promise<string | undefined>((resolve) => {
      const s = net.connect(proxy.port, proxy.host)
      s.once('connect', () => {
        s.destroy()
        resolve(undefined)
      })
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code))
    })
    expect(refused).toBe('ECONNREFUSED')
  })

  it('closes blackholed and refused proxies too', async () => {
    const proxy = await createTcpProxy({ target: PG })
    proxy.blackhole()
    const sock = net.connect(proxy.port, proxy.host)
    sock.on('error', () => {})
    await proxy.waitFor(() => proxy.connections === 1)
    await proxy.refuse()
    await proxy.close()
    expect(proxy.connections).toBe(0)
    await new Promise<void>((resolve) => (sock.closed ? resolve() : sock.once('close', () => resolve())))
  })
})
