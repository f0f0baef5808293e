/**
 * The built bin as a child process, as `npx pools` runs it: help, version, exit codes, and colours
 * only when asked for (no TTY here; FORCE_COLOR forces them, NO_COLOR / --no-color win).
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { configDir, poolsBin, tempDir } from './support.js'

const root = tempDir('bin')
const ESC = '\u001b['

describe('the pools bin', () => {
  it('--help, --version and help <command>', async () => {
    const help = await poolsBin(['--help'], { cwd: root })
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^Usage: pools <command> \[options\]\n\nCommands:\n {2}size/)
    const version = await poolsBin(['--version'], { cwd: root })
    const pkg = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../packages/cli/package.json'), 'utf8'))
    expect(version.stdout).toBe(`${pkg.version}\n`)
    for (const command of ['size', 'doctor']) {
      const run = await poolsBin(['help', command], { cwd: root })
      expect(run.stdout.split('\n')[0]).toBe(`Usage: pools ${command} [options]`)
      expect((await poolsBin([command, '-h'], { cwd: root })).stdout).toBe(run.stdout)
    }
    const none = await poolsBin([], { cwd: root })
    expect(none.code).toBe(64)
  })

  it('exit codes reach the shell: 64 for a bad command, 3 for a bad config, 0 for a valid one', async () => {
    const bad = await poolsBin(['sise'], { cwd: root })
    expect([bad.code, bad.stderr]).toEqual([
      64,
      'error: unknown command "sise" (did you mean "size"?)\nRun "pools --help" for usage.\n',
    ])
    const invalid = configDir(root, { pools: { a: { min: 3, max: 1 } } })
    expect((await poolsBin(['config', 'validate'], { cwd: invalid })).code).toBe(3)
    const valid = configDir(root, { pools: { a: { max: 1 } } })
    expect((await poolsBin(['config', 'validate'], { cwd: valid })).code).toBe(0)
  })

  it('no colours without a TTY; FORCE_COLOR turns them on; --no-color wins over it', async () => {
    const dir = configDir(root, { pools: { a: { max: 1 } } })
    const plain = await poolsBin(['config', 'validate'], { cwd: dir, env: {} })
    expect(plain.stdout.startsWith('✓ ')).toBe(true)
    expect(plain.stdout).not.toContain(ESC)
    const forced = await poolsBin(['config', 'validate'], { cwd: dir, env: { FORCE_COLOR: '1' } })
    expect(forced.stdout.startsWith(`${ESC}32m✓${ESC}39m `)).toBe(true)
    const off = await poolsBin(['config', 'validate', '--no-color'], { cwd: dir, env: { FORCE_COLOR: '1' } })
    expect(off.stdout).not.toContain(ESC)
    const size = await poolsBin(['size', '--cores', '4'], { cwd: dir, env: { FORCE_COLOR: '1' } })
    expect(size.stdout).toContain(`${ESC}1mRecommended:${ESC}22m`)
  })
})
