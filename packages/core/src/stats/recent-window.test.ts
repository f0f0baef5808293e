import { describe, expect, it } from 'vitest'
import { RecentWindow } from './recent-window.js'

describe('RecentWindow', () => {
  it('sums what happened within the window', () => {
    const w = new RecentWindow(60_000)
    const t0 = 1_000_000
    w.at(t0).timeouts++
    w.at(t0 + 15_000).timeouts++
    w.at(t0 + 15_000).createErrors++
    w.at(t0 + 30_000).created += 3
    w.at(t0 + 30_000).acquireWait.record(250)
    const recent = w.recent(t0 + 30_000)
    expect(recent).toMatchObject({ windowMs: 60_000, timeouts: 2, created: 3, createErrors: 1 })
    expect(recent.acquireWait.count).toBe(1)
  })

  it('forgets an event once it is older than windowMs', () => {
    for (const offset of [0, 1, 5_000, 9_999]) {
      const w = new RecentWindow(60_000)
      const at = 1_000_000 + offset
      w.at(at).timeouts++
      expect(w.recent(at + 59_999).timeouts, `offset ${offset}`).toBeLessThanOrEqual(1)
      expect(w.recent(at + 60_001).timeouts, `offset ${offset}`).toBe(0)
    }
  })

  it('counts an event for most of the window (at least windowMs minus one slice)', () => {
    const w = new RecentWindow(60_000)
    const at = 1_000_000 + 3_000
    w.at(at).timeouts++
    expect(w.recent(at).timeouts).toBe(1)
    expect(w.recent(at + 50_000).timeouts).toBe(1)
  })

  it('recycles its slices as time goes on, in fixed memory', () => {
    const w = new RecentWindow(6_000)
    for (let t = 0; t < 100_000; t += 100) w.at(1_000_000 + t).timeouts++
    // the last 6 s hold 60 events, give or take one slice
    const n = w.recent(1_000_000 + 99_900).timeouts
    expect(n).toBeGreaterThanOrEqual(50)
    expect(n).toBeLessThanOrEqual(60)
  })

  it('keeps slices apart when windowMs does not divide evenly', () => {
    const w = new RecentWindow(1_000) // slices of 166.67 ms
    let t = 1_000_000
    const counts: number[] = []
    for (let i = 0; i < 600; i++) {
      w.at(t).timeouts++
      t += 1_000 / 6
      counts.push(w.recent(t - 1).timeouts)
    }
    // once full, the window always holds the last 5 or 6 slices: never loses a recent one
    for (const n of counts.slice(10)) {
      expect(n).toBeGreaterThanOrEqual(5)
      expect(n).toBeLessThanOrEqual(6)
    }
  })
})
