import type { AcquirePriority } from '../events/pool-events.js'

/** Numeric priority: 0 = high, 1 = normal, 2 = low. */
export type PriorityIndex = 0 | 1 | 2

export const PRIORITY_INDEX: Readonly<Record<AcquirePriority, PriorityIndex>> = { high: 0, normal: 1, low: 2 }
export const PRIORITY_NAMES: readonly AcquirePriority[] = ['high', 'normal', 'low']

/** Receives the abort of a waiter's signal. */
export interface AbortSink<T> {
  abortWaiter(waiter: Waiter<T>): void
}

/** The waiter whose promise is being built; `capture` runs synchronously inside its constructor. */
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

/**
 * One queued acquire. It is its own AbortSignal listener (`handleEvent`), so
 * waiting with a signal allocates no closure, and it is a node of the waiter
 * queue's linked list, so cancelling it is O(1).
 */
export class Waiter<T> {
  prev: Waiter<T> | undefined = undefined
  next: Waiter<T> | undefined = undefined
  settled = false
  resolve!: (resource: T) => void
  reject!: (error: unknown) => void
  readonly promise: Promise<T>

  constructor(
    readonly id: number,
    readonly priority: PriorityIndex,
    readonly enqueuedAt: number,
    readonly deadline: number,
    readonly signal: AbortSignal | undefined,
    readonly site: Error | undefined,
    readonly sink: AbortSink<T>,
  ) {
    constructing = this
    this.promise = new Promise<T>(capture)
  }

  handleEvent(): void {
    this.sink.abortWaiter(this)
  }
}
