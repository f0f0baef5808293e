import type { Waiter } from './waiter.js'

/**
 * One priority's waiters in arrival order: a power-of-two ring buffer. A waiter that leaves early
 * (timeout, abort) stays in its slot as a tombstone and is skipped when it reaches the front; the
 * ring is compacted when tombstones outnumber the live waiters, so memory stays bounded.
 */
class Ring<T> {
  #slots: (Waiter<T> | undefined)[] = new Array(16)
  #mask = 15
  #head = 0
  /** Occupied slots from the head, tombstones included. */
  #length = 0
  /** Slots from the head known to hold no live in-order waiter (see `firstInOrder`). */
  #scanned = 0
  live = 0

  push(waiter: Waiter<T>): void {
    if (this.#length > this.#mask) this.#resize(this.#slots.length * 2)
    this.#slots[(this.#head + this.#length) & this.#mask] = waiter
    this.#length++
    this.live++
  }

  shift(): Waiter<T> | undefined {
    const slots = this.#slots
    while (this.#length > 0) {
      const waiter = slots[this.#head]!
      slots[this.#head] = undefined
      this.#head = (this.#head + 1) & this.#mask
      this.#length--
      if (this.#scanned > 0) this.#scanned--
      if (!waiter.settled) {
        if (--this.live === 0 && this.#length > 0) this.#clearTombstones()
        return waiter
      }
    }
    return undefined
  }

  /** Nothing live is left: let go of the tombstones still in their slots. */
  #clearTombstones(): void {
    for (let i = 0; i < this.#length; i++) this.#slots[(this.#head + i) & this.#mask] = undefined
    this.#head = 0
    this.#length = 0
    this.#scanned = 0
  }

  /** A waiter queued here left early and is already marked settled: it stays as a tombstone. */
  drop(): void {
    if (--this.live === 0) this.#clearTombstones()
    else if (this.#length > 2 * this.live + 64) {
      let size = 16
      while (size < this.live * 2) size *= 2
      this.#resize(size, true)
    }
  }

  /** The first live waiter with the pool's default deadline (the earliest such deadline here). */
  firstInOrder(): Waiter<T> | undefined {
    const slots = this.#slots
    while (this.#scanned < this.#length) {
      const waiter = slots[(this.#head + this.#scanned) & this.#mask]!
      if (!waiter.settled && waiter.inOrder) return waiter
      this.#scanned++
    }
    return undefined
  }

  /** Move the occupied slots (only live ones when `liveOnly`) into a fresh array of `size` slots. */
  #resize(size: number, liveOnly = false): void {
    const next: (Waiter<T> | undefined)[] = new Array(size)
    let n = 0
    for (let i = 0; i < this.#length; i++) {
      const waiter = this.#slots[(this.#head + i) & this.#mask]!
      if (!liveOnly || !waiter.settled) next[n++] = waiter
    }
    this.#slots = next
    this.#mask = size - 1
    this.#head = 0
    this.#length = n
    this.#scanned = 0
  }

  /** Remove every waiter (tombstones dropped), in order. */
  drainInto(out: Waiter<T>[]): void {
    for (let w = this.shift(); w; w = this.shift()) out.push(w)
    this.#slots = new Array(16)
    this.#mask = 15
    this.#head = 0
    this.#length = 0
    this.#scanned = 0
  }

  /** Slots in use, tombstones included (for tests). */
  get slots(): number {
    return this.#length
  }
}

/**
 * Queued acquires: one FIFO ring per priority. Push and shift are O(1); `remove` (a timeout or an
 * abort) is O(1) too: it leaves a tombstone. `shift` serves the highest priority first.
 *
 * The queue also orders the deadline timer's work: waiters with the pool's default timeout
 * (`inOrder`) have deadlines in arrival order, so the earliest of them is the first live one in
 * some ring (`firstInOrder`), with no second structure to keep in step on every hand-off.
 */
export class WaiterQueue<T> {
  readonly #rings: readonly [Ring<T>, Ring<T>, Ring<T>] = [new Ring<T>(), new Ring<T>(), new Ring<T>()]
  size = 0

  push(waiter: Waiter<T>): void {
    this.#rings[waiter.priority].push(waiter)
    this.size++
  }

  shift(): Waiter<T> | undefined {
    if (this.size === 0) return undefined
    const rings = this.#rings
    const ring = rings[0].live > 0 ? rings[0] : rings[1].live > 0 ? rings[1] : rings[2]
    this.size--
    // the ring's live count says it holds a live waiter
    return ring.shift()!
  }

  /**
   * Take a queued, not yet settled waiter out of line (it timed out or was aborted). It is marked
   * settled here; its slot is reclaimed lazily.
   */
  remove(waiter: Waiter<T>): void {
    if (waiter.settled) return
    waiter.settled = true
    this.#rings[waiter.priority].drop()
    this.size--
  }

  /** The live waiter with the pool's default timeout that was queued first (earliest deadline). */
  firstInOrder(): Waiter<T> | undefined {
    let first: Waiter<T> | undefined
    for (const ring of this.#rings) {
      const w = ring.firstInOrder()
      if (w !== undefined && (first === undefined || w.deadline < first.deadline)) first = w
    }
    return first
  }

  /** Remove and return every waiter, highest priority first. */
  drain(): Waiter<T>[] {
    const all: Waiter<T>[] = []
    for (const ring of this.#rings) ring.drainInto(all)
    this.size = 0
    return all
  }

  /** Occupied slots per priority, tombstones included (for tests). */
  slots(): [number, number, number] {
    return [this.#rings[0].slots, this.#rings[1].slots, this.#rings[2].slots]
  }
}
