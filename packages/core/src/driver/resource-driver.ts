/**
 * The one contract between the engine and the outside world.
 *
 * The engine never imports a database library: a driver tells it how to make,
 * check, reset and destroy one resource. Everything else (queueing, timeouts,
 * lifetimes, validation scheduling, leak detection, stats) is the engine's job.
 *
 * @example
 * ```ts
 * import { createPool, type ResourceDriver } from '@pools/core'
 * import net from 'node:net'
 *
 * const driver: ResourceDriver<net.Socket> = {
 *   create: (signal) => new Promise((resolve, reject) => {
 *     const socket = net.connect({ host: '127.0.0.1', port: 6379, signal })
 *     socket.once('connect', () => resolve(socket)).once('error', reject)
 *   }),
 *   destroy: (socket) => { socket.destroy() },
 *   isBroken: (socket) => socket.destroyed,
 * }
 * const pool = createPool(driver, { max: 4 })
 * ```
 */
export interface ResourceDriver<T> {
  /**
   * Make a new resource. The signal aborts when the create timeout fires or the
   * pool closes; a resource that still arrives afterwards is destroyed by the
   * engine, never leaked.
   */
  create(signal: AbortSignal): Promise<T>
  /**
   * Tear a resource down. Errors are reported as `error` events, never thrown at callers.
   * `signal` aborts when `destroyTimeoutMs` passes: the driver must then tear the socket down at
   * once (e.g. `socket.destroy()`, synchronously in its abort listener), because the engine counts
   * the destroy as finished right after aborting, and `close()` may resolve then. An abort
   * listener must not throw.
   */
  destroy(resource: T, signal: AbortSignal): Promise<void> | void
  /**
   * Is this resource still usable? `false`, a throw, a rejection or no answer
   * within `validationTimeoutMs` all count as invalid.
   */
  validate?(resource: T, signal: AbortSignal): boolean | Promise<boolean>
  /**
   * Bring a returned resource back to a clean state (roll back an open
   * transaction, clear session state) before the next borrower sees it.
   * A throw or rejection destroys the resource instead.
   */
  reset?(resource: T): Promise<void> | void
  /** Cheap synchronous check: has this resource already failed (socket closed, fatal error seen)? */
  isBroken?(resource: T): boolean
  /**
   * Is this create error one that retrying soon will not fix (wrong password,
   * unknown database)? Then callers waiting while nothing is open fail at once
   * with `POOL_CREATE_FAILED` instead of waiting out their acquire timeout. The
   * pool still retries with backoff, so it recovers once the cause is fixed.
   */
  isFatalCreateError?(error: unknown): boolean
  /**
   * Let this resource keep the process alive again (e.g. `socket.ref()`). Called when the resource
   * is lent, only when `allowExitOnIdle` is on. A throw is ignored.
   */
  ref?(resource: T): void
  /**
   * Let the process exit while this resource is open (e.g. `socket.unref()`). Called when the
   * resource goes idle, only when `allowExitOnIdle` is on. A throw is ignored.
   */
  unref?(resource: T): void
}
