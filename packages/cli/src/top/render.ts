import type { Style } from '../io.js'
import { visibleWidth } from '../io.js'
import { increase, type PoolSnapshot, type Quantile, waitQuantile } from './snapshot.js'

/** One pool on screen: its scrape, and what changed since the previous one. */
export interface PoolRow extends PoolSnapshot {
  /** Acquire wait p95 over the refresh interval (since the app started on the first scrape). */
  readonly waitP95: Quantile
  /** Timeouts since the previous scrape; `undefined` on the first. */
  readonly newTimeouts: number | undefined
}

/** Rows for `current`, with the interval's wait p95 and new timeouts measured against `previous`. */
export function poolRows(current: readonly PoolSnapshot[], previous: readonly PoolSnapshot[] | undefined): PoolRow[] {
  return current.map((pool) => {
    const before = previous?.find((p) => p.name === pool.name)
    return {
      ...pool,
      waitP95: waitQuantile(pool.waitBuckets, before?.waitBuckets),
      newTimeouts: previous === undefined ? undefined : increase(before?.timeouts, pool.timeouts),
    }
  })
}

/** `0.42 ms`, `12 ms`, `1.5 s`; `>10 s` above the histogram's last bucket; `-` without waits. */
export function formatWait(quantile: Quantile): string {
  if (quantile === undefined) return '-'
  const ms = quantile.seconds * 1000
  const text =
    ms < 1
      ? `${ms.toFixed(2)} ms`
      : ms < 10
        ? `${ms.toFixed(1)} ms`
        : ms < 1000
          ? `${Math.round(ms)} ms`
          : `${(ms / 1000).toFixed(1)} s`
  return quantile.above ? `>${text}` : text
}

function count(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1)
}

/** `12:04:05`: the time of a scrape, UTC, as the plain lines print it. */
export function clock(date: Date): string {
  return date.toISOString().slice(11, 19)
}

/**
 * One plain line per pool, for logs and pipes:
 * `12:04:05 primary used=3 idle=2 max=10 pending=0 creating=0 wait_p95=1.2ms timeouts=0 leak_suspects=0 leaks=0`.
 */
export function renderLine(row: PoolRow, at: Date): string {
  const fields = [
    `used=${count(row.used)}`,
    `idle=${count(row.idle)}`,
    `max=${row.max === undefined ? '-' : count(row.max)}`,
    `pending=${count(row.pending)}`,
    `creating=${count(row.creating)}`,
    `wait_p95=${formatWait(row.waitP95).replace(' ', '')}`,
    `timeouts=${count(row.timeouts)}${row.newTimeouts ? `(+${count(row.newTimeouts)})` : ''}`,
    `leak_suspects=${count(row.leakSuspects)}`,
    `leaks=${count(row.leaks)}`,
  ]
  return `${clock(at)} ${row.name} ${fields.join(' ')}`
}

/** What the screen shows besides the pools. */
export interface ScreenInfo {
  /** Where the metrics come from (credentials already redacted). */
  readonly source: string
  readonly intervalMs: number
  readonly at: Date
  /** Columns of the terminal. */
  readonly width: number
  /** The last scrape failed: why (the previous pools stay on screen). */
  readonly error?: string | undefined
  /** True on the first frame, whose wait p95 covers everything since the app started. */
  readonly first: boolean
}

const BAR_USED = '█'
const BAR_IDLE = '▒'
const BAR_FREE = '·'
const BAR_PENDING = '▶'
const PENDING_CELLS = 7

function cells(part: number, whole: number, width: number): number {
  if (part <= 0 || whole <= 0) return 0
  return Math.max(1, Math.min(width, Math.round((part / whole) * width)))
}

/** used █, idle ▒, free · over `max` cells of `width`. */
export function connectionBar(row: PoolSnapshot, width: number, s: Style): string {
  const capacity = Math.max(row.max ?? 0, row.used + row.idle, 1)
  const used = cells(row.used, capacity, width)
  const open = Math.max(used, Math.min(width, cells(row.used + row.idle, capacity, width)))
  const saturation = row.used / capacity
  const paint = saturation >= 0.9 ? s.red : saturation >= 0.7 ? s.yellow : s.green
  return paint(BAR_USED.repeat(used)) + s.cyan(BAR_IDLE.repeat(open - used)) + s.dim(BAR_FREE.repeat(width - open))
}

