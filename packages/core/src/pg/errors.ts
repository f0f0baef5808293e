import { isPoolError, PoolError } from '../index.js'

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

/**
 * The password of a connection string as a person wrote it: everything between the first `:` of
 * the part before the last `@` and that `@`. A URL parser stops at the first `/`, `?` or `#` of
 * a password that is not percent-encoded and reads the rest as port, path or query; this does not.
 */
export function writtenPasswordOf(connectionString: unknown): string | undefined {
  if (typeof connectionString !== 'string') return undefined
  const start = connectionString.indexOf('://')
  const at = connectionString.lastIndexOf('@')
  if (start === -1 || at <= start) return undefined
  const userinfo = connectionString.slice(start + 3, at)
  const colon = userinfo.indexOf(':')
  return colon === -1 ? undefined : userinfo.slice(colon + 1)
}

/** The password as a URL parser reads it (what pg uses), `undefined` when there is none. */
function parsedPasswordOf(connectionString: string): string | undefined {
  try {
    const password = new URL(connectionString).password
    return password === '' ? undefined : decodeURIComponent(password)
  } catch {
    return undefined
  }
}

/** What must never be printed for these options and this client: every password string known. */
export interface Secrets {
  /** Masked wherever they appear in a message or stack (3 characters or more). */
  readonly values: readonly string[]
  /**
   * The connection string has a password a URL parser misread (unencoded `/`, `?`, `#`, `@`): pg's
   * host, port and database were then read out of the password, so the target is not printed.
   */
  readonly misparsed: boolean
}

/** The secrets of a pool's options and one of its clients. */
export function secretsOf(options: { password?: unknown; connectionString?: unknown }, client?: unknown): Secrets {
  const values: string[] = []
  const clientPassword = (client as { password?: unknown } | undefined)?.password
  if (typeof clientPassword === 'string') values.push(clientPassword)
  if (typeof options.password === 'string') values.push(options.password)
  let misparsed = false
  const written = writtenPasswordOf(options.connectionString)
  if (written !== undefined && written !== '') {
    values.push(written)
    let decoded = written
    try {
      decoded = decodeURIComponent(written)
    } catch {
      // not valid percent-encoding: keep it as written
    }
    if (decoded !== written) values.push(decoded)
    const parsed = parsedPasswordOf(options.connectionString as string)
    if (parsed !== decoded && parsed !== written) {
      misparsed = true
      // the pieces a URL parser made of it (port, path, query) may show up on their own
      for (const piece of written.split(/[/?#@:]/)) if (piece.length >= 3) values.push(piece)
    }
  }
  return { values, misparsed }
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
  given: Secrets | readonly string[],
): Error {
  const err = error instanceof Error ? error : new Error(String(error))
  if (decorated.has(err)) return err
  decorated.add(err)
  const secrets: Secrets = Array.isArray(given) ? { values: given, misparsed: false } : (given as Secrets)
  const usable = secrets.values.filter((secret) => secret.length >= 3)
  const original = err.message
  const where = secrets.misparsed
    ? 'a connection string whose password is not percent-encoded: encode it with encodeURIComponent'
    : describeTarget(target)
  const message = `${replaceAll(original, usable)} (pool "${poolName}" connecting to ${where})`
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
