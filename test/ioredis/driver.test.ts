/** createRedisDriver on its own, under createPool from @pools/core (ioredis 5 and 6). */
import { createPool } from '@pools/core'
import { createRedisDriver } from '@pools/ioredis'
import { Redis } from 'ioredis'
import { Redis as Redis6 } from 'ioredis6'
import { describe, expect, it } from 'vitest'
import { describeWithRedis, useRedis } from '../harness/index.js'
import { withTimeout } from '../harness/util.js'

const VERSIONS = [
  ['ioredis 5', Redis],
  ['ioredis 6', Redis6 as unknown as typeof Redis],
] as const

interface Handle {
  hasRef(): boolean
}
const handleOf = (client: Redis): Handle => (client.stream as unknown as { _handle: Handle })._handle

describeWithRedis('createRedisDriver', () => {
  describe.each(VERSIONS)('%s', (_version, RedisClass) => {
    it('runs under createPool from @pools/core, with ref/unref and reset', async () => {
      const ns = await useRedis()
      const ended: Redis[] = []
      const driver = createRedisDriver({ Redis: RedisClass, redis: ns.options, onEnd: (client) => ended.push(client) })
      const pool = createPool(driver, { name: 'standalone', max: 1 }, { logger: false })
      try {
        const client = await pool.use(async (redis) => {
          await redis.select(ns.db === 7 ? 8 : 7)
          return redis
        })
        expect(await pool.use((redis) => redis.client('INFO'))).toContain(`db=${ns.db}`)
        driver.unref(client)
        expect(handleOf(client).hasRef()).toBe(false)
        driver.ref(client)
        expect(handleOf(client).hasRef()).toBe(true)
        expect(driver.isBroken?.(client)).toBe(false)
        expect(driver.isBroken?.({} as Redis)).toBe(true) // not one of ours
      } finally {
        await pool.close()
      }
      expect(ended).toHaveLength(1) // the pool closed it: the end hook fired once
    })

    it('destroy() with an aborted signal tears the socket down at once', async () => {
      const ns = await useRedis()
      // ioredis's own fallback (destroy the socket after disconnectTimeout) must not be what ends it
      const driver = createRedisDriver({ Redis: RedisClass, redis: { ...ns.options, disconnectTimeout: 60_000 } })
      const client = await driver.create(new AbortController().signal)
      const controller = new AbortController()
      const stream = client.stream
      client.stream.end = () => stream // a server that never answers our FIN: end() does nothing
      const destroyed = driver.destroy(client, controller.signal)
      controller.abort()
      await withTimeout(destroyed, 2_000, 'destroy() did not end on abort')
      expect(stream.destroyed).toBe(true)
      expect(client.status).toBe('end')
      await expect(driver.create(AbortSignal.abort())).rejects.toThrow()
    })
  })
})
