import type { Duplex } from 'node:stream'
import type { PoolConnection as Mysql2PoolConnection } from 'mysql2'
import mysql from 'mysql2'
import mysqlPromise from 'mysql2/promise'

/** Server status flags (MySQL's mysql_com.h; mysql2's lib/constants/server_status.js). */
const SERVER_STATUS_IN_TRANS = 1
const SERVER_STATUS_AUTOCOMMIT = 2

/** What a mysql2 `PoolConnection` calls on its pool (`release()`, `destroy()`, its `end`/`error` events). */
export interface PoolHost {
  readonly _closed: boolean
  releaseConnection(connection: Mysql2PoolConnection): void
  _removeConnection(connection: Mysql2PoolConnection): void
}

/**
 * The private parts of a mysql2 connection this adapter reads. They have been
 * stable across mysql2 1.x–3.x; test/mysql2 exercises each one against a real server.
 */
interface ConnectionInternals {
  stream: Duplex & { unref?(): unknown; ref?(): unknown }
  /** The pool; mysql2 sets it to null when the connection leaves the pool (error, end, destroy). */
  _pool: PoolHost | null
  _released: boolean
  _closing?: boolean
  _fatalError?: Error | null
  _protocolError?: Error | null
  /** The command being executed (undefined or null when idle). */
  _command?: unknown
  _handshakePacket?: { statusFlags?: number } | null
  addCommand(command: unknown): unknown
  handlePacket(packet?: unknown): unknown
}

type PoolConnectionClass = new (
  pool: PoolHost,
  options: { config: unknown },
) => Mysql2PoolConnection & ConnectionInternals

const PoolConnectionBase = (mysql as unknown as { PoolConnection: PoolConnectionClass }).PoolConnection
const ConnectionClass = (mysql as unknown as { Connection: new (options: { config: unknown }) => mysql.Connection })
  .Connection
const realEnd = (mysql as unknown as { Connection: { prototype: { end(this: unknown): unknown } } }).Connection
  .prototype.end

type PromisePoolConnectionClass = new (connection: unknown, promiseImpl?: PromiseConstructor) => unknown

/**
 * mysql2/promise's `PromisePoolConnection` (what `connection.promise()` builds), looked up once. mysql2's own
 * `PoolConnection.promise()` calls `require('./promise/pool_connection.js')` on every call; when
 * `mysql2/promise` was loaded first (as it is here, and in any app that imports it), Node's fast path for a
 * repeated relative require never fills for that call site and each call resolves the file again through the
 * package scope (≈ 5 µs, measured in bench/mysql2-attribution.mjs: TypeORM calls it once per statement).
 * Older mysql2 (< 3.x) exports it as `PoolConnection`.
 */
const promiseExports = mysqlPromise as unknown as {
  PromisePoolConnection?: PromisePoolConnectionClass
  PoolConnection?: PromisePoolConnectionClass
}
const PromisePoolConnection = promiseExports.PromisePoolConnection ?? promiseExports.PoolConnection

/**
 * Server errors after which the session is gone even though the server answered with an error packet
 * (the socket closes a moment later): the connection must not be lent again.
 * 1053 ER_SERVER_SHUTDOWN, 1927 ER_CONNECTION_KILLED (MariaDB), 3169 ER_SESSION_WAS_KILLED (MySQL),
 * 4031 ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8.0.24+ wait_timeout).
 */
const SESSION_ENDING_ERRNOS = new Set([1053, 1927, 3169, 4031])

/** A statement (Query or Execute) command. */
interface StatementCommand {
  sql: unknown
  /** Set by mysql2 when the command starts, before any packet of its answer can arrive. */
  _connection?: PooledConnection | null
  on(event: 'end', listener: (this: StatementCommand) => void): unknown
}

/**
 * A statement ended (mysql2 emits `end` after its last packet, before the result reaches the caller):
 * one function for every statement, so a statement costs the pool no closure.
 */
function statementEnded(this: StatementCommand): void {
  const connection = this._connection
  if (connection == null) return
  connection._poolsRunning--
  connection._poolsStatus = connection.serverStatus ?? NO_STATUS
}

