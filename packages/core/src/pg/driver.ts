import { connect } from 'node:net'
import pg from 'pg'
import type { ResourceDriver } from '../index.js'
import { decorateConnectError, secretsOf } from './errors.js'
import type { PoolerMode } from './options.js'

/** PostgreSQL transaction status from the last ReadyForQuery: idle, in a transaction, in a failed one. */
export type TransactionStatus = 'I' | 'T' | 'E'

/**
 * Options of {@link createPgDriver}: pg's connection options (`connectionString`, `host`, `password`,
 * `ssl`, `statement_timeout`, ...), passed to every `Client`, plus pg-pool's per-connection hooks.
 * They are read again for every new connection, so a changed `password` applies to the next one.
 *
 * @example
 * ```ts
 * const options: PgDriverOptions = {
 *   connectionString: process.env.DATABASE_URL,
 *   application_name: 'reports',
 *   onConnect: (client) => client.query("SET search_path TO reports"),
 * }
 * const driver = createPgDriver(options)
 * ```
 */
export interface PgDriverOptions extends pg.ClientConfig {
  /** The client class (default `pg.Client`), as pg-pool's `Client` option. */
  Client?: (new (config: pg.ClientConfig) => pg.ClientBase) | undefined
  /** Awaited once per new connection, before it is used; a rejection fails that connect (the client is closed). */
  onConnect?: ((client: pg.ClientBase) => void | Promise<void>) | undefined
  /** pg-pool's `verify(client, done)`: runs once per new connection; an error fails that connect. */
  verify?: ((client: pg.PoolClient, done: (err?: Error) => void) => void) | undefined
  /** `'transaction'` behind PgBouncer/Supavisor in transaction mode: named statements are sent unnamed. */
  poolerMode?: PoolerMode | undefined
  /** pg-pool's debug log function (`connecting new client`, `new client connected`, ...). */
  log?: ((...messages: unknown[]) => void) | undefined
  /** Named in connect errors (`pool "x" connecting to user@host:port/db`); default `application_name`, else `"pg"`. */
  poolName?: string | undefined
}

/**
 * A {@link ResourceDriver} of pg clients, made by {@link createPgDriver}.
 *
 * @example
 * ```ts
 * const driver: PgDriver = createPgDriver({ host: 'db', user: 'app', database: 'main' })
 * const engine = createPool(driver, { max: 10 })
 * ```
 */
export interface PgDriver extends ResourceDriver<pg.PoolClient> {
  /** The options given to {@link createPgDriver} (read again for every new connection). */
  readonly options: PgDriverOptions
}

/** Keys of the options that are ours, never passed on to a `Client`. */
const NOT_FOR_CLIENT: ReadonlySet<string> = new Set(['pools', 'poolerMode', 'poolName', 'engine', 'logger'])

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
    stream?: { destroy(): void; destroyed?: boolean }
    on?(event: 'readyForQuery', listener: (message: { status?: string }) => void): unknown
  }
  getTransactionStatus?(): string | null
  ref?(): void
  unref?(): void
}

/** Where a client's driver state lives: a symbol-keyed property of the client (a property load, not a map lookup). */
const CLIENT_STATE: unique symbol = Symbol('@pools/core/pg client state')

interface WithState {
  [CLIENT_STATE]?: ClientState
}

/** Per-client bookkeeping of the driver. */
export interface ClientState {
  /** The client reported an 'error': it must not be reused. */
  errored: boolean
  /** Last ReadyForQuery status, tracked only on pg versions without `getTransactionStatus()`. */
  txStatus: string | null
}

