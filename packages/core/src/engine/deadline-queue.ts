import type { Clock, TimerHandle } from '../clock/clock.js'
import type { Waiter } from './waiter.js'

/** Called for each waiter whose deadline has passed. */
export type ExpireWaiter<T> = (waiter: Waiter<T>, now: number) => void

/**
 * Acquire timeouts with a single timer for the whole pool.
 *
 * Waiters using the pool's default timeout arrive with increasing deadlines, so
 * they sit in a FIFO ring (O(1) in and out); the rare waiter with its own
 * `timeoutMs` goes into a min-heap. The one timer is armed for the earliest
 * deadline and is only moved earlier, never on every acquire: when a waiter is
 * served its entry is dropped lazily (`trim`), and a timer that fires for an
 * already-served waiter just re-arms for the next live one.
 */
export class DeadlineQueue<T> {
  #ring: Waiter<T>[] = []
  #head = 0
  readonly #heap: Waiter<T>[] = []
  #timer: TimerHandle | undefined
  #armedAt = Number.POSITIVE_INFINITY

  constructor(
    private readonly clock: Clock,
    private readonly expire: ExpireWaiter<T>,
  ) {}

  /** Track `waiter`; `fifo` is true when its deadline cannot be earlier than any already in the ring. */
  add(waiter: Waiter<T>, fifo: boolean): void {
    if (fifo) this.#ring.push(waiter)
    else this.#heapPush(waiter)
    if (waiter.deadline < this.#armedAt) this.#arm(waiter.deadline)
  }

  /**
   * Drop served or cancelled entries from the front; compact when they pile up
   * behind a live one; disarm the timer when no entry is left.
   */
  trim(live: number): void {
    const ring = this.#ring
    while (this.#head < ring.length && ring[this.#head]!.settled) this.#head++
    if (this.#head === ring.length) {
      if (ring.length > 0) {
        this.#ring = []
        this.#head = 0
      }
    } else if (ring.length - this.#head > 2 * live + 64) {
      this.#ring = ring.slice(this.#head).filter((w) => !w.settled)
      this.#head = 0
    } else if (this.#head > 1024 && this.#head * 2 > ring.length) {
      this.#ring = ring.slice(this.#head)
      this.#head = 0
    }
    const heap = this.#heap
    while (heap.length > 0 && heap[0]!.settled) this.#heapPop()
    if (heap.length === 0 && this.#ring.length === 0 && this.#timer !== undefined) {
      // nobody left to time out: a served caller's deadline must not keep the process alive
      this.clock.clearTimeout(this.#timer)
      this.#timer = undefined
      this.#armedAt = Number.POSITIVE_INFINITY
    }
  }

  /** Cancel the timer and forget every entry. */
  clear(): void {
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#armedAt = Number.POSITIVE_INFINITY
    this.#ring = []
    this.#head = 0
    this.#heap.length = 0
  }

  get size(): number {
    return this.#ring.length - this.#head + this.#heap.length
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
    for (;;) {
      const ring = this.#ring
      while (this.#head < ring.length && ring[this.#head]!.settled) this.#head++
      while (this.#heap.length > 0 && this.#heap[0]!.settled) this.#heapPop()
      const fromRing = this.#head < ring.length ? ring[this.#head] : undefined
      const fromHeap = this.#heap[0]
      const next = fromHeap && (!fromRing || fromHeap.deadline < fromRing.deadline) ? fromHeap : fromRing
      if (!next) {
        this.#ring = []
        this.#head = 0
        return
      }
      if (next.deadline > now) {
        this.#arm(next.deadline)
        return
      }
      if (next === fromHeap) this.#heapPop()
      else this.#head++
      this.expire(next, now)
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
