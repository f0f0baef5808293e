import { describe, expect, it } from 'vitest'
import { deferToMicrotask } from './microtask.js'

describe('deferToMicrotask', () => {
  it('runs after the current synchronous code, in the microtask queue, in order with other microtasks', async () => {
    const order: string[] = []
    deferToMicrotask(() => order.push('a'))
    queueMicrotask(() => order.push('b'))
    deferToMicrotask(() => order.push('c'))
    order.push('sync')
    await new Promise((resolve) => setImmediate(resolve))
    expect(order).toEqual(['sync', 'a', 'b', 'c'])
  })
})
