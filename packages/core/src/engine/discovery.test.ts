import diagnosticsChannel from 'node:diagnostics_channel'
import v8 from 'node:v8'
import vm from 'node:vm'
import { afterEach, describe, expect, it } from 'vitest'
import * as core from '../index.js'
import { FakeClock } from '../testing/fake-clock.js'
import { FakeDriver, setup } from './__fixtures__/driver.js'
import { livePools, POOL_CLOSED_CHANNEL, POOL_CREATED_CHANNEL, type PoolChannelMessage } from './discovery.js'
import { createPool, type Pool } from './pool.js'

describe('pool discovery', () => {
  const unsubscribe: (() => void)[] = []
  afterEach(() => {
    for (const u of unsubscribe.splice(0)) u()
  })
  function listen(name: string): Pool<unknown>[] {
    const seen: Pool<unknown>[] = []
    const onMessage = (message: unknown) => seen.push((message as PoolChannelMessage).pool)
    diagnosticsChannel.subscribe(name, onMessage)
    unsubscribe.push(() => diagnosticsChannel.unsubscribe(name, onMessage))
    return seen
  }

  it('channel names are public constants', () => {
    expect(core.POOL_CREATED_CHANNEL).toBe('pools:pool:created')
    expect(core.POOL_CLOSED_CHANNEL).toBe('pools:pool:closed')
    expect(core.livePools).toBe(livePools)
  })

  it('publishes every new pool on pools:pool:created and every closed one on pools:pool:closed', async () => {
    const created = listen(POOL_CREATED_CHANNEL)
    const closed = listen(POOL_CLOSED_CHANNEL)
    const s = setup({ name: 'orders', max: 1 })
    expect(created).toEqual([s.pool])
    expect(created[0]!.name).toBe('orders')
    expect(closed).toEqual([])
    await s.pool.use(() => undefined)
    const closing = s.pool.close()
    expect(closed).toEqual([]) // published once closed, not when closing starts
    await closing
    expect(closed).toEqual([s.pool])
    await s.pool.close()
    expect(closed).toHaveLength(1)
  })

  it('a throwing subscriber never breaks pool creation or close', async () => {
    const boom = () => {
      throw new Error('subscriber bug')
    }
    const uncaught: unknown[] = []
    const onUncaught = (error: unknown) => uncaught.push(error)
    process.on('uncaughtException', onUncaught)
    diagnosticsChannel.subscribe(POOL_CREATED_CHANNEL, boom)
    diagnosticsChannel.subscribe(POOL_CLOSED_CHANNEL, boom)
    try {
      const s = setup({ max: 1 })
      await s.pool.use(() => undefined)
      await s.pool.close()
      expect(s.pool.state).toBe('closed')
      await new Promise((resolve) => setImmediate(resolve))
    } finally {
      diagnosticsChannel.unsubscribe(POOL_CREATED_CHANNEL, boom)
      diagnosticsChannel.unsubscribe(POOL_CLOSED_CHANNEL, boom)
      process.off('uncaughtException', onUncaught)
    }
    // Node reports a subscriber's throw on the next tick as an uncaught exception: it is the subscriber's
    expect(uncaught.every((e) => (e as Error).message === 'subscriber bug')).toBe(true)
  })

  it('livePools() lists open pools, oldest first, and drops closed ones', async () => {
    const a = setup({ name: 'a', max: 1 })
    const b = setup({ name: 'b', max: 1 })
    const live = livePools()
    expect(live.indexOf(a.pool as Pool<unknown>)).toBeGreaterThanOrEqual(0)
    expect(live.indexOf(a.pool as Pool<unknown>)).toBeLessThan(live.indexOf(b.pool as Pool<unknown>))
    await a.pool.close()
    expect(livePools()).not.toContain(a.pool)
    expect(livePools()).toContain(b.pool)
    await b.pool.close()
    expect(livePools()).not.toContain(b.pool)
  })

  it('holds pools weakly: a pool nobody references is not kept alive by the list', async () => {
    v8.setFlagsFromString('--expose-gc')
    const gc = vm.runInNewContext('gc') as () => void
    let ref: WeakRef<object> | undefined
    ;(() => {
      const clock = new FakeClock()
      const pool = createPool(new FakeDriver(clock).driver, { name: 'forgotten', max: 1 }, { clock, logger: false })
      ref = new WeakRef(pool)
      expect(livePools()).toContain(pool)
    })()
    for (let i = 0; i < 10 && ref!.deref() !== undefined; i++) {
      await new Promise((resolve) => setImmediate(resolve))
      gc()
    }
    expect(ref!.deref()).toBeUndefined()
    expect(livePools().some((p) => p.name === 'forgotten')).toBe(false)
  })
})
