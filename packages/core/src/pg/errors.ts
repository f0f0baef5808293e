import { isPoolError, PoolError } from '../errors/pool-error.js'

/** pg-pool's messages, kept as the start of ours so code that matches on them still works. */
export const PG_MESSAGES = Object.freeze({
  doubleRelease: 'Release called on client which has already been released to the pool.',
  ended: 'Cannot use a pool after calling end on the pool',
  endTwice: 'Called end on pool more than once',
  acquireTimeout: 'timeout exceeded when trying to connect',
  createTimeout: 'Connection terminated due to connection timeout',
  queryFunction: 'Passing a function as the first parameter to pool.query is not supported',
})

/** Where a client connects, for messages: `user@host:port/database`, never a password. */
export interface ConnectTarget {
  user?: string | undefined
  host?: string | undefined
  port?: number | string | undefined
  database?: string | undefined
}

export function describeTarget(target: ConnectTarget | undefined): string {
  const user = target?.user ?? '?'
  const host = target?.host ?? '?'
  const port = target?.port ?? '?'
  return `${user}@${host}:${port}/${target?.database ?? '?'}`
}

const decorated = new WeakSet<object>()

function replaceAll(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join('***')
  return out
}

/**
 * Make a connect failure say where it tried to connect (`user@host:port/db` and the pool's name),
 * and make sure it carries no secret: the known passwords are masked out of its message and stack,
 * and a URL parser's `input` (which would hold a connection string) is dropped. The error object
 * itself is kept, so `err.code` (`28P01`, `ECONNREFUSED`, ...) and `instanceof` still work.
 */
export function decorateConnectError(
  error: unknown,
  poolName: string,
  target: ConnectTarget | undefined,
  secrets: readonly string[],
): Error {
  const err = error instanceof Error ? error : new Error(String(error))
  if (decorated.has(err)) return err
  decorated.add(err)
  const usable = secrets.filter((secret) => secret.length >= 3)
  const original = err.message
  const message = `${replaceAll(original, usable)} (pool "${poolName}" connecting to ${describeTarget(target)})`
  err.message = message
  if (typeof err.stack === 'string') {
    const stack = err.stack.includes(original) ? err.stack.replace(original, message) : err.stack
    err.stack = replaceAll(stack, usable)
  }
  const withInput = err as Error & { input?: unknown }
  if (typeof withInput.input === 'string') withInput.input = '[redacted]'
  return err
}

/** A copy of `error` whose message starts with `text`; the engine's own error objects are shared, so never edited. */
function reworded(error: PoolError, text: string): PoolError {
  if (error.message.startsWith(text)) return error
  return new PoolError(error.code, `${text}: ${error.message}`, {
    cause: error.cause,
    stats: error.stats,
    poolName: error.poolName,
  })
}

/**
 * Give an engine rejection pg-pool's wording, as a prefix of a new `PoolError` with the same
 * `code`, `cause` and stats snapshot: acquire timeout, closed pool, create timeout.
 */
export function withPgWording(error: unknown): unknown {
  if (!isPoolError(error)) return error
  switch (error.code) {
    case 'POOL_ACQUIRE_TIMEOUT':
      return reworded(error, PG_MESSAGES.acquireTimeout)
    case 'POOL_CLOSED':
      return reworded(error, PG_MESSAGES.ended)
    case 'POOL_CREATE_TIMEOUT':
      return reworded(error, PG_MESSAGES.createTimeout)
    default:
      return error
  }
}

/**
 * Did this query error leave the connection usable? A server-reported error (`DatabaseError`:
 * syntax, constraint, statement timeout ...) is followed by ReadyForQuery, so the connection is
 * fine; anything else (socket loss, `query_timeout`, a FATAL) means it must not be reused.
 */
export function leavesConnectionUsable(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false
  const { severity, code } = error as { severity?: unknown; code?: unknown }
  if (typeof severity !== 'string' || typeof code !== 'string') return false
  return severity !== 'FATAL' && severity !== 'PANIC'
}
