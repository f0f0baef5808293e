/**
 * One measurement of the dedicated-connection workload in a fresh process:
 *
 *   node bench/ioredis/worker.mjs <target> '<json options>'
 *
 * target: pools        @pools/ioredis (`pool.use`) over ioredis
 *         generic-pool generic-pool 3 handing out ioredis clients (create: connect, destroy: quit)
 *         node-redis   node-redis 5's `createClientPool` (`pool.execute`)
 *
 * Workload (one "op"): on a connection of its own, WATCH k; GET k; MULTI; SET k v+1; EXEC, retried
 * from WATCH when EXEC reports a conflict. `callers` concurrent loops share a pool of `max`
 * connections; each op picks one of `keys` keys at random. Each op is timed by its caller
 * (performance.now() before acquire, after EXEC succeeded). After `warmMs`, for `ms`: ops/s = ops
 * completed in the window ÷ window; latency percentiles over ops started in the window.
 * The last stdout line is `RESULT <json>`.
 */
import { performance } from 'node:perf_hooks'

const [target, rawOpts] = process.argv.slice(2)
const opts = {
  url: 'redis://127.0.0.1:6379/0',
  prefix: `pools-bench:${process.pid}:`,
  callers: 50,
  max: 10,
  keys: 1000,
  warmMs: 2000,
  ms: 5000,
  /** `ioredis` (the app's, 5.x here) or `ioredis6` (the devDependency alias of ioredis 6). */
  ioredis: 'ioredis',
  ...(rawOpts ? JSON.parse(rawOpts) : {}),
}
const { Redis } = await import(opts.ioredis)
const ioredisVersion = (await import(`${opts.ioredis}/package.json`, { with: { type: 'json' } })).default.version

const key = () => `${opts.prefix}k${Math.floor(Math.random() * opts.keys)}`

/** @returns {Promise<{ op: () => Promise<number>, close: () => Promise<void>, describe: string }>} op resolves to the number of conflicts it retried */
async function setUp() {
  if (target === 'pools') {
    const { createRedisPool } = await import('@pools/ioredis')
    const pool = createRedisPool({ Redis, url: opts.url, pools: { name: 'bench', max: opts.max } })
    await pool.ready()
    const attempt = (redis, k) =>
      redis
        .watch(k)
        .then(() => redis.get(k))
        .then((v) =>
          redis
            .multi()
            .set(k, String(Number(v ?? 0) + 1))
            .exec(),
        )
    return {
      describe: `@pools/ioredis + ioredis ${ioredisVersion}, max ${opts.max}`,
      op: async () => {
        const k = key()
        for (let conflicts = 0; ; conflicts++) {
          if ((await pool.use((redis) => attempt(redis, k))) !== null) return conflicts
        }
      },
      close: () => pool.close(),
    }
  }
  if (target === 'generic-pool') {
    const genericPool = (await import('generic-pool')).default
    const pool = genericPool.createPool(
      {
        create: async () => {
          const client = new Redis(opts.url, { lazyConnect: true })
          await client.connect()
          return client
        },
        destroy: (client) => client.quit().then(() => undefined),
      },
      { max: opts.max, min: 0 },
    )
    return {
      describe: `generic-pool 3 + ioredis ${ioredisVersion}, max ${opts.max}`,
      op: async () => {
        const k = key()
        for (let conflicts = 0; ; conflicts++) {
          const redis = await pool.acquire()
          let result
          try {
            await redis.watch(k)
            const v = await redis.get(k)
            result = await redis
              .multi()
              .set(k, String(Number(v ?? 0) + 1))
              .exec()
          } finally {
            pool.release(redis)
          }
          if (result !== null) return conflicts
        }
      },
      close: async () => {
        await pool.drain()
        await pool.clear()
      },
    }
  }
  if (target === 'node-redis') {
    const { createClientPool, WatchError } = await import('redis')
    const pool = createClientPool({ url: opts.url }, { minimum: 1, maximum: opts.max })
    pool.on('error', () => {})
    await pool.connect()
    return {
      describe: `node-redis 5 createClientPool, maximum ${opts.max}`,
      op: async () => {
        const k = key()
        for (let conflicts = 0; ; conflicts++) {
          try {
            await pool.execute(async (client) => {
              await client.watch(k)
              const v = await client.get(k)
              return client
                .multi()
                .set(k, String(Number(v ?? 0) + 1))
                .exec()
            })
            return conflicts
          } catch (error) {
            if (!(error instanceof WatchError)) throw error
          }
        }
      },
      close: () => pool.close(),
    }
  }
  throw new Error(`unknown target ${JSON.stringify(target)} (expected pools, generic-pool or node-redis)`)
}

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

const { op, close, describe } = await setUp()
let measuring = false
let stopping = false
let ops = 0
let conflicts = 0
const latencies = []
const caller = async () => {
  while (!stopping) {
    const start = performance.now()
    const inWindow = measuring
    const retried = await op()
    if (inWindow && measuring) {
      ops++
      conflicts += retried
      latencies.push(performance.now() - start)
    }
  }
}
const callers = Array.from({ length: opts.callers }, caller)
await new Promise((resolve) => setTimeout(resolve, opts.warmMs))
measuring = true
const cpuWindow = process.cpuUsage()
const t0 = performance.now()
await new Promise((resolve) => setTimeout(resolve, opts.ms))
const elapsed = performance.now() - t0
measuring = false
const cpu = process.cpuUsage(cpuWindow)
stopping = true
await Promise.all(callers)
await close()
latencies.sort((a, b) => a - b)
const result = {
  target,
  describe,
  ops,
  opsPerSec: (ops / elapsed) * 1000,
  conflicts,
  p50Ms: percentile(latencies, 50),
  p99Ms: percentile(latencies, 99),
  maxMs: latencies.at(-1) ?? Number.NaN,
  cpuUsPerOp: ops > 0 ? (cpu.user + cpu.system) / ops : Number.NaN,
  windowMs: elapsed,
}
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`)
