import type { Clock } from '../clock/clock.js'
import type { ResourceDriver } from '../driver/resource-driver.js'

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value))
}

/**
 * Run the driver's `validate` under `timeoutMs`. Resolves `true` when the
 * resource is usable, otherwise the reason it is not: `false`, a throw, a
 * rejection and a hang (timeout) all count as invalid. Never rejects.
 */
export function validateResource<T>(
  driver: ResourceDriver<T>,
  resource: T,
  timeoutMs: number,
  clock: Clock,
): Promise<true | Error> {
  const validate = driver.validate
  if (!validate) return Promise.resolve(true)
  return new Promise((resolve) => {
    const controller = new AbortController()
    let done = false
    const finish = (outcome: true | Error): void => {
      if (done) return
      done = true
      clock.clearTimeout(timer)
      resolve(outcome)
    }
    const judge = (value: boolean | undefined): void => {
      finish(value === false ? new Error('validate() returned false') : true)
    }
    const timer = clock.setTimeout(() => {
      const error = new Error(`validate() did not finish within validationTimeoutMs (${timeoutMs} ms)`)
      finish(error)
      controller.abort(error)
    }, timeoutMs)
    let result: boolean | Promise<boolean>
    try {
      result = validate.call(driver, resource, controller.signal)
    } catch (error) {
      finish(asError(error))
      return
    }
    if (result !== null && typeof result === 'object' && typeof (result as Promise<boolean>).then === 'function') {
      ;(result as Promise<boolean>).then(judge, (error: unknown) => finish(asError(error)))
    } else {
      judge(result as boolean)
    }
  })
}

/** Run `fn` (a reset or destroy) under `timeoutMs`; resolves the error, or undefined on success. Never rejects. */
export function runBounded(
  fn: () => Promise<void> | void,
  timeoutMs: number,
  clock: Clock,
  what: string,
): Promise<Error | undefined> {
  return new Promise((resolve) => {
    let done = false
    const finish = (outcome: Error | undefined): void => {
      if (done) return
      done = true
      clock.clearTimeout(timer)
      resolve(outcome)
    }
    const timer = clock.setTimeout(() => finish(new Error(`${what} did not finish within ${timeoutMs} ms`)), timeoutMs)
    try {
      Promise.resolve(fn()).then(
        () => finish(undefined),
        (error: unknown) => finish(asError(error)),
      )
    } catch (error) {
      finish(asError(error))
    }
  })
}

/**
 * Run the driver's `destroy` under `timeoutMs`. When the time runs out the destroy's signal is
 * aborted first (the driver tears the socket down at once, synchronously in its abort listener)
 * and only then is the destroy considered finished, with an error. Resolves the error, or
 * undefined on success. Never rejects.
 */
export function destroyBounded<T>(
  driver: ResourceDriver<T>,
  resource: T,
  timeoutMs: number,
  clock: Clock,
): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const controller = new AbortController()
    let done = false
    const finish = (outcome: Error | undefined): void => {
      if (done) return
      done = true
      clock.clearTimeout(timer)
      resolve(outcome)
    }
    const timer = clock.setTimeout(() => {
      const error = new Error(
        `destroy() did not finish within ${timeoutMs} ms (destroyTimeoutMs); its signal was aborted so the driver closes the socket now`,
      )
      controller.abort(error)
      finish(error)
    }, timeoutMs)
    try {
      Promise.resolve(driver.destroy(resource, controller.signal)).then(
        () => finish(undefined),
        (error: unknown) => finish(asError(error)),
      )
    } catch (error) {
      finish(asError(error))
    }
  })
}
