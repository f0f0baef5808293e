/**
 * One measurement of one pool in one scenario, in a fresh process:
 *
 *   node bench/worker.mjs <pool> <scenario> ['<json options>']
 *
 * scenario: a (sequential), b (1000 callers, hold one microtask), c (1000 callers, hold 1 ms),
 *           d (bytes allocated per (a) cycle; needs --expose-gc and a big young generation),
 *           e (heap growth over many (a) cycles; needs --expose-gc).
 * The last stdout line is `RESULT <json>`; bench/run.mjs spawns this and parses it.
 */
import { PerformanceObserver } from 'node:perf_hooks'
import { setImmediate as tick } from 'node:timers/promises'
import { createAdapter, MAX } from './lib/adapters.mjs'
import { burstFor, fairFor, seqCycles, seqFor, smokeCheck } from './lib/scenarios.mjs'
import { median } from './lib/stats.mjs'

const [poolName, scenario, rawOpts] = process.argv.slice(2)
const opts = {
  warmMs: 400,
  ms: 1200,
  callers: 1000,
  holdMs: 1,
  cWarmMs: 400,
  cMs: 1500,
  allocCycles: 100_000,
  allocTrials: 5,
  heapCycles: 10_000_000,
  heapWarmCycles: 1_000_000,
  heapBudgetSec: 60,
  ...(rawOpts ? JSON.parse(rawOpts) : {}),
}

const emit = (result) => {
  process.stdout.write(`RESULT ${JSON.stringify({ pool: poolName, scenario, ...result })}\n`)
}

async function fullGc() {
  // Two full collections with a turn of the event loop in between, so finalizers/weak callbacks run.
  globalThis.gc()
  await tick()
  globalThis.gc()
}

const requireGc = () => {
  if (typeof globalThis.gc !== 'function') throw new Error(`scenario ${scenario} needs node --expose-gc`)
}

/** (d) bytes allocated per (a) cycle, measured only over windows in which no GC ran at all. */
async function allocation(p) {
  requireGc()
  const gcs = []
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push(e.startTime)
  })
  obs.observe({ entryTypes: ['gc'] })
  // Warm up the exact function that is measured, so it is optimised before the first window.
  for (let i = 0; i < 20; i++) await seqCycles(p, 10_000)
  await seqCycles(p, 200_000)
  let n = opts.allocCycles
  const attempts = []
  while (n >= 1000) {
    const windows = []
    for (let t = 0; t < opts.allocTrials; t++) {
      await fullGc()
      const h0 = process.memoryUsage().heapUsed
      const t0 = performance.now()
      await seqCycles(p, n)
      const t1 = performance.now()
      const h1 = process.memoryUsage().heapUsed
      windows.push({ t0, t1, bytes: h1 - h0 })
    }
    await new Promise((r) => setTimeout(r, 50)) // let the observer deliver the gc entries
    const clean = windows.filter((w) => !gcs.some((s) => s >= w.t0 && s <= w.t1))
    attempts.push({ cycles: n, trials: windows.length, clean: clean.length })
    if (clean.length >= Math.ceil(opts.allocTrials / 2)) {
      obs.disconnect()
      const perCycle = clean.map((w) => w.bytes / n)
      return { bytesPerCycle: median(perCycle), perTrial: perCycle, cycles: n, attempts }
    }
    n = Math.floor(n / 4)
  }
  obs.disconnect()
  throw new Error(`a GC ran inside every measurement window (attempts: ${JSON.stringify(attempts)})`)
}

/**
 * (e) heap growth across `heapCycles` (a) cycles, full GC before, halfway and after. Only `pools` and
 * `floor` always run to the end; any other pool is skipped when its projected time exceeds the budget.
 */
async function heapGrowth(p) {
  requireGc()
  // Probe the rate on the second tenth of the warm-up (the first warms the JIT), so a slow pool is
  // skipped early.
  const probe = Math.max(10_000, Math.floor(opts.heapWarmCycles / 10))
  await seqCycles(p, probe)
  const w0 = performance.now()
  await seqCycles(p, probe)
  const rate = probe / ((performance.now() - w0) / 1000)
  const projectedSec = opts.heapCycles / rate
  if (poolName !== 'pools' && poolName !== 'floor' && projectedSec > opts.heapBudgetSec) {
    return { skipped: true, reason: `projected ${projectedSec.toFixed(0)} s > budget ${opts.heapBudgetSec} s`, rate }
  }
  await seqCycles(p, Math.max(0, opts.heapWarmCycles - 2 * probe))
  await fullGc()
  const before = process.memoryUsage().heapUsed
  const t0 = performance.now()
  const half = Math.floor(opts.heapCycles / 2)
  await seqCycles(p, half)
  await fullGc()
  const mid = process.memoryUsage().heapUsed
  await seqCycles(p, opts.heapCycles - half)
  const sec = (performance.now() - t0) / 1000
  await fullGc()
  const after = process.memoryUsage().heapUsed
  return { cycles: opts.heapCycles, before, mid, after, growth: after - before, sec, rate }
}

async function main() {
  const p = await createAdapter(poolName, { max: MAX })
  const smoke = await smokeCheck(p, MAX)
  let result
  switch (scenario) {
    case 'a': {
      await seqFor(p, opts.warmMs)
      const r = await seqFor(p, opts.ms)
      result = { ...r, opsPerSec: (r.ops / r.ms) * 1000 }
      break
    }
    case 'b': {
      await burstFor(p, opts.callers, opts.warmMs)
      const r = await burstFor(p, opts.callers, opts.ms)
      result = { ...r, opsPerSec: (r.ops / r.ms) * 1000 }
      break
    }
    case 'c':
      result = await fairFor(p, { callers: opts.callers, holdMs: opts.holdMs, warmMs: opts.cWarmMs, ms: opts.cMs })
      break
    case 'd':
      result = await allocation(p)
      break
    case 'e':
      result = await heapGrowth(p)
      break
    default:
      throw new Error(`unknown scenario "${scenario}" (a, b, c, d, e)`)
  }
  await p.close()
  emit({ ok: true, smokePeak: smoke.peak, ...result })
}

main().then(
  // Do not wait for pools that keep timers around after close(): the measurement is done.
  () => process.exit(0),
  (err) => {
    process.stdout.write(
      `RESULT ${JSON.stringify({ pool: poolName, scenario, ok: false, error: String(err?.stack ?? err) })}\n`,
    )
    process.exit(1)
  },
)
