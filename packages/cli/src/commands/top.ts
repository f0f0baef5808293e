import { redactUrl } from '@pools/core/config-file'
import { COMMON, helpText, numberOption, type OptionSpecs, parse } from '../args.js'
import { type CliIo, EXIT, type OutputStream, styleFor, UsageError } from '../io.js'
import { ExpositionError, parseExposition } from '../top/exposition.js'
import { poolRows, renderLine, renderScreen } from '../top/render.js'
import { type PoolSnapshot, poolSnapshots } from '../top/snapshot.js'

const DEFAULT_URL = 'http://127.0.0.1:9464/metrics'

const OPTIONS: OptionSpecs = {
  interval: {
    type: 'string',
    short: 'n',
    value: '<time>',
    help: 'Refresh every <time>: 2s (default), 500ms, or a number of seconds; at least 100ms.',
  },
  once: { type: 'boolean', help: 'Print one snapshot as plain lines and exit (wait p95 since the app started).' },
  count: {
    type: 'string',
    value: '<n>',
    help: 'Without a terminal: stop after <n> snapshots (default: until Ctrl-C).',
  },
  'timeout-ms': { type: 'string', value: '<ms>', help: 'Give up on one scrape after this long (default 5000).' },
  ...COMMON,
}

export const TOP_HELP = helpText(
  'pools top [url] [options]',
  `A live view of a running app's pools, read from its Prometheus metrics endpoint (metricsHandler of
@pools/core/prometheus, or the OpenTelemetry Prometheus exporter): per pool, connections used / idle /
free of max and callers pending as bars, acquire wait p95 over the refresh interval, acquire timeouts,
and leak suspects. url: the endpoint (default ${DEFAULT_URL}; "9464" or "host:9464" work too).
On a terminal it refreshes in place (q or Ctrl-C quits); otherwise it prints one line per pool per
refresh.`,
  OPTIONS,
  `Exit codes: 0 done (quit, --count reached), 2 the endpoint could not be read or serves no @pools metrics
(--once), 64 bad command line.

Examples:
  pools top                                   # http://127.0.0.1:9464/metrics
  pools top http://10.0.0.5:9464/metrics --interval 1s
  pools top 9464 --once
  pools top 9464 --count 30 --interval 10s >> pools.log`,
)

/** `9464`, `host:9464`, `host:9464/path` or a full URL; no path means `/metrics`. */
export function metricsUrl(input: string | undefined): URL {
  const raw = (input ?? DEFAULT_URL).trim()
  const text = /^\d+$/.test(raw)
    ? `http://127.0.0.1:${raw}/metrics`
    : /^[a-z][a-z0-9+.-]*:\/\//i.test(raw)
      ? raw
      : `http://${raw}`
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new UsageError(`pools top: "${raw.slice(0, 80)}" is not a URL (e.g. http://127.0.0.1:9464/metrics)`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`pools top: the metrics endpoint must be http:// or https://, got ${url.protocol}`)
  }
  if (url.pathname === '/' && !raw.endsWith('/')) url.pathname = '/metrics'
  return url
}

/** `2s`, `500ms`, `1.5` (seconds) → milliseconds. */
export function intervalMs(input: string | undefined): number {
  if (input === undefined) return 2_000
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$/.exec(input)
  const value = match ? Number(match[1]) * (match[2] === 'ms' ? 1 : 1000) : Number.NaN
  if (!(value >= 100))
    throw new UsageError(`pools top: --interval must be at least 100ms (e.g. 2s, 500ms), got "${input.slice(0, 40)}"`)
  return value
}

