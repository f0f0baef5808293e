import { describe, expect, it } from 'vitest'
import { type PriorityIndex, Waiter } from './waiter.js'
import { WaiterQueue } from './waiter-queue.js'

let seq = 0
const waiter = (priority: PriorityIndex = 1, inOrder = false, deadline = Number.POSITIVE_INFINITY) =>
  new Waiter<string>(++seq, priority, 0, deadline, inOrder, undefined)

const ids = (list: Waiter<string>[]) => list.map((w) => w.id)

describe('WaiterQueue', () => {
  it('is FIFO within a priority', () => {
    const q = new WaiterQueue<string>()
    const [a, b, c] = [waiter(), waiter(), waiter()]
    q.push(a)
    q.push(b)
    q.push(c)
    expect(q.size).toBe(3)
    expect(q.shift()).toBe(a)
    expect(q.shift()).toBe(b)
    expect(q.shift()).toBe(c)
    expect(q.shift()).toBeUndefined()
    expect(q.size).toBe(0)
  })

  it('serves high (0) before normal (1) before low (2)', () => {
    const q = new WaiterQueue<string>()
    const low = waiter(2)
    const normal = waiter(1)
    const high1 = waiter(0)
    const high2 = waiter(0)
    for (const w of [low, normal, high1, high2]) q.push(w)
    expect(ids(q.drain())).toEqual(ids([high1, high2, normal, low]))
    expect(q.size).toBe(0)
  })

  it('removes from the head, middle and tail in O(1), marks the waiter settled, and ignores a settled one', () => {
    const q = new WaiterQueue<string>()
    const ws = [waiter(), waiter(), waiter(), waiter(), waiter()]
    for (const w of ws) q.push(w)
    q.remove(ws[2]!) // middle
    q.remove(ws[0]!) // head
    q.remove(ws[4]!) // tail
    q.remove(ws[4]!) // again: no-op
    expect(ws[0]!.settled && ws[2]!.settled && ws[4]!.settled).toBe(true)
    expect(q.size).toBe(2)
    expect(ids(q.drain())).toEqual(ids([ws[1]!, ws[3]!]))
  })

  it('removing the only waiter of a priority lets the next priority be served', () => {
    const q = new WaiterQueue<string>()
    const high = waiter(0)
    const low = waiter(2)
    q.push(high)
    q.push(low)
    q.remove(high)
    expect(q.shift()).toBe(low)
    expect(q.shift()).toBeUndefined()
  })

  it('grows past its initial ring and keeps order across wrap-around', () => {
    const q = new WaiterQueue<string>()
    const expected: Waiter<string>[] = []
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 37; i++) {
        const w = waiter()
        q.push(w)
        expected.push(w)
      }
      for (let i = 0; i < 20; i++) expect(q.shift()).toBe(expected.shift())
    }
    expect(ids(q.drain())).toEqual(ids(expected))
  })

  it('compacts tombstones that pile up behind a live waiter, so memory stays bounded', () => {
    const q = new WaiterQueue<string>()
    const head = waiter()
    q.push(head)
    for (let i = 0; i < 10_000; i++) {
      const w = waiter()
      q.push(w)
      q.remove(w) // e.g. aborted right away
    }
    expect(q.size).toBe(1)
    expect(q.slots()[1]).toBeLessThanOrEqual(2 * 1 + 64 + 1)
    expect(q.shift()).toBe(head)
    expect(q.slots()).toEqual([0, 0, 0])
  })

  it('firstInOrder finds the earliest live waiter with the default deadline across priorities', () => {
    const q = new WaiterQueue<string>()
    const own = waiter(1, false, 5) // own timeout: not in order
    const n1 = waiter(1, true, 100)
    const h1 = waiter(0, true, 200)
    const l1 = waiter(2, true, 50)
    for (const w of [own, n1, h1, l1]) q.push(w)
    expect(q.firstInOrder()).toBe(l1)
    q.remove(l1)
    expect(q.firstInOrder()).toBe(n1)
    expect(q.shift()).toBe(h1) // high first
    expect(q.firstInOrder()).toBe(n1)
    expect(q.shift()).toBe(own)
    expect(q.shift()).toBe(n1)
    expect(q.firstInOrder()).toBeUndefined()
  })

  it('stays consistent with a model through many random pushes, shifts, removes and scans', () => {
    const q = new WaiterQueue<string>()
    const model: Waiter<string>[][] = [[], [], []]
    let state = 12345
    const rnd = () => {
      state = (state * 1103515245 + 12345) & 0x7fffffff
      return state / 0x7fffffff
    }
    let clock = 0
    for (let i = 0; i < 20_000; i++) {
      const r = rnd()
      if (r < 0.45) {
        const inOrder = rnd() < 0.7
        const w = waiter(Math.floor(rnd() * 3) as PriorityIndex, inOrder, inOrder ? ++clock : Math.floor(rnd() * 1e6))
        q.push(w)
        model[w.priority]!.push(w)
      } else if (r < 0.7) {
        const expected = model[0]!.shift() ?? model[1]!.shift() ?? model[2]!.shift()
        expect(q.shift()).toBe(expected)
      } else if (r < 0.9) {
        const list = model[Math.floor(rnd() * 3)]!
        if (list.length > 0) {
          const [w] = list.splice(Math.floor(rnd() * list.length), 1)
          q.remove(w!)
        }
      } else {
        const inOrder = model.flat().filter((w) => w.inOrder)
        const first = inOrder.sort((a, b) => a.deadline - b.deadline)[0]
        expect(q.firstInOrder()).toBe(first)
      }
      expect(q.size).toBe(model[0]!.length + model[1]!.length + model[2]!.length)
    }
    expect(ids(q.drain())).toEqual(ids([...model[0]!, ...model[1]!, ...model[2]!]))
  })
})
