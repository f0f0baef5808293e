/**
 * The shipped Prometheus alert rules (docs/alerts/pools.rules.yml): `promtool check rules` accepts
 * them, `promtool test rules` fires each alert on synthetic series (docs/alerts/pools.rules.test.yml),
 * and every metric the rules read is one the exporters publish.
 *
 * promtool comes with Debian's `prometheus` package (scripts/start-services.sh installs it). Without
 * it this file fails under CI and is skipped loudly otherwise.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { METRICS } from '@pools/core/prometheus'
import { describe, expect, it } from 'vitest'
import { harness } from '../harness/index.js'

const ALERTS = fileURLToPath(new URL('../../docs/alerts/', import.meta.url))
const PROMTOOL_ENV = 'POOLS_TEST_PROMTOOL'
const PROMTOOL = process.env[PROMTOOL_ENV] ?? 'promtool'

function promtool(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync(PROMTOOL, args, { cwd: ALERTS, encoding: 'utf8', timeout: 30_000 })
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ?? ''}` }
}

const found = promtool('--version')
const missing =
  found.status === 0
    ? undefined
    : `promtool not found (${PROMTOOL}); run scripts/start-services.sh as root (it installs the Debian prometheus package), install promtool, or set POOLS_TEST_PROMTOOL`

function describeWithPromtool(name: string, fn: () => void): void {
  if (missing === undefined) describe(name, fn)
  else if (harness.ci) {
    describe(name, () => {
      it('requires promtool', () => {
        throw new Error(`FAILED (CI=true, nothing may be skipped): alert rule tests — ${missing}`)
      })
    })
  } else {
    console.warn(`[metrics tests] SKIPPED: alert rule tests — ${missing}`)
    describe.skip(`${name} [SKIPPED: ${missing}]`, fn)
  }
}

describeWithPromtool('Prometheus alert rules', () => {
  it('promtool check rules accepts them', () => {
    const { status, output } = promtool('check', 'rules', 'pools.rules.yml')
    expect(output).toContain('SUCCESS: 7 rules found')
    expect(status).toBe(0)
  })

  it('promtool test rules: each alert fires on its synthetic series and not on the healthy pools', () => {
    const { status, output } = promtool('test', 'rules', 'pools.rules.test.yml')
    expect(output).toContain('SUCCESS')
    expect(status).toBe(0)
  })

  it('every alert has a unit test, and every metric a rule reads is published', () => {
    const rules = readFileSync(`${ALERTS}pools.rules.yml`, 'utf8')
    const tests = readFileSync(`${ALERTS}pools.rules.test.yml`, 'utf8')
    const alerts = [...rules.matchAll(/- alert: (\w+)/g)].map((m) => m[1]!)
    expect(alerts).toHaveLength(7)
    for (const alert of alerts) expect(tests, alert).toMatch(new RegExp(`alertname: ${alert}\\n\\s+exp_alerts:\\n`))
    const published = new Set(Object.values(METRICS).map((m) => m.prometheus))
    const read = new Set(
      [...rules.matchAll(/\b(?:db_client_connection|pools_connection)_[a-z_]+\b/g)]
        .map((m) => m[0])
        .filter((name) => name !== 'db_client_connection_pool_name' && name !== 'db_client_connection_state'),
    )
    expect(read.size).toBeGreaterThanOrEqual(6)
    for (const name of read) expect(published.has(name), name).toBe(true)
  })
})
