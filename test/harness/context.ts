/**
 * Worker-side view of the harness: the discovered services, service gating (requireService /
 * describeWith*) and scope-aware cleanup registration. Imported only from test files (via index.ts).
 */
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, inject, it, onTestFinished, type RunnerTestCase, TestRunner } from 'vitest'
import { discoverServices, unavailableMessage } from './discovery.js'
import type { AvailableService, HarnessContext, ServiceName, ServiceStatus, UnavailableService } from './types.js'
import { isCI, randomId, SERVICE_LABEL } from './util.js'

async function loadHarnessContext(): Promise<HarnessContext> {
  const provided = inject('poolsHarness') as HarnessContext | undefined
  if (provided) return provided
  // globalSetup not configured (e.g. a package-local vitest config): probe env + default ports only.
  const runId = randomId(6)
  const runDir = path.join(tmpdir(), `pools-harness-${runId}-w${process.pid}`)
  process.once('exit', () => rmSync(runDir, { recursive: true, force: true }))
  const note =
    '[test/harness/global-setup.ts is not in this vitest config, so embedded PostgreSQL and testcontainers were not tried]'
  const { services } = await discoverServices({ runDir, allowEmbedded: false, allowContainers: false, note })
  const ci = isCI()
  for (const status of Object.values(services)) {
    if (!status.available) console.warn(`[@pools test harness] ${unavailableMessage(status, ci)}`)
  }
  return { runId, runDir, ci, fromGlobalSetup: false, services }
}

/** The services of this run, as resolved by the global setup (or the in-worker fallback). */
export const harness: HarnessContext = await loadHarnessContext()

export function serviceStatus(name: ServiceName): ServiceStatus {
  return harness.services[name]
}

function currentTest(): RunnerTestCase | undefined {
  return TestRunner.getCurrentTest<RunnerTestCase | undefined>()
}

/**
 * Returns the service when it is available. Otherwise:
 *  - CI: throws (the test fails with the explicit reason);
 *  - inside a running test: skips that test with the reason as its note;
 *  - elsewhere (collection, beforeAll): throws — use describeWithPostgres() & co. to skip a suite.
 */
export function requireService(name: ServiceName): AvailableService {
  const status = harness.services[name]
  if (status.available) return status
  const message = unavailableMessage(status, harness.ci)
  const test = currentTest()
  if (!harness.ci && test) test.context.skip(message)
  throw new Error(
    harness.ci
      ? message
      : `${message}\n(requireService('${name}') outside a running test cannot skip; wrap the suite in describeWithServices(['${name}'], …) so it is skipped loudly instead of failing)`,
  )
}

function shortReason(status: UnavailableService): string {
  const index = status.reason.indexOf(' (details:')
  return index === -1 ? status.reason : status.reason.slice(0, index)
}

/**
 * `describe` that runs only when all `services` are available. When one is missing the suite is
 * skipped with the reason in its title (and the run-level SKIPPED line was printed by the global setup);
 * under CI it turns into a failing test carrying the reason. Never a silent skip.
 */
export function describeWithServices(services: readonly ServiceName[], name: string, fn: () => void): void {
  const missing = services
    .map((service) => harness.services[service])
    .filter((status): status is UnavailableService => !status.available)
  if (missing.length === 0) {
    describe(name, fn)
    return
  }
  if (harness.ci) {
    describe(name, () => {
      it(`requires ${missing.map((s) => SERVICE_LABEL[s.name]).join(' + ')}`, () => {
        throw new Error(missing.map((s) => unavailableMessage(s, true)).join('\n'))
      })
    })
    return
  }
  describe.skip(`${name} [SKIPPED: ${missing.map(shortReason).join(' / ')}]`, fn)
}

export function describeWithPostgres(name: string, fn: () => void): void {
  describeWithServices(['postgres'], name, fn)
}

export function describeWithMysql(name: string, fn: () => void): void {
  describeWithServices(['mysql'], name, fn)
}

export function describeWithRedis(name: string, fn: () => void): void {
  describeWithServices(['redis'], name, fn)
}

/** Where a harness resource registered its cleanup. */
export type CleanupScope = 'test' | 'suite' | 'file'

/**
 * Register `fn` to run when the current vitest scope ends, detected synchronously at call time:
 *  - inside a running test (or beforeEach/afterEach): when that test finishes (`onTestFinished`);
 *  - while the file is being collected (top level, `describe` body): `afterAll` of that suite;
 *  - inside beforeAll/afterAll: after the whole file (a file-level afterAll hook).
 */
export function registerCleanup(fn: () => Promise<void>): CleanupScope {
  const run = async (): Promise<void> => {
    await fn()
  }
  if (currentTest()) {
    onTestFinished(run)
    return 'test'
  }
  const collector = TestRunner.getCurrentSuite()
  const fileHooks = collector.file
    ? (TestRunner.getSuiteHooks(collector.file) as ReturnType<typeof TestRunner.getSuiteHooks> | undefined)
    : undefined
  if (fileHooks === undefined) {
    // Hooks of a file are only attached once collection finished: we are collecting.
    afterAll(run)
    return 'suite'
  }
  fileHooks.afterAll.push(run)
  return 'file'
}
