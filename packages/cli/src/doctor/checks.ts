import type { PoolConfig } from '@pools/core'
import type { Finding, ServerFacts } from './facts.js'

/** What the checks need besides the server's facts. */
export interface CheckContext {
  config: PoolConfig
  /** Pools with this config open at peak (processes × pools each). */
  instances: number
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1|\[::1\]|\/.*)$/

function ms(value: number): string {
  if (value >= 60_000 && value % 60_000 === 0) return `${value / 60_000} min`
  if (value >= 1_000 && value % 1_000 === 0) return `${value / 1_000} s`
  return `${value} ms`
}

function pct(part: number, whole: number): string {
  return `${Math.round((part / whole) * 100)}%`
}

export function checkLatency(facts: ServerFacts): Finding {
  const { medianMs, minMs, samples } = facts.latency
  const text = `round trip ${medianMs.toFixed(2)} ms median, ${minMs.toFixed(2)} ms best of ${samples}; connect ${facts.connectMs.toFixed(1)} ms`
  if (medianMs >= 50) {
    return {
      level: 'warn',
      check: 'latency',
      message: `${text}: every query pays this, and each borrow holds its connection that much longer`,
      fix: "run the app in the database's region, and count the round trips in hold time (pools size --hold-ms)",
    }
  }
  return { level: 'ok', check: 'latency', message: text }
}

export function checkConnections(facts: ServerFacts, ctx: CheckContext): Finding {
  const { max } = ctx.config
  const demand = max * ctx.instances
  const who = ctx.instances === 1 ? `max ${max}` : `${ctx.instances} instances × max ${max} = ${demand}`
  if (facts.pooler) {
    const limit = facts.pooler.maxClientConnections
    if (limit !== undefined && demand > limit) {
      return {
        level: 'error',
        check: 'connections',
        message: `${who} client connections at peak, more than ${facts.pooler.name}'s max_client_conn (${limit})`,
        fix: `lower max to ${Math.max(1, Math.floor(limit / ctx.instances))} or raise max_client_conn`,
      }
    }
    return {
      level: 'info',
      check: 'connections',
      message: `${who} connections to ${facts.pooler.name}${limit === undefined ? '' : ` (max_client_conn ${limit})`}; the server's max_connections (${facts.maxConnections}, ${facts.otherConnections} in use) is shared through it`,
    }
  }
  const available = facts.maxConnections - facts.reservedConnections
  const base = `max_connections ${facts.maxConnections}${facts.reservedConnections ? ` (${facts.reservedConnections} reserved for superusers)` : ''}, ${facts.otherConnections} open by others now; this app: ${who}`
  const rightSize = `pools size --max-connections ${facts.maxConnections} --reserved ${facts.reservedConnections || 3} --instances ${ctx.instances}`
  if (demand > available) {
    return {
      level: 'error',
      check: 'connections',
      message: `${base}, more than the ${available} the server allows: connects fail with "too many connections" at peak`,
      fix: `lower max to ${Math.max(1, Math.floor(available / ctx.instances))} or put a pooler in between (${rightSize})`,
    }
  }
  if (demand + facts.otherConnections > available) {
    return {
      level: 'warn',
      check: 'connections',
      message: `${base}: with what is open now, ${demand + facts.otherConnections} would exceed the ${available} available`,
      fix: `leave room for the other clients: ${rightSize} --reserved ${facts.reservedConnections + facts.otherConnections}`,
    }
  }
  return { level: 'ok', check: 'connections', message: `${base} (${pct(demand, available)} of ${available} available)` }
}

