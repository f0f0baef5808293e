import { Writable } from 'node:stream'
import pino from 'pino'
import { afterEach, describe, expect, it, vi } from 'vitest'
import winston from 'winston'
import { createPool, type PoolConfigInput, type PoolLogger } from '../index.js'
import { FakeClock, flushMicrotasks } from '../testing/index.js'
import { consoleLog, type LogFields, logTo, nestLog, type StructuredLogger, winstonLog } from './index.js'

const SECRET = 's3cr3t-pw-41'

/** A structured logger that writes every line down. */
function recorder() {
  const lines: { level: string; fields: LogFields; message: string }[] = []
  const logger: StructuredLogger = {
    error: (fields, message) => lines.push({ level: 'error', fields, message }),
    warn: (fields, message) => lines.push({ level: 'warn', fields, message }),
    info: (fields, message) => lines.push({ level: 'info', fields, message }),
  }
  return { lines, logger }
}

/** A pool on fake time whose creates fail while `down` is set. */
function flaky(logger: PoolLogger, config: PoolConfigInput = {}) {
  const clock = new FakeClock()
  const state = { down: true }
  const pool = createPool(
    {
      create: async () => {
        if (state.down) throw new Error(`connect ECONNREFUSED postgres://app:${SECRET}@db:5432/orders`)
        return {}
      },
      destroy: () => {},
    },
    { name: 'orders', acquireTimeoutMs: 0, retry: { initialDelayMs: 100, jitterRatio: 0 }, ...config },
    { clock, logger },
  )
  return { pool, clock, state }
}

describe('logTo', () => {
  const cleanup: (() => unknown)[] = []
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step()
    vi.restoreAllMocks()
  })

  it('a create-failure streak is one error, the recovery one info line; the pool name is a field', async () => {
    const { lines, logger } = recorder()
    const { pool, clock, state } = flaky(logTo(logger))
    const first = pool.acquire()
    await clock.advance(3_000) // attempts at 0, 100, 300, 700, 1500
    expect(pool.stats().counters.createErrors).toBeGreaterThanOrEqual(5)
    expect(lines.map((l) => l.level)).toEqual(['error'])
    expect(lines[0]!.fields).toEqual({ pool: 'orders' })
    expect(lines[0]!.message).toMatch(/ECONNREFUSED.*Retrying with backoff\.$/)
    expect(lines[0]!.message).not.toContain('[pools:')
    state.down = false
    await clock.advance(5_000)
    pool.release(await first)
    expect(lines.map((l) => l.level)).toEqual(['error', 'info'])
    expect(lines[1]).toEqual({ level: 'info', fields: { pool: 'orders' }, message: 'creating resources works again' })
    state.down = true
    pool.evictIdle()
    const second = pool.acquire()
    await clock.advance(3_000)
    expect(lines.map((l) => l.level)).toEqual(['error', 'info', 'error']) // a new streak, a new error
    state.down = false
    await clock.advance(10_000)
    pool.release(await second)
    await pool.close()
    expect(JSON.stringify(lines)).not.toContain(SECRET)
  })

  it('a leak is a warning, its return an info line', async () => {
    const { lines, logger } = recorder()
    const { pool, clock, state } = flaky(logTo(logger), { leakDetectionThresholdMs: 500, housekeepingIntervalMs: 100 })
    state.down = false
    const held = await pool.acquire()
    await clock.advance(700)
    expect(lines.map((l) => l.level)).toEqual(['warn'])
    expect(lines[0]!.fields.pool).toBe('orders')
    expect(lines[0]!.message).toMatch(/leak/i)
    pool.release(held)
    await flushMicrotasks()
    expect(lines.map((l) => l.level)).toEqual(['warn', 'info'])
    await pool.close()
  })

  it('cuts URL credentials out of the pool name and of messages', () => {
    const { lines, logger } = recorder()
    const log = logTo(logger)
    log.warn(`[pools:postgres://u:${SECRET}@h/db] failed: mysql://root:${SECRET}@127.0.0.1:3306/x refused`)
    log.error?.('no prefix here')
    expect(lines[0]).toEqual({
      level: 'warn',
      fields: { pool: 'postgres://h/db' },
      message: 'failed: mysql://127.0.0.1:3306/x refused',
    })
    expect(lines[1]).toEqual({ level: 'error', fields: { pool: '' }, message: 'no prefix here' })
  })
})

describe('adapters', () => {
  it('pino: a pino logger is a structured logger as it is (levels 50/40/30, the pool as a field)', () => {
    const out: string[] = []
    const stream = new Writable({
      write(chunk, _encoding, done) {
        out.push(String(chunk))
        done()
      },
    })
    const log = logTo(pino({ level: 'info' }, stream))
    log.error?.('[pools:orders] create failed')
    log.warn('[pools:orders] leak suspect')
    log.info?.('[pools:orders] works again')
    const parsed = out.map((line) => JSON.parse(line) as { level: number; pool: string; msg: string })
    expect(parsed.map((p) => [p.level, p.pool, p.msg])).toEqual([
      [50, 'orders', 'create failed'],
      [40, 'orders', 'leak suspect'],
      [30, 'orders', 'works again'],
    ])
  })

  it('winston: the fields go in as metadata', () => {
    const out: string[] = []
    const logger = winston.createLogger({
      level: 'info',
      format: winston.format.json(),
      transports: [
        new winston.transports.Stream({
          stream: new Writable({
            write(chunk, _encoding, done) {
              out.push(String(chunk))
              done()
            },
          }),
        }),
      ],
    })
    const log = logTo(winstonLog(logger))
    log.error?.('[pools:orders] create failed')
    log.warn('[pools:orders] leak suspect')
    log.info?.('[pools:orders] works again')
    const parsed = out.map((line) => JSON.parse(line) as { level: string; pool: string; message: string })
    expect(parsed.map((p) => [p.level, p.pool, p.message])).toEqual([
      ['error', 'orders', 'create failed'],
      ['warn', 'orders', 'leak suspect'],
      ['info', 'orders', 'works again'],
    ])
  })

  it("Nest: message and a pools:<name> context, info through log() (LoggerService's signature)", () => {
    const calls: [string, unknown, unknown][] = []
    const service = {
      error: (message: unknown, context?: unknown) => calls.push(['error', message, context]),
      warn: (message: unknown, context?: unknown) => calls.push(['warn', message, context]),
      log: (message: unknown, context?: unknown) => calls.push(['log', message, context]),
    }
    const log = logTo(nestLog(service))
    log.error?.('[pools:orders] create failed')
    log.warn('[pools:orders] leak suspect')
    log.info?.('unprefixed')
    expect(calls).toEqual([
      ['error', 'create failed', 'pools:orders'],
      ['warn', 'leak suspect', 'pools:orders'],
      ['log', 'unprefixed', 'pools'],
    ])
  })

  it('console: one line per call, other fields as JSON', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const structured = consoleLog()
    logTo(structured).error?.('[pools:orders] create failed')
    structured.warn({ pool: 'orders', id: 7 }, 'leak suspect')
    expect(error).toHaveBeenCalledWith('[pools:orders] create failed')
    expect(warn).toHaveBeenCalledWith('[pools:orders] leak suspect {"id":7}')
    vi.restoreAllMocks()
  })
})
