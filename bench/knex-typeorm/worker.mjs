/**
 * One measurement in a fresh process: node bench/knex-typeorm/worker.mjs '<json>'
 * { target, scenario, dialect, ms, warmMs, callers, max, url } → prints one JSON line:
 * { ops, p50Ms, p99Ms, cpuUsPerOp, count }.
 */
import { performance } from 'node:perf_hooks'
import { TARGETS } from './targets.mjs'

const args = JSON.parse(process.argv[2])
const target = TARGETS[args.target]
if (!target) throw new Error(`unknown target ${args.target}`)

const app = await target.open(args)
let i = 0
const work = {
  select: () => app.select((i++ % 100) + 1),
  tx: () => app.tx((i++ % 100) + 1),
}[args.scenario]
if (!work) throw new Error(`unknown scenario ${args.scenario}`)

async function run(ms, samples) {
  const end = performance.now() + ms
  let count = 0
  const caller = async () => {
    while (performance.now() < end) {
      const start = performance.now()
      await work()
      if (samples) samples.push(performance.now() - start)
      count++
    }
  }
  await Promise.all(Array.from({ length: args.callers }, caller))
  return count
}

await run(args.warmMs, undefined)
const samples = []
const cpu0 = process.cpuUsage()
const t0 = performance.now()
const count = await run(args.ms, samples)
const elapsed = performance.now() - t0
const cpu = process.cpuUsage(cpu0)
samples.sort((a, b) => a - b)
const pct = (p) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]
await app.close()
process.stdout.write(
  `${JSON.stringify({
    ops: (count / elapsed) * 1000,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    cpuUsPerOp: (cpu.user + cpu.system) / count,
    count,
  })}\n`,
)
