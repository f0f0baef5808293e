import type { PoolEventName, PoolEvents, PoolListener } from './pool-events.js'

type Listeners<T> = { [K in PoolEventName]?: PoolListener<T, K>[] }

/**
 * A small typed emitter. Emitting to an event with no listeners costs one
 * property read (`has`), so the pool checks before building a payload. A
 * throwing listener is reported as an `error` event and never reaches the pool;
 * an `error` event with no listener is dropped, never thrown (unlike Node's
 * EventEmitter, so a pool cannot crash the process).
 */
export class EventHub<T> {
  /** Listener arrays by event; a key is present only while it has listeners. */
  readonly listeners: Listeners<T> = {}

  on<K extends PoolEventName>(event: K, listener: PoolListener<T, K>): void {
    const list = this.listeners[event] as PoolListener<T, K>[] | undefined
    // copy-on-write: an emit in progress keeps iterating its own array
    ;(this.listeners as Record<string, unknown>)[event] = list ? [...list, listener] : [listener]
  }

  off<K extends PoolEventName>(event: K, listener: PoolListener<T, K>): void {
    const list = this.listeners[event] as PoolListener<T, K>[] | undefined
    if (!list) return
    const i = list.indexOf(listener)
    if (i === -1) return
    const next = list.slice(0, i).concat(list.slice(i + 1))
    if (next.length === 0) delete this.listeners[event]
    else (this.listeners as Record<string, unknown>)[event] = next
  }

  has(event: PoolEventName): boolean {
    return this.listeners[event] !== undefined
  }

  emit<K extends PoolEventName>(event: K, payload: PoolEvents<T>[K]): void {
    const list = this.listeners[event] as PoolListener<T, K>[] | undefined
    if (!list) return
    for (const listener of list) {
      try {
        listener(payload)
      } catch (error) {
        if (event !== 'error' && this.listeners.error) {
          this.emit('error', { error: error instanceof Error ? error : new Error(String(error)), resource: undefined })
        }
      }
    }
  }
}
