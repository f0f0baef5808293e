import { connect } from 'node:net'
import type pg from 'pg'
import type { ResourceDriver } from '../driver/resource-driver.js'

/** PostgreSQL transaction status from the last ReadyForQuery: idle, in a transaction, in a failed one. */
export type TransactionStatus = 'I' | 'T' | 'E'

/**
 * The pg `Client` fields this adapter reads. pg-pool reads the same ones (`_queryable`, `_ending`);
 * the rest only tell whether a query is still running. Missing fields read as "unknown".
 */
interface ClientInternals {
  _queryable?: boolean
  _ending?: boolean
  _ended?: boolean
  _activeQuery?: unknown
  _queryQueue?: unknown[]
  _sentQueryQueue?: unknown[]
  queryQueue?: unknown[]
  connection?: {
    stream?: { destroy(): void }
    on?(event: 'readyForQuery', listener: (message: { status?: string }) => void): unknown
  }
  getTransactionStatus?(): string | null
}

/** Where a client's pool state lives: a symbol-keyed property of the client (a property load, not a map lookup). */
const CLIENT_STATE: unique symbol = Symbol('@pools/core/pg client state')

interface WithState {
  [CLIENT_STATE]?: ClientState
}

/** The pool state of a client this pool created (undefined for any other object). */
export function stateOf(client: pg.PoolClient): ClientState | undefined {
  return (client as unknown as WithState)[CLIENT_STATE]
}

/** Give a new client its pool state. */
export function setStateOf(client: pg.PoolClient, state: ClientState): void {
  ;(client as unknown as WithState)[CLIENT_STATE] = state
}

/** Per-client bookkeeping (pg-pool keeps the same facts on its own lists). */
export interface ClientState {
  /** The error handler of the `pool.query()` running on this client, if any (instead of a `once('error')` per query). */
  queryError: ((error: Error) => void) | undefined
  /** Accepted into the pool (engine `create` event seen). */
  pooled: boolean
  /** An 'error' was already handled; later ones are echoes of it. */
  errored: boolean
  /** Last ReadyForQuery status, tracked only on pg versions without `getTransactionStatus()`. */
  txStatus: string | null
}

/** What the driver needs from the `Pool` that owns it. */
export interface PgDriverHost {
  /** A new, unconnected client with the pool's connection options. */
  newClient(): pg.PoolClient
  /** Register a client before it connects: its permanent 'error' listener, pooler-mode query wrapper. */
  attach(client: pg.PoolClient): ClientState
  /** After connect: `onConnect`, then `verify` (pg-pool's hooks). */
  setUp(client: pg.PoolClient): Promise<void>
  /** A connect failure, made credential-free and pointing at user@host:port/db. */
  connectError(client: pg.PoolClient, error: unknown): Error
  /** The client is closed; emit pg's 'remove' if it was ever in the pool. */
  removed(client: pg.PoolClient, state: ClientState | undefined): void
  log(...messages: unknown[]): void
}

function internals(client: pg.PoolClient): ClientInternals {
  return client as unknown as ClientInternals
}

/** Transaction status from the protocol's ReadyForQuery byte; `null` when unknown. */
export function transactionStatus(client: pg.PoolClient, state: ClientState | undefined): string | null {
  const c = internals(client)
  if (typeof c.getTransactionStatus === 'function') return c.getTransactionStatus()
  return state?.txStatus ?? null
}

/** Has a query been sent or queued that has not finished? */
export function isBusy(client: pg.PoolClient): boolean {
  const c = internals(client)
  const active = '_activeQuery' in c ? c._activeQuery : undefined
  const queue = c._queryQueue ?? c.queryQueue
  return (
    (active !== undefined && active !== null) ||
    (queue !== undefined && queue.length > 0) ||
    (c._sentQueryQueue !== undefined && c._sentQueryQueue.length > 0)
  )
}

