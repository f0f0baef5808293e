/**
 * Statistics for interleaved measurements (bench/interleave): two or more warm processes take turns
 * in short slices, so slow drift of the machine (another tenant, a thermal step, a busy disk) falls
 * on each side alike, and every cycle of turns gives one paired ratio.
 *
 * A slice is `{ count, elapsedMs, cpuUs }`: operations completed in it, its wall time, and the
 * process's CPU (user + system) over it.
 */

/** ops/s and CPU µs per op over a list of slices (sums, so a short slice weighs less). */
export function totals(slices) {
  let count = 0
  let elapsedMs = 0
  let cpuUs = 0
  for (const s of slices) {
    count += s.count
    elapsedMs += s.elapsedMs
    cpuUs += s.cpuUs
  }
  return {
    count,
    ops: count === 0 ? 0 : (count / elapsedMs) * 1000,
    cpuUsPerOp: count === 0 ? Number.NaN : cpuUs / count,
  }
}

/**
 * A small deterministic PRNG (mulberry32), so a report's confidence interval is reproducible from its
 * slices.
 */
export function rng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * The ratio `b ÷ a` of ops/s and of CPU per op over paired slices (`a[i]` and `b[i]` ran in the
 * same cycle), with a 95 % percentile-bootstrap interval that resamples cycles.
 *
 * @example
 * pairedRatio(native, ours) // { ops: { ratio: 0.97, low: 0.95, high: 0.99 }, cpu: { … }, cycles: 40 }
 *
 * @param {{count:number, elapsedMs:number, cpuUs:number}[]} a the baseline's slices, one per cycle
 * @param {{count:number, elapsedMs:number, cpuUs:number}[]} b the other side's slices, same cycles
 * @param {{ resamples?: number, seed?: number }} [options]
 */
export function pairedRatio(a, b, { resamples = 2000, seed = 1 } = {}) {
  if (a.length !== b.length) throw new Error(`pairedRatio: ${a.length} slices against ${b.length}`)
  const n = a.length
  const ratios = (idx) => {
    const ta = totals(idx.map((i) => a[i]))
    const tb = totals(idx.map((i) => b[i]))
    return { ops: tb.ops / ta.ops, cpu: tb.cpuUsPerOp / ta.cpuUsPerOp }
  }
  const all = ratios(Array.from({ length: n }, (_, i) => i))
  const random = rng(seed)
  const ops = []
  const cpu = []
  for (let r = 0; r < resamples; r++) {
    const idx = Array.from({ length: n }, () => Math.floor(random() * n))
    const x = ratios(idx)
    ops.push(x.ops)
    cpu.push(x.cpu)
  }
  const interval = (xs, point) => {
    xs.sort((p, q) => p - q)
    return { ratio: point, low: xs[Math.floor(0.025 * (xs.length - 1))], high: xs[Math.ceil(0.975 * (xs.length - 1))] }
  }
  return { ops: interval(ops, all.ops), cpu: interval(cpu, all.cpu), cycles: n }
}
