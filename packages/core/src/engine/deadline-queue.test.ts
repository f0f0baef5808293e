import { describe, expect, it } from 'vitest'
import { FakeClock } from '../testing/fake-clock.js'
import { DeadlineQueue } from './deadline-queue.js'
import { type AbortSink, Waiter } from './waiter.js'

const sink: AbortSink<string> = { abortWaiter: () => {} }

function harness() {
  const clock = new FakeClock(0)
  const expired: { id: number; at: number }[] = []
  const queue = new DeadlineQueue<string>(clock, (w, now) => {
    w.settled = true
    expired.push({ id: w.id, at: now })
  })
  let seq = 0
  const add = (timeoutMs: number, fifo = true) => {
    const now = clock.now()
    const w = new Waiter<string>(++seq, 1, now, now + timeoutMs, undefined, undefined, sink)
    w.promise.catch(() => {})
    queue.add(w, fifo)
    return w
  }
  return { clock, queue, expired, add }
}

describe('DeadlineQueue', () => {
  it('expires FIFO waiters in order, each at its deadline, with one timer', async () => {
    const { clock, queue, expired, add } = harness()
    for (let i = 0; i < 100; i++) {
      add(1_000)
      await clock.advance(5)
    }
    expect(clock.pendingTimers().total).toBe(1)
    expect(queue.size).toBe(100)
    await clock.advance(1_000)
    expect(expired).toHaveLength(100)
    expect(expired.every((e, i) => e.id === i + 1 && e.at === 1_000 + i * 5)).toBe(true)
    expect(clock.pendingTimers().total).toBe(0)
    expect(queue.size).toBe(0)
  })

  it('mixes heap entries (own timeouts) with the ring by deadline', async () => {
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

  it('skips settled (served) waiters and re-arms for the next live one', async () => {
    const { clock, queue, expired, add } = harness()
    const a = add(100)
    const b = add(200)
    const c = add(50, false)
    a.settled = true
    c.settled = true
    queue.trim(1)
    await clock.advance(150)
    expect(expired).toEqual([])
    await clock.advance(50)
    expect(expired).toEqual([{ id: b.id, at: 200 }])
  })

  it('trim() disarms the timer once nothing is left', () => {
    const { clock, queue, add } = harness()
    const a = add(100)
    const b = add(100, false)
    a.settled = true
    queue.trim(1)
    expect(clock.pendingTimers().total).toBe(1) // b still live
    b.settled = true
    queue.trim(0)
    expect(clock.pendingTimers().total).toBe(0)
    expect(queue.size).toBe(0)
    add(100) // arms again
    expect(clock.pendingTimers().total).toBe(1)
  })

  it('compacts served entries that pile up behind a live one', () => {
    const { queue, add } = harness()
    const head = add(1_000)
    const rest = Array.from({ length: 500 }, () => add(1_000))
    for (const w of rest) w.settled = true
    queue.trim(1)
    expect(queue.size).toBe(1)
    head.settled = true
    queue.trim(0)
    expect(queue.size).toBe(0)
  })

  it('clear() cancels the timer and forgets everything', async () => {
    const { clock, queue, expired, add } = harness()
    add(100)
    add(50, false)
    queue.clear()
    expect(clock.pendingTimers().total).toBe(0)
    await clock.advance(1_000)
    expect(expired).toEqual([])
  })

  it('heap keeps deadline order through random inserts and removals', async () => {
    const { clock, queue, expired, add } = harness()
    let state = 42
    const rnd = () => {
      state = (state * 1103515245 + 12345) & 0x7fffffff
      return state / 0x7fffffff
    }
    const all = Array.from({ length: 300 }, () => add(1 + Math.floor(rnd() * 5_000), false))
    const cancelled = new Set(all.filter(() => rnd() < 0.3))
    for (const w of cancelled) w.settled = true
    queue.trim(all.length - cancelled.size)
    await clock.advance(6_000)
    const live = all.filter((w) => !cancelled.has(w))
    expect(expired.map((e) => e.id).sort((x, y) => x - y)).toEqual(live.map((w) => w.id))
    for (const e of expired) expect(e.at).toBe(all[e.id - 1]!.deadline)
    for (let i = 1; i < expired.length; i++) expect(expired[i]!.at).toBeGreaterThanOrEqual(expired[i - 1]!.at)
  })
})
