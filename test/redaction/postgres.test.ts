/**
 * The redaction sweep over every PostgreSQL entry point, against a private PostgreSQL (SCRAM auth: the
 * shared server trusts loopback, so a wrong password would not fail there) whose `postgres` password is
 * SECRET. See support.ts for what is searched.
 */
import { beforeAll, describe, it } from 'vitest'
import { startPrivatePostgres } from '../harness/private-postgres.js'
import { brokenConfigFiles, type Endpoint, SECRET, scenarios, sweep } from './support.js'

describe('no password in any output: PostgreSQL entry points', () => {
  let endpoint: Endpoint

  beforeAll(async () => {
    const server = await startPrivatePostgres({ password: SECRET })
    endpoint = { scheme: 'postgres', host: '127.0.0.1', port: server.port, user: 'postgres', database: 'postgres' }
  })

  it('@pools/core/pg', { timeout: 180_000 }, async () => {
    await sweep('pg', scenarios(endpoint))
  })

  it('@pools/core/config-file (and a pg Pool from what it loads)', { timeout: 180_000 }, async () => {
    await sweep('config-file', [
      ...scenarios({ ...endpoint, driver: 'pg' }),
      ...brokenConfigFiles({ ...endpoint, driver: 'pg' }),
    ])
  })

  it('@pools/prisma', { timeout: 180_000 }, async () => {
    await sweep('prisma-pg', scenarios(endpoint))
  })

  it('@pools/drizzle/node-postgres', { timeout: 180_000 }, async () => {
    await sweep('drizzle-pg', scenarios(endpoint))
  })

  it('@pools/knex (pg)', { timeout: 180_000 }, async () => {
    await sweep('knex-pg', scenarios(endpoint))
  })

  it('@pools/typeorm (postgres)', { timeout: 180_000 }, async () => {
    await sweep('typeorm-pg', scenarios(endpoint))
  })

  it('@pools/cli doctor', { timeout: 180_000 }, async () => {
    await sweep('doctor', [
      ...scenarios({ ...endpoint, driver: 'pg' }),
      ...brokenConfigFiles({ ...endpoint, driver: 'pg' }),
    ])
  })
})
