/**
 * `@pools/core/generic-pool`: a drop-in for generic-pool 3.x backed by the
 * `@pools/core` engine. Change the import, keep the code, and gain health,
 * leak reports and metrics (`pool.stats()`, `pool.health()`, `pool.leaks()`,
 * `pool.engine`). See docs/migrating-from-generic-pool.md.
 *
 * @example
 * ```ts
 * import { createPool } from '@pools/core/generic-pool' // was: from 'generic-pool'
 *
 * const pool = createPool({ create: async () => open(), destroy: async (r) => r.close() }, { max: 4 })
 * const answer = await pool.use(async (r) => r.ask())
 * await pool.drain()
 * await pool.clear()
 * ```
 * @module
 */
import { TimeoutError } from './errors.js'
import { createPool, Pool } from './pool.js'

export type { PoolErrorCode, PoolRuntime } from '../index.js'
export { isPoolError, PoolError } from '../index.js'
export { TimeoutError } from './errors.js'
export type { Factory, Options, PromiseLibrary } from './options.js'
export { createPool, Pool } from './pool.js'

/** For `import genericPool from '@pools/core/generic-pool'` (generic-pool is CommonJS: its default import is this object). */
const genericPool = { createPool, Pool, TimeoutError }
export default genericPool
