import type { PoolLogger } from '../engine/pool-options.js'

/**
 * Structured fields of a log line. The pool always sets `pool` (its name, with anything shaped like
 * URL credentials cut out).
 *
 * @example
 * ```ts
 * const fields: LogFields = { pool: 'orders' }
 * ```
 */
export type LogFields = { pool: string } & Record<string, unknown>

/**
 * A structured logger in pino's shape: fields first, then the message. A pino logger (or a
 * `pino.child()`) is one as it is; {@link consoleLog}, {@link winstonLog} and {@link nestLog} make one
 * from the console, a winston logger and a Nest `LoggerService`.
 *
 * @example
 * ```ts
 * const mine: StructuredLogger = {
 *   error: (fields, message) => sink('error', message, fields),
 *   warn: (fields, message) => sink('warn', message, fields),
 *   info: (fields, message) => sink('info', message, fields),
 * }
 * ```
 */
export interface StructuredLogger {
  error(fields: LogFields, message: string): void
  warn(fields: LogFields, message: string): void
  info(fields: LogFields, message: string): void
}

const PREFIX = /^\[pools:(.*?)\] ([\s\S]*)$/
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)[^/?#\s@]*@/gi

function redact(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1')
}

function split(line: string): [LogFields, string] {
  const match = PREFIX.exec(line)
  if (match === null) return [{ pool: '' }, redact(line)]
  return [{ pool: redact(match[1]!) }, redact(match[2]!)]
}

/**
 * A pool logger that writes to a structured logger, with levels that mean something:
 *
 * | level   | when                                                                                      |
 * | ------- | ----------------------------------------------------------------------------------------- |
 * | `error` | the first failure of a create streak (once, not once per retry)                           |
 * | `warn`  | a leak suspect, a reclaimed leak, a background error nobody listens to, a throwing listener or observer |
 * | `info`  | creates work again after a streak; a leak suspect came back                               |
 *
 * The `[pools:name]` prefix of the engine's lines becomes the `pool` field; URL credentials are cut
 * out of names and messages.
 *
 * @example
 * ```ts
 * import pino from 'pino'
 * import { createPool, logTo } from '@pools/core'
 *
 * const pool = createPool(driver, { name: 'orders' }, { logger: logTo(pino().child({ component: 'pools' })) })
 * ```
 */
export function logTo(target: StructuredLogger): PoolLogger {
  return {
    error: (line) => target.error(...split(line)),
    warn: (line) => target.warn(...split(line)),
    info: (line) => target.info(...split(line)),
  }
}

/** The slice of `console` used by {@link consoleLog}. */
export interface ConsoleLike {
  error(...data: unknown[]): void
  warn(...data: unknown[]): void
  info(...data: unknown[]): void
}

/**
 * A structured logger on the console: `[pools:name] message`, then any other fields as JSON.
 *
 * @example
 * ```ts
 * createPool(driver, { name: 'orders' }, { logger: logTo(consoleLog()) })
 * ```
 */
export function consoleLog(target: ConsoleLike = console): StructuredLogger {
  const line = ({ pool, ...rest }: LogFields, message: string): string => {
    const extra = Object.keys(rest).length === 0 ? '' : ` ${JSON.stringify(rest)}`
    return `[pools:${pool}] ${message}${extra}`
  }
  return {
    error: (fields, message) => target.error(line(fields, message)),
    warn: (fields, message) => target.warn(line(fields, message)),
    info: (fields, message) => target.info(line(fields, message)),
  }
}

/** The slice of a winston logger used by {@link winstonLog}: `logger.warn(message, meta)`. */
export interface WinstonLike {
  error(message: string, meta: object): unknown
  warn(message: string, meta: object): unknown
  info(message: string, meta: object): unknown
}

/**
 * A structured logger on a winston logger: the fields go in as winston metadata.
 *
 * @example
 * ```ts
 * import winston from 'winston'
 * const logger = winston.createLogger({ transports: [new winston.transports.Console()] })
 * createPool(driver, { name: 'orders' }, { logger: logTo(winstonLog(logger)) })
 * ```
 */
export function winstonLog(target: WinstonLike): StructuredLogger {
  return {
    error: (fields, message) => target.error(message, fields),
    warn: (fields, message) => target.warn(message, fields),
    info: (fields, message) => target.info(message, fields),
  }
}

/** The slice of Nest's `LoggerService` used by {@link nestLog}. */
export interface NestLoggerLike {
  error(message: unknown, ...optionalParams: unknown[]): unknown
  warn(message: unknown, ...optionalParams: unknown[]): unknown
  log(message: unknown, ...optionalParams: unknown[]): unknown
}

/**
 * A structured logger on a Nest `LoggerService` (`new Logger('Pools')`, `app.get(Logger)`, ...):
 * the message goes in as the message and `pools:<name>` as the context; `info` lines use `log()`.
 *
 * @example
 * ```ts
 * import { Logger } from '@nestjs/common'
 * createPool(driver, { name: 'orders' }, { logger: logTo(nestLog(new Logger())) })
 * ```
 */
export function nestLog(target: NestLoggerLike): StructuredLogger {
  const context = (fields: LogFields): string => (fields.pool === '' ? 'pools' : `pools:${fields.pool}`)
  return {
    error: (fields, message) => target.error(message, context(fields)),
    warn: (fields, message) => target.warn(message, context(fields)),
    info: (fields, message) => target.log(message, context(fields)),
  }
}
