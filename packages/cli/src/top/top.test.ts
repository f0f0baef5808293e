import { describe, expect, it } from 'vitest'
import { intervalMs, metricsUrl } from '../commands/top.js'
import { styleFor, visibleWidth } from '../io.js'
import { ExpositionError, parseExposition } from './exposition.js'
import { formatWait, poolRows, renderLine, renderScreen } from './render.js'
import { increase, poolSnapshots, waitQuantile } from './snapshot.js'

const L = 'db_client_connection_pool_name'

/** What prom-client serves for two pools (trimmed to the metrics top reads, plus noise it must skip). */
function scrape(o: { used: number; idle: number; pending: number; timeouts: number; buckets: number[] }): string {
  const les = ['0.001', '0.005', '0.01', '0.05', '0.1', '+Inf']
  return [
    '# HELP db_client_connection_count Open connections in the state given by db.client.connection.state.',
    '# TYPE db_client_connection_count gauge',
    `db_client_connection_count{${L}="primary",db_client_connection_state="idle"} ${o.idle}`,
    `db_client_connection_count{${L}="primary",db_client_connection_state="used"} ${o.used}`,
    `db_client_connection_count{${L}="replica",db_client_connection_state="idle"} 2`,
    `db_client_connection_count{${L}="replica",db_client_connection_state="used"} 0`,
    `db_client_connection_pending_requests{${L}="primary"} ${o.pending}`,
    `db_client_connection_limit{${L}="primary"} 10`,
    `db_client_connection_max{${L}="replica"} 4`,
    `pools_connection_leak_suspects{${L}="primary"} 1`,
    `db_client_connection_timeouts_total{${L}="primary"} ${o.timeouts}`,
    `pools_connection_leaks_total{${L}="primary"} 3 1700000000000`,
    ...les.map((le, i) => `db_client_connection_wait_time_bucket{le="${le}",${L}="primary"} ${o.buckets[i]}`),
    `db_client_connection_wait_time_sum{${L}="primary"} 1.5`,
    'process_cpu_seconds_total 12.5',
    'nodejs_heap{space="new \\"x\\"\\\\ y"} NaN',
    '',
  ].join('\n')
}

describe('the exposition parser', () => {
  it('reads names, escaped labels, special values and skips comments and timestamps', () => {
    const samples = parseExposition(
      '# TYPE a counter\na_total 3\nb{x="1",y="q\\"uo\\\\te\\nline"} +Inf\nc{} -Inf 123\n\n  d{le="0.5" , z="" } 1e-3\n',
    )
    expect(samples).toEqual([
      { name: 'a_total', labels: {}, value: 3 },
      { name: 'b', labels: { x: '1', y: 'q"uo\\te\nline' }, value: Number.POSITIVE_INFINITY },
      { name: 'c', labels: {}, value: Number.NEGATIVE_INFINITY },
      { name: 'd', labels: { le: '0.5', z: '' }, value: 0.001 },
    ])
  })

  it('names the line of a malformed sample', () => {
    expect(() => parseExposition('ok 1\nbad{x="1} 2')).toThrow(ExpositionError)
    expect(() => parseExposition('ok 1\nbad{x="1} 2')).toThrow('line 2: label x: the value has no closing quote')
    expect(() => parseExposition('a 1\nb')).toThrow('line 2: the value is missing')
    expect(() => parseExposition('a one')).toThrow('line 1: "one" is not a number')
    expect(() => parseExposition('<html>')).toThrow('line 1: a metric name was expected')
  })
})

