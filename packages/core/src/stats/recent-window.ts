import { Histogram } from './histogram.js'

const SLICES = 6

class Slice {
  start = Number.NEGATIVE_INFINITY
  timeouts = 0
  created = 0
  createErrors = 0
  readonly acquireWait = new Histogram()

  clear(start: number): void {
    this.start = start
    this.timeouts = 0
    this.created = 0
    this.createErrors = 0
    this.acquireWait.reset()
  }
}

/** What happened in the last `windowMs`, for health checks. */
export interface RecentActivity {
  windowMs: number
  timeouts: number
  created: number
  createErrors: number
  acquireWait: Histogram
}

/**
 * A sliding window of recent activity in fixed memory: six slices that are
 * recycled as time moves on. Rotation happens lazily on record, so there is
 * no timer of its own. An event counts for between `windowMs` minus one slice
 * and `windowMs`, never longer.
 */
export class RecentWindow {
  readonly #sliceMs: number
  readonly #windowMs: number
  readonly #slices: Slice[] = Array.from({ length: SLICES }, () => new Slice())
  #current: Slice
  #currentEnd = Number.NEGATIVE_INFINITY

  constructor(windowMs: number) {
    this.#windowMs = windowMs
    this.#sliceMs = Math.max(1, windowMs / SLICES)
    this.#current = this.#slices[0]!
  }

  /** The slice for `now`, rotating if needed. */
  at(now: number): Slice {
    if (now < this.#currentEnd) return this.#current
    // index from `now` directly: dividing `start` again can land one slice off in floating point
    const index = Math.floor(now / this.#sliceMs)
    const start = index * this.#sliceMs
    const slice = this.#slices[index % SLICES]!
    if (slice.start !== start) slice.clear(start)
    this.#current = slice
    this.#currentEnd = start + this.#sliceMs
    return slice
  }

  recent(now: number): RecentActivity {
    const acquireWait = new Histogram()
    let timeouts = 0
    let created = 0
    let createErrors = 0
    const from = now - this.#windowMs
    for (const slice of this.#slices) {
      // only slices that start inside the window: nothing older than windowMs is counted
      if (slice.start < from || slice.start > now) continue
      timeouts += slice.timeouts
      created += slice.created
      createErrors += slice.createErrors
      acquireWait.merge(slice.acquireWait)
    }
    return { windowMs: this.#windowMs, timeouts, created, createErrors, acquireWait }
  }
}