/** The driver state of a client a pg driver created (undefined for any other object). */
export function stateOf(client: pg.PoolClient): ClientState | undefined {
  return (client as unknown as WithState)[CLIENT_STATE]
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
export function isBrokenClient(client: pg.PoolClient, state: ClientState | undefined): boolean {
  const c = internals(client)
  return c._queryable === false || c._ending === true || c._ended === true || state?.errored === true
}

/**
 * Connect errors that retrying soon will not fix (SQLSTATE): wrong password, no such role or
 * database, not authorised.
 */
const FATAL_CONNECT_CODES: ReadonlySet<string> = new Set(['28P01', '28000', '3D000', '42501'])

/** Track ReadyForQuery ourselves on pg versions that do not expose `getTransactionStatus()`. */
function trackTransactionStatus(client: pg.PoolClient, state: ClientState): void {
  const c = internals(client)
  if (typeof c.getTransactionStatus === 'function') return
  c.connection?.on?.('readyForQuery', (message) => {
    state.txStatus = typeof message?.status === 'string' ? message.status : null
  })
}

/** Tear the client's socket down at once (no Terminate message, no wait for the server). */
function destroySocket(client: pg.PoolClient): void {
  const stream = internals(client).connection?.stream
  if (stream !== undefined) stream.destroy()
  else void client.end().catch(() => {})
}

/**
 * Ask the server to cancel whatever this client is running (PostgreSQL's CancelRequest on a
 * fresh socket). Without it a force-closed client's backend keeps running its query, holding a
 * server connection, until the query ends. Never rejects; gives up when `signal` aborts.
 */
function sendCancel(client: pg.PoolClient, signal: AbortSignal | undefined): Promise<void> {
  const c = client as unknown as { processID?: unknown; secretKey?: unknown; host?: unknown; port?: unknown }
  if (typeof c.processID !== 'number' || typeof c.secretKey !== 'number' || signal?.aborted) return Promise.resolve()
  const host = typeof c.host === 'string' && c.host !== '' ? c.host : 'localhost'
  const port = typeof c.port === 'number' ? c.port : 5432
  const message = Buffer.alloc(16)
  message.writeInt32BE(16, 0)
  message.writeInt32BE(80877102, 4) // the CancelRequest code
  message.writeInt32BE(c.processID, 8)
  message.writeInt32BE(c.secretKey, 12)
  return new Promise((resolve) => {
    const socket = host.startsWith('/') ? connect(`${host}/.s.PGSQL.${port}`) : connect(port, host)
    const onAbort = (): void => {
      socket.destroy()
    }
    const done = (): void => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    socket.once('connect', () => socket.end(message))
    socket.once('error', done)
    socket.once('close', done)
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
function sendStatementsUnnamed(client: pg.PoolClient): void {
  const target = client as unknown as { query: QueryMethod }
  const query = target.query
  target.query = function queryUnnamed(this: unknown, config: unknown, values?: unknown, callback?: unknown) {
    return query.call(this, unnamed(config), values, callback)
  }
}

/** What each `Client` gets: the options as pg-pool passes them, minus ours; secrets stay non-enumerable. */
export function clientConfigOf(options: PgDriverOptions): Record<string, unknown> {
  const source = options as Record<string, unknown>
  const config: Record<string, unknown> = {}
  // for...in: the options may inherit from the pool's options object (read through on every connect)
  for (const key in source) if (!NOT_FOR_CLIENT.has(key)) config[key] = source[key]
  // both hold the password; the pool's options may keep them non-enumerable (as pg-pool does the password)
  for (const key of ['password', 'connectionString'] as const) {
    if (key in source) {
      Object.defineProperty(config, key, { value: source[key], enumerable: false, writable: true, configurable: true })
    }
  }
  const ssl = source.ssl
  if (ssl !== null && typeof ssl === 'object') {
    // pg hides ssl.key; a passphrase or a PKCS#12 bundle is just as secret
    const copy: Record<string, unknown> = { ...(ssl as Record<string, unknown>) }
    for (const key of ['key', 'passphrase', 'pfx'] as const) {
      if (key in (ssl as object)) {
        Object.defineProperty(copy, key, {
          value: (ssl as Record<string, unknown>)[key],
          enumerable: false,
          writable: true,
          configurable: true,
        })
      }
    }
    config.ssl = copy
  }
  return config
}

function poolNameOf(options: PgDriverOptions): string {
  if (typeof options.poolName === 'string' && options.poolName !== '') return options.poolName
  const app = options.application_name
  return typeof app === 'string' && app !== '' ? app.slice(0, 120) : 'pg'
}

/**
 * A {@link ResourceDriver} of pg clients, for `createPool(driver, config)` from `@pools/core`: the
 * engine under `@pools/core/pg`'s drop-in `Pool`, and what Knex, TypeORM or Nest adapters build on.
 *
 * - `create`: connect a `Client` (abortable), then pg-pool's `onConnect`/`verify` hooks; a client
 *   whose hook fails is closed. Every client always has an `'error'` listener, so a connection the
 *   server drops never becomes an uncaught exception; it reads as broken (`isBroken`) from then on.
 * - `validate`: an empty query, one round trip with no parse or plan, and the connection idle after it;
 * - `reset`: roll back a transaction the borrower left open or failed ('T'/'E' in ReadyForQuery),
 *   after any query it left running;
 * - `destroy(client, signal)`: cancel a query still running, then `client.end()`; when `signal`
 *   aborts (the engine's `destroyTimeoutMs`), the socket is destroyed at once;
 * - `ref`/`unref`: the client's socket, for the engine's `allowExitOnIdle`.
 *
 * Connect errors keep pg's error object (`code` `28P01`, `ECONNREFUSED`, ...) and end with
 * ` (pool "name" connecting to user@host:port/db)`, with every known password masked.
 *
 * @example
 * ```ts
 * import { createPool } from '@pools/core'
 * import { createPgDriver } from '@pools/core/pg'
 *
 * const driver = createPgDriver({ connectionString: process.env.DATABASE_URL, statement_timeout: 5_000 })
 * const pool = createPool(driver, { name: 'reports', max: 10 })
 * const { rows } = await pool.use((client) => client.query('SELECT now()'))
 * await pool.close()
 * ```
 */
export function createPgDriver(options: PgDriverOptions = {}): PgDriver {
  const log = (...messages: unknown[]): void => {
    const fn = options.log
    if (typeof fn === 'function') fn(...messages)
  }

  async function rollBack(client: pg.PoolClient): Promise<void> {
    if (isBusy(client)) await drained(client)
    const state = stateOf(client)
    const before = transactionStatus(client, state)
    if (before === 'I') return
    await client.query('ROLLBACK')
    log(`rolled back a transaction left ${before === 'E' ? 'failed' : 'open'} by the borrower`)
    const after = transactionStatus(client, state)
    if (after !== 'I' && after !== null) throw new Error(`ROLLBACK left the connection in transaction status ${after}`)
  }

  async function setUp(client: pg.PoolClient): Promise<void> {
    const { onConnect, verify } = options
    if (typeof onConnect === 'function') await onConnect(client)
    if (typeof verify === 'function') {
      await new Promise<void>((resolve, reject) => verify(client, (error) => (error ? reject(error) : resolve())))
    }
  }

  const driver: PgDriver = {
    options,

    async create(signal: AbortSignal): Promise<pg.PoolClient> {
      const Client = (options.Client ?? pg.Client) as unknown as new (config: unknown) => pg.PoolClient
      const client = new Client(clientConfigOf(options))
      const state: ClientState = { errored: false, txStatus: null }
      ;(client as unknown as WithState)[CLIENT_STATE] = state
      // Always listening: a client's error must never become an uncaught 'error' event.
      client.on('error', () => {
        state.errored = true
      })
      trackTransactionStatus(client, state)
      if (options.poolerMode === 'transaction') sendStatementsUnnamed(client)
      const onAbort = (): void => destroySocket(client)
      signal.addEventListener('abort', onAbort, { once: true })
      log('connecting new client')
      try {
        await client.connect()
      } catch (error) {
        log('client failed to connect', error)
        // e.g. a rejected password function leaves the socket open until the server's authentication_timeout
        destroySocket(client)
        throw decorateConnectError(error, poolNameOf(options), client, secretsOf(options, client))
      } finally {
        signal.removeEventListener('abort', onAbort)
      }
      log('new client connected')
      try {
        await setUp(client)
      } catch (error) {
        // the caller this connect was for gets the error now; the client closes in the background
        void endClient(client)
        throw error
      }
      return client
    },

    async destroy(client: pg.PoolClient, signal?: AbortSignal): Promise<void> {
      const onAbort = (): void => destroySocket(client)
      if (signal !== undefined) {
        if (signal.aborted) onAbort()
        else signal.addEventListener('abort', onAbort, { once: true })
      }
      try {
        // forced out mid-query (close grace over, leak reclaimed, reset timed out): stop the query server-side
        if (isBusy(client) && !isBrokenClient(client, stateOf(client))) await sendCancel(client, signal)
        await endClient(client)
      } finally {
        signal?.removeEventListener('abort', onAbort)
      }
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
      return rollBack(client)
    },

    isFatalCreateError(error: unknown): boolean {
      return FATAL_CONNECT_CODES.has((error as { code?: unknown } | null)?.code as string)
    },

    isBroken(client: pg.PoolClient): boolean {
      return isBrokenClient(client, stateOf(client))
    },

    ref(client: pg.PoolClient): void {
      internals(client).ref?.()
    },

    unref(client: pg.PoolClient): void {
      internals(client).unref?.()
    },
  }
  return driver
}
