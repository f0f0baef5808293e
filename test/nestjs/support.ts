/** Helpers of the @pools/nestjs tests: boot a Nest app on a free port and call it over HTTP. */
import 'reflect-metadata'
import type { INestApplication } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'

export interface RunningApp {
  app: INestApplication
  url: string
  get(path: string): Promise<{ status: number; body: unknown }>
  close(): Promise<void>
}

/** Create, listen on 127.0.0.1:0, and return a fetch helper. */
export async function startApp(module: unknown): Promise<RunningApp> {
  const app = await NestFactory.create(module as never, { logger: false, abortOnError: false })
  await app.listen(0, '127.0.0.1')
  const address = app.getHttpServer().address() as { port: number }
  const url = `http://127.0.0.1:${address.port}`
  let closed = false
  return {
    app,
    url,
    async get(path) {
      const response = await fetch(`${url}${path}`)
      const text = await response.text()
      let body: unknown = text
      try {
        body = JSON.parse(text)
      } catch {}
      return { status: response.status, body }
    },
    async close() {
      if (closed) return
      closed = true
      await app.close()
    },
  }
}

/** Poll until `check()` is true (bounded). */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs = 10_000, stepMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, stepMs))
  }
  throw new Error(`condition not met within ${timeoutMs} ms`)
}