describe('pool snapshots', () => {
  it('group series by pool, read limit (or the older max) and skip series without the pool label', () => {
    const [primary, replica, ...rest] = poolSnapshots(
      parseExposition(scrape({ used: 7, idle: 3, pending: 2, timeouts: 5, buckets: [1, 2, 3, 4, 5, 5] })),
    )
    expect(rest).toEqual([])
    expect(primary).toMatchObject({ name: 'primary', used: 7, idle: 3, pending: 2, max: 10, timeouts: 5, leaks: 3 })
    expect(primary?.leakSuspects).toBe(1)
    expect([...(primary?.waitBuckets.keys() ?? [])]).toEqual([0.001, 0.005, 0.01, 0.05, 0.1, Number.POSITIVE_INFINITY])
    expect(replica).toMatchObject({ name: 'replica', used: 0, idle: 2, max: 4, pending: 0, timeouts: 0 })
  })

  it('add up same-named series (two exporters) and read the Collector spelling of the histogram', () => {
    const pools = poolSnapshots(
      parseExposition(
        [
          `db_client_connection_count{${L}="a",db_client_connection_state="used",otel_scope_name="x"} 1`,
          `db_client_connection_count{${L}="a",db_client_connection_state="used",otel_scope_name="y"} 2`,
          `db_client_connection_wait_time_seconds_bucket{${L}="a",le="0.1"} 4`,
          `db_client_connection_wait_time_seconds_bucket{${L}="a",le="+Inf"} 4`,
        ].join('\n'),
      ),
    )
    expect(pools[0]?.used).toBe(3)
    expect(waitQuantile(pools[0]?.waitBuckets ?? new Map(), undefined)).toEqual({ seconds: 0.095, above: false })
  })

  it('p95 over the interval from bucket deltas, interpolated inside the bucket', () => {
    const before = new Map([
      [0.01, 100],
      [0.1, 100],
      [Number.POSITIVE_INFINITY, 100],
    ])
    // 20 new waits: 10 under 10 ms, 10 between 10 and 100 ms → rank 19 is 9/10 into the second bucket.
    const after = new Map([
      [0.01, 110],
      [0.1, 120],
      [Number.POSITIVE_INFINITY, 120],
    ])
    expect(waitQuantile(after, before)?.seconds).toBeCloseTo(0.01 + 0.09 * 0.9, 10)
    expect(waitQuantile(before, before)).toBeUndefined() // nothing new
    // Above the last finite bucket: the bound, marked.
    const slow = new Map([
      [0.1, 0],
      [Number.POSITIVE_INFINITY, 3],
    ])
    expect(waitQuantile(slow, undefined)).toEqual({ seconds: 0.1, above: true })
    // The app restarted (counts went down): the new counts are the interval's.
    expect(
      waitQuantile(
        new Map([
          [0.01, 2],
          [Number.POSITIVE_INFINITY, 2],
        ]),
        before,
      )?.seconds,
    ).toBeCloseTo(0.0095, 10)
    expect(increase(5, 8)).toBe(3)
    expect(increase(5, 2)).toBe(2)
    expect(increase(undefined, 4)).toBe(4)
  })
})

