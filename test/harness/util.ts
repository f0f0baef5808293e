import { randomBytes } from 'node:crypto'
import type { ServiceName } from './types.js'

/** `CI=true` (or any value other than empty/"0"/"false") turns skips into failures. */
export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.CI?.trim().toLowerCase()
  return value !== undefined && value !== '' && value !== '0' && value !== 'false'
}

/** Lower-case [a-z0-9] id, safe inside SQL identifiers and Redis key patterns. */
export function randomId(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
  const bytes = randomBytes(length)
  let out = ''
  for (const byte of bytes) out += alphabet[byte % alphabet.length]
  return out
}

/** Every database / key prefix the harness creates starts with this. */
export const NAME_PREFIX = 'pools_t_'

export function runScopedPrefix(runId: string): string {
  return `${NAME_PREFIX}${runId}_`
}

export const SERVICE_LABEL: Readonly<Record<ServiceName, string>> = {
  postgres: 'PostgreSQL',
  mysql: 'MySQL',
  redis: 'Redis',
}

export const SERVICE_ENV: Readonly<Record<ServiceName, string>> = {
  postgres: 'POOLS_TEST_PG_URL',
  mysql: 'POOLS_TEST_MYSQL_URL',
  redis: 'POOLS_TEST_REDIS_URL',
}

export const DEFAULT_URLS: Readonly<Record<ServiceName, string>> = {
  postgres: 'postgres://postgres@127.0.0.1:5432/test',
  mysql: 'mysql://root@127.0.0.1:3306/test',
  redis: 'redis://127.0.0.1:6379/0',
}

/** URL with the password replaced by `***`, for printing. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return '<unparseable url>'
  }
}

export function hostPort(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.hostname}:${parsed.port || '(default port)'}`
  } catch {
    return '<unparseable url>'
  }
}

/** Replace the database (path) component of a postgres:// or mysql:// URL. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${encodeURIComponent(database)}`
  return parsed.toString()
}

export interface SqlEndpoint {
  host: string
  port: number
  user: string
  password?: string
  database: string
}

export function parseSqlUrl(url: string, defaultPort: number, defaultUser: string): SqlEndpoint {
  const parsed = new URL(url)
  const endpoint: SqlEndpoint = {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : defaultPort,
    user: parsed.username ? decodeURIComponent(parsed.username) : defaultUser,
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')),
  }
  if (parsed.password) endpoint.password = decodeURIComponent(parsed.password)
  return endpoint
}

export function errorMessage(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map((e) => errorMessage(e)).join('; ')
  }
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code
    const message = error.message || error.name
    return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message
  }
  return String(error)
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Reject with `message` if `promise` does not settle within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}
