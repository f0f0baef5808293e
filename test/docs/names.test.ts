/**
 * The task-oriented pages (troubleshooting, operations, concepts, getting started) name error codes,
 * config keys, stats fields, health checks, doctor checks, metrics and alerts. Each name must exist in
 * the code, so a rename cannot leave these pages pointing at something that is gone.
 */
import { readFileSync } from 'node:fs'
import {
  DESTROY_REASONS,
  ERROR_CODES,
  HEALTH_CHECKS,
  poolConfigJsonSchema,
  presets,
  STATS_COUNTERS,
  STATS_FIELDS,
} from '@pools/core'
import { METRICS } from '@pools/core/otel'
import { describe, expect, it } from 'vitest'

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')
const PAGES = ['docs/troubleshooting.md', 'docs/operations.md', 'docs/concepts.md', 'docs/getting-started.md']
const text = PAGES.map(read).join('\n')

/** Every backticked span of the pages. */
const spans = [...text.matchAll(/`([^`\n]+)`/g)].map((match) => match[1]!)

describe('names in the task-oriented docs exist in the code', () => {
  it('error codes', () => {
    const codes = new Set([...text.matchAll(/\bPOOL_[A-Z_]+\b/g)].map((match) => match[0]))
    expect(codes.size).toBeGreaterThan(0)
    for (const code of codes) expect(Object.keys(ERROR_CODES), code).toContain(code)
  })

  it('config keys, stats fields and health options ending in Ms, or camelCase pool words', () => {
    const schema = poolConfigJsonSchema() as { properties: Record<string, unknown> }
    const known = new Set([
      ...Object.keys(schema.properties),
      ...Object.keys(STATS_FIELDS),
      ...Object.keys(STATS_COUNTERS),
      'graceMs', // close({ graceMs })
      'serveWaiting', // close({ serveWaiting })
      'poolerMode', // @pools/core/pg
      'terminationGracePeriodSeconds', // Kubernetes
    ])
    const words = new Set(spans.filter((span) => /^[a-z]+[A-Z][A-Za-z]*$/.test(span)))
    expect(words.size).toBeGreaterThan(5)
    for (const word of words) expect(known.has(word), word).toBe(true)
  })

  it('health checks and pools doctor checks ("check `name`")', () => {
    const doctor = new Set(
      [...read('packages/cli/src/doctor/checks.ts').matchAll(/check: '([^']+)'/g)].map((match) => match[1]!),
    )
    const named = [...text.matchAll(/check `([^`]+)`/g)].map((match) => match[1]!)
    expect(named.length).toBeGreaterThan(3)
    for (const name of named) expect(name in HEALTH_CHECKS || doctor.has(name), name).toBe(true)
    for (const check of ['state', 'utilization', 'pending', 'timeouts', 'create-errors', 'acquire-wait']) {
      expect(check in HEALTH_CHECKS).toBe(true)
    }
  })

  it('destroy reasons and presets', () => {
    const reasons = [...text.matchAll(/destroyedBy\.(\w+)|pools_destroy_reason="([\w-]+)"|`(validation-failed)`/g)].map(
      (match) => match[1] ?? match[2] ?? match[3],
    )
    expect(reasons.length).toBeGreaterThan(1)
    for (const reason of reasons) expect(DESTROY_REASONS, reason).toContain(reason)
    const named = [...text.matchAll(/`pools: '([\w-]+)'`/g)].map((match) => match[1]!)
    expect(named.length).toBeGreaterThan(0)
    for (const name of named) expect(Object.keys(presets), name).toContain(name)
  })

  it('Prometheus metric names', () => {
    const names = Object.values(METRICS).map((metric) => metric.prometheus)
    const labels = new Set(['db_client_connection_state', 'db_client_connection_pool_name'])
    const used = new Set([...text.matchAll(/\b(?:db_client_connection|pools_connection)_\w+/g)].map((m) => m[0]))
    expect(used.size).toBeGreaterThan(5)
    for (const name of used) {
      if (labels.has(name)) continue
      const base = name.replace(/_(bucket|sum|count)$/, '')
      expect(names.includes(name) || names.includes(base), name).toBe(true)
    }
  })

  it('alert names', () => {
    const rules = read('docs/alerts/pools.rules.yml')
    const alerts = new Set(
      [...text.matchAll(/`(Pool[A-Z]\w+)`/g)].map((match) => match[1]!).filter((name) => name !== 'PoolError'),
    )
    expect(alerts.size).toBeGreaterThan(3)
    for (const alert of alerts) expect(rules, alert).toContain(`alert: ${alert}`)
  })
})
