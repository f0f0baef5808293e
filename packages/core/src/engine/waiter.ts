import type { PoolError } from '../errors/pool-error.js'
import type { AcquirePriority } from '../events/pool-events.js'

/** Numeric priority: 0 = high, 1 = normal, 2 = low. */
export type PriorityIndex = 0 | 1 | 2

export const PRIORITY_INDEX: Readonly<Record<AcquirePriority, PriorityIndex>> = { high: 0, normal: 1, low: 2 }
export const PRIORITY_NAMES: readonly AcquirePriority[] = ['high', 'normal', 'low']

/**
 * What `acquireWith()` calls back: `(null, resource)` when the resource is the caller's, `(error)` when
 * it will not be (the same `PoolError`s `acquire()` rejects with).
 */
export type AcquireCallback<T> = (error: PoolError | null, resource?: T) => void

/** Receives the abort of a waiter's signal. */
export interface AbortSink<T> {
  abortWaiter(waiter: Waiter<T>): void
}

/**
 * One queued acquire: what the queue, the deadline timer and the hand-off need, and nothing else
 * (a waiter is allocated for every caller that waits, so every field costs on a busy pool).
 */
export class Waiter<T> {
  /** Served, timed out, aborted or failed: it is skipped wherever it still sits. */
  settled = false
  resolve!: (resource: T) => void
  reject!: (error: unknown) => void
  /** Its AbortSignal listener, when the caller passed a signal. */
  abort: AbortHook<T> | undefined = undefined
  /** The caller's callback (`acquireWith()`); undefined: the caller awaits a promise (`acquire()`). */
  callback: AcquireCallback<T> | undefined = undefined

  constructor(
    readonly id: number,
    readonly priority: PriorityIndex,
    readonly enqueuedAt: number,
    /** When it times out; `Infinity` without a timeout. */
    readonly deadline: number,
    /**
     * Its deadline is the pool's default (`enqueuedAt + acquireTimeoutMs`). Such deadlines come in
     * the order waiters are queued, so the waiter queue itself keeps them in order; only waiters
     * with their own `timeoutMs` need the deadline heap.
     */
    readonly inOrder: boolean,
    /** Acquire-site, when leak detection captures stacks. */
    readonly site: Error | undefined,
  ) {}

  /** Hand `resource` to the caller: its promise resolves, or its callback runs on the next tick. */
  grant(resource: T): void {
    if (this.callback === undefined) this.resolve(resource)
    else process.nextTick(this.callback, null, resource)
  }

  /** Tell the caller it gets nothing: its promise rejects, or its callback runs with `error` on the next tick. */
  refuse(error: PoolError): void {
    if (this.callback === undefined) this.reject(error)
    else process.nextTick(this.callback, error)
  }
}

/** The waiter whose promise is being built; `capture` runs synchronously inside `waitFor`. */
// biome-ignore lint/suspicious/noExplicitAny: a module-level slot shared by every Waiter<T>
let constructing: Waiter<any> | undefined

/** One shared executor instead of a closure (and its context) per waiter. */
// biome-ignore lint/suspicious/noExplicitAny: the resolve of a Promise<T> for any T
function capture(resolve: (resource: any) => void, reject: (error: unknown) => void): void {
  const waiter = constructing!
  constructing = undefined
  waiter.resolve = resolve
  waiter.reject = reject
}

/** The promise the caller of a queued acquire awaits; settled through `waiter.resolve/reject`. */
export function waitFor<T>(waiter: Waiter<T>): Promise<T> {
  constructing = waiter
  return new Promise<T>(capture)
}

/**
 * A waiter's AbortSignal listener (an EventListener object: no closure). Allocated only for
 * callers that pass a signal.
 */
export class AbortHook<T> {
  constructor(
    readonly signal: AbortSignal,
    readonly waiter: Waiter<T>,
    readonly sink: AbortSink<T>,
  ) {}

  handleEvent(): void {
    this.sink.abortWaiter(this.waiter)
  }
}
