/**
 * Vitest globalSetup: discovers PostgreSQL / MySQL / Redis once per run, starts an embedded PostgreSQL
 * (or containers) when needed, prints what it found — and, loudly, what it did not — and hands the result
 * to every test worker via `project.provide('poolsHarness', …)` (read it with `inject('poolsHarness')`,
 * or better through the helpers in test/harness/index.ts).
 *
 * Under CI=true a missing service fails the run here.
 * Teardown stops what setup started and sweeps anything a crashed worker left behind.
 */
import { readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { discoverServices, unavailableMessage } from './discovery.js'
import { sweepRunDir } from './embedded-postgres.js'
import { sweepRunResources } from './sweep.js'
import { type HarnessContext, SERVICE_NAMES, type ServiceStatus, type UnavailableService } from './types.js'
import { errorMessage, isCI, randomId, redactUrl, SERVICE_LABEL } from './util.js'

const TAG = '[@pools test harness]'

function describeStatus(status: ServiceStatus): string {
  const label = SERVICE_LABEL[status.name].padEnd(10)
  return status.available
    ? `  ${label} ${redactUrl(status.url)} — ${status.detail} (${status.version})`
    : `  ${label} unavailable`
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM'
  }
}

/** Run dirs of vitest processes that no longer exist (killed before their teardown): sweep them. */
async function sweepStaleRunDirs(): Promise<number> {
  let removed = 0
  for (const entry of await readdir(tmpdir()).catch(() => [] as string[])) {
    const match = /^pools-harness-[a-z0-9]{6}-[pw](\d+)$/.exec(entry)
    if (!match || processAlive(Number(match[1]))) continue
    await sweepRunDir(path.join(tmpdir(), entry)).catch(() => {})
    removed++
  }
  return removed
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = randomId(6)
  // Created lazily (by the first embedded/private PostgreSQL); the pid lets later runs spot it as stale.
  const runDir = path.join(tmpdir(), `pools-harness-${runId}-p${process.pid}`)
  const ci = isCI()
  const startedAt = Date.now()
  const stale = await sweepStaleRunDirs()
  if (stale > 0) console.warn(`${TAG} removed ${stale} run dir(s) left in ${tmpdir()} by killed vitest runs`)

  let discovery: Awaited<ReturnType<typeof discoverServices>>
  try {
    discovery = await discoverServices({ runDir })
  } catch (error) {
    await sweepRunDir(runDir)
    throw error
  }
  const { services } = discovery

  console.log(`${TAG} services for run ${runId} (discovery took ${Date.now() - startedAt} ms):`)
  for (const name of SERVICE_NAMES) console.log(describeStatus(services[name]))
  const missing = SERVICE_NAMES.map((name) => services[name]).filter((s): s is UnavailableService => !s.available)
  for (const status of missing) console.warn(`${TAG} ${unavailableMessage(status, ci)}`)

  if (ci && missing.length > 0) {
    await discovery.stop()
    await sweepRunDir(runDir)
    throw new Error(
      `${TAG} CI=true and ${missing.length} integration service(s) are unavailable; nothing may be skipped under CI:\n` +
        missing.map((s) => `  ${unavailableMessage(s, true)}`).join('\n'),
    )
  }

  const context: HarnessContext = { runId, runDir, ci, fromGlobalSetup: true, services }
  project.provide('poolsHarness', context)

  return async () => {
    const notes: string[] = []
    try {
      const report = await sweepRunResources(services, runId)
      notes.push(...report.lines)
    } catch (error) {
      notes.push(`sweep failed: ${errorMessage(error)}`)
    }
    await discovery.stop()
    const killed = await sweepRunDir(runDir).catch((error) => {
      notes.push(`removing ${runDir} failed: ${errorMessage(error)}`)
      return 0
    })
    if (killed > 0) notes.push(`killed ${killed} private PostgreSQL server(s) left running by test workers`)
    for (const note of notes) console.warn(`${TAG} teardown: ${note}`)
  }
}
