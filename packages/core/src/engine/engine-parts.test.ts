import { describe, expect, it } from 'vitest'
import { FakeClock } from '../testing/fake-clock.js'
import { EndedLoans } from './ended-loans.js'
import { acquireOptionsProblem, closeOptionsProblem, driverProblem, resizeProblem } from './pool-options.js'
import { ReadyGate } from './ready-gate.js'
import { Shutdown } from './shutdown.js'

describe('ReadyGate', () => {
  it('resolves each waiter once its target is open, and fails the rest together', async () => {
    const gate = new ReadyGate()
    let fills = 0
    const settled: string[] = []
    const one = gate.wait(1, () => fills++).then(() => settled.push('one'))
    const three = gate
      .wait(3, () => fills++)
      .then(
        () => settled.push('three'),
        (e: Error) => settled.push(`three: ${e.message}`),
      )
    expect(fills).toBe(2)
    expect(gate.target).toBe(3)
    gate.opened(1)
    await one
    gate.fail(() => new Error('create failed'))
    await three
    expect(settled).toEqual(['one', 'three: create failed'])
    expect(gate.target).toBe(0)
    gate.fail(() => {
      throw new Error('not built when nobody waits')
    })
  })
})

describe('EndedLoans', () => {
  it('remembers at most 1024 loans, forgetting the oldest first', () => {
    const loans = new EndedLoans<number>()
    for (let i = 0; i < 1_030; i++) loans.remember(i, { id: i, reason: 'close-forced', borrowedAt: 0 })
    expect(loans.get(5)).toBeUndefined()
    expect(loans.get(6)?.id).toBe(6)
    expect(loans.take(1_029)?.id).toBe(1_029)
    expect(loans.take(1_029)).toBeUndefined()
  })
})

describe('Shutdown', () => {
  it('resolves on finish(), runs graceOver at the grace period, and cancels it when finished first', async () => {
    const clock = new FakeClock()
    const calls: string[] = []
    const host = { waiting: () => 0, endDrain: () => calls.push('endDrain'), graceOver: () => calls.push('grace') }
    const a = new Shutdown(clock, host)
    const done = a.begin(100)
    await clock.advance(100)
    expect(calls).toEqual(['grace'])
    a.finish()
    await done
    const b = new Shutdown(clock, host)
    void b.begin(100)
    b.finish()
    await clock.advance(200)
    expect(calls).toEqual(['grace'])
    expect(clock.pendingTimers().total).toBe(0)
  })

  it('a serving close goes on once the queue is empty, checked once per microtask run', async () => {
    const clock = new FakeClock()
    let waiting = 1
    const calls: string[] = []
    const s = new Shutdown(clock, {
      waiting: () => waiting,
      endDrain: () => calls.push('endDrain'),
      graceOver: () => {},
    })
    void s.begin(Number.POSITIVE_INFINITY)
    s.draining = true
    s.queueEmptied()
    s.queueEmptied()
    await clock.advance(0)
    expect(calls).toEqual([]) // still someone waiting
    waiting = 0
    s.queueEmptied()
    await clock.advance(0)
    expect(calls).toEqual(['endDrain'])
  })
})

describe('option checks', () => {
  it('name the bad option and the accepted range', () => {
    expect(driverProblem(null)).toMatch(/create\(\) function/)
    expect(driverProblem({ create: () => {}, destroy: () => {}, unref: 1 })).toMatch(/unref must be a function/)
    expect(driverProblem({ create: () => {}, destroy: () => {} })).toBeUndefined()
    expect(acquireOptionsProblem({ timeoutMs: -1 })).toMatch(/timeoutMs must be a number from 0/)
    expect(acquireOptionsProblem({ priority: 'urgent' as never })).toMatch(/"high", "normal" or "low", got "urgent"/)
    expect(acquireOptionsProblem({})).toBeUndefined()
    expect(resizeProblem({ max: 10_001 }, 0, 10_001)).toMatch(/MAX_POOL_SIZE/)
    expect(resizeProblem({ max: 4 }, 0, 4)).toBeUndefined()
    expect(closeOptionsProblem(-5, undefined)).toMatch(/graceMs must be a number from 0/)
    expect(closeOptionsProblem(Number.POSITIVE_INFINITY, true)).toBeUndefined()
    expect(closeOptionsProblem(0, 1)).toMatch(/serveWaiting must be a boolean/)
  })
})
