import type { PoolEventName, PoolEvents, PoolListener } from './pool-events.js'

type Listeners<T> = { [K in PoolEventName]?: PoolListener<T, K>[] }

/** A `once` wrapper remembers the listener it wraps, so `off(listener)` finds it. */
type OnceWrapper<T, K extends PoolEventName> = PoolListener<T, K> & { listener?: PoolListener<T, K> }

/**
 * A small typed emitter. Emitting to an event with no listeners costs one
 * property read (`has`), so the pool checks before building a payload. A
 * throwing listener (or an async one whose promise rejects) is reported as an
 * `error` event (or, with no `error` listener, to `unhandled`) and never
 * reaches the pool; a throwing `error` listener goes to `unhandled`. An `error`
 * event with no listener is dropped, never thrown (unlike Node's EventEmitter,
 * so a pool cannot crash the process).
 */
export class EventHub<T> {
  /** Listener arrays by event; a key is present only while it has listeners. */
  readonly listeners: Listeners<T> = {}

  /** `unhandled` receives a listener's throw when nobody listens to `error` (the pool logs it). */
  constructor(private readonly unhandled?: (error: Error, event: PoolEventName) => void) {}

  on<K extends PoolEventName>(event: K, listener: PoolListener<T, K>): void {
    const list = this.listeners[event] as PoolListener<T, K>[] | undefined
    // copy-on-write: an emit in progress keeps iterating its own array
    ;(this.listeners as Record<string, unknown>)[event] = list ? [...list, listener] : [listener]
  }

  /** Listen to the next occurrence only; `off(event, listener)` removes it before it fires. */
  once<K extends PoolEventName>(event: K, listener: PoolListener<T, K>): void {
    const wrapper: OnceWrapper<T, K> = (payload) => {
      this.off(event, wrapper)
      listener(payload)
    }
    wrapper.listener = listener
    this.on(event, wrapper)
  }

  off<K extends PoolEventName>(event: K, listener: PoolListener<T, K>): void {
    const list = this.listeners[event] as OnceWrapper<T, K>[] | undefined
    if (!list) return
    let i = list.indexOf(listener)
    if (i === -1) i = list.findIndex((l) => l.listener === listener)
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
        const result: unknown = (listener as (payload: PoolEvents<T>[K]) => unknown)(payload)
        // an async listener's rejection would otherwise be an unhandled rejection
        if (result !== undefined && typeof (result as PromiseLike<unknown>)?.then === 'function') {
          ;(result as PromiseLike<unknown>).then(undefined, (thrown: unknown) => this.#failed(event, thrown))
        }
      } catch (thrown) {
        this.#failed(event, thrown)
      }
    }
  }

  /** A listener threw (or its promise rejected): tell `error` listeners, or `unhandled`. Never throws. */
  #failed(event: PoolEventName, thrown: unknown): void {
    const error = toError(thrown)
    // an `error` listener's own failure goes straight to `unhandled`: no loop
    if (event !== 'error' && this.listeners.error) {
      this.emit('error', { error, resource: undefined })
      return
    }
    try {
      this.unhandled?.(error, event)
    } catch {
      // the last resort failed too (a throwing logger): nothing is left to tell
    }
  }
}

/** An Error for any thrown value, even one that cannot be turned into a string. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown
  let text: string
  try {
    text = String(thrown)
  } catch {
    text = Object.prototype.toString.call(thrown)
  }
  return new Error(text)
}
