import type { Clock, TimerHandle } from '../clock/clock.js'
import type { Waiter } from './waiter.js'

/** Called for each waiter whose deadline has passed. */
export type ExpireWaiter<T> = (waiter: Waiter<T>, now: number) => void

/** Where the waiters with the pool's default timeout are: the waiter queue, in arrival order. */
export interface InOrderSource<T> {
  /** The live in-order waiter with the earliest deadline. */
  firstInOrder(): Waiter<T> | undefined
}

/**
 * Acquire timeouts with a single timer for the whole pool.
 *
 * Waiters using the pool's default timeout (`inOrder`) arrive with increasing deadlines, and the
 * waiter queue already holds them in arrival order, so they need no entry here at all: the timer
 * asks the queue for the earliest. The rare waiter with its own `timeoutMs` goes into a min-heap.
 * The one timer is armed for the earliest deadline and only moved earlier, never on every
 * acquire: a timer that fires after its waiter was served just re-arms for the next live one.
 */
export class DeadlineQueue<T> {
  readonly #heap: Waiter<T>[] = []
  #timer: TimerHandle | undefined
  #armedAt = Number.POSITIVE_INFINITY

  constructor(
    private readonly clock: Clock,
    private readonly inOrder: InOrderSource<T>,
    private readonly expire: ExpireWaiter<T>,
  ) {}

  /** Track a newly queued waiter with a finite deadline. */
  add(waiter: Waiter<T>): void {
    if (!waiter.inOrder) this.#heapPush(waiter)
    if (waiter.deadline < this.#armedAt) this.#arm(waiter.deadline)
  }

  /**
   * A waiter with its own timeout was settled (served, aborted, failed): drop settled entries from
   * the heap's top, and rebuild the heap when settled entries pile up behind a live one.
   * `waiting`: waiters still queued (an upper bound on the live entries).
   */
  settledOwn(waiting: number): void {
    const heap = this.#heap
    while (heap.length > 0 && heap[0]!.settled) this.#heapPop()
    if (heap.length > 2 * waiting + 64) {
      const live = heap.filter((w) => !w.settled)
      heap.length = 0
      for (const w of live) this.#heapPush(w)
    }
  }

  /** Nobody is waiting any more: a served caller's deadline must not keep the process alive. */
  clear(): void {
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#armedAt = Number.POSITIVE_INFINITY
    this.#heap.length = 0
  }

  /** Entries in the heap, settled ones not yet dropped included (for tests). */
  get heapSize(): number {
    return this.#heap.length
  }

  /** Is the timer armed? (for tests) */
  get armed(): boolean {
    return this.#timer !== undefined
  }

  #arm(at: number): void {
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer)
    this.#armedAt = at
    this.#timer = this.clock.setTimeout(this.#fire, at - this.clock.now())
  }

  readonly #fire = (): void => {
    this.#timer = undefined
    this.#armedAt = Number.POSITIVE_INFINITY
    const now = this.clock.now()
    const heap = this.#heap
    for (;;) {
      while (heap.length > 0 && heap[0]!.settled) this.#heapPop()
      const fromQueue = this.inOrder.firstInOrder()
      const fromHeap = heap[0]
      const next = fromHeap && (!fromQueue || fromHeap.deadline < fromQueue.deadline) ? fromHeap : fromQueue
      if (!next) return
      if (next.deadline > now) {
        this.#arm(next.deadline)
        return
      }
      if (next === fromHeap) this.#heapPop()
      // settles `next` (the queue then skips it), or leaves it for good if the pool is stopping
      this.expire(next, now)
      if (!next.settled) return
    }
  }

  #heapPush(waiter: Waiter<T>): void {
    const heap = this.#heap
    let i = heap.push(waiter) - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (heap[parent]!.deadline <= waiter.deadline) break
      heap[i] = heap[parent]!
      i = parent
    }
    heap[i] = waiter
  }

  #heapPop(): void {
    const heap = this.#heap
    const last = heap.pop()!
    if (heap.length === 0) return
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      if (left >= heap.length) break
      const right = left + 1
      const child = right < heap.length && heap[right]!.deadline < heap[left]!.deadline ? right : left
      if (heap[child]!.deadline >= last.deadline) break
      heap[i] = heap[child]!
      i = child
    }
    heap[i] = last
  }
}
