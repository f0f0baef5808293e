// node examples/getting-started/ioredis.mjs  (REDIS_URL, else redis://127.0.0.1:6379/0)
import { createRedisPool } from '@pools/ioredis'

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0'
const pool = createRedisPool({ url, pools: { name: 'jobs', max: 10, acquireTimeoutMs: 5_000 } })

// A blocking command holds its connection until it returns: each caller gets a dedicated one.
const key = `getting-started:${process.pid}`
const popped = await pool.use(async (redis) => {
  await redis.rpush(key, 'job-1')
  return redis.blpop(key, 1)
})
console.log(popped, pool.stats().total, pool.health().status)
await pool.close()
