/**
 * What @pools/prisma adds to the driver adapter Prisma gets from `@prisma/adapter-pg` or
 * `@prisma/adapter-mariadb`: enough stack frames at a transaction's acquire site to reach the caller, and
 * ending a pool the adapter built when Prisma disposes the adapter.
 */

/** Stack frames kept for a transaction's acquire site: enough to get through Prisma's to the caller's line. */
export const LEAK_SITE_FRAMES = 40

/** The part of a Prisma driver adapter this wraps. */
export interface DisposableDriverAdapter {
  startTransaction(...args: never[]): Promise<unknown>
  dispose(): Promise<void>
}

/**
 * Patch `adapter` in place: `startTransaction` records a deep enough acquire site, and `dispose()` then runs
 * `afterDispose` (which ends the pool when the adapter built it).
 *
 * @example
 * ```ts
 * const adapter = await inner.connect()
 * return withPoolsBehaviour(adapter, () => pool.end())
 * ```
 */
export function withPoolsBehaviour<A extends DisposableDriverAdapter>(
  adapter: A,
  afterDispose: () => Promise<void>,
): A {
  const startTransaction = adapter.startTransaction.bind(adapter) as (...args: unknown[]) => Promise<unknown>
  // The adapter borrows the connection synchronously inside startTransaction, and the engine records the
  // acquire site then (for leak reports). Prisma's own frames fill the default 10 before the caller's line.
  const patched = (...args: unknown[]): Promise<unknown> => {
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = Math.max(limit, LEAK_SITE_FRAMES)
    try {
      return startTransaction(...args)
    } finally {
      Error.stackTraceLimit = limit
    }
  }
  const dispose = adapter.dispose.bind(adapter)
  Object.assign(adapter, {
    startTransaction: patched,
    dispose: async () => {
      await dispose()
      await afterDispose()
    },
  })
  return adapter
}
