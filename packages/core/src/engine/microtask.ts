const resolved = Promise.resolve()

/**
 * Run `callback` in a microtask. Node's `queueMicrotask()` wraps every callback in an
 * `AsyncResource` and a bound function, which costs more than the pool work it defers; a reaction
 * on one shared resolved promise joins the same microtask queue (same order) for a promise and a
 * reaction job. `callback` must not throw.
 */
export function deferToMicrotask(callback: () => void): void {
  void resolved.then(callback)
}
