/** Opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown

/**
 * The pool's only source of time. Every timeout, lifetime, keepalive and leak
 * threshold goes through it, so tests swap in `FakeClock` from
 * `@pools/core/testing` and run on deterministic, instant time.
 */
export interface Clock {
  /** Monotonic milliseconds (fractional allowed). Only differences are meaningful. */
  now(): number
  /**
   * Run `callback` once after `delayMs`. When `unref` is true the timer must not
   * keep the process alive (used for housekeeping).
   */
  setTimeout(callback: () => void, delayMs: number, unref?: boolean): TimerHandle
  /** Cancel a timer; cancelling an already-fired or unknown handle is a no-op. */
  clearTimeout(handle: TimerHandle): void
}
