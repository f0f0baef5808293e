import type { LeakReport } from '../events/pool-events.js'

/** The warning for a loan held past `leakDetectionThresholdMs`. `firstLeak`: stacks are recorded from now on. */
export function leakWarning(
  name: string,
  report: LeakReport<unknown>,
  thresholdMs: number,
  firstLeak: () => boolean,
): string {
  return (
    `[pools:${name}] possible leak: acquire #${report.id} has held a resource for ${Math.round(report.heldMs)} ms ` +
    `(leakDetectionThresholdMs ${thresholdMs})` +
    (report.stack
      ? `; acquired at:\n${report.stack}`
      : firstLeak()
        ? '; acquire-site stacks are recorded from now on, so the next report says where (leakCaptureStack "after-first-leak")'
        : '; set leakCaptureStack: "always" to see where it was acquired')
  )
}

/** The warning for a loan reclaimed after `leakReclaimAfterMs`. */
export function reclaimWarning(name: string, id: number, heldMs: number, reclaimAfterMs: number): string {
  return (
    `[pools:${name}] reclaimed a leaked resource: acquire #${id} held it for ${Math.round(heldMs)} ms ` +
    `(leakReclaimAfterMs ${reclaimAfterMs}); it was destroyed and its slot freed.`
  )
}

/** The info line when a leak suspect comes back. */
export function leakReturnedInfo(name: string, id: number, heldMs: number, reclaimed: boolean): string {
  return `[pools:${name}] leak suspect #${id} returned after ${Math.round(heldMs)} ms${reclaimed ? ' (already reclaimed)' : ''}`
}