/** `_poolsStatus` before any statement has ended (or since a reset): a number, so the field keeps one type. */
export const NO_STATUS = -1

function isStatement(command: unknown): command is StatementCommand {
  return (
    typeof command === 'object' &&
    command !== null &&
    typeof (command as StatementCommand).sql === 'string' &&
    typeof (command as StatementCommand).on === 'function'
  )
}

/** The bytes of a received packet mysql2 hands to `handlePacket` (its `Packet`). */
interface ReceivedPacket {
  buffer: Buffer
  offset: number
}

/** The errno of an ERR packet (first byte 0xff, then the errno, little-endian); 0 for any other packet. */
function errorNumber(packet: ReceivedPacket | null | undefined): number {
  if (packet == null) return 0
  const { buffer, offset } = packet
  if (buffer === undefined || buffer[offset] !== 0xff || offset + 2 >= buffer.length) return 0
  return buffer[offset + 1]! | (buffer[offset + 2]! << 8)
}

/**
 * mysql2's `PoolConnection`, still `instanceof PoolConnection`, that also
 * counts its running statements and notices an error that ends the session, so
 * a release knows, for free, whether a transaction may be open and whether the
 * connection may be lent again.
 *
 * Kept cheap on purpose: it runs for every statement. One `end` listener per
 * statement, which also keeps mysql2's own status flags (`connection.serverStatus`,
 * updated from every OK and EOF packet) as they are when it ends; a session-ending error
 * is seen on the ERR packet itself, before any callback runs.
 */
export class PooledConnection extends PoolConnectionBase {
  /** mysql2's server status flags when the last statement ended ({@link NO_STATUS}: none yet, or reset since). */
  declare _poolsStatus: number
  /** Statements queued or running. */
  declare _poolsRunning: number
  /** A statement failed with an error that ends the session (KILL, shutdown, wait_timeout). */
  declare _poolsSessionEnded: boolean
  /** mysql2's server status flags, from the last OK or EOF packet (mysql2 keeps them on the connection). */
  declare serverStatus: number | undefined

  constructor(pool: PoolHost, options: { config: unknown }) {
    super(pool, options)
    // Every field this class adds exists from the start, with its final type: each connection keeps one
    // shape from here on, so mysql2's hot code (which reads the connection on every packet) sees one shape
    // of connection, not one per stage of its first statement.
    this._poolsRunning = 0
    this._poolsStatus = NO_STATUS
    this._poolsSessionEnded = false
  }

  /**
   * What `JSON.stringify` shows of a connection (e.g. in a logged `pool.leaks()` report): who it is, never
   * its credentials, and no circular references into the pool and the socket.
   */
  toJSON(): { threadId: number | null; host?: string; port?: number; user?: string; database?: string } {
    const config = this.config as { host?: string; port?: number; user?: string; database?: string }
    return {
      threadId: this.threadId ?? null,
      host: config.host,
      port: config.port,
      user: config.user,
      database: config.database,
    }
  }

  /**
   * mysql2's promise wrapper of this connection (what `connection.promise()` returns in mysql2), built
   * without mysql2's per-call `require()`.
   */
  override promise(promiseImpl?: PromiseConstructor): ReturnType<Mysql2PoolConnection['promise']> {
    if (PromisePoolConnection === undefined) return super.promise(promiseImpl)
    return new PromisePoolConnection(this, promiseImpl) as ReturnType<Mysql2PoolConnection['promise']>
  }

  // Called by mysql2's constructor too (handshake), before any field of this class exists.
  override addCommand(command: unknown): unknown {
    if (isStatement(command)) {
      this._poolsRunning++
      // Before pool.query()'s own 'end' listener (its release), which mysql2 adds after this call.
      command.on('end', statementEnded)
    }
    return super.addCommand(command)
  }

