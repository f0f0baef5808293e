import mariadb, { type Connection } from 'mariadb'
import type { ResourceDriver } from '../index.js'
import type { ResetMode } from './options.js'

/** mariadb's "a transaction is open" server status bit (SERVER_STATUS_IN_TRANS). */
const STATUS_IN_TRANS = 1

/** Errors that no retry will fix: wrong credentials, unknown database, access denied. */
const FATAL_CONNECT_ERRORS = new Set([
  'ER_ACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_NOT_SUPPORTED_AUTH_MODE',
])

/** Settings for {@link createMariadbDriver}. */
export interface MariadbDriverOptions {
  /** What `mariadb.createConnection()` gets. */
  connection: mariadb.ConnectionConfig
  /** On release: roll back an open transaction (default), COM_RESET_CONNECTION, or nothing. */
  reset: ResetMode
  /** Called when an idle or borrowed connection reports an error (it is then broken). */
  lost?(connection: Connection, error: Error): void
}

/**
 * The engine's driver for the `mariadb` npm connector: opens connections with `mariadb.createConnection`,
 * validates with PING, rolls back (or resets) on release, closes with COM_QUIT or, when the close is
 * aborted, by destroying the socket.
 *
 * @example
 * ```ts
 * const engine = createPool(createMariadbDriver({ connection: { host: 'db', user: 'app' }, reset: 'rollback' }), { max: 10 })
 * ```
 */
export function createMariadbDriver(options: MariadbDriverOptions): ResourceDriver<Connection> {
  const broken = new WeakSet<Connection>()
  // the connection's own end(): a facade may make `connection.end()` mean "release", as mariadb's pool does
  const ends = new WeakMap<Connection, () => Promise<void>>()
  const driver: ResourceDriver<Connection> = {
    create: async (signal) => {
      const connection = await mariadb.createConnection(options.connection)
      if (signal.aborted) {
        connection.destroy()
        throw signal.reason
      }
      ends.set(connection, connection.end.bind(connection))
      // Always listening: an error on a pooled connection never crashes the process.
      connection.on('error', (error: Error) => {
        broken.add(connection)
        options.lost?.(connection, error)
      })
      return connection
    },
    destroy: async (connection, signal?: AbortSignal) => {
      if (broken.has(connection) || !connection.isValid()) {
        connection.destroy()
        return
      }
      const onAbort = () => connection.destroy()
      signal?.addEventListener('abort', onAbort, { once: true })
      try {
        await (ends.get(connection) ?? connection.end.bind(connection))()
      } catch {
        connection.destroy()
      } finally {
        signal?.removeEventListener('abort', onAbort)
      }
    },
    validate: async (connection) => {
      await connection.ping()
      return true
    },
    isBroken: (connection) => broken.has(connection) || !connection.isValid(),
    isFatalCreateError: (error) => FATAL_CONNECT_ERRORS.has((error as { code?: unknown } | null)?.code as string),
  }
  if (options.reset === 'rollback') {
    driver.reset = (connection) => {
      // Nothing open (the usual case): answered synchronously, so the connection is handed on at once.
      if ((connection.info?.status ?? STATUS_IN_TRANS) & STATUS_IN_TRANS) return connection.rollback()
    }
  } else if (options.reset === 'reset') {
    driver.reset = (connection) => connection.reset()
  }
  return driver
}
