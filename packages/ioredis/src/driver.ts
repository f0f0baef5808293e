import { inspect } from 'node:util'
import type { ResourceDriver } from '@pools/core'
import type { RedisOptions } from 'ioredis'
import { ClientState, type CommandLike, isBlockingCommand } from './client-state.js'
import { cleanError, describeEndpoint, type RedisConstructor } from './options.js'

/**
 * The slice of an ioredis client (5 or 6) the driver touches. `status`, `options` and the methods are
 * public API; `condition`, `commandQueue` and `stream` are internals both majors share (checked in
 * their sources), read defensively.
 */
interface Internals {
  status: string
  options: RedisOptions & { host?: string; port?: number; path?: string; db?: number }
  condition?: { select?: number; subscriber?: unknown } | null
  commandQueue?: { length: number; peekAt?(index: number): { command?: CommandLike } | undefined }
  stream?: { ref?(): void; unref?(): void; destroy(): void } | null
  sendCommand(command: CommandLike, stream?: unknown, node?: unknown): unknown
  connect(): Promise<void>
  disconnect(reconnect?: boolean): void
  setStatus?(status: string): void
  flushQueue?(error: Error): void
  ping(): Promise<unknown>
  unwatch(): Promise<unknown>
  discard(): Promise<unknown>
  select(db: number): Promise<unknown>
  client(...args: string[]): Promise<unknown>
  unsubscribe(...channels: string[]): Promise<unknown>
  punsubscribe(...patterns: string[]): Promise<unknown>
  sunsubscribe(...channels: string[]): Promise<unknown>
  on(event: string, listener: (...args: never[]) => void): unknown
  once(event: string, listener: (...args: never[]) => void): unknown
  removeListener(event: string, listener: (...args: never[]) => void): unknown
  listeners(event: string): unknown[]
  listenerCount(event: string): number
}

const STATE: unique symbol = Symbol('@pools/ioredis client state')

/** Events a borrower may listen to; listeners it left behind are removed before the next loan. */
const BORROWER_EVENTS = [
  'message',
  'messageBuffer',
  'pmessage',
  'pmessageBuffer',
  'smessage',
  'smessageBuffer',
  'error',
  'close',
  'end',
  'ready',
  'connect',
  'reconnecting',
  'select',
] as const

/** Create errors that retrying soon will not fix. */
const FATAL_CREATE = /^(WRONGPASS|NOAUTH|NOPERM|ERR invalid password|ERR AUTH|ERR (DB index|invalid DB index))/

function internals(client: unknown): Internals {
  return client as Internals
}

/** The loan-state tracker of a client this driver created (undefined for any other object). */
export function stateOf(client: unknown): ClientState | undefined {
  if (client === null || typeof client !== 'object') return undefined
  return (client as { [STATE]?: ClientState })[STATE]
}

/**
 * Options of {@link createRedisDriver}.
 *
 * @example
 * ```ts
 * const options: RedisDriverOptions<Redis> = { Redis, url: 'redis://127.0.0.1:6379/1', redis: { connectionName: 'jobs' } }
 * ```
 */
export interface RedisDriverOptions<R> {
  /** The ioredis class. */
  Redis: RedisConstructor<R>
  /** A `redis://`/`rediss://` URL for every client (ioredis parses it); `redis` options override it. */
  url?: string | undefined
  /** ioredis options for every client. */
  redis?: RedisOptions | undefined
  /** Called once when a client's connection has ended for good (closed, killed, server gone). */
  onEnd?: ((client: R) => void) | undefined
}

/**
 * A {@link ResourceDriver} for ioredis clients, with the extra hooks the engine may call.
 *
 * @example
 * ```ts
 * const driver: RedisDriver<Redis> = createRedisDriver({ Redis })
 * const engine = createPool(driver, { max: 4 })
 * ```
 */
export interface RedisDriver<R> extends ResourceDriver<R> {
  destroy(client: R, signal?: AbortSignal): Promise<void>
  /** Keep the process alive for this client's socket (the engine calls it when lending with `allowExitOnIdle`). */
  ref(client: R): void
  /** Let the process exit while this client is idle. */
  unref(client: R): void
  /** What a subscriber connection reconnects with: the `retryStrategy` you gave, else ioredis's default. */
  readonly subscriberRetryStrategy: RedisOptions['retryStrategy']
}