/** Has the client failed or been ended? (pg-pool: `!client._queryable || client._ending`.) */
/**
 * Connect errors that retrying soon will not fix (SQLSTATE): wrong password, no such role or
 * database, not authorised. The engine fails waiting callers at once instead of at their timeout,
 * and keeps retrying with backoff (a rotated password is picked up by the next try).
 */
const FATAL_CONNECT_CODES: ReadonlySet<string> = new Set(['28P01', '28000', '3D000', '42501'])

export function isBrokenClient(client: pg.PoolClient, state: ClientState | undefined): boolean {
  const c = internals(client)
  return c._queryable === false || c._ending === true || c._ended === true || state?.errored === true
}

/** Track ReadyForQuery ourselves on pg versions that do not expose `getTransactionStatus()`. */
export function trackTransactionStatus(client: pg.PoolClient, state: ClientState): void {
  const c = internals(client)
  if (typeof c.getTransactionStatus === 'function') return
  c.connection?.on?.('readyForQuery', (message) => {
    state.txStatus = typeof message?.status === 'string' ? message.status : null
  })
}

/** Abort a connect in progress the way pg-pool's connection timeout does. */
function abortConnect(client: pg.PoolClient): void {
  const stream = internals(client).connection?.stream
  if (stream !== undefined) stream.destroy()
  else void client.end().catch(() => {})
}

/**
 * Ask the server to cancel whatever this client is running (PostgreSQL's CancelRequest on a
 * fresh socket). Without it a force-closed client's backend keeps running its query, holding a
 * server connection, until the query ends. Never rejects; the engine bounds it with destroyTimeoutMs.
 */
function sendCancel(client: pg.PoolClient): Promise<void> {
  const c = client as unknown as { processID?: unknown; secretKey?: unknown; host?: unknown; port?: unknown }
  if (typeof c.processID !== 'number' || typeof c.secretKey !== 'number') return Promise.resolve()
  const host = typeof c.host === 'string' && c.host !== '' ? c.host : 'localhost'
  const port = typeof c.port === 'number' ? c.port : 5432
  const message = Buffer.alloc(16)
  message.writeInt32BE(16, 0)
  message.writeInt32BE(80877102, 4) // the CancelRequest code
  message.writeInt32BE(c.processID, 8)
  message.writeInt32BE(c.secretKey, 12)
  return new Promise((resolve) => {
    const socket = host.startsWith('/') ? connect(`${host}/.s.PGSQL.${port}`) : connect(port, host)
    socket.once('connect', () => socket.end(message))
    socket.once('error', () => resolve())
    socket.once('close', () => resolve())
  })
}

/** Close a client; resolves once its socket is gone (never rejects). */
function endClient(client: pg.PoolClient): Promise<void> {
  return new Promise((resolve) => {
    try {
      client.end(() => resolve())
    } catch {
      resolve()
    }
  })
}

/** Resolves when the client has no query left running or queued; rejects if it ends first. */
function drained(client: pg.PoolClient): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      client.off('drain', onDrain)
      client.off('end', onEnd)
    }
    const onDrain = (): void => {
      if (isBusy(client)) return
      done()
      resolve()
    }
    const onEnd = (): void => {
      done()
      reject(new Error('the connection ended while a query the borrower left running was still in flight'))
    }
    client.on('drain', onDrain)
    client.on('end', onEnd)
  })
}

async function rollBack(client: pg.PoolClient, host: PgDriverHost): Promise<void> {
  if (isBusy(client)) await drained(client)
  const state = stateOf(client)
  const before = transactionStatus(client, state)
  if (before === 'I') return
  await client.query('ROLLBACK')
  host.log(`rolled back a transaction left ${before === 'E' ? 'failed' : 'open'} by the borrower`)
  const after = transactionStatus(client, state)
  if (after !== 'I' && after !== null) throw new Error(`ROLLBACK left the connection in transaction status ${after}`)
}

