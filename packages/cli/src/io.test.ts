import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { VERSION } from './cli.js'
import { styleFor, table, visibleWidth } from './io.js'

describe('colours', () => {
  const tty = { write: () => true, isTTY: true }
  const pipe = { write: () => true }
  it('on a terminal only, off with NO_COLOR, TERM=dumb or --no-color; FORCE_COLOR forces them', () => {
    expect(styleFor(tty, {}).enabled).toBe(true)
    expect(styleFor(tty, {}).red('x')).toBe('\u001b[31mx\u001b[39m')
    expect(styleFor(pipe, {}).enabled).toBe(false)
    expect(styleFor(pipe, {}).red('x')).toBe('x')
    expect(styleFor(tty, { NO_COLOR: '1' }).enabled).toBe(false)
    expect(styleFor(tty, { NO_COLOR: '' }).enabled).toBe(true) // no-color.org: only a non-empty value counts
    expect(styleFor(tty, { TERM: 'dumb' }).enabled).toBe(false)
    expect(styleFor(tty, {}, true).enabled).toBe(false)
    expect(styleFor(pipe, { FORCE_COLOR: '1' }).enabled).toBe(true)
    expect(styleFor(pipe, { FORCE_COLOR: '0' }).enabled).toBe(false)
  })
})

describe('table', () => {
  it('aligns on visible width, ignoring colour codes', () => {
    const s = styleFor({ write: () => true }, { FORCE_COLOR: '1' })
    const text = table([
      [s.green('✓'), 'a', 'one'],
      ['!', 'longer', 'two'],
    ])
    expect(text.split('\n').map(visibleWidth)).toEqual([14, 14])
    expect(text.replaceAll(`${'\u001b'}[32m`, '').replaceAll(`${'\u001b'}[39m`, '')).toBe(
      '✓  a       one\n!  longer  two',
    )
  })
})

describe('VERSION', () => {
  it("is package.json's version", () => {
    const pkg = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../package.json'), 'utf8'))
    expect(VERSION).toBe(pkg.version)
  })
})

describe('the spinner', () => {
  it('draws on a terminal after a moment, erases its line on stop; nothing without a TTY or with CI', async () => {
    const { startSpinner } = await import('./io.js')
    const { vi } = await import('vitest')
    vi.useFakeTimers()
    try {
      let tty = ''
      const spinner = startSpinner({ write: (t: string) => (tty += t), isTTY: true }, {}, 'checking')
      vi.advanceTimersByTime(100)
      expect(tty).toBe('') // quicker than a moment: nothing shown
      vi.advanceTimersByTime(60)
      expect(tty).toBe('\r⠋ checking\u001b[K')
      spinner.update('checking b')
      vi.advanceTimersByTime(80)
      expect(tty.endsWith('\r⠙ checking b\u001b[K')).toBe(true)
      spinner.stop()
      expect(tty.endsWith('\r\u001b[K')).toBe(true)
      const after = tty
      vi.advanceTimersByTime(1000)
      expect(tty).toBe(after)

      for (const [stream, env] of [
        [{ isTTY: false }, {}],
        [{ isTTY: true }, { CI: 'true' }],
        [{ isTTY: true }, { TERM: 'dumb' }],
      ] as const) {
        let out = ''
        const s = startSpinner({ write: (t: string) => (out += t), ...stream }, env, 'x')
        vi.advanceTimersByTime(1000)
        s.stop()
        expect(out).toBe('')
      }
    } finally {
      vi.useRealTimers()
    }
  })
})
