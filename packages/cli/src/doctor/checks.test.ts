import { parsePoolConfig } from '@pools/core'
import { describe, expect, it } from 'vitest'
import {
  checkConnections,
  checkIdleTimeout,
  checkLatency,
  checkOtherTimeouts,
  checkPooler,
  checkTls,
  runChecks,
} from './checks.js'
import type { ServerFacts } from './facts.js'

function facts(over: Partial<ServerFacts> = {}): ServerFacts {
  return {
    kind: 'postgres',
    version: 'PostgreSQL 15.4',
    connectMs: 3,
    latency: { minMs: 0.2, medianMs: 0.3, samples: 5 },
    maxConnections: 100,
    reservedConnections: 3,
    otherConnections: 10,
    pooler: undefined,
    poolerRuledOut: true,
    timeouts: { idleSessionMs: 0, idleInTransactionMs: 0, statementMs: 0 },
    tls: { encrypted: false },
    host: '127.0.0.1',
    port: 5432,
    ...over,
  }
}
const ctx = (config: Parameters<typeof parsePoolConfig>[0] = {}, instances = 1) => ({
  config: parsePoolConfig(config),
  instances,
})

describe('checkConnections', () => {
  it('ok with the share, warn when the others leave too little room, error above the budget', () => {
    expect(checkConnections(facts(), ctx({ max: 20 }, 4))).toMatchObject({
      level: 'ok',
      message: expect.stringContaining('this app: 4 instances × max 20 = 80 (82% of 97 available)'),
    })
    const warn = checkConnections(facts({ otherConnections: 30 }), ctx({ max: 20 }, 4))
    expect(warn.level).toBe('warn')
    expect(warn.message).toContain('110 would exceed the 97 available')
    expect(warn.fix).toBe(
      'leave room for the other clients: pools size --max-connections 100 --reserved 3 --instances 4 --reserved 33',
    )
    const error = checkConnections(facts(), ctx({ max: 30 }, 4))
    expect(error.level).toBe('error')
    expect(error.fix).toMatch(/^lower max to 24 or put a pooler in between/)
  })

  it("behind a pooler the pooler's client limit counts", () => {
    const pooler = { name: 'PgBouncer' as const, how: 'x', maxClientConnections: 100 }
    expect(checkConnections(facts({ pooler }), ctx({ max: 30 }, 4)).level).toBe('error')
    expect(checkConnections(facts({ pooler }), ctx({ max: 20 }, 4)).level).toBe('info')
  })
})

describe('checkIdleTimeout', () => {
  const limited = facts({ timeouts: { idleSessionMs: 10_000 } })
  it('off or no limit: ok', () => {
    expect(checkIdleTimeout(facts(), ctx()).level).toBe('ok')
  })
  it('idle timeout above the limit: warn with a fix below it', () => {
    const f = checkIdleTimeout(limited, ctx({ maxLifetimeMs: 0 }))
    expect(f.level).toBe('warn')
    expect(f.fix).toBe('set idleTimeoutMs to 5 s (below 10 s), or raise idle_session_timeout')
  })
  it('idle timeout below the limit protects only connections above min; keepalive or lifetime protect all', () => {
    expect(checkIdleTimeout(limited, ctx({ idleTimeoutMs: 5_000, maxLifetimeMs: 0 })).level).toBe('ok')
    const min = checkIdleTimeout(limited, ctx({ min: 2, idleTimeoutMs: 5_000, maxLifetimeMs: 0 }))
    expect(min.level).toBe('warn')
    expect(min.message).toContain('closes the 2 connections kept by min')
    expect(min.fix).toBe('set keepaliveIntervalMs to 5 s (below 10 s) so connections kept by min stay in use')
    expect(checkIdleTimeout(limited, ctx({ min: 2, keepaliveIntervalMs: 5_000, maxLifetimeMs: 0 })).level).toBe('ok')
    expect(checkIdleTimeout(limited, ctx({ min: 2, maxLifetimeMs: 8_000, maxLifetimeJitterMs: 0 })).level).toBe('ok')
  })
  it('the housekeeping interval counts: 9.5 s idle + 1 s pass is not below 10 s', () => {
    expect(checkIdleTimeout(limited, ctx({ idleTimeoutMs: 9_500, maxLifetimeMs: 0 })).level).toBe('warn')
  })
  it('validateOnBorrow off makes the consequence worse, and says so', () => {
    const f = checkIdleTimeout(limited, ctx({ validateOnBorrow: false, maxLifetimeMs: 0 }))
    expect(f.message).toContain('with validateOnBorrow off, the next query on each fails')
  })
  it("MySQL's wait_timeout; PgBouncer's client_idle_timeout instead of the server's", () => {
    const mysql = facts({ kind: 'mysql', timeouts: { waitMs: 28_800_000 } })
    expect(checkIdleTimeout(mysql, ctx({ idleTimeoutMs: 0, maxLifetimeMs: 0 })).message).toMatch(
      /^wait_timeout 480 min/,
    )
    const bouncer = facts({
      pooler: { name: 'PgBouncer', how: 'x', clientIdleTimeoutMs: 0 },
      timeouts: { idleSessionMs: 1_000 },
    })
    expect(checkIdleTimeout(bouncer, ctx()).message).toBe(
      "PgBouncer's client_idle_timeout is off: idle connections stay open",
    )
    const unreadable = facts({ pooler: { name: 'PgBouncer', how: 'x' }, timeouts: { idleSessionMs: 1_000 } })
    expect(checkIdleTimeout(unreadable, ctx()).level).toBe('info')
  })
})