type Scrape = { pools: PoolSnapshot[] } | { error: string }

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`
  }
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined
  if (cause && typeof cause.code === 'string') return cause.code
  if (cause && typeof cause.message === 'string') return cause.message
  return error instanceof Error ? error.message : String(error)
}

async function scrape(url: URL, timeoutMs: number, quit: AbortSignal, shown: string): Promise<Scrape> {
  try {
    const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), quit])
    const headers: Record<string, string> = { accept: 'text/plain;version=0.0.4' }
    let target = url
    if (url.username !== '' || url.password !== '') {
      // fetch refuses URLs with credentials: send them as HTTP basic auth instead.
      const user = decodeURIComponent(url.username)
      const password = decodeURIComponent(url.password)
      headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
      target = new URL(url.href)
      target.username = ''
      target.password = ''
    }
    const response = await fetch(target, { signal, headers })
    const body = await response.text()
    if (!response.ok) return { error: `${shown} answered HTTP ${response.status}` }
    return { pools: poolSnapshots(parseExposition(body)) }
  } catch (error) {
    if (error instanceof ExpositionError)
      return { error: `${shown} did not answer in the Prometheus text format: ${error.message}` }
    return { error: `could not read ${shown}: ${describeFailure(error, timeoutMs)}` }
  }
}

/** The slice of stdin the live view uses. */
interface KeyInput {
  isTTY?: boolean
  setRawMode?(raw: boolean): unknown
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown
  off(event: 'data', listener: (chunk: Buffer | string) => void): unknown
  resume(): unknown
  pause(): unknown
}

type Screen = OutputStream & {
  columns?: number
  on?(event: 'resize', l: () => void): unknown
  off?(event: 'resize', l: () => void): unknown
}

const ENTER_SCREEN = '\u001b[?1049h\u001b[?25l'
const LEAVE_SCREEN = '\u001b[?25h\u001b[?1049l'
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}

/** `pools top`. */
export async function topCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('pools top', argv, OPTIONS, 1)
  if (values.help) {
    io.stdout.write(TOP_HELP)
    return EXIT.ok
  }
  const url = metricsUrl(positionals[0])
  const shown = redactUrl(url.href)
  const every = intervalMs(typeof values.interval === 'string' ? values.interval : undefined)
  const timeoutMs = numberOption('pools top', values, 'timeout-ms') ?? 5_000
  if (!(timeoutMs >= 1)) throw new UsageError('pools top: --timeout-ms must be at least 1')
  const count = numberOption('pools top', values, 'count')
  if (count !== undefined && (!Number.isInteger(count) || count < 1)) {
    throw new UsageError('pools top: --count must be a whole number of at least 1')
  }
  const stdin = (io.stdin ?? process.stdin) as KeyInput
  const quit = new AbortController()
  const onSignal = () => quit.abort()
  for (const signal of SIGNALS) process.on(signal, onSignal)
  try {
    if (values.once) return await once(url, shown, timeoutMs, io)
    const live = io.stdout.isTTY === true && stdin.isTTY === true && typeof stdin.setRawMode === 'function'
    if (live) return await screen(url, shown, every, timeoutMs, io, stdin, quit, values['no-color'] === true)
    return await lines(url, shown, every, timeoutMs, count, io, quit.signal)
  } finally {
    for (const signal of SIGNALS) process.off(signal, onSignal)
  }
}

async function once(url: URL, shown: string, timeoutMs: number, io: CliIo): Promise<number> {
  const at = new Date()
  const result = await scrape(url, timeoutMs, new AbortController().signal, shown)
  if ('error' in result) {
    io.stderr.write(`error: ${result.error}\n`)
    return EXIT.errors
  }
  if (result.pools.length === 0) {
    io.stderr.write(`error: ${shown} serves no @pools metrics (call registerPrometheusMetrics() in the app)\n`)
    return EXIT.errors
  }
  io.stdout.write(
    `${poolRows(result.pools, undefined)
      .map((row) => renderLine(row, at))
      .join('\n')}\n`,
  )
  return EXIT.ok
}

async function lines(
  url: URL,
  shown: string,
  every: number,
  timeoutMs: number,
  count: number | undefined,
  io: CliIo,
  quit: AbortSignal,
): Promise<number> {
  let previous: PoolSnapshot[] | undefined
  for (let n = 0; !quit.aborted && (count === undefined || n < count); n++) {
    if (n > 0) await sleep(every, quit)
    if (quit.aborted) break
    const at = new Date()
    const result = await scrape(url, timeoutMs, quit, shown)
    if (quit.aborted) break
    if ('error' in result) io.stderr.write(`${at.toISOString().slice(11, 19)} error: ${result.error}\n`)
    else {
      const rows = poolRows(result.pools, previous)
      io.stdout.write(rows.length === 0 ? '' : `${rows.map((row) => renderLine(row, at)).join('\n')}\n`)
      previous = result.pools
    }
  }
  return EXIT.ok
}

async function screen(
  url: URL,
  shown: string,
  every: number,
  timeoutMs: number,
  io: CliIo,
  stdin: KeyInput,
  quit: AbortController,
  noColor: boolean,
): Promise<number> {
  const out = io.stdout as Screen
  const s = styleFor(out, io.env, noColor)
  let frame: (() => void) | undefined
  const onKey = (chunk: Buffer | string) => {
    const key = String(chunk)
    if (key.includes('q') || key.includes('Q') || key.includes('\u0003') || key.includes('\u0004')) quit.abort()
  }
  const onResize = () => frame?.()
  let restored = false
  const restore = () => {
    if (restored) return
    restored = true
    out.write(LEAVE_SCREEN)
    try {
      stdin.setRawMode?.(false)
    } catch {
      // stdin already closed: nothing to restore
    }
    stdin.off('data', onKey)
    stdin.pause()
    out.off?.('resize', onResize)
  }
  // A crash or process.exit elsewhere must not leave the terminal in the alternate screen, raw.
  process.once('exit', restore)
  out.write(ENTER_SCREEN)
  stdin.setRawMode?.(true)
  stdin.on('data', onKey)
  stdin.resume()
  out.on?.('resize', onResize)
  try {
    let previous: PoolSnapshot[] | undefined
    let shownRows: ReturnType<typeof poolRows> = []
    let first = true
    while (!quit.signal.aborted) {
      const at = new Date()
      const result = await scrape(url, timeoutMs, quit.signal, shown)
      if (quit.signal.aborted) break
      let error: string | undefined
      if ('error' in result) error = `${result.error} (retrying every ${every} ms)`
      else {
        shownRows = poolRows(result.pools, previous)
        first = previous === undefined
        previous = result.pools
      }
      const draw = (firstFrame: boolean) => () => {
        const text = renderScreen(
          shownRows,
          { source: shown, intervalMs: every, at, width: out.columns ?? 80, error, first: firstFrame },
          s,
        )
        out.write(`\u001b[H${text.map((line) => `${line}\u001b[K`).join('\r\n')}\u001b[J`)
      }
      frame = draw(first)
      frame()
      await sleep(every, quit.signal)
    }
    return EXIT.ok
  } finally {
    restore()
    process.off('exit', restore)
  }
}