/** ▶ per pending caller, on the scale of the connection bar; `+` when they do not fit. */
export function pendingBar(row: PoolSnapshot, scaleWidth: number, s: Style): string {
  if (row.pending <= 0) return ''.padEnd(PENDING_CELLS)
  const capacity = Math.max(row.max ?? 0, row.used + row.idle, 1)
  const wanted = Math.max(1, Math.round((row.pending / capacity) * scaleWidth))
  const bar = wanted > PENDING_CELLS ? `${BAR_PENDING.repeat(PENDING_CELLS - 1)}+` : BAR_PENDING.repeat(wanted)
  return s.yellow(bar) + ' '.repeat(PENDING_CELLS - visibleWidth(bar))
}

function pad(text: string, width: number, right = false): string {
  const gap = ' '.repeat(Math.max(0, width - visibleWidth(text)))
  return right ? gap + text : text + gap
}

function cut(text: string, width: number): string {
  const chars = [...text]
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`
}

/** Cut `line` to `width` columns on screen, keeping its escapes whole (and resetting them when cut). */
export function fit(line: string, width: number): string {
  if (visibleWidth(line) <= width) return line
  let out = ''
  let used = 0
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes pass through uncounted
  for (const part of line.split(/(\u001b\[[0-9;]*m)/)) {
    if (part.startsWith('\u001b[')) out += part
    else
      for (const char of part) {
        if (used >= width) break
        out += char
        used++
      }
  }
  return line.includes('\u001b[') ? `${out}\u001b[0m` : out
}

/**
 * The full-screen view: a header, one row per pool (connections bar, pending bar, counts, wait
 * p95, timeouts, leak suspects) and a legend. Lines never exceed `info.width` columns.
 */
export function renderScreen(rows: readonly PoolRow[], info: ScreenInfo, s: Style): string[] {
  const width = Math.max(20, info.width)
  const nameWidth = Math.min(20, Math.max(4, ...rows.map((r) => [...r.name].length)))
  const numbers: [string, number][] = [
    ['USED', 4],
    ['IDLE', 4],
    ['MAX', 4],
    ['PEND', 4],
    ['WAIT p95', 9],
    ['TIMEOUTS', 10],
    ['LEAKS', 5],
  ]
  // Ten columns, two spaces between each.
  const fixed = nameWidth + PENDING_CELLS + numbers.reduce((sum, [, w]) => sum + w, 0) + 2 * 9
  const barWidth = Math.max(6, Math.min(40, width - fixed))
  const every = info.intervalMs >= 1000 ? `${Number((info.intervalMs / 1000).toFixed(1))} s` : `${info.intervalMs} ms`
  const title = `${s.bold('pools top')}  ${info.source}  every ${every}  ${clock(info.at)} UTC`
  const quit = s.dim('q quits')
  const lines = [
    cut(title, width - 8) + ' '.repeat(Math.max(2, width - visibleWidth(cut(title, width - 8)) - 7)) + quit,
  ]
  lines.push(info.error ? s.red(cut(`! ${info.error}`, width)) : '')
  const head = [
    pad('POOL', nameWidth),
    pad('CONNECTIONS', barWidth),
    pad('PENDING', PENDING_CELLS),
    ...numbers.map(([label, w]) => pad(label, w, true)),
  ]
  lines.push(s.dim(head.join('  ')))
  if (rows.length === 0) lines.push(s.dim(info.error ? 'no data yet' : 'no @pools metrics at this endpoint yet'))
  for (const row of rows) {
    const timeouts = `${count(row.timeouts)}${row.newTimeouts ? ` (+${count(row.newTimeouts)})` : ''}`
    const values = [
      count(row.used),
      count(row.idle),
      row.max === undefined ? '-' : count(row.max),
      row.pending > 0 ? s.yellow(count(row.pending)) : count(row.pending),
      formatWait(row.waitP95),
      row.newTimeouts ? s.red(timeouts) : timeouts,
      row.leakSuspects > 0 ? s.yellow(count(row.leakSuspects)) : count(row.leakSuspects),
    ]
    lines.push(
      [
        pad(s.bold(cut(row.name, nameWidth)), nameWidth),
        connectionBar(row, barWidth, s),
        pendingBar(row, barWidth, s),
        ...values.map((v, i) => pad(v, numbers[i]?.[1] ?? 0, true)),
      ].join('  '),
    )
  }
  lines.push(
    '',
    s.dim(
      cut(
        `${BAR_USED} used  ${BAR_IDLE} idle  ${BAR_FREE} free (of max)  ${BAR_PENDING} pending · wait p95 ${info.first ? 'since the app started' : `over the last ${every}`} · TIMEOUTS total (+ new) · LEAKS held past the leak threshold now`,
        width,
      ),
    ),
  )
  return lines.map((line) => fit(line, width))
}