export function checkPooler(facts: ServerFacts): Finding {
  const p = facts.pooler
  if (!p) {
    return facts.poolerRuledOut
      ? {
          level: 'ok',
          check: 'pooler',
          message: `none: connected to ${facts.kind === 'postgres' ? 'PostgreSQL' : 'the server'} directly`,
        }
      : { level: 'info', check: 'pooler', message: 'no pooler detected' }
  }
  const what = `${p.name}${p.version ? ` ${p.version.replace(/^PgBouncer /, '')}` : ''} (${p.how})`
  if (p.name === 'ProxySQL') {
    return {
      level: 'info',
      check: 'pooler',
      message: `${what}: it multiplexes connections; session state (SET, temporary tables, GET_LOCK, LAST_INSERT_ID across statements) can be lost`,
      fix: 'keep session state inside one transaction, or disable multiplexing for those queries',
    }
  }
  if (p.mode === 'session') {
    return {
      level: 'info',
      check: 'pooler',
      message: `${what}, pool_mode session: each app connection holds a server connection while open; prepared statements and SET work`,
    }
  }
  const prepared =
    p.maxPreparedStatements !== undefined && p.maxPreparedStatements > 0
      ? `protocol-level prepared statements are tracked (max_prepared_statements ${p.maxPreparedStatements}); `
      : 'named prepared statements fail ("prepared statement does not exist"); '
  const mode =
    p.mode === undefined
      ? 'pool_mode not readable (no access to its admin console); if it is transaction'
      : `pool_mode ${p.mode}`
  return {
    level: 'warn',
    check: 'pooler',
    message: `${what}, ${mode}: each transaction may run on a different server connection, so ${prepared}SET, advisory locks, LISTEN and temporary tables do not last past the transaction`,
    fix: "with @pools/core/pg set poolerMode: 'transaction' (prepared statements sent unnamed, session settings refused at connect); keep session state inside transactions",
  }
}

/**
 * The server (or the pooler in between) closes connections idle longer than its limit. A pool keeps
 * idle connections for idleTimeoutMs (only above min), and the housekeeping pass that closes them
 * runs every housekeepingIntervalMs, so both count. keepaliveIntervalMs (a validation query) and
 * maxLifetimeMs below the limit protect every idle connection, min included.
 */
export function checkIdleTimeout(facts: ServerFacts, ctx: CheckContext): Finding {
  const c = ctx.config
  let limit: number | undefined
  let name: string
  if (facts.pooler?.name === 'PgBouncer' && facts.pooler.clientIdleTimeoutMs !== undefined) {
    limit = facts.pooler.clientIdleTimeoutMs
    name = "PgBouncer's client_idle_timeout"
  } else if (facts.kind === 'postgres') {
    limit = facts.pooler ? undefined : facts.timeouts.idleSessionMs
    name = 'idle_session_timeout'
  } else {
    limit = facts.timeouts.waitMs
    name = 'wait_timeout'
  }
  if (limit === undefined) {
    return {
      level: 'info',
      check: 'idle timeout',
      message: facts.pooler
        ? `the server's idle_session_timeout applies to ${facts.pooler.name}'s own connections; its client_idle_timeout was not readable`
        : `${name} is not available on this server`,
    }
  }
  if (limit === 0) return { level: 'ok', check: 'idle timeout', message: `${name} is off: idle connections stay open` }
  const slack = c.housekeepingIntervalMs
  const keepalive = c.keepaliveIntervalMs > 0 && c.keepaliveIntervalMs + slack < limit
  const lifetime = c.maxLifetimeMs > 0 && c.maxLifetimeMs + slack < limit
  const idle = c.idleTimeoutMs > 0 && c.idleTimeoutMs + slack < limit
  const pool = `idleTimeoutMs ${c.idleTimeoutMs ? ms(c.idleTimeoutMs) : 'off'}, keepaliveIntervalMs ${c.keepaliveIntervalMs ? ms(c.keepaliveIntervalMs) : 'off'}, maxLifetimeMs ${c.maxLifetimeMs ? ms(c.maxLifetimeMs) : 'off'}, min ${c.min}`
  if (keepalive || lifetime || (idle && c.min === 0)) {
    return {
      level: 'ok',
      check: 'idle timeout',
      message: `${name} ${ms(limit)}; the pool closes or refreshes idle connections first (${pool})`,
    }
  }
  const target = Math.max(1_000, Math.floor(limit / 2 / 1_000) * 1_000)
  const victims = idle ? `the ${c.min} connections kept by min` : 'idle connections'
  const caught = c.validateOnBorrow
    ? 'each is found closed at its next borrow and replaced (one wasted round trip), or fails a query when borrowed within validationBypassMs'
    : 'with validateOnBorrow off, the next query on each fails'
  return {
    level: 'warn',
    check: 'idle timeout',
    message: `${name} ${ms(limit)} closes ${victims} before the pool does (${pool}): ${caught}`,
    fix: idle
      ? `set keepaliveIntervalMs to ${ms(target)} (below ${ms(limit)}) so connections kept by min stay in use`
      : `set idleTimeoutMs to ${ms(target)}${c.min > 0 ? ` and keepaliveIntervalMs to ${ms(target)}` : ''} (below ${ms(limit)}), or raise ${name}`,
  }
}

