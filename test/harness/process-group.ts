/**
 * Process-group helpers shared by the harness's private servers (PostgreSQL, PgBouncer): a server
 * runs in its own process group under a small `sh` watchdog that stops it when the Node process that
 * started it dies, however it dies (even SIGKILL), so no test run leaves a server behind.
 *
 * This module has no vitest imports: it is used by the global setup (main process) and by workers.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { Socket } from 'node:net'
import { errorMessage, sleep } from './util.js'

/**
 * `sh -c watchdogScript(signal) name server args…`: runs the server with stdin closed, and when our
 * end of the shell's stdin closes (the Node process that started it exited or was killed) sends it
 * `signal` (PostgreSQL: QUIT = immediate shutdown; PgBouncer: TERM). Exits with the server's status,
 * so the ChildProcess 'exit' event means "server gone". Spawn it `detached` with stdin a pipe.
 */
export function watchdogScript(signal: 'QUIT' | 'TERM'): string {
  return `exec 3<&0
"$@" </dev/null &
child=$!
( read -r _ <&3; kill -${signal} "$child" 2>/dev/null ) &
watchdog=$!
wait "$child"
code=$?
kill "$watchdog" 2>/dev/null
wait "$watchdog" 2>/dev/null
exit "$code"`
}

/** Processes of a process group that are still alive (zombies excluded); Linux /proc based, `kill -0` elsewhere. */
export function liveGroupMembers(pgid: number): number[] {
  if (process.platform !== 'linux') {
    try {
      process.kill(-pgid, 0)
      return [pgid]
    } catch {
      return []
    }
  }
  const members: number[] = []
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return members
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    let statLine: string
    try {
      statLine = readFileSync(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue // vanished
    }
    const fields = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ')
    const state = fields[0]
    if (Number(fields[2]) === pgid && state !== 'Z' && state !== 'X') members.push(Number(entry))
  }
  return members
}

/** Process group of `pid` (Linux /proc), or `pid` itself when unknown. */
export function groupOf(pid: number): number {
  try {
    const statLine = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const pgrp = Number(statLine.slice(statLine.lastIndexOf(')') + 2).split(' ')[2])
    return Number.isInteger(pgrp) && pgrp > 1 ? pgrp : pid
  } catch {
    return pid
  }
}

/** Signal every process of a group; a group already gone is fine. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal)
  } catch {
    // group already gone
  }
}

/** Wait until no live process is left in the group; false if some still are after `timeoutMs`. */
export async function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (liveGroupMembers(pgid).length === 0) return true
    await sleep(20)
  }
  return liveGroupMembers(pgid).length === 0
}

/** A server started by {@link spawnWatched}. */
export interface WatchedProcess {
  readonly child: ChildProcess
  /** Size of the log file before the spawn: the server's own lines start there. */
  readonly logStart: number
  /** Why it is gone (exit code and signal, or the spawn error); undefined while it runs. */
  exitInfo(): string | undefined
  /** Resolves once it is gone. */
  readonly exited: Promise<void>
}

/**
 * Start `command args…` under the {@link watchdogScript} in its own process group (so a group
 * signal takes down the server and everything it forked), stdout and stderr appended to `logFile`.
 * Nothing here keeps this process alive. `onGone` runs once when the server exits or cannot start.
 */
export async function spawnWatched(options: {
  /** argv[0] of the watchdog shell, as `ps` shows it. */
  name: string
  signal: 'QUIT' | 'TERM'
  command: string
  args: readonly string[]
  logFile: string
  /** Run as this user (when the tests run as root). */
  ids?: { uid: number; gid: number }
  env: NodeJS.ProcessEnv
  onGone(child: ChildProcess): void
}): Promise<WatchedProcess> {
  const logStart = await stat(options.logFile).then(
    (s) => s.size,
    () => 0,
  )
  const fd = openSync(options.logFile, 'a')
  let child: ChildProcess
  try {
    child = spawn('/bin/sh', ['-c', watchdogScript(options.signal), options.name, options.command, ...options.args], {
      ...(options.ids ?? {}),
      detached: true,
      // stdin is the watchdog's lifeline: it closes when this process dies, however it dies.
      stdio: ['pipe', fd, fd],
      env: options.env,
    })
  } finally {
    closeSync(fd)
  }
  child.unref()
  ;(child.stdin as Socket | null)?.unref()
  child.stdin?.on('error', () => {})
  let info: string | undefined
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      info = `exit code ${code ?? 'null'}, signal ${signal ?? 'null'}`
      options.onGone(child)
      resolve()
    })
    child.once('error', (error) => {
      info = errorMessage(error)
      options.onGone(child)
      resolve()
    })
  })
  return { child, logStart, exitInfo: () => info, exited }
}
