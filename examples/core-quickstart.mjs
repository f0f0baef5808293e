// A runnable tour of the @pools engine with an in-memory "connection".
// Run it with `npm run demo` (builds first) or `node examples/core-quickstart.mjs` after `npm run build`.
import { createPool, isPoolError } from '@pools/core'

let nextId = 0
const driver = {
  // A real driver opens a socket here; the signal aborts when createTimeoutMs passes.
  create: async () => ({ id: ++nextId, queries: 0 }),
  destroy: async () => {},
  validate: async (conn) => conn.queries < 1_000,
}

const pool = createPool(driver, {
  name: 'demo',
  min: 2,
  max: 5,
  acquireTimeoutMs: 200,
  leakDetectionThresholdMs: 10_000,
})
await pool.ready() // fails fast if the "server" is unreachable

// use() always gives the resource back, even when the callback throws.
const ids = await Promise.all(
  Array.from({ length: 50 }, () =>
    pool.use(async (conn) => {
      conn.queries++
      await new Promise((resolve) => setTimeout(resolve, 2))
      return conn.id
    }),
  ),
)
console.log(`50 tasks shared ${new Set(ids).size} connections (max 5)`)

// Hold every connection, then ask for one more: a clear, typed error instead of a hang.
const held = await Promise.all(Array.from({ length: 5 }, () => pool.acquire()))
try {
  await pool.acquire()
} catch (error) {
  if (isPoolError(error, 'POOL_ACQUIRE_TIMEOUT')) console.log(`${error.code}: ${error.message}`)
}
for (const conn of held) pool.release(conn)

const { total, idle, counters, acquireWaitMs } = pool.stats()
console.log({ total, idle, acquired: counters.acquired, timeouts: counters.timeouts, waitP99Ms: acquireWaitMs.p99 })
console.log(
  'health:',
  pool.health().status,
  pool.health().reasons.map((r) => r.message),
)

await pool.close()
console.log('closed:', pool.state)
