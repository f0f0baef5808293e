import { afterEach, describe, expect, it, vi } from 'vitest'
import { createPool, Pool } from '../index.js'
import { PoolWatch } from './pool-watch.js'

const make = (name: string) =>
  createPool({ create: async () => ({}), destroy: () => {} }, { name, timingSampleEvery: 1 }, { logger: false })

describe('PoolWatch', () => {
  const stops: (() => unknown)[] = []
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop()
    vi.restoreAllMocks()
  })

  it('takes in open pools and later ones, hands each to added() once, and removed() on close and on stop()', async () => {
    const early = make('early')
    stops.push(() => early.close())
    const added: string[] = []
    const removed: string[] = []
    const watch = new PoolWatch({ added: (_pool, label) => added.push(label), removed: (p) => removed.push(p.name) })
    watch.start()
    watch.start() // idempotent
    const late = make('late')
    expect(added).toEqual(expect.arrayContaining(['early', 'late']))
    expect(added.filter((n) => n === 'late')).toHaveLength(1)
    await late.close()
    expect(removed).toEqual(['late'])
    watch.stop()
    expect(removed).toEqual(expect.arrayContaining(['late', 'early']))
    make('after-stop').close()
    expect(added).not.toContain('after-stop')
  })

  it('keeps a closed pool in its name totals, and only the newest 256 names of closed pools', async () => {
    const watch = new PoolWatch()
    watch.start()
    stops.push(() => watch.stop())
    for (let i = 0; i < 260; i++) {
      const p = make(`gone-${i}`)
      await p.use(async () => {})
      await p.close()
    }
    const readings = watch.read(true).filter((r) => r.name.startsWith('gone-'))
    expect(readings).toHaveLength(256)
    expect(readings.some((r) => r.name === 'gone-0')).toBe(false)
    const last = readings.find((r) => r.name === 'gone-259')!
    expect(last.gauges).toBeUndefined()
    expect(last.totals.acquired).toBe(1)
    expect(last.totals.destroyedBy.closed).toBe(1)
    expect(last.times?.use.count).toBe(1)
  })

  it('reads pools without observing them: the Prometheus path costs a loan nothing', () => {
    const observe = vi.spyOn(Pool.prototype, 'observe')
    const watch = new PoolWatch()
    watch.start()
    stops.push(() => watch.stop())
    const p = make('unobserved')
    stops.push(() => p.close())
    watch.read(true)
    expect(observe).not.toHaveBeenCalled()
  })
})
