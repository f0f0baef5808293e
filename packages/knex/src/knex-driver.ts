import type { ResourceDriver } from '@pools/core'
import type { Knex } from 'knex'
import type { KnexPoolOptions } from './knex-options.js'

/** What knex's `getPoolSettings()` builds for tarn: how knex opens, checks and closes a connection. */
interface KnexConnectionHooks {
  create(): Promise<object>
  destroy(connection: object): Promise<void> | void
  validate(connection: object): Promise<boolean>
}

interface KnexMarks {
  __knex__disposed?: unknown
  /** pg's Client: the socket under `connection.stream`. */
  connection?: { stream?: { destroy?(): void } }
  /** mysql2's Connection: closes the socket at once. */
  destroy?: () => void
}

/** The parts of knex's dialect client this driver calls (all public in knex's own types or knex 3.3's client). */
export interface KnexClientLike {
  getPoolSettings(pool: Pick<KnexPoolOptions, 'afterCreate' | 'validate'>): KnexConnectionHooks
  validateConnection(connection: object): unknown
  readonly connectionConfigProvider?: unknown
}

/**
 * What knex does for `password` on every checkout, done once and for every secret mysql2 keeps
 * (`password`, `password1`..`3`, `passwordSha1`): not enumerable, so not logged or inspected.
 */
function hidePassword(connection: object): void {
  const config = (connection as { config?: Record<string, unknown> }).config
  if (config === null || typeof config !== 'object') return
  for (const key of Object.keys(config)) {
    if (!key.startsWith('password')) continue
    Object.defineProperty(config, key, { value: config[key], enumerable: false, writable: true, configurable: true })
  }
}

/** Tear the socket down without a goodbye: for a connection knex saw fail, or when closing it takes too long. */
function closeNow(connection: object): void {
  const marks = connection as KnexMarks
  try {
    if (marks.connection?.stream?.destroy) marks.connection.stream.destroy()
    else if (typeof marks.destroy === 'function') marks.destroy()
  } catch {
    // already gone
  }
}

/**
 * A `@pools/core` driver made of knex's own connection code, so a connection is opened exactly as
 * knex opens it for tarn: the dialect's connect, version check and `searchPath`, a refreshed
 * `connection()` provider, then `pool.afterCreate`. The engine decides when; knex decides how.
 *
 * - `isBroken` (every checkout): knex marked it disposed, or the dialect's `validateConnection` says no;
 * - `validate` (every checkout, as tarn does): only when `pool.validate` or a `connection()` provider is given;
 * - `destroy`: the dialect's close; one knex marked disposed, or one whose close outlives
 *   `destroyTimeoutMs`, has its socket destroyed.
 */
export function knexDriver(client: Knex.Client, pool: KnexPoolOptions | undefined): ResourceDriver<object> {
  const knexClient = client as unknown as KnexClientLike
  // afterCreate is run here rather than by knex's create(), so a connection whose set-up fails is closed, not leaked
  const hooks = knexClient.getPoolSettings({ validate: pool?.validate })
  const afterCreate = pool?.afterCreate
  const validates = typeof pool?.validate === 'function' || Boolean(knexClient.connectionConfigProvider)
  const driver: ResourceDriver<object> = {
    create: async () => {
      const connection = await hooks.create()
      hidePassword(connection)
      if (afterCreate === undefined) return connection
      try {
        await new Promise<void>((resolve, reject) => {
          afterCreate(connection, (error) => (error ? reject(error) : resolve()))
        })
      } catch (error) {
        closeNow(connection)
        throw error
      }
      return connection
    },
    destroy: (connection: object, signal?: AbortSignal) => {
      if ((connection as KnexMarks).__knex__disposed) {
        // its socket already failed: a polite close could wait for an 'end' that has already happened
        closeNow(connection)
        return
      }
      signal?.addEventListener('abort', () => closeNow(connection), { once: true })
      return hooks.destroy(connection)
    },
    isBroken: (connection) =>
      Boolean((connection as KnexMarks).__knex__disposed) || !knexClient.validateConnection(connection),
  }
  if (validates) driver.validate = (connection) => hooks.validate(connection)
  return driver
}
