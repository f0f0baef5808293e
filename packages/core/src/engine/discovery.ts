import diagnosticsChannel from 'node:diagnostics_channel'
import type { Pool } from './pool.js'

/**
 * `node:diagnostics_channel` name on which every new pool is published as `{ pool }`, so
 * exporters, APM agents and framework modules can find pools created deep inside libraries.
 *
 * @example
 * ```ts
 * import diagnosticsChannel from 'node:diagnostics_channel'
 * import { POOL_CREATED_CHANNEL, type PoolChannelMessage } from '@pools/core'
 *
 * diagnosticsChannel.subscribe(POOL_CREATED_CHANNEL, (message) => {
 *   const { pool } = message as PoolChannelMessage
 *   exporter.watch(pool)
 * })
 * ```
 */
export const POOL_CREATED_CHANNEL = 'pools:pool:created'

/**
 * `node:diagnostics_channel` name on which a pool is published as `{ pool }` once it has closed
 * (every resource destroyed): stop watching it.
 *
 * @example
 * ```ts
 * diagnosticsChannel.subscribe(POOL_CLOSED_CHANNEL, (message) => exporter.unwatch((message as PoolChannelMessage).pool))
 * ```
 */
export const POOL_CLOSED_CHANNEL = 'pools:pool:closed'

/**
 * What {@link POOL_CREATED_CHANNEL} and {@link POOL_CLOSED_CHANNEL} publish: the engine (for a
 * facade's pool, the `Pool` behind it).
 *
 * @example
 * ```ts
 * diagnosticsChannel.subscribe(POOL_CREATED_CHANNEL, (message) => console.log((message as PoolChannelMessage).pool.name))
 * ```
 */
export interface PoolChannelMessage {
  pool: Pool<unknown>
}

const created = diagnosticsChannel.channel(POOL_CREATED_CHANNEL)
const closed = diagnosticsChannel.channel(POOL_CLOSED_CHANNEL)

/** Open pools, held weakly: a pool nobody references can still be collected. */
interface Registry {
  live: Set<WeakRef<Pool<unknown>>>
  refs: WeakMap<Pool<unknown>, WeakRef<Pool<unknown>>>
  finalizer: FinalizationRegistry<WeakRef<Pool<unknown>>>
}

/**
 * One registry per process, kept on `globalThis` under a `Symbol.for` key: an app that loads both the
 * ES-module and the CommonJS build of @pools/core (say, its own code imports it and a CommonJS
 * dependency requires it) still sees every pool in `livePools()`.
 */
const REGISTRY_KEY = Symbol.for('@pools/core.livePools')
const registryHost = globalThis as { [REGISTRY_KEY]?: Registry }
function newRegistry(): Registry {
  const live = new Set<WeakRef<Pool<unknown>>>()
  return { live, refs: new WeakMap(), finalizer: new FinalizationRegistry((ref) => live.delete(ref)) }
}
registryHost[REGISTRY_KEY] ??= newRegistry()
const shared: Registry = registryHost[REGISTRY_KEY]
const { live, refs, finalizer: registry } = shared

/** A pool was constructed: remember it and publish it. Called by the pool's constructor. */
export function announceCreated(pool: Pool<unknown>): void {
  const ref = new WeakRef(pool)
  live.add(ref)
  refs.set(pool, ref)
  registry.register(pool, ref, ref)
  if (created.hasSubscribers) publish(created, pool)
}

/** A pool finished closing: forget it and publish it. */
export function announceClosed(pool: Pool<unknown>): void {
  const ref = refs.get(pool)
  if (ref !== undefined) {
    live.delete(ref)
    refs.delete(pool)
    registry.unregister(ref)
  }
  if (closed.hasSubscribers) publish(closed, pool)
}

function publish(channel: diagnosticsChannel.Channel, pool: Pool<unknown>): void {
  try {
    channel.publish({ pool } satisfies PoolChannelMessage)
  } catch {
    // a subscriber's throw is Node's to report (it does so asynchronously); it never reaches the pool
  }
}

/**
 * Every pool of this copy of `@pools/core` that is open (created and not yet closed), oldest
 * first. Pools are held weakly: one that is no longer referenced anywhere else disappears from the
 * list once garbage-collected, even if it was never closed.
 *
 * @example
 * ```ts
 * import { livePools } from '@pools/core'
 * for (const pool of livePools()) console.log(pool.name, pool.stats().pending)
 * ```
 */
export function livePools(): Pool<unknown>[] {
  const pools: Pool<unknown>[] = []
  for (const ref of live) {
    const pool = ref.deref()
    if (pool === undefined) live.delete(ref)
    else pools.push(pool)
  }
  return pools
}
