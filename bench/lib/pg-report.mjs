/** Summaries, targets and the markdown section of the real-PostgreSQL scenarios. */
import { ms, ops, ratioText as ratio } from './format.mjs'
import { summary } from './stats.mjs'

// the pg tables show ratios with three digits
const ratioText = (s, d = 3) => ratio(s, d)

/** Names accepted by `--pg-pools` / `pg-worker.mjs` for pg-query and pg-connect. */
export const PG_POOL_NAMES = ['pools', 'pg', 'floor']
const OURS = 'pools'
const PEER = 'pg'
const LABEL = { pools: 'pools (`@pools/core/pg`)', pg: 'pg.Pool (pg-pool 3)', floor: 'floor (FloorPool + pg.Client)' }
const SHORT = { pools: 'pools', pg: 'pg.Pool', floor: 'floor', none: 'no pool' }

const TITLES = {
  'pg-query': "`await pool.query('SELECT 1')`",
  'pg-connect': "`const c = await pool.connect(); await c.query('SELECT 1'); c.release()`",
}

const us = (n) => (Number.isFinite(n) ? `${n.toFixed(1)} µs` : '–')
const rangeText = (s, f) => (s?.n ? `${f(s.min)} – ${f(s.max)}` : '–')

export function buildPgReport({ runs, info, args }) {
  const ok = runs.filter((r) => r.ok && r.scenario?.startsWith('pg-'))
  const of = (scenario, pool) => ok.filter((r) => r.scenario === scenario && r.pool === pool)
  const paired = (numScenario, num, denScenario, den, metric) => {
    const ratios = []
    for (const a of of(numScenario, num)) {
      const b = of(denScenario, den).find((r) => r.round === a.round)
      if (b) ratios.push(metric(a) / metric(b))
    }
    return ratios.length ? { ...summary(ratios), perRound: ratios } : undefined
  }
  const opsOf = (r) => r.opsPerSec
  const p99Of = (r) => r.latency.p99
  const cpuOf = (r) => r.cpu?.usPerCall ?? Number.NaN

  const json = { ...info, summary: {}, targets: [] }
  const targets = json.targets
  const banner = []
  const L = []
  const scenarios = info.scenarios

  if (info.skipped) {
    banner.push(`> **REAL POSTGRESQL SCENARIOS SKIPPED** (${scenarios.join(', ')}): ${info.skipped}`, '')
    for (const t of targetNames(scenarios))
      targets.push({ target: t, value: null, measured: info.skipped, status: 'SKIPPED' })
    L.push('## Real PostgreSQL', '', `**SKIPPED**: ${info.skipped}. Nothing was measured against PostgreSQL.`, '')
    return { json, targets, banner, markdown: L }
  }

  // ---- summaries
  for (const s of ['pg-query', 'pg-connect']) {
    if (!scenarios.includes(s)) continue
    json.summary[s] = {}
    for (const p of info.pools) {
      const rs = of(s, p)
      if (!rs.length) continue
      json.summary[s][p] = {
        opsPerSec: summary(rs.map(opsOf)),
        p50: summary(rs.map((r) => r.latency.p50)),
        p99: summary(rs.map(p99Of)),
        p999: summary(rs.map((r) => r.latency.p999)),
        max: summary(rs.map((r) => r.latency.max)),
        cpuUsPerCall: summary(rs.map(cpuOf).filter(Number.isFinite)),
        coresBusy: summary(rs.map((r) => r.cpu?.coresBusy).filter(Number.isFinite)),
        oursOverThisCpu: p === OURS ? undefined : paired(s, OURS, s, p, cpuOf),
        oursOverThisOps: p === OURS ? undefined : paired(s, OURS, s, p, opsOf),
        oursOverThisP99: p === OURS ? undefined : paired(s, OURS, s, p, p99Of),
        thisOverFloorOps: p === 'floor' ? undefined : paired(s, p, s, 'floor', opsOf),
      }
    }
  }
  if (scenarios.includes('pg-raw')) {
    const rs = of('pg-raw', 'none')
    json.summary['pg-raw'] = {
      opsPerSec: summary(rs.map(opsOf)),
      p50: summary(rs.map((r) => r.latency.p50)),
      p99: summary(rs.map(p99Of)),
      rawConcurrency: info.opts.rawConcurrency,
      // What pooling buys: pooled ops/s ÷ connect-per-query ops/s, paired per round.
      pooledOverRaw: Object.fromEntries(
        ['pg-query', 'pg-connect'].flatMap((s) =>
          scenarios.includes(s) ? info.pools.map((p) => [`${s}/${p}`, paired(s, p, 'pg-raw', 'none', opsOf)]) : [],
        ),
      ),
    }
  }

  // ---- targets
  const target = (name, { value, text, pass }) => {
    let status
    if (info.oursPending) status = 'PENDING'
    else if (value === undefined || !Number.isFinite(value)) status = 'N/A'
    else status = pass(value) ? 'PASS' : 'FAIL'
    targets.push({ target: name, value: value ?? null, measured: status === 'PENDING' ? 'pending' : text, status })
  }
  for (const s of ['pg-query', 'pg-connect']) {
    if (!scenarios.includes(s)) continue
    const o = paired(s, OURS, s, PEER, opsOf)
    target(`(${s}) pools ≥ 1.0× pg.Pool ops/s`, { value: o?.median, text: ratioText(o), pass: (v) => v >= 1 })
    const q = paired(s, OURS, s, PEER, p99Of)
    target(`(${s}) pools p99 ≤ 1.0× pg.Pool p99`, { value: q?.median, text: ratioText(q), pass: (v) => v <= 1 })
  }
  const left = info.after?.last
  targets.push({
    target: "no connection left: pg_stat_activity application_name LIKE 'pools-bench%' = 0 at the end",
    value: left ?? null,
    measured: left === undefined ? '–' : `${left} (first check ${info.after.first}, ${info.after.waitedMs} ms)`,
    status: left === undefined ? 'N/A' : left === 0 ? 'PASS' : 'FAIL',
  })
  json.targets = targets

  // ---- markdown
  const o = info.opts
  L.push(`## Real PostgreSQL: \`SELECT 1\`, ${o.callers} callers, max ${o.max}`, '')
  L.push(
    `${info.server.serverVersion} at ${info.connection} (max_connections ${info.server.maxConnections}). Every measurement in a fresh process: ${o.warmMs} ms warm-up, then ${o.ms} ms measured, ${args.rounds} rounds; the pool order changes every round (rotated every two rounds, reversed in even rounds). Latency is per call, timed by the caller (includes waiting for a connection). Node CPU per call = the worker process's user + system CPU time over the measured window ÷ calls completed in it (includes pg's protocol work and the socket writes; less sensitive to a busy machine than ops/s). Ratios are paired per round: median (min–max, n rounds).`,
    '',
  )
  if (info.oursPending) L.push('> **pools: pending**: packages/core/dist/pg/index.js did not exist.', '')
  for (const s of ['pg-query', 'pg-connect']) {
    if (!json.summary[s]) continue
    L.push(`### ${s}: ${TITLES[s]}`, '')
    L.push(
      '| Pool | ops/s (median) | ops/s min – max | p50 | p99 (median) | p99 min – max | p99.9 | pools ÷ this, ops/s | pools ÷ this, p99 | this ÷ floor, ops/s | Node CPU per call | pools ÷ this, CPU per call |',
      '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    )
    for (const [p, v] of Object.entries(json.summary[s])) {
      L.push(
        `| ${LABEL[p] ?? p} | ${ops(v.opsPerSec.median)} | ${rangeText(v.opsPerSec, ops)} | ${ms(v.p50.median)} | ${ms(v.p99.median)} | ${rangeText(v.p99, ms)} | ${ms(v.p999.median)} | ${p === OURS ? '' : ratioText(v.oursOverThisOps)} | ${p === OURS ? '' : ratioText(v.oursOverThisP99)} | ${p === 'floor' ? '1' : ratioText(v.thisOverFloorOps)} | ${us(v.cpuUsPerCall.median)} | ${p === OURS ? '' : ratioText(v.oursOverThisCpu)} |`,
      )
    }
    L.push('')
  }
  const raw = json.summary['pg-raw']
  if (raw) {
    L.push(
      `### pg-raw: no pool, a new \`pg.Client\` per call (connect, \`SELECT 1\`, end), ${o.callers} callers, at most ${o.rawConcurrency} connections at once`,
      '',
    )
    L.push(
      '| ops/s (median) | min – max | p50 | p99 (median) | p99 min – max |',
      '|--:|--:|--:|--:|--:|',
      `| ${ops(raw.opsPerSec.median)} | ${rangeText(raw.opsPerSec, ops)} | ${ms(raw.p50.median)} | ${ms(raw.p99.median)} | ${rangeText(raw.p99, ms)} |`,
      '',
      'What pooling buys (pooled ops/s ÷ pg-raw ops/s, paired per round):',
      '',
      '| Pooled | × pg-raw |',
      '|---|--:|',
    )
    for (const [k, v] of Object.entries(raw.pooledOverRaw)) {
      const [s, p] = k.split('/')
      L.push(`| ${s} ${SHORT[p] ?? p} | ${ratioText(v, 1)} |`)
    }
    L.push('')
  }
  const pb = info.pgbench
  if (pb) {
    L.push(`### pgbench reference (${pb.version ?? 'pgbench'}, run once)`, '')
    if (!pb.ok) L.push(`**pgbench failed or was skipped**: ${pb.error}`, '')
    else {
      L.push(
        `\`pgbench -i\` (scale 1) into the scratch database \`${pb.database}\` (created for this run, ${pb.scratchDropped ? 'dropped afterwards' : `**not dropped**: ${pb.dropError ?? '?'}`}), then the built-in select-only script (\`SELECT abalance FROM pgbench_accounts WHERE aid = :aid\`), over TCP to ${info.connection.split('@')[1].replace(/\/.*$/, '')} (the same server, like the Node clients).`,
        '',
        '| Mode | Command | tps | latency avg | transactions |',
        '|---|---|--:|--:|--:|',
        `| persistent connections | \`pgbench ${pb.pooled.args}\` | ${pb.pooled.tps.toFixed(0)} (${pb.pooled.tpsNote}) | ${pb.pooled.latencyAvgMs} ms | ${pb.pooled.transactions} |`,
        `| reconnect per transaction | \`pgbench ${pb.reconnect.args}\` | ${pb.reconnect.tps.toFixed(0)} (${pb.reconnect.tpsNote}) | ${pb.reconnect.latencyAvgMs} ms | ${pb.reconnect.transactions} |`,
        '',
      )
    }
  }
  if (info.after) {
    L.push(
      `Connections left on the server at the end (\`${info.after.query}\`): **${info.after.last}** (${info.before} before the run).`,
      '',
    )
  }
  return { json, targets, banner, markdown: L }
}

function targetNames(scenarios) {
  const out = []
  for (const s of ['pg-query', 'pg-connect']) {
    if (!scenarios.includes(s)) continue
    out.push(`(${s}) pools ≥ 1.0× pg.Pool ops/s`, `(${s}) pools p99 ≤ 1.0× pg.Pool p99`)
  }
  return out
}
