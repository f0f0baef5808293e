/**
 * The benchmark bodies. Each runs against one adapter `p` ({ acquire, release }) inside one worker
 * process. Loops that never leave the microtask queue (a, b) check the clock every 1024 operations
 * instead of relying on timers, because a timer would never fire while the chain of resolved
 * promises keeps the microtask queue busy.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { jain, percentileSorted } from './stats.mjs'

const CHUNK = 1024

/** Exactly `n` sequential cycles of scenario (a). Used by the memory scenarios. */
export async function seqCycles(p, n) {
  for (let i = 0; i < n; i++) {
    const r = await p.acquire()
    p.release(r)
  }
}

/** Scenario (a) for at least `ms` milliseconds: one caller, `await acquire(); release()`. */
export async function seqFor(p, ms) {
  let ops = 0
  const t0 = performance.now()
  let t = t0
  do {
    for (let i = 0; i < CHUNK; i++) {
      const r = await p.acquire()
      p.release(r)
    }
    ops += CHUNK
    t = performance.now()
  } while (t - t0 < ms)
  return { ops, ms: t - t0 }
}

async function burstCaller(p, st) {
  while (!st.stop) {
    const r = await p.acquire()
    await null
    p.release(r)
    if ((++st.ops & (CHUNK - 1)) === 0 && performance.now() >= st.deadline) st.stop = true
  }
}

/**
 * Scenario (b) for about `ms` milliseconds: `callers` concurrent loops of
 * acquire → hold one microtask → release. Time includes draining the callers after the stop flag.
 */
export async function burstFor(p, callers, ms) {
  const t0 = performance.now()
  const st = { stop: false, ops: 0, deadline: t0 + ms }
  const all = new Array(callers)
  for (let i = 0; i < callers; i++) all[i] = burstCaller(p, st)
  await Promise.all(all)
  return { ops: st.ops, ms: performance.now() - t0 }
}

async function fairCaller(p, st, idx, holdMs) {
  while (!st.stop) {
    const issued = performance.now()
    const r = await p.acquire()
    const got = performance.now()
    if (issued >= st.measureFrom) {
      if (st.n < st.waits.length) st.waits[st.n++] = got - issued
      st.counts[idx]++
    }
    st.ops++
    await sleep(holdMs)
    p.release(r)
  }
}

/**
 * Scenario (c): `callers` concurrent loops of acquire → hold `holdMs` (setTimeout) → release, for
 * `warmMs + ms`. Every acquire *issued* after the warm-up is recorded (its wait, and one share for
 * its caller), including those that complete while the callers drain after the stop flag.
 */
export async function fairFor(p, { callers, holdMs, warmMs, ms }) {
  const start = performance.now()
  const st = {
    stop: false,
    ops: 0,
    n: 0,
    measureFrom: start + warmMs,
    waits: new Float64Array(1_000_000),
    counts: new Uint32Array(callers),
  }
  const all = new Array(callers)
  for (let i = 0; i < callers; i++) all[i] = fairCaller(p, st, i, holdMs)
  await sleep(warmMs + ms)
  st.stop = true
  const stoppedAt = performance.now()
  await Promise.all(all)
  const end = performance.now()

  const waits = st.waits.subarray(0, st.n).sort()
  let sum = 0
  for (let i = 0; i < waits.length; i++) sum += waits[i]
  let lo = Number.POSITIVE_INFINITY
  let hi = 0
  for (const c of st.counts) {
    if (c < lo) lo = c
    if (c > hi) hi = c
  }
  return {
    acquisitions: st.n,
    measuredMs: stoppedAt - st.measureFrom,
    opsPerSec: (st.n / (stoppedAt - st.measureFrom)) * 1000,
    drainMs: end - stoppedAt,
    wait: {
      p50: percentileSorted(waits, 50),
      p99: percentileSorted(waits, 99),
      max: waits.length ? waits[waits.length - 1] : Number.NaN,
      mean: waits.length ? sum / waits.length : Number.NaN,
    },
    fairness: {
      callers,
      minPerCaller: lo,
      maxPerCaller: hi,
      maxOverMin: lo > 0 ? hi / lo : Number.POSITIVE_INFINITY,
      jain: jain(st.counts),
    },
  }
}

/**
 * Correctness smoke check (not timed, run before any warm-up, in its own functions so it does not
 * pollute the timed loops' type feedback): concurrent callers never see the same resource twice
 * and never more than `max` resources are out at once.
 */
export async function smokeCheck(p, max, callers = 100, cycles = 20) {
  const held = new Set()
  let peak = 0
  const one = async () => {
    for (let i = 0; i < cycles; i++) {
      const r = await p.acquire()
      if (r == null) throw new Error('acquire() resolved to nothing')
      if (held.has(r)) throw new Error('the same resource was handed out twice')
      held.add(r)
      if (held.size > peak) peak = held.size
      await null
      held.delete(r)
      p.release(r)
    }
  }
  await Promise.all(Array.from({ length: callers }, one))
  if (peak > max) throw new Error(`${peak} resources out at once, max is ${max}`)
  return { peak }
}