/**
 * The PostgreSQL knowledge the engine does not have, as a {@link ResourceDriver}:
 * - `create`: connect a pg `Client` (abortable), then pg-pool's `onConnect`/`verify` hooks;
 * - `validate`: an empty query, one round trip with no parse or plan, and the connection idle after it;
 * - `reset`: roll back a transaction the borrower left open or failed ('T'/'E' in ReadyForQuery),
 *   after any query it left running; a client that cannot be rolled back is destroyed by the engine;
 * - `isBroken`: the client saw a fatal error or was ended;
 * - `destroy`: `client.end()`, then pg's 'remove' event.
 */
export function createPgDriver(host: PgDriverHost): ResourceDriver<pg.PoolClient> {
  return {
    async create(signal: AbortSignal): Promise<pg.PoolClient> {
      const client = host.newClient()
      host.attach(client)
      const onAbort = (): void => abortConnect(client)
      signal.addEventListener('abort', onAbort, { once: true })
      host.log('connecting new client')
      try {
        await client.connect()
      } catch (error) {
        host.log('client failed to connect')
        // e.g. a rejected password function leaves the socket open until the server's authentication_timeout
        abortConnect(client)
        throw host.connectError(client, error)
      } finally {
        signal.removeEventListener('abort', onAbort)
      }
      host.log('new client connected')
      try {
        await host.setUp(client)
      } catch (error) {
        await endClient(client)
        throw error
      }
      return client
    },

    async destroy(client: pg.PoolClient, signal?: AbortSignal): Promise<void> {
      const state = stateOf(client)
      // destroyTimeoutMs passed (e.g. a frozen server): close the socket now
      const onAbort = (): void => abortConnect(client)
      signal?.addEventListener('abort', onAbort, { once: true })
      try {
        // forced out mid-query (close grace over, leak reclaimed, reset timed out): stop the query server-side
        if (isBusy(client) && !isBrokenClient(client, state)) await sendCancel(client)
        await endClient(client)
      } finally {
        signal?.removeEventListener('abort', onAbort)
      }
      host.removed(client, state)
    },

    async validate(client: pg.PoolClient): Promise<boolean> {
      const state = stateOf(client)
      if (isBrokenClient(client, state) || isBusy(client)) return false
      await client.query('')
      const status = transactionStatus(client, state)
      return status === 'I' || status === null
    },

    reset(client: pg.PoolClient): Promise<void> | undefined {
      if (!isBusy(client) && transactionStatus(client, stateOf(client)) === 'I') return undefined
      return rollBack(client, host)
    },

    isFatalCreateError(error: unknown): boolean {
      return FATAL_CONNECT_CODES.has((error as { code?: unknown } | null)?.code as string)
    },
    isBroken(client: pg.PoolClient): boolean {
      return isBrokenClient(client, stateOf(client))
    },
  }
}

type QueryMethod = (config: unknown, values?: unknown, callback?: unknown) => unknown

function unnamed(config: unknown): unknown {
  if (config === null || typeof config !== 'object') return config
  const named = config as { name?: unknown; submit?: unknown }
  if (named.name === undefined || named.name === null || named.name === '') return config
  if (typeof named.submit === 'function') {
    // a pg.Query (or another submittable) not yet submitted: unname it in place
    named.name = undefined
    return config
  }
  const { name: _name, ...rest } = config as Record<string, unknown>
  return rest
}

/**
 * Transaction-pooler mode: send named prepared statements unnamed. A named statement is prepared
 * on one server connection and reused by name later; behind a transaction pooler "later" may be
 * another server connection, where it does not exist. Unnamed, it is parsed on every execution,
 * exactly like a query without a name, and works everywhere.
 */
export function sendStatementsUnnamed(client: pg.PoolClient): void {
  const target = client as unknown as { query: QueryMethod }
  const query = target.query
  target.query = function queryUnnamed(this: unknown, config: unknown, values?: unknown, callback?: unknown) {
    return query.call(this, unnamed(config), values, callback)
  }
}
