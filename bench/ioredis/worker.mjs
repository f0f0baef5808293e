/**
 * One measurement of the dedicated-connection workload in a fresh process:
 *
 *   node bench/ioredis/worker.mjs <target> '<json options>'
 *
 * target: pools           @pools/ioredis (`pool.use`) over ioredis
 *         generic-pool    generic-pool 3 handing out ioredis clients (create: connect, destroy: quit)
 *         node-redis      node-redis 5's `createClientPool` (`pool.execute`)
 *         ioredis-bare    reference, no pool: `max` ioredis clients, each driven by a loop of its own
 *         node-redis-bare reference, no pool: `max` node-redis clients, each driven by a loop of its own
 *
 * Workload (one "op"): on a connection of its own, WATCH k; GET k; MULTI; SET k v+1; EXEC, retried
 * from WATCH when EXEC reports a conflict. `callers` concurrent loops share a pool of `max`
 * connections; each op picks one of `keys` keys at random. Each op is timed by its caller
 * (performance.now() before acquire, after EXEC succeeded). After `warmMs`, for `ms`: ops/s = ops
 * completed in the window ÷ window; latency percentiles over ops started in the window. With `ops`
 * set, the window ends once that many ops completed instead (a fixed amount of work, for CPU per op).
 * The bare targets run `max` loops, so the server sees the same `max` connections busy; their
 * latency has no wait for a connection in it. Commands per op: the server's `INFO commandstats`
 * deltas over the window (read on a connection of its own, its INFO calls left out); they count
 * every client of the server, so they are exact only on a Redis nobody else uses.
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
  /** When > 0, the window ends after this many ops instead of after `ms`. */
  ops: 0,
  /** When > 0, the warm-up ends after this many ops instead of after `warmMs` (for instruction counts). */
  warmOps: 0,
  ...(rawOpts ? JSON.parse(rawOpts) : {}),
}
const { Redis } = await import(opts.ioredis)
const ioredisVersion = (await import(`${opts.ioredis}/package.json`, { with: { type: 'json' } })).default.version

const key = () => `${opts.prefix}k${Math.floor(Math.random() * opts.keys)}`

/** One attempt of the workload on an ioredis client: EXEC's result, null on a conflict. */
async function attemptIoredis(redis, k) {
  await redis.watch(k)
  const v = await redis.get(k)
  return redis
    .multi()
    .set(k, String(Number(v ?? 0) + 1))
    .exec()
}

/** The same on a node-redis client; a conflict rejects with WatchError. */
async function attemptNodeRedis(client, k) {
  await client.watch(k)
  const v = await client.get(k)
  return client
    .multi()
    .set(k, String(Number(v ?? 0) + 1))
    .exec()
}

/**
 * @returns {Promise<{ op: (loop: number) => Promise<number>, close: () => Promise<void>, describe: string, loops?: number }>}
 * op resolves to the number of conflicts it retried; `loops` overrides the number of callers
 */