/**
 * The driver behind {@link createRedisPool}: opens, checks, resets and closes ioredis clients. Usable
 * on its own with `createPool` from `@pools/core`.
 *
 * - create: a client with `lazyConnect` and no reconnect of its own; resolves once it is `ready`
 *   and has answered a PING (so its SELECT and CLIENT SETNAME are done).
 * - validate: `status === 'ready'` and a PING (the engine skips it inside `validationBypassMs`).
 * - isBroken: not `ready`, a blocking command still waiting, a connection state it cannot undo, or a
 *   subscriber connection.
 * - reset: UNSUBSCRIBE/PUNSUBSCRIBE/SUNSUBSCRIBE, DISCARD or UNWATCH, SELECT of the configured
 *   database, CLIENT SETNAME back; nothing to do answers synchronously.
 *
 * @example
 * ```ts
 * import { createPool } from '@pools/core'
 * import { Redis } from 'ioredis'
 * import { createRedisDriver } from '@pools/ioredis'
 *
 * const pool = createPool(createRedisDriver({ Redis, url: 'redis://127.0.0.1:6379/0' }), { max: 4 })
 * const item = await pool.use((redis) => redis.blpop('jobs', 1))
 * ```
 */
export function createRedisDriver<R>(options: RedisDriverOptions<R>): RedisDriver<R> {
  const { Redis, url, onEnd } = options
  const redisOptions: RedisOptions = { ...options.redis }
  const defaults = (Redis as unknown as { defaultOptions?: RedisOptions }).defaultOptions
  const subscriberRetryStrategy = redisOptions.retryStrategy ?? defaults?.retryStrategy
  const clientOptions: RedisOptions = { ...redisOptions, lazyConnect: true, retryStrategy: () => null }

  return {
    subscriberRetryStrategy,

    async create(signal: AbortSignal): Promise<R> {
      signal.throwIfAborted()
      const client = url === undefined ? new Redis(clientOptions) : new Redis(url, clientOptions)
      const c = internals(client)
      const secrets = secretsOf(c.options)
      let firstError: unknown
      c.on('error', (error: unknown) => {
        firstError ??= error
      })
      const abort = (): void => c.disconnect()
      signal.addEventListener('abort', abort, { once: true })
      try {
        await c.connect()
        // ioredis sends SELECT and CLIENT SETNAME after 'ready' without waiting for them: a PING
        // answered means both were, and a refused one (db out of range) was reported as 'error'.
        await c.ping()
        if (firstError !== undefined) throw firstError
      } catch (error) {
        c.disconnect()
        if (signal.aborted) throw signal.reason
        throw cleanError(firstError ?? error, secrets)
      } finally {
        signal.removeEventListener('abort', abort)
      }
      const state = new ClientState()
      for (const event of BORROWER_EVENTS) {
        if (c.listenerCount(event) > 0) state.ownListeners.set(event, new Set(c.listeners(event)))
      }
      // Registered after the snapshot above: part of the pool's own listeners all the same.
      if (onEnd !== undefined) {
        const ended = (): void => onEnd(client)
        c.once('end', ended)
        state.ownListeners.set('end', new Set([...(state.ownListeners.get('end') ?? []), ended]))
      }
      const send = c.sendCommand
      c.sendCommand = function sendCommand(this: Internals, command: CommandLike, stream?: unknown, node?: unknown) {
        state.observe(command)
        return send.call(this, command, stream, node)
      }
      const label = `Redis ${describeEndpoint(c.options)}`
      Object.defineProperties(client, {
        [STATE]: { value: state, enumerable: false },
        [inspect.custom]: { value: () => `[${label} ${c.status}]`, enumerable: false, configurable: true },
        toJSON: { value: () => ({ redis: describeEndpoint(c.options), status: c.status }), enumerable: false },
      })
      return client
    },

    destroy(client: R, signal?: AbortSignal): Promise<void> {
      const c = internals(client)
      if (c.status === 'end') return Promise.resolve()
      return new Promise<void>((resolve) => {
        const kill = (): void => c.stream?.destroy()
        const done = (): void => {
          signal?.removeEventListener('abort', kill)
          resolve()
        }
        c.once('end', done)
        signal?.addEventListener('abort', kill, { once: true })
        const wasReconnecting = c.status === 'reconnecting'
        // Ends the socket; ioredis destroys it after `disconnectTimeout` if the server does not close its side.
        c.disconnect()
        if (wasReconnecting && c.status === 'reconnecting') {
          // ioredis 5: disconnect() between two reconnect attempts (a subscriber while Redis is down)
          // cancels the retry but never emits 'end', as the socket is already closed. End it the way
          // ioredis 6 does.
          c.setStatus?.('end')
          c.flushQueue?.(new Error('Connection is closed.'))
        }
      })
    },

    validate(client: R): Promise<boolean> | boolean {
      const c = internals(client)
      if (c.status !== 'ready') return false
      return c.ping().then(
        () => true,
        (error: unknown) => {
          throw cleanError(error, secretsOf(c.options))
        },
      )
    },

    isBroken(client: R): boolean {
      const state = stateOf(client)
      const c = internals(client)
      return (
        c.status !== 'ready' ||
        state === undefined ||
        state.blocking > 0 ||
        state.poisoned ||
        state.subscriber ||
        blockingInQueue(c)
      )
    },

    reset(client: R): Promise<void> | undefined {
      const state = stateOf(client)!
      const c = internals(client)
      dropBorrowerListeners(c, state)
      if (!state.dirty) return undefined
      return resetConnection(c, state).catch((error: unknown) => {
        throw cleanError(error, secretsOf(c.options))
      })
    },

    isFatalCreateError(error: unknown): boolean {
      return error instanceof Error && FATAL_CREATE.test(error.message)
    },

    ref(client: R): void {
      internals(client).stream?.ref?.()
    },

    unref(client: R): void {
      internals(client).stream?.unref?.()
    },
  }
}

