/** Time-bounded waiting, settling and load helpers for the fault suite. Nothing here can hang a test. */

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Poll `check` until it is true; throws after `timeoutMs` naming `what`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (performance.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`)
    await sleep(10)
  }
}

/** `promise`, or a rejection naming `what` if it has not settled within `ms` (the timer is always cleared). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

export type FaultError = Error & { code?: string; cause?: unknown }

/** The rejection of `promise`; fails if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<FaultError> {
  try {
    await promise
  } catch (error) {
    return error as FaultError
  }
  throw new Error('expected a rejection, but the promise resolved')
}

export interface Outcome<T> {
  ok: boolean
  value?: T
  error?: FaultError
  /** performance.now() at start and end. */
  startedAt: number
  endedAt: number
  ms: number
}

/** Run `fn` and record how it settled and how long it took; never throws. */
export async function timed<T>(fn: () => Promise<T>): Promise<Outcome<T>> {
  const startedAt = performance.now()
  try {
    const value = await fn()
    const endedAt = performance.now()
    return { ok: true, value, startedAt, endedAt, ms: endedAt - startedAt }
  } catch (error) {
    const endedAt = performance.now()
    return { ok: false, error: error as FaultError, startedAt, endedAt, ms: endedAt - startedAt }
  }
}

export interface LoadResult<T> {
  outcomes: Outcome<T>[]
  /** Calls that did not settle when the load was stopped and `drainMs` had passed (must be empty). */
  unsettled: number
}

/**
 * `callers` concurrent loops calling `call` until `stop()` resolves; a failed call is followed by a short
 * pause (`pauseAfterErrorMs`) so a failing pool cannot turn the test itself into a hot loop. Every call is
 * recorded with its duration. After `stop` every loop gets `drainMs` to finish its last call.
 */
export async function runLoad<T>(options: {
  callers: number
  call: (caller: number) => Promise<T>
  until: Promise<unknown>
  pauseAfterErrorMs?: number
  drainMs?: number
}): Promise<LoadResult<T>> {
  const outcomes: Outcome<T>[] = []
  let stopped = false
  let inFlight = 0
  void options.until.finally(() => {
    stopped = true
  })
  const loop = async (caller: number): Promise<void> => {
    while (!stopped) {
      inFlight++
      const outcome = await timed(() => options.call(caller))
      inFlight--
      outcomes.push(outcome)
      if (!outcome.ok) await sleep(options.pauseAfterErrorMs ?? 20)
    }
  }
  const loops = Promise.all(Array.from({ length: options.callers }, (_, i) => loop(i)))
  await options.until.catch(() => {})
  const drained = await within(loops, options.drainMs ?? 10_000, 'the load loops').then(
    () => true,
    () => false,
  )
  return { outcomes, unsettled: drained ? 0 : inFlight }
}

/** The engine's retry policy (its defaults: 100 ms doubling up to 10 s, up to 50 % jitter off each delay). */
export interface RetryPolicy {
  initialDelayMs?: number
  maxDelayMs?: number
  multiplier?: number
  jitterRatio?: number
}

/**
 * The most create attempts the engine's backoff allows in `windowMs`: `burst` creates started together
 * before the first failure, then one probe at a time, each taking at least `attemptMs` and spaced by the
 * backoff delay (at its shortest, i.e. with full jitter); counts attempts started within `windowMs`. A pool without backoff would make about
 * `windowMs / attemptMs` attempts per caller.
 */
export function backoffAttemptBound(windowMs: number, burst: number, attemptMs = 0, retry: RetryPolicy = {}): number {
  const initial = retry.initialDelayMs ?? 100
  const max = retry.maxDelayMs ?? 10_000
  const multiplier = retry.multiplier ?? 2
  const jitter = retry.jitterRatio ?? 0.5
  let attempts = burst
  let t = attemptMs // the first attempt(s) have failed
  let delay = initial
  for (;;) {
    t += Math.max(1, Math.floor(delay * (1 - jitter))) // the next probe starts
    if (t > windowMs) return attempts
    attempts++
    t += attemptMs
    delay = Math.min(delay * multiplier, max)
  }
}

/** The backoff delay in effect after `failures` consecutive failed attempts (before jitter): a caller arriving then waits at most this long for the next attempt. */
export function backoffDelayAfter(failures: number, retry: RetryPolicy = {}): number {
  const initial = retry.initialDelayMs ?? 100
  const max = retry.maxDelayMs ?? 10_000
  return Math.min(max, initial * (retry.multiplier ?? 2) ** Math.max(0, failures - 1))
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0
}
