/**
 * Shared, serialisable types of the real-server test harness.
 *
 * Everything in here crosses the main-process → test-worker boundary through
 * vitest's `project.provide()` / `inject()`, so it must stay plain JSON data.
 */

export type ServiceName = 'postgres' | 'mysql' | 'redis'

export const SERVICE_NAMES: readonly ServiceName[] = ['postgres', 'mysql', 'redis']

/** Where a usable server came from. */
export type ServiceSource = 'env' | 'local' | 'embedded' | 'container'

export interface AvailableService {
  readonly available: true
  readonly name: ServiceName
  /** Connection URL of the maintenance database (`test` for the local defaults). */
  readonly url: string
  readonly source: ServiceSource
  /** Server version string as reported by the server. */
  readonly version: string
  /** Human readable description, e.g. "local server at 127.0.0.1:5432". */
  readonly detail: string
}

export interface UnavailableService {
  readonly available: false
  readonly name: ServiceName
  /** Full "SKIPPED: … integration tests — …" message, printed once per run. */
  readonly reason: string
}

export type ServiceStatus = AvailableService | UnavailableService

export interface HarnessContext {
  /** Short random id of this `vitest run`; used to namespace databases, keys and temp dirs. */
  readonly runId: string
  /** Per-run temp directory (under os.tmpdir()) holding private PostgreSQL data dirs. */
  readonly runDir: string
  /** True when `CI` is set: unavailable services fail instead of skipping. */
  readonly ci: boolean
  /** True when the context came from test/harness/global-setup.ts (false: in-worker fallback discovery). */
  readonly fromGlobalSetup: boolean
  readonly services: Readonly<Record<ServiceName, ServiceStatus>>
}

declare module 'vitest' {
  export interface ProvidedContext {
    poolsHarness: HarnessContext
  }
}
