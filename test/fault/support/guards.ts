/**
 * Process-level guards every fault test file installs: no unhandled rejection, no uncaught exception,
 * a process that is still alive and responsive after each test.
 */
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import { sleep } from './timing.js'

export interface ProcessGuards {
  /** Reasons of every 'unhandledRejection' seen since the file started. */
  readonly rejections: unknown[]
  /** Errors of every uncaught exception seen since the file started (observed, not swallowed). */
  readonly uncaught: unknown[]
  /** The process is alive: no recorded failures, no exit code set, the event loop turns within 1 s. */
  expectLiveProcess(): Promise<void>
}

function describeReason(reason: unknown): string {
  if (reason instanceof Error) return `${reason.name}: ${reason.message}\n${reason.stack ?? ''}`
  return String(reason)
}

/**
 * Record `unhandledRejection` and `uncaughtExceptionMonitor` for the whole file and assert after every test
 * that none happened (a short settle first: Node reports an unhandled rejection one turn after it happens).
 */
export function useProcessGuards(): ProcessGuards {
  const rejections: unknown[] = []
  const uncaught: unknown[] = []
  const onRejection = (reason: unknown): void => {
    rejections.push(reason)
  }
  const onUncaught = (error: unknown): void => {
    uncaught.push(error)
  }

  const guards: ProcessGuards = {
    rejections,
    uncaught,
    async expectLiveProcess() {
      const started = performance.now()
      await new Promise<void>((resolve) => setImmediate(resolve))
      await sleep(1)
      expect(performance.now() - started, 'event loop turn').toBeLessThan(1_000)
      expect(process.exitCode ?? 0, 'process.exitCode').toBe(0)
      expect(rejections.map(describeReason), 'unhandled rejections').toEqual([])
      expect(uncaught.map(describeReason), 'uncaught exceptions').toEqual([])
    },
  }

  beforeAll(() => {
    process.on('unhandledRejection', onRejection)
    process.on('uncaughtExceptionMonitor', onUncaught)
  })
  afterEach(async () => {
    await sleep(50)
    await guards.expectLiveProcess()
  })
  afterAll(() => {
    process.off('unhandledRejection', onRejection)
    process.off('uncaughtExceptionMonitor', onUncaught)
  })
  return guards
}
