/**
 * The "floor": the least work any pool can do for acquire/release.
 *
 * - idle resources live in an array used as a stack (LIFO: the warmest resource is reused first),
 * - waiters live in a FIFO ring buffer (power-of-two capacity, grows by doubling, never shifts),
 * - a waiting acquire costs exactly one promise; the fast path is `Promise.resolve(stack.pop())`.
 *
 * No timeouts, no validation, no stats, no events, no error handling beyond the bare minimum.
 * Every real pool does strictly more than this, so "ours / floor" measures our overhead.
 */
export class FloorPool {
  /**
   * @param {() => Promise<unknown>} create
   * @param {(r: unknown) => unknown} destroy
   * @param {number} max
   */
  constructor(create, destroy, max) {
    this.create = create
    this.destroy = destroy
    this.max = max
    this.size = 0
    this.idle = []
    this.ring = new Array(16)
    this.mask = 15
    this.head = 0
    this.length = 0
  }

  acquire() {
    if (this.idle.length > 0) return Promise.resolve(this.idle.pop())
    if (this.size < this.max) {
      this.size++
      return this.create()
    }
    return this.wait()
  }

  // Kept out of acquire(): the executor closure captures `this`, and a closure in acquire() would
  // make V8 allocate a context on every call, fast path included.
  wait() {
    return new Promise((resolve) => this.enqueue(resolve))
  }

  enqueue(resolve) {
    if (this.length > this.mask) this.grow()
    this.ring[(this.head + this.length) & this.mask] = resolve
    this.length++
  }

  release(resource) {
    if (this.length > 0) {
      const resolve = this.ring[this.head]
      this.ring[this.head] = undefined
      this.head = (this.head + 1) & this.mask
      this.length--
      resolve(resource)
      return
    }
    this.idle.push(resource)
  }

  grow() {
    const next = new Array(this.ring.length * 2)
    for (let i = 0; i < this.length; i++) next[i] = this.ring[(this.head + i) & this.mask]
    this.ring = next
    this.mask = next.length - 1
    this.head = 0
  }

  async close() {
    const idle = this.idle
    this.idle = []
    this.size -= idle.length
    await Promise.all(idle.map((r) => this.destroy(r)))
  }
}