describe('rendering', () => {
  const first = poolSnapshots(
    parseExposition(scrape({ used: 7, idle: 3, pending: 2, timeouts: 5, buckets: [1, 2, 3, 4, 5, 5] })),
  )
  const second = poolSnapshots(
    parseExposition(scrape({ used: 9, idle: 1, pending: 12, timeouts: 8, buckets: [1, 2, 3, 4, 25, 25] })),
  )
  const at = new Date('2026-12-06T06:45:01.250Z')

  it('plain lines: one per pool, key=value, new timeouts in brackets', () => {
    const rows = poolRows(second, first)
    expect(rows.map((row) => renderLine(row, at))).toEqual([
      '06:45:01 primary used=9 idle=1 max=10 pending=12 creating=0 wait_p95=98ms timeouts=8(+3) leak_suspects=1 leaks=3',
      '06:45:01 replica used=0 idle=2 max=4 pending=0 creating=0 wait_p95=- timeouts=0 leak_suspects=0 leaks=0',
    ])
    expect(formatWait({ seconds: 0.00042, above: false })).toBe('0.42 ms')
    expect(formatWait({ seconds: 2.5, above: true })).toBe('>2.5 s')
  })

  it('the screen: bars of used / idle / free over max, pending bar, columns, legend; never wider than the terminal', () => {
    const plain = styleFor({ write: () => true }, {})
    const info = { source: 'http://127.0.0.1:9464/metrics', intervalMs: 2000, at, width: 100, first: false }
    const lines = renderScreen(poolRows(first, undefined), { ...info, first: true }, plain)
    expect(lines[0]).toMatch(/^pools top {2}http:\/\/127\.0\.0\.1:9464\/metrics {2}every 2 s {2}06:45:01 UTC +q quits$/)
    expect(lines[2]).toMatch(/^POOL {5}CONNECTIONS +PENDING +USED +IDLE +MAX +PEND +WAIT p95 +TIMEOUTS +LEAKS$/)
    const primary = lines[3] ?? ''
    const bar = /█+▒*·*/.exec(primary)?.[0] ?? ''
    // 7 used, 3 idle of max 10: seven tenths used, the rest idle, nothing free.
    expect([...bar].filter((c) => c === '█').length / [...bar].length).toBeCloseTo(0.7, 1)
    expect(bar).not.toContain('·')
    expect(primary).toMatch(/▶+ +7 +3 +10 +2 +88 ms +5 +1$/)
    expect(lines[4]).toMatch(/^replica {2}▒+·+ +0 +2 +4 +0 +- +0 +0$/)
    expect(lines.at(-1)).toContain('wait p95 since the app started')
    for (const width of [60, 80, 100, 160]) {
      for (const line of renderScreen(poolRows(second, first), { ...info, width }, plain)) {
        expect(visibleWidth(line)).toBeLessThanOrEqual(width)
      }
    }
    const later = renderScreen(poolRows(second, first), info, plain)
    expect(later[3]).toMatch(/▶▶▶▶▶\+ +9 +1 +10 +12 +98 ms +8 \(\+3\) +1$/)
    expect(later.at(-1)).toContain('wait p95 over the last 2 s')
    const failed = renderScreen([], { ...info, error: 'could not read x: ECONNREFUSED' }, plain)
    expect(failed[1]).toBe('! could not read x: ECONNREFUSED')
  })

  it('colours: used turns red near max, new timeouts red, leak suspects yellow', () => {
    const colour = styleFor({ write: () => true, isTTY: true }, {})
    const lines = renderScreen(
      poolRows(second, first),
      { source: 'x', intervalMs: 500, at, width: 120, first: false },
      colour,
    )
    expect(lines[3]).toContain('\u001b[31m█')
    expect(lines[3]).toContain('\u001b[31m8 (+3)\u001b[39m')
    expect(lines[3]).toContain('\u001b[33m1\u001b[39m')
  })
})

describe('pools top arguments', () => {
  it('the endpoint from a port, host:port or URL; /metrics when no path', () => {
    expect(metricsUrl(undefined).href).toBe('http://127.0.0.1:9464/metrics')
    expect(metricsUrl('9100').href).toBe('http://127.0.0.1:9100/metrics')
    expect(metricsUrl('app:9100').href).toBe('http://app:9100/metrics')
    expect(metricsUrl('https://app/prom').href).toBe('https://app/prom')
    expect(() => metricsUrl('ftp://x')).toThrow('must be http:// or https://')
    expect(() => metricsUrl('http://[x')).toThrow('is not a URL')
  })

  it('--interval in s or ms, at least 100 ms', () => {
    expect(intervalMs(undefined)).toBe(2000)
    expect([intervalMs('1s'), intervalMs('250ms'), intervalMs('1.5')]).toEqual([1000, 250, 1500])
    expect(() => intervalMs('50ms')).toThrow('at least 100ms')
    expect(() => intervalMs('fast')).toThrow('at least 100ms')
  })
})