  // Every packet received; an ERR packet is seen here before mysql2 reports it to any callback or listener.
  override handlePacket(packet?: ReceivedPacket | null): unknown {
    // most packets are not ERR packets: one byte compare before anything else
    if (packet != null && packet.buffer?.[packet.offset] === 0xff && SESSION_ENDING_ERRNOS.has(errorNumber(packet))) {
      this._poolsSessionEnded = true
    }
    return super.handlePacket(packet)
  }
}

/**
 * May a transaction be open on this connection? True when the last OK or EOF packet
 * had SERVER_STATUS_IN_TRANS, when autocommit is off (any statement may have
 * opened one), or when a statement is still running.
 */
export function mayBeInTransaction(connection: PooledConnection): boolean {
  if (connection._poolsRunning > 0) return true
  const status =
    connection._poolsStatus !== NO_STATUS
      ? connection._poolsStatus
      : (connection._handshakePacket?.statusFlags ?? SERVER_STATUS_AUTOCOMMIT)
  return (status & SERVER_STATUS_IN_TRANS) !== 0 || (status & SERVER_STATUS_AUTOCOMMIT) === 0
}

/** Has this connection failed or left the pool? Cheap: runs on every release and borrow. */
export function isBroken(connection: PooledConnection): boolean {
  return (
    connection._pool === null ||
    connection._closing === true ||
    connection._poolsSessionEnded === true ||
    Boolean(connection._fatalError) ||
    Boolean(connection._protocolError) ||
    connection.stream?.destroyed === true ||
    // the server closed its side (KILL, wait_timeout, shutdown): mysql2 reports it on 'close'
    connection.stream?.readableEnded === true
  )
}

/**
 * Close a connection: COM_QUIT when it is healthy and idle; otherwise close the socket at once. A broken
 * one is left to mysql2 to report (PROTOCOL_CONNECTION_LOST to its pending commands and `error` listeners,
 * as in mysql2); a healthy one still running a command (forced close, leak reclaim, timeout) fails that
 * command with an error that says why.
 */
export function close(connection: PooledConnection): Promise<void> | undefined {
  const broken = isBroken(connection)
  // Detached: its own `end`/`error` events no longer reach the pool.
  connection._pool = null
  const stream = connection.stream
  if (stream === undefined || stream.destroyed) return undefined
  return new Promise((resolve) => {
    stream.once('close', () => resolve())
    if (broken) {
      stream.destroy()
      return
    }
    if (!connection._command) {
      // Idle and healthy: mysql2's real end() writes COM_QUIT now (nothing is queued before it).
      realEnd.call(connection)
      stream.end(() => stream.destroy())
      return
    }
    const error = new Error(
      'Connection destroyed by the pool while a command was still running (the pool closed, a leak was reclaimed, or a reset/validation timed out).',
    ) as Error & { code: string; fatal: boolean }
    error.code = 'PROTOCOL_CONNECTION_LOST'
    error.fatal = true
    connection._protocolError = error
    stream.destroy()
  })
}

/**
 * Stop the statement a connection is still running, server-side (`KILL QUERY` on a short-lived side
 * connection). Closing the socket alone leaves the server running it, and holding a connection,
 * until it ends. Never rejects; the engine bounds the whole destroy with destroyTimeoutMs.
 */
export function killRunningQuery(connection: PooledConnection, config: unknown, signal?: AbortSignal): Promise<void> {
  const threadId = (connection as { threadId?: unknown }).threadId
  // only a statement runs on in the server; a PING or reset that hangs has nothing there to stop
  const command = connection._command?.constructor?.name
  if ((command !== 'Query' && command !== 'Execute') || isBroken(connection) || typeof threadId !== 'number') {
    return Promise.resolve()
  }
  return new Promise((resolve) => {
    // the pool's own ConnectionConfig (copied): no second parse of the options, no warnings about its fields
    const side = new ConnectionClass({ config })
    side.on('error', () => {})
    const done = (): void => {
      signal?.removeEventListener('abort', done)
      side.destroy()
      resolve()
    }
    // the destroy timed out (a frozen server): the side connection goes too
    signal?.addEventListener('abort', done, { once: true })
    side.query(`KILL QUERY ${threadId}`, done)
  })
}
