import type { PoolError } from '../errors/pool-error.js'
import type { DestroyReason } from '../stats/pool-stats.js'

/** Priority of an acquire. Waiters are served high → normal → low, FIFO within each. */
export type AcquirePriority = 'high' | 'normal' | 'low'

/** A borrowed resource held longer than `leakDetectionThresholdMs`. */
export interface LeakReport<T> {
  /** Correlation id of the acquire that borrowed it. */
  id: number
  resource: T
  heldMs: number
  /** Stack of the acquire call site (when `leakCaptureStack` is on). */
  stack: string | undefined
}

/**
 * Every event a pool emits, with its payload. Each acquire gets a correlation
 * `id` that is repeated in its `enqueue`, `acquire`, `timeout`, `abort`,
 * `release`, `leak` and `leakReturned` events.
 */
export interface PoolEvents<T> {
  /** An acquire had to wait in the queue. */
  enqueue: { id: number; priority: AcquirePriority; pending: number }
  /** An acquire got its resource. */
  acquire: { id: number; resource: T; waitMs: number }
  /** A resource came back. */
  release: { id: number; resource: T; heldMs: number }
  /** An acquire gave up after its timeout. */
  timeout: { id: number; waitMs: number; error: PoolError }
  /** An acquire was cancelled through its AbortSignal. */
  abort: { id: number; waitMs: number }
  /** A resource was created. */
  create: { resource: T; createMs: number }
  /** A create failed; `retryInMs` is when the pool tries again (undefined: no demand left). */
  createError: { error: PoolError; attempt: number; retryInMs: number | undefined }
  /** A resource was destroyed, and why. */
  destroy: { resource: T; reason: DestroyReason }
  /** Validation found a resource unusable. */
  validationFailed: { resource: T; phase: 'borrow' | 'release' | 'idle'; error: unknown }
  /** A resource has been held longer than the leak threshold. */
  leak: LeakReport<T>
  /** A leak suspect came back (or was reclaimed: `reclaimed` true). */
  leakReturned: { id: number; resource: T; heldMs: number; reclaimed: boolean }
  /** Something failed in the background (a destroy, a reset, a listener). Never thrown. */
  error: { error: PoolError | Error; resource: T | undefined }
  /** `suspend()` took effect. */
  suspend: Record<string, never>
  /** `resume()` took effect. */
  resume: Record<string, never>
  /** `resize()` took effect. */
  resize: { min: number; max: number }
  /** `close()` started. */
  close: { graceMs: number }
  /** The pool is closed and every resource destroyed. */
  closed: Record<string, never>
}

/** Name of a pool event. */
export type PoolEventName = keyof PoolEvents<unknown>

/** A listener for event `K`. */
export type PoolListener<T, K extends PoolEventName> = (event: PoolEvents<T>[K]) => void
