import type { BeforeApplicationShutdown, OnApplicationShutdown } from '@nestjs/common'
import { PoolError } from '@pools/core'
import { buildClient, type ManagedClient } from './pools.clients.js'
import { type ClientKind, DEFAULT_POOL_NAME, DEFAULT_SHUTDOWN_GRACE_MS } from './pools.constants.js'
import { buildPool, type ManagedPool } from './pools.factory.js'
import { type PoolsHealthOptions, reportPools } from './pools.health-report.js'
import type { PoolDefinition, PoolHealthData, PoolSource, PoolsModuleOptions } from './pools.interfaces.js'

/** The pools of a module's options, by name. */
export function poolSources(options: PoolsModuleOptions): Record<string, PoolSource> {
  if (options === null || typeof options !== 'object') {
    throw new PoolError('POOL_CONFIG_INVALID', '@pools/nestjs: the module options must be an object')
  }
  const pools: Record<string, PoolSource> = { ...(options.pools ?? {}) }
  if (options.pool !== undefined) {
    if (pools[DEFAULT_POOL_NAME] !== undefined) {
      throw new PoolError(
        'POOL_CONFIG_INVALID',
        `@pools/nestjs: give the "${DEFAULT_POOL_NAME}" pool as pool or in pools, not both`,
      )
    }
    pools[DEFAULT_POOL_NAME] = options.pool
  }
  if (Object.keys(pools).length === 0) {
    throw new PoolError('POOL_CONFIG_INVALID', '@pools/nestjs: no pool given (set pools or pool)')
  }
  return pools
}

/** The clients a pool source declares (`drizzle`, `knex`, `prisma`, `typeorm`). */
export function declaredClients(source: PoolSource): ClientKind[] {
  if (typeof source !== 'object' || source === null) return []
  const kinds: ClientKind[] = []
  if (source.drizzle) kinds.push('drizzle')
  if (source.knex) kinds.push('knex')
  if (source.prisma) kinds.push('prisma')
  if (source.typeorm) kinds.push('typeorm')
  return kinds
}

/**
 * Every pool and client the module manages, and their lifecycle: built once, on first injection;
 * on shutdown, the ORM clients close first, then the pools the module created (never an `existing`
 * one), each within the grace period. Injectable as `POOLS_REGISTRY`.
 *
 * @example
 * ```ts
 * const registry = app.get<PoolsRegistry>(POOLS_REGISTRY)
 * console.log(await registry.report())
 * ```
 */
export class PoolsRegistry implements BeforeApplicationShutdown, OnApplicationShutdown {
  readonly #options: PoolsModuleOptions
  #ready: Promise<Map<string, ManagedPool>> | undefined
  readonly #pools = new Map<string, ManagedPool>()
  readonly #clients = new Map<string, Promise<ManagedClient>>()
  #shutdownDeadline: number | undefined
  #graceTimer: NodeJS.Timeout | undefined
  #closing: Promise<void> | undefined
  readonly #httpServer: (() => unknown) | undefined
  #idleSweep: NodeJS.Timeout | undefined

  /**
   * @param options the module options
   * @param httpServer returns the app's HTTP server, if any (Nest's `HttpAdapterHost`): during the
   * shutdown its idle keep-alive connections are closed as they go idle, so they cannot hold the exit
   * for the server's `keepAliveTimeout` once every request has been answered.
   */
  constructor(options: PoolsModuleOptions, httpServer?: () => unknown) {
    this.#options = options
    this.#httpServer = httpServer
  }

  /** The grace period of the shutdown, in ms. */
  get graceMs(): number {
    const graceMs = this.#options.shutdown?.graceMs ?? DEFAULT_SHUTDOWN_GRACE_MS
    if (!Number.isFinite(graceMs) || graceMs < 0) {
      throw new PoolError('POOL_CONFIG_INVALID', '@pools/nestjs: shutdown.graceMs must be a number >= 0')
    }
    return graceMs
  }

  /** Build every pool (once). A pool that fails to build closes the ones already built. */
  init(): Promise<Map<string, ManagedPool>> {
    this.#ready ??= this.#build()
    return this.#ready
  }

