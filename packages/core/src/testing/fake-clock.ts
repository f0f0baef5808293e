import type { Clock, TimerHandle } from '../clock/clock.js'

interface FakeTimer {
  id: number
  at: number
  callback: () => void
  unref: boolean
}

/** Let every pending promise continuation run (one macrotask turn). */
export function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/**
 * A deterministic {@link Clock} for tests: time only moves when you call
 * `advance`, and timers fire in order, with pending promise continuations
 * run between them.
 *
 * @example
 * ```ts
 * const clock = new FakeClock()
 * const pool = createPool(driver, { acquireTimeoutMs: 1_000 }, { clock })
 * const pending = pool.acquire()
 * await clock.advance(1_000) // the acquire times out, instantly
 * ```
 */
export class FakeClock implements Clock {
  #now: number
  #seq = 0
  readonly #timers = new Map<number, FakeTimer>()

  constructor(startMs = 1_000_000) {
    this.#now = startMs
  }

  now(): number {
    return this.#now
  }

  setTimeout(callback: () => void, delayMs: number, unref = false): TimerHandle {
    const id = ++this.#seq
    this.#timers.set(id, { id, at: this.#now + Math.max(0, delayMs), callback, unref })
    return id
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as number)
  }

  /** Timers not yet fired; `ref` ones would keep a real process alive. */
  pendingTimers(): { total: number; ref: number } {
    let ref = 0
    for (const timer of this.#timers.values()) if (!timer.unref) ref++
    return { total: this.#timers.size, ref }
  }

  /**
   * Move time forward by `ms` synchronously, without firing any timer, as a blocking synchronous job
   * (a long loop, a big `JSON.parse`) does; timers that fell due meanwhile run at the next `advance`.
   *
   * @example
   * ```ts
   * clock.block(400) // the code under test "ran" for 400 ms without yielding
   * await clock.advance(0) // overdue timers fire now
   * ```
   */
  block(ms: number): void {
    this.#now += ms
  }

  /** Move time forward by `ms`, firing every timer due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const until = this.#now + ms
    await flushMicrotasks()
    for (;;) {
      let next: FakeTimer | undefined
      for (const timer of this.#timers.values()) {
        if (
          timer.at <= until &&
          (next === undefined || timer.at < next.at || (timer.at === next.at && timer.id < next.id))
        ) {
          next = timer
        }
      }
      if (next === undefined) break
      this.#timers.delete(next.id)
      if (next.at > this.#now) this.#now = next.at
      next.callback()
      await flushMicrotasks()
    }
    this.#now = until
    await flushMicrotasks()
  }
}
