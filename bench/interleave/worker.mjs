/**
 * One warm target for bench/interleave/run.mjs: opens it, then obeys one command per stdin line.
 *
 *   node bench/interleave/worker.mjs '<json>'
 *     { suite: 'knex-typeorm', target, dialect, scenario: select|tx|burst, callers, max, url: { pg, mysql2 } }
 *     { suite: 'orm', target: '<framework>:<own|pools|loaded|other>', scenario: select|tx, callers, max }
 *
 *   A target `<target>+<module>+…` is a control: the target as it is, in a process that has first imported
 *   the modules (never used), e.g. `typeorm-native+@pools/core/mysql2`.
 *
 *   run <ms>   `callers` loops run the scenario for <ms>, then every loop finishes its call; answers one
 *              line `{ count, elapsedMs, cpuUs, systemUs, p99Ms }` (CPU: this process, user + system; systemUs:
 *              the kernel's part of it)
 *   close      closes the target and exits
 *
 * It prints `ready` once open. Between slices nothing runs: the other side has the machine.
 */
import { createInterface } from 'node:readline'
import { loadUnused, splitControl } from '../lib/control.mjs'
import { APP_PREFIX, connectionFromEnv } from '../lib/pg.mjs'
import { percentileSorted } from '../lib/stats.mjs'

const args = JSON.parse(process.argv[2])
// `<target>+<module>+…`: a control, the target as it is, in a process that has first loaded the modules
const { target: name, unused } = splitControl(args.target)

async function open() {
  await loadUnused(unused)
  if (args.suite === 'knex-typeorm') {
    const { TARGETS } = await import('../knex-typeorm/targets.mjs')
    const target = TARGETS[name]
    if (!target) throw new Error(`unknown knex-typeorm target ${name}`)
    const app = await target.open(args)
    let i = 0
    const op = args.scenario === 'tx' ? app.tx : app.select
    return { call: () => op((i++ % 100) + 1), close: app.close }
  }
  if (args.suite === 'orm') {
    const { openOrm } = await import('../orm/targets.mjs')
    const { mysqlFromEnv } = await import('../orm/mysql.mjs')
    const [framework, pool] = name.split(':')
    const opts = { max: args.max, conn: connectionFromEnv(), mysql: mysqlFromEnv() }
    const app = await openOrm(framework, pool, args.scenario, opts, `${APP_PREFIX}-interleave-${process.pid}`)
    for (let i = 0; i < 20; i++) await app.call() // first-use costs out of the slices
    return app
  }
  throw new Error(`unknown suite ${args.suite}`)
}

const app = await open()

async function slice(ms) {
  const samples = []
  const t0 = performance.now()
  const end = t0 + ms
  const cpu0 = process.cpuUsage()
  let count = 0
  const loop = async () => {
    while (performance.now() < end) {
      const start = performance.now()
      await app.call()
      samples.push(performance.now() - start)
      count++
    }
  }
  await Promise.all(Array.from({ length: args.callers }, loop))
  const cpu = process.cpuUsage(cpu0)
  const elapsedMs = performance.now() - t0
  samples.sort((a, b) => a - b)
  return { count, elapsedMs, cpuUs: cpu.user + cpu.system, systemUs: cpu.system, p99Ms: percentileSorted(samples, 99) }
}

process.stdout.write('ready\n')
for await (const line of createInterface({ input: process.stdin })) {
  const [command, value] = line.trim().split(/\s+/)
  if (command === 'run') process.stdout.write(`${JSON.stringify(await slice(Number(value)))}\n`)
  else if (command === 'close') break
}
await app.close()
process.exit(0)
