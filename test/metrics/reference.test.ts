/**
 * docs/metrics.md lists every metric the exporters publish, in its OpenTelemetry, Prometheus and
 * Collector forms, with its unit and attributes, exactly as the catalogue defines it.
 */
import { readFileSync } from 'node:fs'
import { METRICS } from '@pools/core/otel'
import { describe, expect, it } from 'vitest'

const doc = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8')

describe('docs/metrics.md', () => {
  it('has one reference row per metric with its names, kind, unit and attributes', () => {
    const rows = doc.split('\n').filter((line) => /^\| `(db|pools)\./.test(line))
    expect(rows).toHaveLength(Object.keys(METRICS).length)
    for (const metric of Object.values(METRICS)) {
      const row = rows.find((r) => r.split('|')[1]!.trim().startsWith(`\`${metric.otel}\``))
      expect(row, metric.otel).toBeDefined()
      const cells = row!
        .split('|')
        .map((cell) => cell.trim())
        .slice(1)
      expect(cells[1]).toContain(`\`${metric.prometheus}${metric.kind === 'histogram' ? '_bucket' : ''}\``)
      expect(cells[2]).toBe(
        metric.kind === 'histogram' ? `\`${metric.prometheus}_seconds_bucket\`, \`_sum\`, \`_count\`` : 'same',
      )
      expect(cells[4]).toBe(`\`${metric.unit}\``)
      for (const attribute of ['db.client.connection.pool.name', ...metric.attributes]) {
        expect(cells[5]).toContain(`\`${attribute}\``)
      }
      expect(row).toContain(metric.description)
    }
  })
})
