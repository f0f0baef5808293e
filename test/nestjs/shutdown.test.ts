/**
 * Graceful shutdown of a Nest app with @pools/nestjs, as a child process: SIGTERM with 100 requests in
 * flight (each holding a connection for 300 ms on a pool of 10): every request answers 200, the process
 * exits within the grace period, and PostgreSQL has no connection of the app left.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeWithPostgres, type TestDatabase, usePostgres, waitForPgConnections } from '../harness/index.js'

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/shutdown-app.mjs')
const GRACE_MS = 10_000

describeWithPostgres('graceful shutdown (SIGTERM)', () => {
  let db: TestDatabase
  let child: ChildProcess | undefined

  beforeAll(async () => {
    db = await usePostgres()
  })
  afterAll(async () => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await waitForPgConnections(db.name, 0)
  })

  it('100 requests in flight: none lost, no connection left, exit within the grace period', async () => {
    child = spawn(process.execPath, [fixture], {
      env: { ...process.env, DATABASE_URL: db.url, GRACE_MS: String(GRACE_MS), SLOW_MS: '300', NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr?.on('data', (chunk) => {
      stderr += chunk
    })
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child?.once('exit', (code, signal) => resolve({ code, signal })),
    )
    const messages: Record<string, unknown>[] = []
    const waiters: { check: (m: Record<string, unknown>) => boolean; resolve: () => void }[] = []
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const message = JSON.parse(line) as Record<string, unknown>
      messages.push(message)
      for (const w of waiters.splice(0))
        if (w.check(message)) w.resolve()
        else waiters.push(w)
    })
    const waitFor = (check: (m: Record<string, unknown>) => boolean) =>
      new Promise<void>((resolve, reject) => {
        if (messages.some(check)) return resolve()
        const timer = setTimeout(() => reject(new Error(`child did not report in time; stderr: ${stderr}`)), 15_000)
        waiters.push({
          check,
          resolve: () => {
            clearTimeout(timer)
            resolve()
          },
        })
      })

    await waitFor((m) => typeof m.port === 'number')
    const port = messages.find((m) => typeof m.port === 'number')?.port as number
    const requests = Array.from({ length: 100 }, () =>
      fetch(`http://127.0.0.1:${port}/slow`).then(
        async (r) => ({ status: r.status, body: (await r.json()) as unknown }),
        (error: unknown) => ({ status: 0, body: String(error) }),
      ),
    )
    await waitFor((m) => m.inflight === 100)
    expect(await waitForPgConnections(db.name, (n) => n > 0)).toBeGreaterThan(0)

    const signalledAt = Date.now()
    child.kill('SIGTERM')
    const responses = await Promise.all(requests)
    const answeredMs = Date.now() - signalledAt
    const exit = await exited
    const tookMs = Date.now() - signalledAt

    expect(responses.filter((r) => r.status !== 200)).toEqual([])
    expect(responses.every((r) => (r.body as { ok?: number }).ok === 1)).toBe(true)
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true)
    expect(tookMs).toBeLessThan(GRACE_MS)
    // The pools closed after the HTTP server had answered everything (onApplicationShutdown), not before.
    const hooks = messages.filter((m) => typeof m.hook === 'string').map((m) => m.hook)
    expect(hooks).toEqual(['beforeApplicationShutdown', 'onApplicationShutdown'])
    expect(answeredMs).toBeLessThan(GRACE_MS)
    await waitForPgConnections(db.name, 0, { timeoutMs: 2_000 })
  }, 30_000)
})
