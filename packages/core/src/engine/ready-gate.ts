interface ReadyWaiter {
  target: number
  resolve: () => void
  reject: (error: unknown) => void
}

/**
 * The callers of `pool.ready()`: each waits until `target` resources are open, or rejects at the
 * first failed create (fail fast at start-up) or at close.
 */
export class ReadyGate {
  #waiters: ReadyWaiter[] = []
  /** The most any waiter needs open; the pool creates up to it (0 when nobody waits). */
  target = 0

  /** Wait until `target` resources are open; `fill` starts the creates. */
  wait(target: number, fill: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ target, resolve, reject })
      if (target > this.target) this.target = target
      fill()
    })
  }

  /** `open` resources are open now: resolve those satisfied. */
  opened(open: number): void {
    if (this.#waiters.length === 0) return
    const still: ReadyWaiter[] = []
    for (const waiter of this.#waiters) {
      if (open >= waiter.target) waiter.resolve()
      else still.push(waiter)
    }
    this.#waiters = still
    if (still.length === 0) this.target = 0
  }

  /** Reject every waiter (a failed create, or close) with the error `errorFor()` builds. */
  fail(errorFor: () => unknown): void {
    if (this.#waiters.length === 0) return
    const waiters = this.#waiters
    this.#waiters = []
    this.target = 0
    const error = errorFor()
    for (const waiter of waiters) waiter.reject(error)
  }
}