describe('checkPooler, checkTls, checkLatency, other timeouts', () => {
  it('pooler modes', () => {
    expect(checkPooler(facts()).level).toBe('ok')
    expect(checkPooler(facts({ poolerRuledOut: false })).level).toBe('info')
    expect(checkPooler(facts({ pooler: { name: 'PgBouncer', how: 'x', mode: 'session' } })).level).toBe('info')
    const unknown = checkPooler(facts({ pooler: { name: 'PgBouncer', how: 'refused' } }))
    expect([unknown.level, unknown.message]).toEqual(['warn', expect.stringContaining('pool_mode not readable')])
    const tracked = checkPooler(
      facts({ pooler: { name: 'PgBouncer', how: 'x', mode: 'transaction', maxPreparedStatements: 200 } }),
    )
    expect(tracked.message).toContain('protocol-level prepared statements are tracked (max_prepared_statements 200)')
    expect(checkPooler(facts({ kind: 'mysql', pooler: { name: 'ProxySQL', how: 'x' } })).level).toBe('info')
  })
  it('TLS: loopback in clear is info, remote in clear and unverified are warnings', () => {
    expect(checkTls(facts()).level).toBe('info')
    expect(checkTls(facts({ host: 'db.example.com' })).level).toBe('warn')
    expect(checkTls(facts({ host: 'db.example.com', tls: { encrypted: true, verified: false } })).level).toBe('warn')
    expect(
      checkTls(facts({ host: 'db.example.com', tls: { encrypted: true, protocol: 'TLSv1.3', verified: true } })),
    ).toEqual({
      level: 'ok',
      check: 'tls',
      message: 'encrypted (TLSv1.3), certificate verified',
    })
  })
  it('latency of 50 ms or more is a warning', () => {
    expect(checkLatency(facts({ latency: { minMs: 60, medianMs: 70, samples: 5 } })).level).toBe('warn')
  })
  it('idle-in-transaction and statement timeouts are reported as info', () => {
    const out = checkOtherTimeouts(facts({ timeouts: { idleInTransactionMs: 60_000, statementMs: 30_000 } }), ctx())
    expect(out.map((f) => [f.level, f.message])).toEqual([
      ['info', expect.stringContaining('idle_in_transaction_session_timeout 1 min')],
      ['info', 'statement_timeout 30 s'],
    ])
    expect(runChecks(facts(), ctx()).map((f) => f.check)).toEqual([
      'server',
      'latency',
      'connections',
      'pooler',
      'idle timeout',
      'idle in transaction',
      'statement timeout',
      'tls',
    ])
  })
})
