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
 * The ratio `b ÷ a` of ops/s and of CPU per op, with a 95 % percentile-bootstrap interval.
 *
 * Each side is a list of processes, each a list of slices in cycle order (`a[p][c]`: process p's slice of
 * cycle c; every process of both sides ran once in every cycle). The point estimate sums everything. Each
 * bootstrap replicate draws, with replacement, the processes of each side and then the cycles (the same
 * cycles for both sides, so pairs stay pairs): one process's luck (its JIT, its heap) is a real part of the
 * uncertainty, and resampling cycles alone would leave it out.
 *
 * @example
 * pairedRatio([nativeA, nativeB], [oursA, oursB]) // { ops: { ratio: 0.97, low: 0.93, high: 1.01 }, cpu: { … }, cycles: 30, processes: [2, 2] }
 *
 * @param {{count:number, elapsedMs:number, cpuUs:number}[][]} a the baseline's processes' slices
 * @param {{count:number, elapsedMs:number, cpuUs:number}[][]} b the other side's processes' slices
 * @param {{ resamples?: number, seed?: number }} [options]
 */
export function pairedRatio(a, b, { resamples = 2000, seed = 1 } = {}) {
  const cycles = a[0]?.length ?? 0
  for (const p of [...a, ...b]) {
    if (p.length !== cycles) throw new Error(`pairedRatio: ${p.length} slices against ${cycles}`)
  }
  const ratio = (pa, pb, idx) => {
    const ta = totals(pa.flatMap((p) => idx.map((i) => a[p][i])))
    const tb = totals(pb.flatMap((p) => idx.map((i) => b[p][i])))
    return { ops: tb.ops / ta.ops, cpu: tb.cpuUsPerOp / ta.cpuUsPerOp }
  }
  const every = (n) => Array.from({ length: n }, (_, i) => i)
  const point = ratio(every(a.length), every(b.length), every(cycles))
  const random = rng(seed)
  const draw = (n) => Array.from({ length: n }, () => Math.floor(random() * n))
  const ops = []
  const cpu = []
  for (let r = 0; r < resamples; r++) {
    const x = ratio(draw(a.length), draw(b.length), draw(cycles))
    ops.push(x.ops)
    cpu.push(x.cpu)
  }
  const interval = (xs, at) => {
    xs.sort((p, q) => p - q)
    return { ratio: at, low: xs[Math.floor(0.025 * (xs.length - 1))], high: xs[Math.ceil(0.975 * (xs.length - 1))] }
  }
  return { ops: interval(ops, point.ops), cpu: interval(cpu, point.cpu), cycles, processes: [a.length, b.length] }
}
