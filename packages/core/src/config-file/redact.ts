import { isPlainObject } from './merge.js'

/** What replaces a secret in printed or logged output. */
export const REDACTED = '***'

const SECRET_KEY = /pass(word|phrase)?|secret|token|api_?key|^key$|sslkey|^pfx$|credential|private/i

/** True for a setting or URL parameter name that holds a secret (`password`, `sslkey`, `token`, ...). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key)
}

/**
 * A connection URL safe to print: the password and secret query parameters (`password`,
 * `sslpassword`, `token`, ...) replaced by `***`. A URL that cannot be parsed is not shown at all.
 *
 * @example
 * ```ts
 * redactUrl('postgres://app:s3cret@db:5432/app?sslmode=require') // 'postgres://app:***@db:5432/app?sslmode=require'
 * ```
 */
export function redactUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return '[a connection URL that could not be parsed; not shown]'
  }
  if (parsed.password !== '') parsed.password = REDACTED
  for (const key of [...parsed.searchParams.keys()]) {
    if (isSecretKey(key)) parsed.searchParams.set(key, REDACTED)
  }
  return parsed.href.replaceAll(encodeURIComponent(REDACTED), REDACTED)
}

/**
 * A copy of driver settings safe to print or log: `url` through {@link redactUrl}, and every key
 * that names a secret (`password`, `ssl.key`, `ssl.passphrase`, ...) replaced by `***`, at any depth.
 *
 * @example
 * ```ts
 * redactConnection({ host: 'db', password: 'x', ssl: { key: '...' } }) // { host: 'db', password: '***', ssl: { key: '***' } }
 * ```
 */
export function redactConnection<T>(connection: T): T {
  const walk = (node: unknown, key: string | undefined): unknown => {
    if (key !== undefined && isSecretKey(key) && node !== undefined && node !== null && node !== '') return REDACTED
    if (typeof node === 'string' && (key === 'url' || key === 'connectionString' || key === 'uri'))
      return redactUrl(node)
    if (Array.isArray(node)) return node.map((item) => walk(item, undefined))
    if (isPlainObject(node)) {
      const out: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(node)) out[k] = walk(v, k)
      return out
    }
    if (typeof node === 'function') return '[function]'
    if (node !== null && typeof node === 'object') return `[${node.constructor?.name ?? 'object'}]`
    return node
  }
  return walk(connection, undefined) as T
}
