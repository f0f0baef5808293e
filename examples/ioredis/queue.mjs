// A small job queue on @pools/ioredis: producers push jobs with one shared ioredis client (plain
// commands need no pool), consumers wait for them with BLMOVE on dedicated pooled connections, and a
// subscriber connection hears when each job is done.
//
// Run it with `node examples/ioredis/queue.mjs` after `npm run build`. It uses REDIS_URL, else
// redis://127.0.0.1:6379/0, works under a key prefix of its own, deletes it at the end, and exits 0
// within a few seconds.
import { randomBytes } from 'node:crypto'
import { createRedisPool } from '@pools/ioredis'
import { Redis } from 'ioredis'

const env = process.env
const url = env.REDIS_URL ?? 'redis://127.0.0.1:6379/0'
const prefix = `pools-example:${randomBytes(4).toString('hex')}:`
const JOBS = 40
const CONSUMERS = 8

// Blocking commands hold a connection until they return: each consumer needs one of its own.
const pool = createRedisPool({
  url,
  redis: { keyPrefix: prefix, connectionName: 'queue-consumer' },
  pools: { name: 'queue', max: CONSUMERS + 1, acquireTimeoutMs: 5_000 },
})
const producer = new Redis(url, { keyPrefix: prefix })

// One connection of the pool becomes a subscriber; it is never lent for commands.
const done = await pool.subscriber()
let finished = 0
const allDone = new Promise((resolve) => {
  done.client.on('message', () => {
    if (++finished === JOBS) resolve()
  })
})
await done.client.subscribe(`${prefix}done`)

const processed = []
async function consumer(name) {
  while (processed.length < JOBS) {
    // BLMOVE keeps the job in "processing" until it is finished: a crash here loses nothing.
    const job = await pool.use((redis) => redis.blmove('jobs', 'processing', 'LEFT', 'RIGHT', 0.5))
    if (job === null) continue // nothing within 0.5 s: look again (or stop, once all are processed)
    processed.push({ consumer: name, job })
    await pool.use(async (redis) => {
      // A transaction on the same connection: mark it finished and drop it from "processing".
      await redis.multi().lrem('processing', 1, job).incr('finished').exec()
      await redis.publish(`${prefix}done`, job)
    })
  }
}

const consumers = Array.from({ length: CONSUMERS }, (_, i) => consumer(`consumer-${i + 1}`))
for (let i = 1; i <= JOBS; i++) await producer.rpush('jobs', `job-${i}`)

await Promise.race([
  Promise.all([...consumers, allDone]),
  new Promise((_, reject) =>
    setTimeout(() => reject(new Error('the queue did not drain within 10 s')), 10_000).unref(),
  ),
])

const unique = new Set(processed.map((p) => p.job))
const busy = new Set(processed.map((p) => p.consumer))
console.log(`${unique.size} of ${JOBS} jobs processed exactly once by ${busy.size} consumers`)
console.log(
  `finished counter: ${await producer.get('finished')}, still processing: ${await producer.llen('processing')}`,
)
const s = pool.stats()
console.log(`pool: ${s.total} connections open, ${s.borrowed} borrowed (the subscriber), ${s.counters.acquired} loans`)

await done.close()
await pool.close()
await producer.del('jobs', 'processing', 'finished')
producer.disconnect()
if (unique.size !== JOBS || processed.length !== JOBS) process.exitCode = 1