async function setUp() {
  if (target === 'pools') {
    const { createRedisPool } = await import('@pools/ioredis')
    const pool = createRedisPool({ Redis, url: opts.url, pools: { name: 'bench', max: opts.max } })
    await pool.ready()
    return {
      describe: `@pools/ioredis + ioredis ${ioredisVersion}, max ${opts.max}`,
      op: async () => {
        const k = key()
        const attempt = (redis) => attemptIoredis(redis, k)
        for (let conflicts = 0; ; conflicts++) {
          if ((await pool.use(attempt)) !== null) return conflicts
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
            result = await attemptIoredis(redis, k)
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
        const attempt = (client) => attemptNodeRedis(client, k)
        for (let conflicts = 0; ; conflicts++) {
          try {
            await pool.execute(attempt)
            return conflicts
          } catch (error) {
            if (!(error instanceof WatchError)) throw error
          }
        }
      },
      close: () => pool.close(),
    }
  }
  if (target === 'ioredis-bare') {
    const clients = await Promise.all(
      Array.from({ length: opts.max }, async () => {
        const client = new Redis(opts.url, { lazyConnect: true })
        await client.connect()
        return client
      }),
    )
    return {
      describe: `ioredis ${ioredisVersion} alone, no pool: ${opts.max} clients, a loop each`,
      loops: opts.max,
      op: async (loop) => {
        const k = key()
        for (let conflicts = 0; ; conflicts++) {
          if ((await attemptIoredis(clients[loop], k)) !== null) return conflicts
        }
      },
      close: async () => {
        await Promise.all(clients.map((client) => client.quit()))
      },
    }
  }
  if (target === 'node-redis-bare') {
    const { createClient, WatchError } = await import('redis')
    const clients = await Promise.all(
      Array.from({ length: opts.max }, async () => {
        const client = createClient({ url: opts.url })
        client.on('error', () => {})
        await client.connect()
        return client
      }),
    )
    return {
      describe: `node-redis 5 alone, no pool: ${opts.max} clients, a loop each`,
      loops: opts.max,
      op: async (loop) => {
        const k = key()
        for (let conflicts = 0; ; conflicts++) {
          try {
            await attemptNodeRedis(clients[loop], k)
            return conflicts
          } catch (error) {
            if (!(error instanceof WatchError)) throw error
          }
        }
      },
      close: async () => {
        await Promise.all(clients.map((client) => client.close()))
      },
    }
  }
  throw new Error(
    `unknown target ${JSON.stringify(target)} (expected pools, generic-pool, node-redis, ioredis-bare or node-redis-bare)`,
  )
}

/** Calls per command over the server's life, from `INFO commandstats`. */
async function commandStats(admin) {
  const counts = {}
  for (const match of (await admin.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    counts[match[1]] = Number(match[2])
  }
  return counts
}

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

const { op, close, describe, loops } = await setUp()
const admin = new Redis(opts.url, { lazyConnect: true })
await admin.connect()
let measuring = false
let stopping = false
let ops = 0
let conflicts = 0
const latencies = []
let endWindow
const windowFull = new Promise((resolve) => {
  endWindow = resolve
})
let warmed = 0
let endWarmUp
const warmUpDone = new Promise((resolve) => {
  endWarmUp = resolve
})
const caller = async (_, loop) => {
  while (!stopping) {
    const start = performance.now()
    const inWindow = measuring
    const retried = await op(loop)
    if (inWindow && measuring) {
      ops++
      conflicts += retried
      latencies.push(performance.now() - start)
      if (ops === opts.ops) endWindow()
    } else if (++warmed === opts.warmOps) endWarmUp()
  }
}
const callers = Array.from({ length: loops ?? opts.callers }, caller)
await (opts.warmOps > 0 ? warmUpDone : new Promise((resolve) => setTimeout(resolve, opts.warmMs)))
const statsBefore = await commandStats(admin)
measuring = true
const cpuWindow = process.cpuUsage()
const t0 = performance.now()
await (opts.ops > 0 ? windowFull : new Promise((resolve) => setTimeout(resolve, opts.ms)))
const elapsed = performance.now() - t0
measuring = false
const cpu = process.cpuUsage(cpuWindow)
const statsAfter = await commandStats(admin)
stopping = true
await Promise.all(callers)
await close()
admin.disconnect()
// Commands the window's ops sent: ops that straddle its edges make the per-op figures approximate.
const commands = {}
let commandsTotal = 0
for (const [name, calls] of Object.entries(statsAfter)) {
  const delta = calls - (statsBefore[name] ?? 0) - (name === 'info' ? 1 : 0)
  if (delta > 0) {
    commands[name] = delta
    commandsTotal += delta
  }
}
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
  commandsPerOp: ops > 0 ? commandsTotal / ops : Number.NaN,
  commands,
  windowMs: elapsed,
}
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`)
