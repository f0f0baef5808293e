import { performance } from 'node:perf_hooks'
import type { Clock, TimerHandle } from './clock.js'

/** The real clock: `performance.now()` and Node timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout(callback: () => void, delayMs: number, unref = false): TimerHandle {
    const timer = setTimeout(callback, Math.max(0, delayMs))
    if (unref) timer.unref()
    return timer
  },
  clearTimeout(handle: TimerHandle): void {
    clearTimeout(handle as NodeJS.Timeout)
  },
}