/**
 * A blocking command still unanswered in ioredis's queue of sent commands. Its promise may have
 * settled already (a client-side `commandTimeout`, ioredis 6's `blockingTimeout`) while the server
 * still blocks the connection on it.
 */
function blockingInQueue(c: Internals): boolean {
  const queue = c.commandQueue
  if (queue === undefined || queue.length === 0 || typeof queue.peekAt !== 'function') return false
  for (let i = 0; i < queue.length; i++) if (isBlockingCommand(queue.peekAt(i)?.command)) return true
  return false
}

function secretsOf(options: RedisOptions): string[] {
  const secrets: string[] = []
  for (const value of [options.password, (options as { sentinelPassword?: unknown }).sentinelPassword]) {
    if (typeof value === 'string' && value.length > 0) secrets.push(value)
  }
  return secrets
}

function dropBorrowerListeners(c: Internals, state: ClientState): void {
  for (const event of BORROWER_EVENTS) {
    const own = state.ownListeners.get(event)
    if (c.listenerCount(event) === (own?.size ?? 0)) continue
    for (const listener of c.listeners(event)) {
      if (own === undefined || !own.has(listener)) c.removeListener(event, listener as (...args: unknown[]) => void)
    }
  }
}

async function resetConnection(c: Internals, state: ClientState): Promise<void> {
  const db = c.options.db ?? 0
  if (state.subscribed !== 0) {
    // A SUBSCRIBE the borrower did not wait for may still be unanswered: let its reply arrive first.
    if ((c.commandQueue?.length ?? 0) > 0) await c.ping()
    const subscriptions = c.condition?.subscriber
    if (subscriptions) {
      // Name every channel: a bare UNSUBSCRIBE only resolves in ioredis 5 once no subscription of
      // any kind is left, so with patterns too it would never resolve. In RESP2 subscriber mode
      // ioredis refuses any other command until these are answered.
      const set = subscriptions as { channels?(kind: string): string[] }
      const leaving: Promise<unknown>[] = []
      const kinds = [
        ['subscribe', 'unsubscribe'],
        ['psubscribe', 'punsubscribe'],
        ['ssubscribe', 'sunsubscribe'],
      ] as const
      for (const [kind, leave] of kinds) {
        const channels = typeof set.channels === 'function' ? set.channels(kind) : []
        if (channels.length > 0) leaving.push((c[leave] as (...names: string[]) => Promise<unknown>)(...channels))
      }
      await Promise.all(leaving)
      if (c.condition?.subscriber) {
        throw new Error('the connection was still subscribed after UNSUBSCRIBE, PUNSUBSCRIBE and SUNSUBSCRIBE')
      }
    }
  }
  const work: Promise<unknown>[] = []
  if (state.inMulti) work.push(c.discard())
  else if (state.watching) work.push(c.unwatch())
  if (state.selected) work.push(c.select(db))
  if (state.renamed) work.push(c.client('SETNAME', c.options.connectionName ?? ''))
  // Our own commands above were observed too; what they undo is now clean.
  state.clear()
  await Promise.all(work)
}
