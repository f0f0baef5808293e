/** Where the CLI writes, and what it reads from its environment; tests pass their own. */
export interface CliIo {
  stdout: OutputStream
  stderr: OutputStream
  /** Variables for config interpolation, profile selection and colours. Default `process.env`. */
  env: Readonly<Record<string, string | undefined>>
  /** Where the config search starts. Default `process.cwd()`. */
  cwd: string
  /** Keys for `pools top` on a terminal (`q`, Ctrl-C). Default `process.stdin`. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(raw: boolean): unknown }
}

/** The slice of a stream the CLI uses. */
export interface OutputStream {
  write(text: string): unknown
  isTTY?: boolean | undefined
}

/** Styling that is the identity when colours are off. */
export interface Style {
  readonly enabled: boolean
  red(text: string): string
  yellow(text: string): string
  green(text: string): string
  cyan(text: string): string
  dim(text: string): string
  bold(text: string): string
}

/**
 * Colours only on a terminal, never with `NO_COLOR` set (https://no-color.org), `TERM=dumb` or
 * `--no-color`; `FORCE_COLOR` (not `0`) turns them on anyway.
 */
export function styleFor(stream: OutputStream, env: CliIo['env'], noColor = false): Style {
  const force = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false'
  const enabled =
    !noColor &&
    (force || (stream.isTTY === true && !(env.NO_COLOR !== undefined && env.NO_COLOR !== '') && env.TERM !== 'dumb'))
  const wrap =
    (open: number, close: number) =>
    (text: string): string =>
      enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text
  return {
    enabled,
    red: wrap(31, 39),
    yellow: wrap(33, 39),
    green: wrap(32, 39),
    cyan: wrap(36, 39),
    dim: wrap(2, 22),
    bold: wrap(1, 22),
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const ANSI = /\u001b\[[0-9;]*m/g

/** Width on screen: ANSI escapes take none. */
export function visibleWidth(text: string): number {
  return [...text.replace(ANSI, '')].length
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function table(rows: readonly (readonly string[])[], indent = ''): string {
  const widths: number[] = []
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, visibleWidth(cell))
    })
  }
  return rows
    .map((row) => {
      const cells = row.map((cell, i) =>
        i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visibleWidth(cell)),
      )
      return `${indent}${cells.join('  ')}`.trimEnd()
    })
    .join('\n')
}

/** A mistake in the command line: exit code {@link EXIT.usage}, message and a pointer to `--help`. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/**
 * Exit codes, for scripts.
 * - 0: done; `doctor` found nothing worse than `info`.
 * - 1: `doctor` found at least one warning (and no error).
 * - 2: `doctor` found at least one error (including a pool it could not connect to), or
 *   `size --pool` could not reach the pool's server.
 * - 3: the config file is missing or invalid (`config validate`, `config print`, `doctor`).
 * - 64: bad command line (unknown command or option, missing or bad value).
 * - 70: an unexpected failure (a bug: please report it).
 */
export const EXIT = { ok: 0, warnings: 1, errors: 2, config: 3, usage: 64, internal: 70 } as const

/** A spinner on a terminal while something slower than a moment runs; {@link startSpinner} returns it. */
export interface Spinner {
  /** Change the text shown after the spinner. */
  update(text: string): void
  /** Erase the spinner line (idempotent). */
  stop(): void
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

/**
 * Show `text` with a spinner on `stream` once the work has taken `delayMs` (a moment: 150 ms), until
 * `stop()`. Nothing at all when `stream` is not a terminal, with `TERM=dumb`, or with `CI` set, so
 * piped and captured output stays clean. The line is erased on stop, before any result is printed.
 */
export function startSpinner(stream: OutputStream, env: CliIo['env'], text: string, delayMs = 150): Spinner {
  if (stream.isTTY !== true || env.TERM === 'dumb' || (env.CI !== undefined && env.CI !== '')) {
    return { update() {}, stop() {} }
  }
  let current = text
  let frame = 0
  let shown = false
  let timer: ReturnType<typeof setTimeout> | undefined
  const draw = () => {
    shown = true
    stream.write(`\r${FRAMES[frame++ % FRAMES.length]} ${current}\u001b[K`)
    timer = setTimeout(draw, 80)
    timer.unref?.()
  }
  timer = setTimeout(draw, delayMs)
  timer.unref?.()
  return {
    update(next) {
      current = next
    },
    stop() {
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      if (shown) stream.write('\r\u001b[K')
      shown = false
    },
  }
}
