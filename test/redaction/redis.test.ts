/**
 * The redaction sweep over @pools/ioredis, against a private redis-server whose `requirepass` is SECRET.
 * See support.ts for what is searched.
 */
import { beforeAll, describe, it } from 'vitest'
import { startPrivateRedis } from '../ioredis/private-redis.js'
import { type Endpoint, SECRET, scenarios, sweep } from './support.js'

describe('no password in any output: @pools/ioredis', () => {
  let endpoint: Endpoint

  beforeAll(async () => {
    const server = await startPrivateRedis({ password: SECRET })
    endpoint = { scheme: 'redis', host: '127.0.0.1', port: server.port, user: 'default', database: '0' }
  })

  it('@pools/ioredis', { timeout: 180_000 }, async () => {
    await sweep('ioredis', scenarios(endpoint))
  })
})
