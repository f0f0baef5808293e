import type { Clock, TimerHandle } from '../clock/clock.js'
import { deferToMicrotask } from './microtask.js'

/** What closing needs from the pool. */
export interface ShutdownHost {
  /** Callers still queued: a serving close waits until there are none. */
  waiting(): number
  /** The part that waits for no one: refuse queued callers, stop creating, destroy idle resources. */
  endDrain(): void
  /** The grace period is over: destroy every resource, borrowed ones included. */
  graceOver(): void
}

/**
 * The state of a close in progress: its promise, the grace timer, and whether it is still serving
 * the callers queued before it (`close({ serveWaiting: true })`).
 */
export class Shutdown {
  /** Set by the first `close()`; every later call returns it. */
  promise: Promise<void> | undefined
  /** Serving the callers queued before `close({ serveWaiting: true })`. */
  draining = false
  #resolve: (() => void) | undefined
  #graceTimer: TimerHandle | undefined
  #checkQueued = false
  readonly #check = (): void => {
    this.#checkQueued = false
    if (this.draining && this.host.waiting() === 0) this.host.endDrain()
  }

  constructor(
    private readonly clock: Clock,
    private readonly host: ShutdownHost,
  ) {}

  /** Start closing: the promise, and the grace timer unless `graceMs` is `Infinity`. */
  begin(graceMs: number): Promise<void> {
    this.promise = new Promise<void>((resolve) => {
      this.#resolve = resolve
    })
    if (graceMs !== Number.POSITIVE_INFINITY) {
      this.#graceTimer = this.clock.setTimeout(() => {
        this.#graceTimer = undefined
        this.host.graceOver()
      }, graceMs)
    }
    return this.promise
  }

  /** The queue just became empty: a serving close can go on (in a microtask, after the current hand-off). */
  queueEmptied(): void {
    if (!this.draining || this.#checkQueued) return
    this.#checkQueued = true
    deferToMicrotask(this.#check)
  }

  /** Everything is destroyed: cancel the grace timer and resolve. */
  finish(): void {
    if (this.#graceTimer !== undefined) this.clock.clearTimeout(this.#graceTimer)
    this.#graceTimer = undefined
    this.#resolve?.()
  }
}
