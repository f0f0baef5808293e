import { describe, expect, it } from 'vitest'
import { type AbortSink, type PriorityIndex, Waiter } from './waiter.js'
import { WaiterQueue } from './waiter-queue.js'

const sink: AbortSink<string> = { abortWaiter: () => {} }
let seq = 0
const waiter = (priority: PriorityIndex = 1) =>
  new Waiter<string>(++seq, priority, 0, Number.POSITIVE_INFINITY, undefined, undefined, sink)

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

  it('removes from the head, middle and tail in O(1), and ignores a waiter that is not queued', () => {
    const q = new WaiterQueue<string>()
    const ws = [waiter(), waiter(), waiter(), waiter(), waiter()]
    for (const w of ws) q.push(w)
    q.remove(ws[2]!) // middle
    q.remove(ws[0]!) // head
    q.remove(ws[4]!) // tail
    q.remove(ws[4]!) // again: no-op
    q.remove(waiter()) // never queued: no-op
    expect(q.size).toBe(2)
    expect(ids(q.drain())).toEqual(ids([ws[1]!, ws[3]!]))
  })

  it('removing the only waiter of a priority empties it so others are served', () => {
    const q = new WaiterQueue<string>()
    const high = waiter(0)
    const low = waiter(2)
    q.push(high)
    q.push(low)
    q.remove(high)
    expect(q.shift()).toBe(low)
    q.push(high) // can be queued again after removal
    expect(q.shift()).toBe(high)
  })

  it('unshift puts a waiter back at the head of its priority', () => {
    const q = new WaiterQueue<string>()
    const [a, b, c] = [waiter(), waiter(), waiter(0)]
    q.push(a)
    q.push(b)
    const first = q.shift()!
    expect(first).toBe(a)
    q.unshift(first)
    q.push(c)
    expect(ids(q.drain())).toEqual(ids([c, a, b]))
    const lone = waiter(2)
    q.unshift(lone)
    expect(q.shift()).toBe(lone)
  })

  it('keeps links consistent through many random operations', () => {
    const q = new WaiterQueue<string>()
    const model: Waiter<string>[][] = [[], [], []]
    let state = 12345
    const rnd = () => {
      state = (state * 1103515245 + 12345) & 0x7fffffff
      return state / 0x7fffffff
    }
    for (let i = 0; i < 5_000; i++) {
      const r = rnd()
      if (r < 0.5) {
        const w = waiter(Math.floor(rnd() * 3) as PriorityIndex)
        q.push(w)
        model[w.priority]!.push(w)
      } else if (r < 0.75) {
        const expected = model[0]!.shift() ?? model[1]!.shift() ?? model[2]!.shift()
        expect(q.shift()).toBe(expected)
      } else {
        const p = Math.floor(rnd() * 3)
        const list = model[p]!
        if (list.length > 0) {
          const [w] = list.splice(Math.floor(rnd() * list.length), 1)
          q.remove(w!)
        }
      }
      expect(q.size).toBe(model[0]!.length + model[1]!.length + model[2]!.length)
    }
    expect(ids(q.drain())).toEqual(ids([...model[0]!, ...model[1]!, ...model[2]!]))
  })
})
