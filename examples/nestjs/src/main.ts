import 'reflect-metadata'
import { NestFactory } from '@nestjs/core'
import type { Pool } from '@pools/core/pg'
import { getPoolToken } from '@pools/nestjs'
import { getTableName } from 'drizzle-orm'
import { AppModule } from './app.module.js'
import { orders } from './schema.js'

const smoke = process.argv.includes('--smoke')
const table = getTableName(orders)

const app = await NestFactory.create(AppModule, { logger: smoke ? ['error'] : undefined })
app.enableShutdownHooks() // SIGTERM: drain HTTP, then close Drizzle, then the pools, within graceMs
const primary = app.get<Pool>(getPoolToken('primary'))
await primary.query(`CREATE TABLE IF NOT EXISTS ${table} (id serial PRIMARY KEY, item text NOT NULL, qty int NOT NULL)`)
await app.listen(smoke ? 0 : Number(process.env.PORT ?? 3000), '127.0.0.1')
const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`

if (!smoke) {
  console.log(`listening on ${base}: POST/GET /orders, GET /health/ready, GET /health/live`)
} else {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const json = await response.json()
    console.log(method, path, response.status, JSON.stringify(json))
    return { status: response.status, json }
  }
  try {
    const created = await call('POST', '/orders', { item: 'widget', qty: 3 })
    const listed = await call('GET', '/orders')
    const ready = await call('GET', '/health/ready')
    const live = await call('GET', '/health/live')
    const ok =
      created.status === 201 &&
      Array.isArray(listed.json) &&
      listed.json.length === 1 &&
      ready.status === 200 &&
      live.status === 200
    if (!ok) process.exitCode = 1
  } finally {
    await primary.query(`DROP TABLE IF EXISTS ${table}`)
    await app.close()
  }
}
