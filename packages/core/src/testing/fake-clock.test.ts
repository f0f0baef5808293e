import { describe, expect, it } from 'vitest'
import { FakeClock } from './fake-clock.js'

describe('FakeClock', () => {
  it('advance() fires due timers in order, at their time, and stops at the target', async () => {
    const clock = new FakeClock(0)
    const fired: [string, number][] = []
    clock.setTimeout(() => fired.push(['b', clock.now()]), 200)
    clock.setTimeout(() => fired.push(['a', clock.now()]), 100)
    const late = clock.setTimeout(() => fired.push(['never', clock.now()]), 150)
    clock.clearTimeout(late)
    await clock.advance(150)
    expect(fired).toEqual([['a', 100]])
    expect(clock.now()).toBe(150)
    await clock.advance(100)
    expect(fired).toEqual([
      ['a', 100],
      ['b', 200],
    ])
    expect(clock.now()).toBe(250)
    expect(clock.pendingTimers()).toEqual({ total: 0, ref: 0 })
  })

  it('block() moves time synchronously without firing timers; overdue ones fire at the next advance', async () => {
    const clock = new FakeClock(0)
    const fired: number[] = []
    clock.setTimeout(() => fired.push(clock.now()), 100, true)
    expect(clock.pendingTimers()).toEqual({ total: 1, ref: 0 })
    clock.block(300)
    expect(clock.now()).toBe(300)
    expect(fired).toEqual([])
    await clock.advance(0)
    expect(fired).toEqual([300])
  })
})