  async #build(): Promise<Map<string, ManagedPool>> {
    const sources = poolSources(this.#options)
    void this.graceMs // validate early
    try {
      for (const [name, source] of Object.entries(sources)) {
        this.#pools.set(name, await buildPool(name, source))
      }
      if (this.#options.readyOnStart) {
        await Promise.all([...this.#pools.values()].filter((p) => p.owned).map((p) => p.engine.ready()))
      }
    } catch (error) {
      await Promise.allSettled([...this.#pools.values()].filter((p) => p.owned).map((p) => p.close(0)))
      throw error
    }
    return this.#pools
  }

  /** The managed pool of a name (throws `POOL_CONFIG_INVALID` when the options do not define it). */
  async get(name: string): Promise<ManagedPool> {
    const pools = await this.init()
    const managed = pools.get(name)
    if (managed === undefined) {
      throw new PoolError(
        'POOL_CONFIG_INVALID',
        `@pools/nestjs: no pool named "${name}" in the module options (defined: ${[...pools.keys()].join(', ')})`,
        { poolName: name },
      )
    }
    return managed
  }

  /** The ORM client of a kind on a pool, built once. */
  client(kind: ClientKind, name: string): Promise<unknown> {
    const key = `${kind}:${name}`
    let built = this.#clients.get(key)
    if (built === undefined) {
      built = this.get(name).then((managed) => {
        const source = poolSources(this.#options)[name]
        const config = typeof source === 'object' ? (source as PoolDefinition)[kind] : undefined
        return buildClient(kind, managed, config)
      })
      this.#clients.set(key, built)
    }
    return built.then((c) => c.client)
  }

  /** The pools built so far, by name. */
  get pools(): ReadonlyMap<string, ManagedPool> {
    return this.#pools
  }

  /**
   * Each pool's health (see {@link PoolHealthData}); by default also a ping through each pool.
   *
   * @example
   * ```ts
   * const report = await registry.report({ names: ['primary'] })
   * ```
   */
  async report(options: PoolsHealthOptions = {}): Promise<Record<string, PoolHealthData>> {
    return reportPools(await this.init(), options)
  }

  /** Nest hook: the app is closing. Starts the grace period; when it ends, whatever is left is closed. */
  beforeApplicationShutdown(): void {
    if (this.#shutdownDeadline !== undefined) return
    const graceMs = this.graceMs
    this.#shutdownDeadline = Date.now() + graceMs
    this.#graceTimer = setTimeout(() => void this.close().catch(() => {}), graceMs)
    this.#graceTimer.unref()
    this.#sweepIdleHttpConnections()
  }

  #sweepIdleHttpConnections(): void {
    if (this.#options.shutdown?.closeIdleHttpConnections === false) return
    let server: unknown
    try {
      server = this.#httpServer?.()
    } catch {
      return
    }
    const sweep = (server as { closeIdleConnections?: () => void } | undefined)?.closeIdleConnections
    if (typeof sweep !== 'function') return
    this.#idleSweep = setInterval(() => {
      try {
        sweep.call(server)
      } catch {}
    }, 50)
    this.#idleSweep.unref()
  }

  /** Nest hook: the HTTP server has stopped (in-flight requests are done). Close clients, then pools. */
  async onApplicationShutdown(): Promise<void> {
    await this.close()
  }

  /**
   * Close ORM clients, then the pools the module created, within what is left of the grace period:
   * new loans are refused, loans in flight may finish until then. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    const deadline = this.#shutdownDeadline ?? Date.now() + this.graceMs
    const errors: unknown[] = []
    const clients = await Promise.allSettled(this.#clients.values())
    for (const built of clients.reverse()) {
      if (built.status === 'fulfilled') await built.value.close().catch((error: unknown) => errors.push(error))
    }
    if (this.#ready !== undefined) await this.#ready.catch(() => {})
    const remaining = Math.max(0, deadline - Date.now())
    const owned = [...this.#pools.values()].filter((p) => p.owned).reverse()
    const results = await Promise.allSettled(owned.map((p) => p.close(remaining)))
    for (const r of results) if (r.status === 'rejected') errors.push(r.reason)
    if (this.#graceTimer !== undefined) clearTimeout(this.#graceTimer)
    if (this.#idleSweep !== undefined) clearInterval(this.#idleSweep)
    if (errors.length > 0) {
      throw new PoolError('POOL_CLOSED', `@pools/nestjs: ${errors.length} pool(s) or client(s) failed to close`, {
        cause: errors[0],
      })
    }
  }
}
