import type { Waiter } from './waiter.js'

/**
 * Queued acquires: one doubly linked FIFO list per priority. Push, shift and
 * remove are O(1); `shift` serves the highest priority first.
 */
export class WaiterQueue<T> {
  readonly #heads: [Waiter<T> | undefined, Waiter<T> | undefined, Waiter<T> | undefined] = [
    undefined,
    undefined,
    undefined,
  ]
  readonly #tails: [Waiter<T> | undefined, Waiter<T> | undefined, Waiter<T> | undefined] = [
    undefined,
    undefined,
    undefined,
  ]
  size = 0

  push(waiter: Waiter<T>): void {
    const p = waiter.priority
    const tail = this.#tails[p]
    waiter.prev = tail
    waiter.next = undefined
    if (tail) tail.next = waiter
    else this.#heads[p] = waiter
    this.#tails[p] = waiter
    this.size++
  }

  /** Put a waiter back at the head of its priority (it keeps its place in line). */
  unshift(waiter: Waiter<T>): void {
    const p = waiter.priority
    const head = this.#heads[p]
    waiter.prev = undefined
    waiter.next = head
    if (head) head.prev = waiter
    else this.#tails[p] = waiter
    this.#heads[p] = waiter
    this.size++
  }

  shift(): Waiter<T> | undefined {
    const waiter = this.#heads[0] ?? this.#heads[1] ?? this.#heads[2]
    if (waiter) this.remove(waiter)
    return waiter
  }

  remove(waiter: Waiter<T>): void {
    const p = waiter.priority
    if (waiter.prev) waiter.prev.next = waiter.next
    else if (this.#heads[p] === waiter) this.#heads[p] = waiter.next
    else return // not queued
    if (waiter.next) waiter.next.prev = waiter.prev
    else this.#tails[p] = waiter.prev
    waiter.prev = undefined
    waiter.next = undefined
    this.size--
  }

  /** Remove and return every waiter, highest priority first. */
  drain(): Waiter<T>[] {
    const all: Waiter<T>[] = []
    for (let w = this.shift(); w; w = this.shift()) all.push(w)
    return all
  }
}
