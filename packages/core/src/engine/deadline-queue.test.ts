import { describe, expect, it } from 'vitest'
import { FakeClock } from '../testing/fake-clock.js'
import { DeadlineQueue } from './deadline-queue.js'
import { Waiter, waitFor } from './waiter.js'
import { WaiterQueue } from './waiter-queue.js'

/** The queue and the deadline timer wired as the pool wires them. */
function harness() {
  const clock = new FakeClock(0)
  const expired: { id: number; at: number }[] = []
  const waiters = new WaiterQueue<string>()
  const deadlines = new DeadlineQueue<string>(clock, waiters, (w, now) => {
    waiters.remove(w)
    expired.push({ id: w.id, at: now })
  })
  let seq = 0
  /** `inOrder`: the pool's default timeout (the queue orders it); otherwise the heap does. */
  const add = (timeoutMs: number, inOrder = true) => {
    const now = clock.now()
    const w = new Waiter<string>(++seq, 1, now, now + timeoutMs, inOrder, undefined)
    waitFor(w).catch(() => {})
    waiters.push(w)
    deadlines.add(w)
    return w
  }
  /** Serve the head waiter, as the pool does. */
  const serve = () => {
    const w = waiters.shift()!
    w.settled = true
    if (waiters.size === 0) deadlines.clear()
    else if (!w.inOrder) deadlines.settledOwn(waiters.size)
    return w
  }
  return { clock, waiters, deadlines, expired, add, serve }
}

describe('DeadlineQueue', () => {
  it('expires in-order waiters in order, each at its deadline, with one timer', async () => {
    const { clock, waiters, expired, add } = harness()
    for (let i = 0; i < 100; i++) {
      add(1_000)
      await clock.advance(5)
    }
    expect(clock.pendingTimers().total).toBe(1)
    expect(waiters.size).toBe(100)
    await clock.advance(1_000)
    expect(expired).toHaveLength(100)
    expect(expired.every((e, i) => e.id === i + 1 && e.at === 1_000 + i * 5)).toBe(true)
    expect(clock.pendingTimers().total).toBe(0)
    expect(waiters.size).toBe(0)
  })

  it('mixes heap entries (own timeouts) with in-order waiters by deadline', async () => {
    const { clock, expired, add } = harness()
    add(1_000) // 1: at 1000
    add(5_000, false) // 2: at 5000
    add(100, false) // 3: at 100
    add(1_000) // 4: at 1000
    add(300, false) // 5: at 300
    add(2_000, false) // 6: at 2000
    await clock.advance(10_000)
    expect(expired.map((e) => [e.id, e.at])).toEqual([
      [3, 100],
      [5, 300],
      [1, 1_000],
      [4, 1_000],
      [6, 2_000],
      [2, 5_000],
    ])
  })

  it('only moves the timer earlier, never on every add', () => {
    const { clock, add } = harness()
    add(1_000)
    const timers = clock.pendingTimers().total
    for (let i = 0; i < 50; i++) add(1_000)
    for (let i = 0; i < 50; i++) add(2_000, false)
    expect(clock.pendingTimers().total).toBe(timers)
    add(10, false) // earlier: re-armed, still one timer
    expect(clock.pendingTimers().total).toBe(1)
  })

  it('a timer that fires for a served waiter re-arms for the next live one', async () => {
    const { clock, deadlines, expired, add, serve } = harness()
    add(100)
    const b = add(200)
    serve() // the first: the timer stays armed for its deadline (no work per hand-off)
    await clock.advance(100)
    expect(expired).toEqual([])
    expect(deadlines.armed).toBe(true) // re-armed for b
    expect(clock.pendingTimers().total).toBe(1)
    await clock.advance(100)
    expect(expired).toEqual([{ id: b.id, at: 200 }])
  })

  it('a served waiter never times out; the next live one does, at its own deadline', async () => {
    const { clock, expired, add, serve } = harness()
    const a = add(100)
    const b = add(200)
    expect(serve()).toBe(a)
    await clock.advance(150)
    expect(expired).toEqual([])
    await clock.advance(50)
    expect(expired).toEqual([{ id: b.id, at: 200 }])
  })

  it('clear() (nobody waiting) disarms the timer, so a served deadline cannot keep the process alive', () => {
    const { clock, deadlines, add, serve } = harness()
    add(100)
    add(100, false)
    serve()
    expect(deadlines.armed).toBe(true) // the second is still waiting
    serve()
    expect(deadlines.armed).toBe(false)
    expect(clock.pendingTimers().total).toBe(0)
    expect(deadlines.heapSize).toBe(0)
    add(100) // arms again
    expect(clock.pendingTimers().total).toBe(1)
  })

  it('drops served own-timeout entries from the heap and rebuilds it when they pile up behind a live one', () => {
    const { deadlines, waiters, add } = harness()
    const live = add(10_000, false) // stays: the earliest-queued, latest deadline... served last
    const rest = Array.from({ length: 500 }, () => add(1_000, false))
    for (const w of rest) {
      waiters.remove(w) // as an abort does
      deadlines.settledOwn(waiters.size)
    }
    expect(waiters.size).toBe(1)
    expect(deadlines.heapSize).toBeLessThanOrEqual(2 * 1 + 64 + 1)
    expect(live.settled).toBe(false)
  })

  it('heap keeps deadline order through random inserts and removals', async () => {
    const { clock, waiters, deadlines, expired, add } = harness()
    let state = 42
    const rnd = () => {
      state = (state * 1103515245 + 12345) & 0x7fffffff
      return state / 0x7fffffff
    }
    const all = Array.from({ length: 300 }, () => add(1 + Math.floor(rnd() * 5_000), false))
    const cancelled = new Set(all.filter(() => rnd() < 0.3))
    for (const w of cancelled) {
      waiters.remove(w)
      deadlines.settledOwn(waiters.size)
    }
    await clock.advance(6_000)
    const live = all.filter((w) => !cancelled.has(w))
    expect(expired.map((e) => e.id).sort((x, y) => x - y)).toEqual(live.map((w) => w.id))
    for (const e of expired) expect(e.at).toBe(all[e.id - 1]!.deadline)
    for (let i = 1; i < expired.length; i++) expect(expired[i]!.at).toBeGreaterThanOrEqual(expired[i - 1]!.at)
  })
})