export function checkOtherTimeouts(facts: ServerFacts, ctx: CheckContext): Finding[] {
  const out: Finding[] = []
  const t = facts.timeouts
  if (facts.kind === 'postgres' && t.idleInTransactionMs !== undefined) {
    out.push(
      t.idleInTransactionMs > 0
        ? {
            level: 'info',
            check: 'idle in transaction',
            message: `idle_in_transaction_session_timeout ${ms(t.idleInTransactionMs)}: a connection left idle inside a transaction is closed by the server after that`,
          }
        : {
            level: 'info',
            check: 'idle in transaction',
            message: `idle_in_transaction_session_timeout is off: a connection leaked inside a transaction holds its locks until the app releases it${ctx.config.leakDetectionThresholdMs ? '' : ' (leak detection is off too)'}`,
            fix: ctx.config.leakDetectionThresholdMs
              ? undefined
              : 'set leakDetectionThresholdMs (e.g. 30 s) to be told about held connections',
          },
    )
  }
  if (t.statementMs !== undefined) {
    out.push({
      level: 'info',
      check: 'statement timeout',
      message:
        t.statementMs > 0
          ? `statement_timeout ${ms(t.statementMs)}`
          : 'statement_timeout is off: a runaway query holds its connection until it ends',
    })
  }
  return out
}

export function checkTls(facts: ServerFacts): Finding {
  const local = LOOPBACK.test(facts.host)
  const { encrypted, protocol, cipher, verified } = facts.tls
  if (!encrypted) {
    return local
      ? { level: 'info', check: 'tls', message: `not encrypted (${facts.host} is this machine)` }
      : {
          level: 'warn',
          check: 'tls',
          message: `not encrypted: credentials and data cross the network in clear to ${facts.host}`,
          fix:
            facts.kind === 'postgres'
              ? 'add sslmode=verify-full to the URL (or connection.ssl: { rejectUnauthorized: true, ca })'
              : 'set connection.ssl: { rejectUnauthorized: true } (and ca when the certificate is private)',
        }
  }
  const what = `encrypted${protocol ? ` (${protocol}${cipher ? `, ${cipher}` : ''})` : ''}`
  if (verified === false && !local) {
    return {
      level: 'warn',
      check: 'tls',
      message: `${what}, but the server's certificate is not verified: a machine in between could pose as the server`,
      fix:
        facts.kind === 'postgres'
          ? 'use sslmode=verify-full with the CA of the server'
          : 'set ssl.rejectUnauthorized: true (with ssl.ca)',
    }
  }
  return { level: 'ok', check: 'tls', message: `${what}${verified ? ', certificate verified' : ''}` }
}

/** Every check, in report order. */
export function runChecks(facts: ServerFacts, ctx: CheckContext): Finding[] {
  return [
    { level: 'ok', check: 'server', message: facts.version },
    checkLatency(facts),
    checkConnections(facts, ctx),
    checkPooler(facts),
    checkIdleTimeout(facts, ctx),
    ...checkOtherTimeouts(facts, ctx),
    checkTls(facts),
  ]
}
