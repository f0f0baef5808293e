/**
 * Every pool behind one tiny interface: `acquire(): Promise<R>`, `release(r): void`, `close(): Promise<void>`.
 *
 * All resources are fakes that are created and destroyed instantly (a resolved promise), so the
 * benchmark measures nothing but pool bookkeeping. Each worker process builds exactly one adapter,
 * so the benchmark loops' call sites stay monomorphic.
 */
import { EventEmitter } from 'node:events'
import { FloorPool } from './floor.mjs'

export const MAX = 10

/**
 * Names accepted by `--pools` / `worker.mjs`. `pools-leak` is ours with leak detection on (default
 * options otherwise: `leakCaptureStack` defaults to 'after-first-leak', so no acquire-site stack is
 * captured until a leak has been seen); `pools-leak-nostack` (opt-in, not in the default run) sets
 * `leakCaptureStack: false` ('never').
 */
export const POOL_NAMES = ['pools', 'pools-leak', 'pools-leak-nostack', 'floor', 'generic-pool', 'tarn', 'pg-pool']
/** What a run measures unless `--pools` says otherwise. */
export const DEFAULT_POOLS = ['pools', 'pools-leak', 'floor', 'generic-pool', 'tarn', 'pg-pool']
/** The pools that are "ours" (they need packages/core/dist). */
export const OURS = new Set(['pools', 'pools-leak', 'pools-leak-nostack'])

let seq = 0
const makeResource = () => Promise.resolve({ id: ++seq })
const noopDestroy = () => Promise.resolve()

/**
 * A fake `pg.Client` with exactly what pg-pool 3.x touches (node_modules/pg-pool/index.js):
 * `new Client(options)`, `connect(cb)`, `end(cb)` / `end()`, `on/once/removeListener` for
 * 'error' / 'end', `_queryable` / `_ending` (checked on release: a non-queryable client is
 * destroyed instead of reused), `ref()` / `unref()`, `isConnected()`. pg-pool assigns
 * `client.release` itself on every checkout.
 */
export class FakePgClient extends EventEmitter {
  constructor(options) {
    super()
    this.options = options
    this.id = ++seq
    this._connected = false
    this._queryable = false
    this._ending = false
  }

  connect(cb) {
    const p = Promise.resolve().then(() => {
      this._connected = true
      this._queryable = true
    })
    if (typeof cb === 'function') {
      p.then(() => cb(null), cb)
      return undefined
    }
    return p
  }

  end(cb) {
    this._ending = true
    this._queryable = false
    const p = Promise.resolve().then(() => {
      this._connected = false
      this.emit('end')
    })
    if (typeof cb === 'function') {
      p.then(() => cb(null), cb)
      return undefined
    }
    return p
  }

  isConnected() {
    return this._connected
  }

  ref() {}
  unref() {}
}

/**
 * @param {string} name one of POOL_NAMES
 * @param {{ max?: number }} [opts]
 * @returns {Promise<{ name: string, acquire(): Promise<any>, release(r: any): void, close(): Promise<void>, raw: any }>}
 */
export async function createAdapter(name, opts = {}) {
  const max = opts.max ?? MAX
  switch (name) {
    case 'pools':
    case 'pools-leak':
    case 'pools-leak-nostack': {
      const { createPool } = await import('@pools/core')
      const driver = { create: (_signal) => makeResource(), destroy: noopDestroy }
      const config = {
        max,
        min: 0,
        acquireTimeoutMs: 30000,
        leakDetectionThresholdMs: name === 'pools' ? 0 : 60000,
      }
      if (name === 'pools-leak-nostack') config.leakCaptureStack = false
      const pool = createPool(driver, config)
      await pool.ready()
      return {
        name,
        raw: pool,
        acquire: () => pool.acquire(),
        release: (r) => pool.release(r),
        close: () => pool.close(),
      }
    }
    case 'floor': {
      const pool = new FloorPool(makeResource, noopDestroy, max)
      return {
        name,
        raw: pool,
        acquire: () => pool.acquire(),
        release: (r) => pool.release(r),
        close: () => pool.close(),
      }
    }
    case 'generic-pool': {
      const genericPool = (await import('generic-pool')).default
      // Defaults otherwise: no acquireTimeoutMillis (no timer per waiter), no testOnBorrow, no evictor.
      const pool = genericPool.createPool({ create: makeResource, destroy: noopDestroy }, { max, min: 0 })
      await pool.ready()
      return {
        name,
        raw: pool,
        acquire: () => pool.acquire(),
        release: (r) => {
          pool.release(r)
        },
        close: async () => {
          await pool.drain()
          await pool.clear()
        },
      }
    }
    case 'tarn': {
      const { Pool } = await import('tarn')
      // Defaults otherwise: tarn always arms an acquire timeout (30 s default) per acquire.
      const pool = new Pool({ create: makeResource, destroy: noopDestroy, min: 0, max, acquireTimeoutMillis: 30000 })
      return {
        name,
        raw: pool,
        acquire: () => pool.acquire().promise,
        release: (r) => {
          pool.release(r)
        },
        close: () => pool.destroy(),
      }
    }
    case 'pg-pool': {
      const PgPool = (await import('pg-pool')).default
      // Defaults otherwise, as pg users get them: idleTimeoutMillis 10000 (one setTimeout per release),
      // no connectionTimeoutMillis (no timer per waiter).
      const pool = new PgPool({ max, min: 0, Client: FakePgClient })
      pool.on('error', () => {})
      return {
        name,
        raw: pool,
        acquire: () => pool.connect(),
        release: (client) => {
          client.release()
        },
        close: () => pool.end(),
      }
    }
    default:
      throw new Error(`unknown pool "${name}" (known: ${POOL_NAMES.join(', ')})`)
  }
}
