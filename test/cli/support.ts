/**
 * Runs the `pools` CLI in-process (runCli, as the bin does) or as the built bin, with its output captured,
 * against config files written to a temp folder.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { runCli } from '@pools/cli'
import { afterAll, beforeAll } from 'vitest'

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

/**
 * A temp folder for the file's tests: made before them, removed after them. Made in a hook, not at import:
 * vitest runs no hook of a file whose tests are all skipped (a service missing), so such a file must create
 * nothing it would never remove.
 */
export function tempDir(prefix: string): string {
  const dir = path.join(tmpdir(), `pools-cli-${prefix}-${process.pid}-${randomBytes(4).toString('hex')}`)
  beforeAll(() => {
    mkdirSync(dir, { recursive: true })
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Write `pools.config.json` (or `file`) with `body` into a new subfolder of `root`; returns the folder. */
let count = 0
export function configDir(root: string, body: unknown, file = 'pools.config.json'): string {
  const dir = path.join(root, `c${++count}`)
  mkdirSync(dir, { recursive: true })
  writeFileSync(path.join(dir, file), typeof body === 'string' ? body : JSON.stringify(body, null, 2))
  return dir
}

/** `pools ...args` in-process, with no TTY and the given environment (NODE_ENV and POOLS_ENV unset by default). */
export async function pools(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<CliRun> {
  let stdout = ''
  let stderr = ''
  const code = await runCli(args, {
    cwd: options.cwd,
    env: options.env ?? {},
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  })
  return { code, stdout, stderr }
}

const exec = promisify(execFile)
export const BIN = path.resolve(import.meta.dirname, '../../packages/cli/dist/bin.js')

/** The built bin as a child process (what `npx pools` runs). */
export async function poolsBin(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<CliRun> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', ...options.env },
      timeout: 30_000,
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}
